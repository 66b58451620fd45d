//! Privileges: capabilities, identity, no_new_privs, seccomp, descriptors. One typed
//! wrapper per system call (prctl's through `sys::prctl`).
use super::{sc2, sc3, Result};
use crate::seccomp::Insn;
use linux_raw_sys::general as g;
use linux_raw_sys::prctl as pr;
use syscalls::Sysno;

/// Capability sets as 64-bit masks (bit N = capability N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

type Data = [g::__user_cap_data_struct; 2];

/// capget(2) or capset(2), version 3 (two 32-bit words per set).
fn cap_call(nr: Sysno, d: &mut Data) -> Result<()> {
    let mut h = g::__user_cap_header_struct {
        version: g::_LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    sc2(nr, &mut h as *mut _ as usize, d.as_mut_ptr() as usize).map(drop)
}

/// capget(2)
pub fn capget() -> Result<Caps> {
    let z = g::__user_cap_data_struct {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    };
    let mut d = [z, z];
    cap_call(Sysno::capget, &mut d)?;
    let join = |lo: u32, hi: u32| (hi as u64) << 32 | lo as u64;
    Ok(Caps {
        effective: join(d[0].effective, d[1].effective),
        permitted: join(d[0].permitted, d[1].permitted),
        inheritable: join(d[0].inheritable, d[1].inheritable),
    })
}

/// capset(2). Lowering any set needs nothing; raising effective or inheritable is
/// limited to the permitted set (inheritable also to the bounding set).
pub fn capset(c: Caps) -> Result<()> {
    let word = |m: u64, i: u32| (m >> (32 * i)) as u32;
    let mut d = [0, 1].map(|i| g::__user_cap_data_struct {
        effective: word(c.effective, i),
        permitted: word(c.permitted, i),
        inheritable: word(c.inheritable, i),
    });
    cap_call(Sysno::capset, &mut d)
}

/// prctl(2) for the calls below: one copy of the call, not one per caller.
#[inline(never)]
fn prctl(op: u32, a: usize, b: usize) -> Result<()> {
    super::prctl(op, a, b).map(drop)
}

/// prctl(PR_CAPBSET_DROP): needs CAP_SETPCAP. EINVAL past the kernel's last capability.
pub fn capbset_drop(cap: u32) -> Result<()> {
    prctl(pr::PR_CAPBSET_DROP, cap as usize, 0)
}

/// prctl(PR_CAPBSET_READ): Ok if the kernel knows `cap` (in the bounding set or not).
pub fn capbset_read(cap: u32) -> Result<()> {
    prctl(pr::PR_CAPBSET_READ, cap as usize, 0)
}

/// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE): the capability must be permitted and
/// inheritable already.
pub fn ambient_raise(cap: u32) -> Result<()> {
    let raise = pr::PR_CAP_AMBIENT_RAISE as usize;
    prctl(pr::PR_CAP_AMBIENT, raise, cap as usize)
}

/// prctl(PR_SET_KEEPCAPS, 1): keep the permitted set across a setuid away from uid 0
/// (the effective set is cleared anyway; the flag itself is cleared by execve).
pub fn set_keepcaps() -> Result<()> {
    prctl(pr::PR_SET_KEEPCAPS, 1, 0)
}

/// prctl(PR_SET_NO_NEW_PRIVS, 1): execve can no longer grant privileges (setuid bits,
/// file capabilities); also what lets an unprivileged process install a seccomp filter.
/// Irreversible, inherited by children.
pub fn set_no_new_privs() -> Result<()> {
    prctl(pr::PR_SET_NO_NEW_PRIVS, 1, 0)
}

/// setresuid(uid, uid, uid): needs CAP_SETUID.
pub fn setresuid(uid: u32) -> Result<()> {
    let u = uid as usize;
    sc3(Sysno::setresuid, u, u, u).map(drop)
}

/// setresgid(gid, gid, gid): needs CAP_SETGID.
pub fn setresgid(gid: u32) -> Result<()> {
    let gi = gid as usize;
    sc3(Sysno::setresgid, gi, gi, gi).map(drop)
}

/// setgroups(2): needs CAP_SETGID, and EPERM in a user namespace whose
/// /proc/PID/setgroups says "deny".
pub fn setgroups(groups: &[u32]) -> Result<()> {
    sc2(Sysno::setgroups, groups.len(), groups.as_ptr() as usize).map(drop)
}

/// seccomp(SECCOMP_SET_MODE_FILTER, 0, prog): needs no_new_privs or CAP_SYS_ADMIN.
/// Calls nothing else and allocates nothing, so a vfork child can call it before execve.
pub fn seccomp_filter(prog: &[Insn]) -> Result<()> {
    let fprog = linux_raw_sys::ptrace::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut _,
    };
    sc3(
        Sysno::seccomp,
        linux_raw_sys::ptrace::SECCOMP_SET_MODE_FILTER as usize,
        0,
        &fprog as *const _ as usize,
    )
    .map(drop)
}

/// CLOSE_RANGE_CLOEXEC (Linux 5.11; linux-raw-sys lacks the constant).
pub const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// close_range(2): closes, or with CLOSE_RANGE_CLOEXEC marks close-on-exec, every
/// descriptor from `first` to `last`.
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<()> {
    sc3(
        Sysno::close_range,
        first as usize,
        last as usize,
        flags as usize,
    )
    .map(drop)
}

/// fcntl(fd, cmd, 0): with F_GETFD, EBADF tells a descriptor is not open; with F_SETFD,
/// it clears FD_CLOEXEC.
pub fn fcntl(fd: u32, cmd: u32) -> Result<()> {
    sc3(Sysno::fcntl, fd as usize, cmd as usize, 0).map(drop)
}
