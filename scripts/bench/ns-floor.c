/* The floor for a container launch: a static program with no C library that makes new
 * pid, mount, uts, ipc, net and cgroup namespaces, forks, makes its mounts private, mounts
 * a fresh /proc, execs the command and waits for it — nothing else. `make bench` measures
 * it beside husk run, unshare(1), bubblewrap, crun and runc in the same run. */
#include "floor.h"

__attribute__((noreturn, used)) void floor_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	char **envp = argv + sp[0] + 1;
	int status = 0;
	if (sc(272 /* unshare */, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP, 0, 0, 0, 0) < 0)
		sc(231, 125, 0, 0, 0, 0);
	long pid = sc(56 /* clone */, 17 /* SIGCHLD */, 0, 0, 0, 0);
	if (pid == 0) {
		sc(165 /* mount */, 0, (long)"/", 0, MS_REC | MS_PRIVATE, 0);
		sc(165, (long)"proc", (long)"/proc", (long)"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
		sc(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)envp, 0, 0);
		sc(60, 127, 0, 0, 0, 0);
	}
	sc(61 /* wait4 */, pid, (long)&status, 0, 0, 0);
	sc(231 /* exit_group */, (status >> 8) & 0xff, 0, 0, 0, 0);
	for (;;)
		;
}
