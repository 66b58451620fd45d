//! Processes: spawning with vfork semantics, exec, wait, process groups.
use super::signal::{set_mask, SigSet};
use super::start::CVec;
use super::{sc0, sc1, sc2, sc3, sc4, Errno, Fd, Pid, RawFd, Result};
use core::ffi::{c_void, CStr};
use core::sync::atomic::{AtomicI32, Ordering};
use linux_raw_sys::general as g;
use syscalls::Sysno;

/// execve(2). Returns only on failure.
pub fn execve(path: &CStr, argv: CVec, envp: CVec) -> Errno {
    match sc3(
        Sysno::execve,
        path.as_ptr() as usize,
        argv.as_ptr() as usize,
        envp.as_ptr() as usize,
    ) {
        Err(e) => e,
        Ok(_) => Errno::EINVAL,
    }
}

/// wait4(2). With `nohang`, `Ok(None)` means no child has changed state yet.
/// Returns the pid and the raw wait status.
pub fn wait(pid: Pid, nohang: bool) -> Result<Option<(Pid, i32)>> {
    let mut status = 0i32;
    let flags = if nohang { g::WNOHANG } else { 0 } | g::__WALL;
    let r = super::retry(|| {
        sc4(
            Sysno::wait4,
            pid as isize as usize,
            &mut status as *mut i32 as usize,
            flags as usize,
            0,
        )
    })?;
    Ok(if r == 0 {
        None
    } else {
        Some((r as Pid, status))
    })
}

/// setpgid(2)
pub fn setpgid(pid: Pid, pgid: Pid) -> Result<()> {
    sc2(Sysno::setpgid, pid as usize, pgid as usize).map(drop)
}

/// getpgid(0): the caller's process group.
pub fn getpgrp() -> Pid {
    sc1(Sysno::getpgid, 0).unwrap_or(0) as Pid
}

/// tcgetpgrp(fd): the foreground process group of the terminal on `fd`.
pub fn tcgetpgrp(fd: i32) -> Result<Pid> {
    let mut pgrp: Pid = 0;
    sc3(
        Sysno::ioctl,
        fd as usize,
        linux_raw_sys::ioctl::TIOCGPGRP as usize,
        &mut pgrp as *mut Pid as usize,
    )?;
    Ok(pgrp)
}

/// tcsetpgrp(fd, pgrp)
pub fn tcsetpgrp(fd: i32, pgrp: Pid) -> Result<()> {
    super::ioctl_ptr(fd, linux_raw_sys::ioctl::TIOCSPGRP, &pgrp).map(drop)
}

/// What a freshly spawned child does between its birth and `execve`.
pub struct Exec<'a> {
    /// Paths to try in order (one, or each `PATH` entry joined with the name).
    pub paths: &'a [&'a CStr],
    pub argv: CVec,
    pub envp: CVec,
    /// The signal mask the command starts with.
    pub mask: SigSet,
    /// Put the child in a new process group of its own.
    pub new_pgrp: bool,
    /// ... and make that group the foreground group of the terminal on fd 0.
    pub foreground: bool,
    /// Instead of a process group: a new session whose controlling terminal is the one on
    /// fd 0 (a machine's console, so that a shell there has job control and Ctrl-C).
    pub session: bool,
    /// A seccomp filter to install just before execve: in the command only, not in the
    /// init that spawns it (which must keep its kill() and wait4(), whatever is refused).
    pub filter: Option<&'a [crate::seccomp::Insn]>,
    /// Hold the command back until the parent sends `signals::RELEASE` (see [`spawn`]).
    pub hold: bool,
}

pub enum SpawnError {
    Clone(Errno),
    /// The command could not be started (exec, or its seccomp filter, failed); the child
    /// has already printed why. The exit status it implies.
    Exec(u8),
}

struct Shared<'a> {
    req: &'a Exec<'a>,
    err: AtomicI32,
}

// The clone trampoline for CLONE_VM|CLONE_VFORK. The child runs `f(arg)` on the part of
// our stack below the current frame (we are suspended until it execs or exits, so that
// memory is free) and exits with `f`'s return value: it never returns into our frames,
// which is what makes sharing the address space safe. Arguments: (flags, f, arg);
// returns clone's result in the parent.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl husk_clone_call",
    ".type husk_clone_call,@function",
    "husk_clone_call:",
    "mov rcx, rdx",
    "mov rdx, rsi",
    "lea rsi, [rsp - 512]",
    "and rsi, -16",
    "sub rsi, 16",
    "mov [rsi], rdx",
    "mov [rsi+8], rcx",
    "xor edx, edx",
    "xor r10d, r10d",
    "xor r8d, r8d",
    "mov eax, 56",
    "syscall",
    "test rax, rax",
    "jz 2f",
    "ret",
    "2:",
    "xor ebp, ebp",
    "pop rax",
    "pop rdi",
    "call rax",
    "mov edi, eax",
    "mov eax, 231",
    "syscall",
    "ud2",
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl husk_clone_call",
    ".type husk_clone_call,%function",
    "husk_clone_call:",
    "mov x3, x2",
    "mov x2, x1",
    "sub x1, sp, #512",
    "and x1, x1, #-16",
    "stp x2, x3, [x1, #-16]!",
    "mov x2, xzr",
    "mov x3, xzr",
    "mov x4, xzr",
    "mov x8, #220",
    "svc #0",
    "cbz x0, 2f",
    "ret",
    "2:",
    "mov x29, xzr",
    "ldp x2, x0, [sp], #16",
    "blr x2",
    "mov x8, #94",
    "svc #0",
    "brk #0",
);

