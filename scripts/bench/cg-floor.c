/* The floor for a launch with a memory limit on cgroup v2: ns-floor's launch (new pid,
 * mount, uts, ipc, net and cgroup namespaces, a fresh /proc, exec, wait), and with -m
 * first a cgroup (/sys/fs/cgroup/cg-floor, memory enabled in the root by the caller) with
 * memory.max set, the child born in it by clone3(CLONE_INTO_CGROUP), and the cgroup
 * removed after the wait. No C library, nothing else: what the kernel itself charges for
 * the limit. Run in the VM by scripts/vm-test.sh --cgroup-bench. */
#include "floor.h"

#define CLONE_INTO_CGROUP 0x200000000UL
#define AT_FDCWD -100
#define O_WRONLY 1
#define O_DIRECTORY 0200000
#define O_PATH 010000000

static const char CG[] = "/sys/fs/cgroup/cg-floor";

__attribute__((noreturn, used)) void floor_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	char **envp = argv + sp[0] + 1;
	int status = 0, mem = argv[1][0] == '-' && argv[1][1] == 'm';
	unsigned long args[11] = {0};
	if (mem) {
		argv++;
		if (sc(83 /* mkdir */, (long)CG, 0755, 0, 0, 0) < 0)
			sc(231, 125, 0, 0, 0, 0);
		long dir = sc(257 /* openat */, AT_FDCWD, (long)CG, O_PATH | O_DIRECTORY, 0, 0);
		long f = sc(257, dir, (long)"memory.max", O_WRONLY, 0, 0);
		if (dir < 0 || f < 0 || sc(1 /* write */, f, (long)"67108864", 8, 0, 0) != 8)
			sc(231, 125, 0, 0, 0, 0);
		sc(3 /* close */, f, 0, 0, 0, 0);
		args[0] = CLONE_INTO_CGROUP;
		args[10] = dir;
	}
	if (sc(272 /* unshare */, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP, 0, 0, 0, 0) < 0)
		sc(231, 125, 0, 0, 0, 0);
	args[4] = 17; /* SIGCHLD */
	long pid = sc(435 /* clone3 */, (long)args, sizeof args, 0, 0, 0);
	if (pid == 0) {
		sc(165 /* mount */, 0, (long)"/", 0, MS_REC | MS_PRIVATE, 0);
		sc(165, (long)"proc", (long)"/proc", (long)"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
		sc(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)envp, 0, 0);
		sc(60, 127, 0, 0, 0, 0);
	}
	if (pid < 0)
		sc(231, 125, 0, 0, 0, 0);
	sc(61 /* wait4 */, pid, (long)&status, 0, 0, 0);
	if (mem && sc(84 /* rmdir */, (long)CG, 0, 0, 0, 0) < 0)
		sc(231, 125, 0, 0, 0, 0);
	sc(231 /* exit_group */, (status >> 8) & 0xff, 0, 0, 0, 0);
	for (;;)
		;
}
