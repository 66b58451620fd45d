/* The floor for a container launch: a static program with no C library that makes new
 * pid, mount, uts, ipc, net and cgroup namespaces, forks, makes its mounts private, mounts
 * a fresh /proc, execs the command and waits for it — nothing else. `make bench` measures
 * it beside husk run, unshare(1), bubblewrap, crun and runc in the same run. */
static long sc(long n, long a, long b, long c, long d, long e)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
	return r;
}

#define CLONE_NEWNS 0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define MS_NOSUID 2
#define MS_NODEV 4
#define MS_NOEXEC 8
#define MS_REC 0x4000
#define MS_PRIVATE 0x40000

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

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call floor_main\n");
