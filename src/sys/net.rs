//! Netlink sockets and the few calls named network namespaces need.
use super::{sc2, sc3, sc5, RawFd, Result};
use syscalls::Sysno;

/// socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) with NETLINK_EXT_ACK (the
/// kernel's own words on a refusal) and NETLINK_CAP_ACK (an error echoes only the
/// request's header, not the whole request). Unbound: a write goes to the kernel. Never
/// closed: it goes at exec (or with husk).
pub fn rtnetlink() -> Result<RawFd> {
    let fd = sc3(Sysno::socket, 16, 3 | 0o2000000, 0)?;
    let one = &1i32 as *const i32 as usize;
    // SOL_NETLINK; both exist since Linux 4.12.
    let _ = sc5(Sysno::setsockopt, fd, 270, 11, one, 4);
    let _ = sc5(Sysno::setsockopt, fd, 270, 10, one, 4);
    Ok(fd as RawFd)
}

/// ioctl(fd, SIOCGIFINDEX): the index of interface `name` in the socket's network namespace.
pub fn ifindex(fd: RawFd, name: &[u8]) -> Result<u32> {
    let mut ifr = [0u8; 40]; // struct ifreq: name[16], then the index
    let n = name.len().min(15);
    for (d, &c) in ifr.iter_mut().zip(&name[..n]) {
        *d = c;
    }
    sc3(
        Sysno::ioctl,
        fd as usize,
        linux_raw_sys::ioctl::SIOCGIFINDEX as usize,
        ifr.as_mut_ptr() as usize,
    )?;
    Ok(u32::from_ne_bytes([ifr[16], ifr[17], ifr[18], ifr[19]]))
}

/// flock(fd, LOCK_EX): held until the descriptor is closed.
pub fn lock(fd: RawFd) -> Result<()> {
    sc2(Sysno::flock, fd as usize, 2).map(drop)
}
