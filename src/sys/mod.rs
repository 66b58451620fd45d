//! The only module with `unsafe`: one small typed function per system call.
//!
//! Every wrapper returns `Result<T, Errno>`; the numbers come from the `syscalls` crate
//! (which also issues the `syscall`/`svc` instruction) and the constants and structs from
//! `linux-raw-sys`, so no libc is involved at any point.
#![allow(unsafe_code)]

pub mod alloc;
pub mod enter;
pub mod fs;
pub mod machine;
pub mod mount;
pub mod net;
pub mod ns;
pub mod process;
pub mod security;
pub mod signal;
pub mod start;
pub mod time;

pub use syscalls::Errno;
use syscalls::{raw, Sysno};

pub type Result<T> = core::result::Result<T, Errno>;

/// The C string at the start of `b`, up to its first NUL; None when there is none. One
/// small loop: `CStr::from_bytes_until_nul` brings in 250 bytes of word-at-a-time search.
#[inline(never)]
pub fn c_str(b: &[u8]) -> Option<&core::ffi::CStr> {
    let mut n = 0;
    while n < b.len() && b[n] != 0 {
        n += 1;
    }
    // None when there is no NUL (n is the length).
    let (s, _) = b.split_at_checked(n + 1)?;
    // SAFETY: b[n] is the first NUL of `b`: `s` ends with its only NUL.
    Some(unsafe { core::ffi::CStr::from_bytes_with_nul_unchecked(s) })
}
pub type Pid = i32;
pub type RawFd = i32;

#[inline(always)]
fn ret(v: usize) -> Result<usize> {
    Errno::from_ret(v)
}

#[inline(always)]
pub(crate) fn sc0(n: Sysno) -> Result<usize> {
    ret(unsafe { raw::syscall0(n as usize) })
}
#[inline(always)]
pub(crate) fn sc1(n: Sysno, a: usize) -> Result<usize> {
    ret(unsafe { raw::syscall1(n as usize, a) })
}
#[inline(always)]
pub(crate) fn sc2(n: Sysno, a: usize, b: usize) -> Result<usize> {
    ret(unsafe { raw::syscall2(n as usize, a, b) })
}
#[inline(always)]
pub(crate) fn sc3(n: Sysno, a: usize, b: usize, c: usize) -> Result<usize> {
    ret(unsafe { raw::syscall3(n as usize, a, b, c) })
}
#[inline(always)]
pub(crate) fn sc4(n: Sysno, a: usize, b: usize, c: usize, d: usize) -> Result<usize> {
    ret(unsafe { raw::syscall4(n as usize, a, b, c, d) })
}
#[inline(always)]
pub(crate) fn sc5(n: Sysno, a: usize, b: usize, c: usize, d: usize, e: usize) -> Result<usize> {
    ret(unsafe { raw::syscall5(n as usize, a, b, c, d, e) })
}

/// `bytes` as a C string: they must end with their NUL (else the empty string); an
/// interior NUL ends it there.
pub fn cstr(bytes: &[u8]) -> &core::ffi::CStr {
    match bytes.last() {
        Some(0) => c_str(bytes).unwrap_or(c""),
        _ => c"",
    }
}

/// Retries a call interrupted by a signal (`EINTR`).
#[inline]
pub fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}

/// An owned file descriptor, closed on drop.
#[derive(Debug)]
pub struct Fd(RawFd);

impl Fd {
    /// Takes ownership of a descriptor a system call just returned.
    pub(crate) fn own(fd: usize) -> Fd {
        Fd(fd as RawFd)
    }
    pub fn raw(&self) -> RawFd {
        self.0
    }
    /// Gives up ownership: the descriptor stays open.
    pub fn leak(self) -> RawFd {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = close(self.0);
    }
}

/// close(2)
pub fn close(fd: RawFd) -> Result<()> {
    sc1(Sysno::close, fd as usize).map(drop)
}

/// read(2), retried on EINTR.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<usize> {
    retry(|| {
        sc3(
            Sysno::read,
            fd as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
        )
    })
}

/// write(2), retried on EINTR.
pub fn write(fd: RawFd, buf: &[u8]) -> Result<usize> {
    retry(|| sc3(Sysno::write, fd as usize, buf.as_ptr() as usize, buf.len()))
}

/// Writes all of `buf`, looping over short writes.
pub fn write_all(fd: RawFd, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        let n = write(fd, buf)?;
        if n == 0 {
            return Err(Errno::EIO);
        }
        buf = buf.get(n..).unwrap_or_default();
    }
    Ok(())
}

/// exit_group(2): ends the whole process.
pub fn exit(code: i32) -> ! {
    unsafe { raw::syscall1(Sysno::exit_group as usize, code as usize) };
    #[allow(clippy::empty_loop)]
    loop {}
}

/// getpid(2)
pub fn getpid() -> Pid {
    sc0(Sysno::getpid).unwrap_or(0) as Pid
}

/// getrandom(2) with GRND_NONBLOCK: fills `buf` from the kernel's pool, never waits for
/// it to be ready (EAGAIN early at boot).
pub fn getrandom(buf: &mut [u8]) -> Result<usize> {
    sc3(Sysno::getrandom, buf.as_mut_ptr() as usize, buf.len(), 1)
}

/// getppid(2)
pub fn getppid() -> Pid {
    sc0(Sysno::getppid).unwrap_or(0) as Pid
}

/// prctl(2) with integer arguments.
pub fn prctl(op: u32, a: usize, b: usize) -> Result<usize> {
    sc5(Sysno::prctl, op as usize, a, b, 0, 0)
}

/// ioctl(2) with an integer or pointer-sized argument that the kernel reads.
pub fn ioctl_ptr<T>(fd: RawFd, req: u32, arg: &T) -> Result<usize> {
    sc3(
        Sysno::ioctl,
        fd as usize,
        req as usize,
        arg as *const T as usize,
    )
}