extern "C" {
    fn husk_clone_call(
        flags: usize,
        f: extern "C" fn(*mut c_void) -> i32,
        arg: *mut c_void,
    ) -> isize;
}

extern "C" fn spawn_child(arg: *mut c_void) -> i32 {
    // SAFETY: the parent is suspended (CLONE_VFORK) with `Shared` alive on its stack.
    let sh = unsafe { &*(arg as *const Shared) };
    let req = sh.req;
    if req.session {
        let _ = sc0(Sysno::setsid);
        // TIOCSCTTY with 0: never take a terminal that is another session's already.
        let _ = sc3(Sysno::ioctl, 0, linux_raw_sys::ioctl::TIOCSCTTY as usize, 0);
    } else if req.new_pgrp {
        let _ = setpgid(0, 0);
        if req.foreground {
            // Blocked SIGTTOU (inherited from the parent) lets a background group do this.
            let _ = tcsetpgrp(0, super::getpid());
        }
    }
    if req.hold {
        // Blocked, like every signal here: taken from the pending set, never delivered.
        super::signal::wait_for(crate::signals::RELEASE);
    }
    let _ = set_mask(req.mask);
    let name = req.argv.get(0);
    // The child reports a failure itself and exits with its status. Under qemu-user,
    // CLONE_VM|CLONE_VFORK becomes a plain fork: the store below lands in a copy of our
    // memory and the parent, already running, supervises the child as a command like any
    // other, so this message and this status are all that tell what went wrong. On a
    // real kernel the parent also sees the status and reaps the child at once.
    let (e, code) = match req.filter.map(super::security::seccomp_filter) {
        Some(Err(e)) => (
            crate::error::Error::sys("install seccomp filter for", name, e),
            125,
        ),
        _ => crate::status::exec_error(name, execvp(req.paths, req.argv, req.envp)),
    };
    sh.err.store(code as i32, Ordering::Relaxed);
    e.print();
    code as i32
}

/// Tries each candidate path with execvp's rules: keep searching past ENOENT, ENOTDIR
/// and EACCES, report EACCES if that is all that was found, stop at anything else
/// (E2BIG, ...). A file the kernel does not know how to run (ENOEXEC: a script without
/// `#!`) is run by /bin/sh, as execvp(3) does; ENOEXEC is reported if that fails too.
/// Returns only on failure.
pub fn execvp(paths: &[&CStr], argv: CVec, envp: CVec) -> Errno {
    let mut err = Errno::ENOENT;
    for p in paths {
        match execve(p, argv, envp) {
            Errno::EACCES => err = Errno::EACCES,
            Errno::ENOENT | Errno::ENOTDIR => {}
            Errno::ENOEXEC => {
                exec_sh(p, argv, envp);
                return Errno::ENOEXEC;
            }
            e => return e,
        }
    }
    err
}

/// execve("/bin/sh", ["/bin/sh", path, ARG...], envp) for the command `argv` found at
/// `path`. The new argv is built on the stack, or in pages of its own when it is long:
/// never on the heap, which a vfork child (see [`spawn`]) shares with its suspended
/// parent. Such pages stay in the parent's memory if the exec succeeds there, so only
/// a command with more than ON_STACK - 2 arguments costs it a page or more. Returns only
/// on failure.
#[inline(never)]
fn exec_sh(path: &CStr, argv: CVec, envp: CVec) {
    const ON_STACK: usize = 64;
    // ARG... and the NULL that ends them.
    let args = argv.tail(1).raw();
    let n = args.len() + 2;
    let mut small = [core::ptr::null::<core::ffi::c_char>(); ON_STACK];
    let size = n * core::mem::size_of::<usize>();
    let pages = if n > ON_STACK {
        super::alloc::mmap(size)
    } else {
        core::ptr::null_mut()
    };
    let v = if n <= ON_STACK {
        &mut small[..n]
    } else if pages.is_null() {
        return;
    } else {
        // SAFETY: fresh pages of `size` bytes, ours alone, page-aligned.
        unsafe { core::slice::from_raw_parts_mut(pages as *mut *const _, n) }
    };
    // n >= 2: the pattern always matches.
    if let [sh, p, rest @ ..] = &mut *v {
        *sh = c"/bin/sh".as_ptr();
        *p = path.as_ptr();
        rest.copy_from_slice(args);
    }
    let _ = sc3(
        Sysno::execve,
        c"/bin/sh".as_ptr() as usize,
        v.as_ptr() as usize,
        envp.as_ptr() as usize,
    );
    if !pages.is_null() {
        let _ = sc2(Sysno::munmap, pages as usize, size);
    }
}

