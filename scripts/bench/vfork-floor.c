/* The floor for an init's cost: a static program with no C library that does nothing but
 * vfork, execve and wait4, then exits with the child's status. `make bench` builds it
 * and measures it beside husk, so the floor is taken on the same machine in the same run. */
#include "floor.h"

__attribute__((noreturn, used)) void floor_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	char **envp = argv + sp[0] + 1;
	int status = 0;
	long pid = sc(58 /* vfork */, 0, 0, 0, 0, 0);
	if (pid == 0) {
		sc(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)envp, 0, 0);
		sc(60 /* exit */, 127, 0, 0, 0, 0);
	}
	sc(61 /* wait4 */, pid, (long)&status, 0, 0, 0);
	sc(231 /* exit_group */, (status >> 8) & 0xff, 0, 0, 0, 0);
	for (;;)
		;
}
