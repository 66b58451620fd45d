//! Namespaces, identities and resource limits.
use super::{sc1, sc2, sc3, sc4, sc5, Errno, Fd, Pid, RawFd, Result};
use syscalls::Sysno;

/// clone(flags | SIGCHLD) without a new stack: returns twice, like fork — 0 in the child.
/// The child starts in the namespaces `flags` asks for (CLONE_NEWPID: it is PID 1).
/// husk is single-threaded, so the child's copy of memory is consistent.
pub fn fork_with(flags: u32) -> Result<Pid> {
    let f = (flags | linux_raw_sys::general::SIGCHLD) as usize;
    // x86_64: clone(flags, newsp, parent_tid, child_tid, tls);
    // aarch64: clone(flags, newsp, parent_tid, tls, child_tid). Zeros for both.
    sc5(Sysno::clone, f, 0, 0, 0, 0).map(|p| p as Pid)
}

/// unshare(2)
pub fn unshare(flags: u32) -> Result<()> {
    sc1(Sysno::unshare, flags as usize).map(drop)
}

/// setns(2): `nstype` 0 accepts any namespace type.
pub fn setns(fd: RawFd, nstype: u32) -> Result<()> {
    sc2(Sysno::setns, fd as usize, nstype as usize).map(drop)
}

/// uname(2): the six NUL-padded 65-byte fields of `struct new_utsname` (sysname,
/// nodename, release, version, machine, domainname).
pub fn uname(buf: &mut [u8; 390]) -> Result<()> {
    sc1(Sysno::uname, buf.as_mut_ptr() as usize).map(drop)
}

/// sethostname(2)
pub fn sethostname(name: &[u8]) -> Result<()> {
    sc2(Sysno::sethostname, name.as_ptr() as usize, name.len()).map(drop)
}

/// setresuid(2) with all three ids equal.
pub fn setuid(uid: u32) -> Result<()> {
    sc3(Sysno::setresuid, uid as usize, uid as usize, uid as usize).map(drop)
}

/// setresgid(2) with all three ids equal.
pub fn setgid(gid: u32) -> Result<()> {
    sc3(Sysno::setresgid, gid as usize, gid as usize, gid as usize).map(drop)
}

/// setgroups(2) with the given supplementary groups (empty: none).
pub fn setgroups(groups: &[u32]) -> Result<()> {
    sc2(Sysno::setgroups, groups.len(), groups.as_ptr() as usize).map(drop)
}

pub fn getuid() -> u32 {
    super::sc0(Sysno::getuid).unwrap_or(0) as u32
}

pub fn getgid() -> u32 {
    super::sc0(Sysno::getgid).unwrap_or(0) as u32
}

/// prlimit64(0, resource, {soft, hard}, NULL)
pub fn setrlimit(resource: u32, soft: u64, hard: u64) -> Result<()> {
    let lim = [soft, hard];
    sc4(
        Sysno::prlimit64,
        0,
        resource as usize,
        lim.as_ptr() as usize,
        0,
    )
    .map(drop)
}

/// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): the parent/child channel.
/// A seqpacket socket keeps message boundaries, so plain read/write move whole frames.
pub fn seqpacket_pair() -> Result<(Fd, Fd)> {
    let mut fds = [0i32; 2];
    sc4(
        Sysno::socketpair,
        1,             // AF_UNIX
        5 | 0o2000000, // SOCK_SEQPACKET | SOCK_CLOEXEC
        0,
        fds.as_mut_ptr() as usize,
    )?;
    Ok((Fd::own(fds[0] as usize), Fd::own(fds[1] as usize)))
}

/// pidfd_open(2): a descriptor that names one process for good (no pid reuse race).
pub fn pidfd_open(pid: Pid) -> Result<Fd> {
    sc2(Sysno::pidfd_open, pid as usize, 0).map(Fd::own)
}

/// ioctl(fd, NS_GET_NSTYPE): the CLONE_NEW* type of a namespace file (ENOTTY for a file
/// that is not one).
pub fn ns_type(fd: RawFd) -> Result<u32> {
    sc3(Sysno::ioctl, fd as usize, 0xb703, 0).map(|t| t as u32)
}

pub const ENOSYS: Errno = Errno::ENOSYS;
