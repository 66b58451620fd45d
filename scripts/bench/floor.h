/* What the floor programs beside this file share: a raw x86_64 system call, the flags
 * they use, and the entry point that hands the initial stack to floor_main(sp). No C
 * library: each program is built with -static -nostdlib -no-pie. */
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

__attribute__((noreturn, used)) void floor_main(long *sp);
__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call floor_main\n");
