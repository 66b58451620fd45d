//! What only a machine's init does: reboot, sync, kernel modules, `lo`, and the console
//! descriptors (the host name is `ns::sethostname`).
use super::{sc0, sc2, sc3, sc4, Fd, RawFd, Result};
use linux_raw_sys::general as g;
use syscalls::Sysno;

/// reboot(2) with `cmd` (`LINUX_REBOOT_CMD_*`). POWER_OFF, RESTART and HALT do not return
/// on success; in a pid namespace other than the first they end the namespace instead.
pub fn reboot(cmd: u32) -> Result<()> {
    sc4(
        Sysno::reboot,
        g::LINUX_REBOOT_MAGIC1 as usize,
        g::LINUX_REBOOT_MAGIC2 as usize,
        cmd as usize,
        0,
    )
    .map(drop)
}

/// sync(2)
pub fn sync() {
    let _ = sc0(Sysno::sync);
}

/// finit_module(fd, "", 0): loads the kernel module in the open file `fd`.
pub fn finit_module(fd: &Fd) -> Result<()> {
    sc3(
        Sysno::finit_module,
        fd.raw() as usize,
        c"".as_ptr() as usize,
        0,
    )
    .map(drop)
}

/// ioctl(SIOCGIFFLAGS) then ioctl(SIOCSIFFLAGS) with IFF_UP added, on an AF_INET datagram
/// socket: brings interface `name` up. For `lo` the kernel then adds 127.0.0.1/8 and ::1
/// by itself (inetdev and addrconf react to NETDEV_UP of a loopback device).
pub fn link_up(name: &[u8]) -> Result<()> {
    use linux_raw_sys::ioctl::{SIOCGIFFLAGS, SIOCSIFFLAGS};
    use linux_raw_sys::net::{AF_INET, SOCK_DGRAM};
    let s = sc3(
        Sysno::socket,
        AF_INET as usize,
        (SOCK_DGRAM | g::O_CLOEXEC) as usize,
        0,
    )
    .map(Fd::own)?;
    // struct ifreq: char ifr_name[16]; then a union whose first member is short ifr_flags.
    let mut ifr = [0u8; 40];
    let n = name.len().min(15);
    for (d, &c) in ifr.iter_mut().zip(&name[..n]) {
        *d = c;
    }
    let fd = s.raw() as usize;
    sc3(
        Sysno::ioctl,
        fd,
        SIOCGIFFLAGS as usize,
        ifr.as_mut_ptr() as usize,
    )?;
    ifr[16] |= 1; // IFF_UP
    sc3(
        Sysno::ioctl,
        fd,
        SIOCSIFFLAGS as usize,
        ifr.as_ptr() as usize,
    )
    .map(drop)
}

/// fcntl(fd, F_GETFD): whether `fd` is open.
pub fn is_open(fd: RawFd) -> bool {
    sc2(Sysno::fcntl, fd as usize, g::F_GETFD as usize).is_ok()
}

/// Makes `fd` (a fresh O_CLOEXEC descriptor) also available as descriptor `to`, inherited
/// across exec: dup3(fd, to, 0), or fcntl(F_SETFD, 0) when it already is `to`.
pub fn inherit_as(fd: &Fd, to: RawFd) -> Result<()> {
    if fd.raw() == to {
        return sc3(Sysno::fcntl, to as usize, g::F_SETFD as usize, 0).map(drop);
    }
    sc3(Sysno::dup3, fd.raw() as usize, to as usize, 0).map(drop)
}