/// Starts `req` in a new process with vfork semantics: the child shares our memory and
/// we sleep until it has called execve, so the cost is one clone and no page copying.
/// An exec failure is seen here (the child writes the exit status it implies into our
/// memory before it exits, having printed the error) and the dead child is reaped before
/// returning. Where CLONE_VM is not honoured (qemu-user), an exec failure shows only as
/// the child's message and its exit status.
///
/// With `hold`, the child is a fork instead (we go on at once): it waits for SIGRTMAX
/// before its filter and execve, and reports an exec failure only through its message
/// and exit status. husk as a container's PID 1 confines itself meanwhile (see
/// `security::lock_init`), so that CMD never runs beside an unconfined PID 1.
pub fn spawn(req: &Exec) -> core::result::Result<Pid, SpawnError> {
    let sh = Shared {
        req,
        err: AtomicI32::new(0),
    };
    if req.hold {
        let pid = super::ns::fork_with(0).map_err(SpawnError::Clone)?;
        if pid == 0 {
            super::exit(spawn_child(&sh as *const Shared as *mut c_void));
        }
        return Ok(pid);
    }
    let flags = (g::CLONE_VM | g::CLONE_VFORK | g::SIGCHLD) as usize;
    // SAFETY: `sh` outlives the child's use of it (we sleep until it execs or exits).
    let r = unsafe { husk_clone_call(flags, spawn_child, &sh as *const Shared as *mut c_void) };
    if r < 0 {
        return Err(SpawnError::Clone(Errno::new(-r as i32)));
    }
    let pid = r as Pid;
    match sh.err.load(Ordering::Relaxed) {
        0 => Ok(pid),
        code => {
            let _ = wait(pid, false);
            Err(SpawnError::Exec(code as u8))
        }
    }
}

/// What [`clone3`] returns; in the child, `pid` is 0 and `pidfd` is `None`.
pub struct Cloned {
    pub pid: Pid,
    /// With CLONE_PIDFD in the flags: a pidfd for the child (close-on-exec, as always).
    pub pidfd: Option<Fd>,
    /// The child was born in the cgroup given (CLONE_INTO_CGROUP).
    pub in_cgroup: bool,
    /// clone(2) stood in for a missing clone3 (see `Cgroup::clone`): the child was born in
    /// our cgroup. Set in both processes.
    pub plain: bool,
}

/// clone3(2) with fork semantics: the child gets a copy of our memory and returns from
/// this call with pid 0; the parent gets the child's pid. `flags`: namespace flags
/// (CLONE_NEW*), the only ones kept (sharing memory or threads would break: the child
/// returns into our frames; no CLONE_PIDFD). `cgroup`: a directory of the cgroup2
/// hierarchy (O_PATH is enough) that the child is born in (CLONE_INTO_CGROUP, Linux 5.7):
/// it runs no instruction outside it, and the parent needs no cgroup.procs write, which
/// can wait a whole RCU grace period. The fallback where it is missing or refused is the
/// caller's (`Cgroup::clone`).
/// husk is single-threaded: in a threaded process the child could only make system calls.
pub fn clone3(flags: u64, cgroup: Option<RawFd>) -> Result<Cloned> {
    let ns = g::CLONE_NEWNS
        | g::CLONE_NEWCGROUP
        | g::CLONE_NEWUTS
        | g::CLONE_NEWIPC
        | g::CLONE_NEWUSER
        | g::CLONE_NEWPID
        | g::CLONE_NEWNET;
    // struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack,
    // stack_size, tls, set_tid, set_tid_size, cgroup.
    let mut a = [0u64; 11];
    a[0] = (flags & ns as u64) | (cgroup.is_some() as u64 * g::CLONE_INTO_CGROUP);
    a[4] = g::SIGCHLD as u64;
    a[10] = cgroup.unwrap_or(0) as u64;
    let pid = sc2(Sysno::clone3, a.as_ptr() as usize, 88)? as Pid;
    Ok(Cloned {
        pid,
        pidfd: None,
        in_cgroup: pid != 0 && cgroup.is_some(),
        plain: false,
    })
}
