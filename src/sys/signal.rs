//! Signal masks, signalfd and kill. husk never installs a signal handler: it blocks what
//! it wants and reads it from a signalfd, so no `SA_RESTORER` trampoline is ever needed.
use super::{sc2, sc4, Fd, RawFd, Result};
use linux_raw_sys::general as g;
use syscalls::Sysno;

/// A kernel signal set (64 signals, bit `n-1` for signal `n`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigSet(pub u64);

impl SigSet {
    /// Every signal (the kernel silently ignores SIGKILL and SIGSTOP in a mask).
    pub const FULL: SigSet = SigSet(!0);
    pub const EMPTY: SigSet = SigSet(0);
    pub fn has(self, sig: u32) -> bool {
        (1..=64).contains(&sig) && self.0 & (1 << (sig - 1)) != 0
    }
    pub fn with(self, sig: u32) -> SigSet {
        SigSet(self.0 | 1 << (sig - 1))
    }
    pub fn without(self, sig: u32) -> SigSet {
        SigSet(self.0 & !(1 << (sig - 1)))
    }
}

/// rt_sigprocmask(SIG_SETMASK): installs `set`, returns the previous mask.
pub fn set_mask(set: SigSet) -> Result<SigSet> {
    let mut old = SigSet::EMPTY;
    sc4(
        Sysno::rt_sigprocmask,
        g::SIG_SETMASK as usize,
        &set as *const SigSet as usize,
        &mut old as *mut SigSet as usize,
        8,
    )?;
    Ok(old)
}

/// signalfd4(-1, set, SFD_CLOEXEC [| SFD_NONBLOCK]).
pub fn signalfd(set: SigSet, nonblock: bool) -> Result<Fd> {
    let flags = g::O_CLOEXEC | if nonblock { g::O_NONBLOCK } else { 0 };
    sc4(
        Sysno::signalfd4,
        usize::MAX,
        &set as *const SigSet as usize,
        8,
        flags as usize,
    )
    .map(Fd::own)
}

/// The part of `struct signalfd_siginfo` husk reads (the kernel always writes 128 bytes).
#[derive(Clone, Copy, Debug, Default)]
pub struct SigInfo {
    pub signo: u32,
    pub code: i32,
    pub pid: u32,
}

pub const SIGINFO_SIZE: usize = 128;

/// Reads up to `out.len()` pending signals from a signalfd; EINTR is retried.
pub fn read_signals(fd: RawFd, out: &mut [SigInfo]) -> Result<usize> {
    let mut raw = [0u8; SIGINFO_SIZE * 8];
    let want = out.len().min(8) * SIGINFO_SIZE;
    let n = super::read(fd, &mut raw[..want])? / SIGINFO_SIZE;
    for (i, slot) in out.iter_mut().enumerate().take(n) {
        let b = &raw[i * SIGINFO_SIZE..];
        let word = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        *slot = SigInfo {
            signo: word(0),
            code: word(8) as i32,
            pid: word(12),
        };
    }
    Ok(n)
}

/// rt_sigtimedwait for `sig` (blocked), with no timeout: takes it once it is pending.
pub fn wait_for(sig: u32) {
    let set = SigSet::EMPTY.with(sig);
    let _ = super::retry(|| {
        sc4(
            Sysno::rt_sigtimedwait,
            &set as *const SigSet as usize,
            0,
            0,
            8,
        )
    });
}

/// kill(2). A negative pid names a process group; -1 every process we may signal.
pub fn kill(pid: i32, sig: u32) -> Result<()> {
    sc2(Sysno::kill, pid as isize as usize, sig as usize).map(drop)
}
