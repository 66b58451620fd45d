//! Privileges: capabilities, identity, no_new_privs, seccomp, descriptors, sealed
//! memfds, and the mounts that mask paths. One typed wrapper per system call.
use super::start::CVec;
use super::{sc2, sc3, sc4, sc5, Errno, Fd, RawFd, Result};
use crate::seccomp::Insn;
use core::ffi::CStr;
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

fn cap_header() -> g::__user_cap_header_struct {
    g::__user_cap_header_struct {
        version: g::_LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    }
}

/// capget(2), version 3 (two 32-bit words per set).
pub fn capget() -> Result<Caps> {
    let mut h = cap_header();
    let z = g::__user_cap_data_struct {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    };
    let mut d = [z, z];
    sc2(
        Sysno::capget,
        &mut h as *mut _ as usize,
        d.as_mut_ptr() as usize,
    )?;
    let join = |lo: u32, hi: u32| (hi as u64) << 32 | lo as u64;
    Ok(Caps {
        effective: join(d[0].effective, d[1].effective),
        permitted: join(d[0].permitted, d[1].permitted),
        inheritable: join(d[0].inheritable, d[1].inheritable),
    })
}

/// capset(2), version 3. Lowering any set needs nothing; raising effective or
/// inheritable is limited to the permitted set (inheritable also to the bounding set).
pub fn capset(c: Caps) -> Result<()> {
    let mut h = cap_header();
    let word = |m: u64, i: u32| (m >> (32 * i)) as u32;
    let d = [0, 1].map(|i| g::__user_cap_data_struct {
        effective: word(c.effective, i),
        permitted: word(c.permitted, i),
        inheritable: word(c.inheritable, i),
    });
    sc2(
        Sysno::capset,
        &mut h as *mut _ as usize,
        d.as_ptr() as usize,
    )
    .map(drop)
}

fn prctl(op: u32, a: usize, b: usize) -> Result<usize> {
    sc5(Sysno::prctl, op as usize, a, b, 0, 0)
}

/// prctl(PR_CAPBSET_DROP): needs CAP_SETPCAP. EINVAL past the kernel's last capability.
pub fn capbset_drop(cap: u32) -> Result<()> {
    prctl(pr::PR_CAPBSET_DROP, cap as usize, 0).map(drop)
}

/// prctl(PR_CAPBSET_READ): whether `cap` is in the bounding set.
pub fn capbset_read(cap: u32) -> Result<bool> {
    prctl(pr::PR_CAPBSET_READ, cap as usize, 0).map(|v| v == 1)
}

/// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE): the capability must be permitted and
/// inheritable already. Needs Linux 4.3.
pub fn ambient_raise(cap: u32) -> Result<()> {
    sc5(
        Sysno::prctl,
        pr::PR_CAP_AMBIENT as usize,
        pr::PR_CAP_AMBIENT_RAISE as usize,
        cap as usize,
        0,
        0,
    )
    .map(drop)
}

/// prctl(PR_SET_KEEPCAPS): keep the permitted set across a setuid away from uid 0
/// (the effective set is cleared anyway; the flag itself is cleared by execve).
pub fn set_keepcaps(on: bool) -> Result<()> {
    prctl(pr::PR_SET_KEEPCAPS, on as usize, 0).map(drop)
}

/// prctl(PR_SET_NO_NEW_PRIVS, 1): execve can no longer grant privileges (setuid bits,
/// file capabilities); also what lets an unprivileged process install a seccomp filter.
/// Irreversible, inherited by children.
pub fn set_no_new_privs() -> Result<()> {
    sc5(Sysno::prctl, pr::PR_SET_NO_NEW_PRIVS as usize, 1, 0, 0, 0).map(drop)
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

/// close_range(2) (Linux 5.9): closes, or with CLOSE_RANGE_CLOEXEC marks close-on-exec,
/// every descriptor from `first` to `last`.
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<()> {
    sc3(
        Sysno::close_range,
        first as usize,
        last as usize,
        flags as usize,
    )
    .map(drop)
}

/// fcntl(fd, F_GETFD): the descriptor flags (FD_CLOEXEC); EBADF when not open.
pub fn get_fd_flags(fd: RawFd) -> Result<u32> {
    sc2(Sysno::fcntl, fd as usize, g::F_GETFD as usize).map(|v| v as u32)
}

/// fcntl(fd, F_SETFD, flags)
pub fn set_fd_flags(fd: RawFd, flags: u32) -> Result<()> {
    sc3(
        Sysno::fcntl,
        fd as usize,
        g::F_SETFD as usize,
        flags as usize,
    )
    .map(drop)
}

/// memfd_create(2) (Linux 3.17); MFD_CLOEXEC is always added.
pub fn memfd_create(name: &CStr, flags: u32) -> Result<Fd> {
    sc2(
        Sysno::memfd_create,
        name.as_ptr() as usize,
        (flags | g::MFD_CLOEXEC) as usize,
    )
    .map(Fd::own)
}

/// sendfile(out, in, NULL, count): copies in the kernel from the input's file offset.
pub fn sendfile(out: RawFd, input: RawFd, count: usize) -> Result<usize> {
    super::retry(|| sc4(Sysno::sendfile, out as usize, input as usize, 0, count))
}

/// fcntl(fd, F_ADD_SEALS, seals): a memfd made with MFD_ALLOW_SEALING.
pub fn add_seals(fd: RawFd, seals: u32) -> Result<()> {
    sc3(
        Sysno::fcntl,
        fd as usize,
        g::F_ADD_SEALS as usize,
        seals as usize,
    )
    .map(drop)
}

/// fcntl(fd, F_GET_SEALS)
pub fn get_seals(fd: RawFd) -> Result<u32> {
    sc2(Sysno::fcntl, fd as usize, g::F_GET_SEALS as usize).map(|v| v as u32)
}

/// execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs the program `fd` refers to (a
/// memfd works even when close-on-exec: the kernel holds the file by then). Returns
/// only on failure.
pub fn execveat_fd(fd: RawFd, argv: CVec, envp: CVec) -> Errno {
    match sc5(
        Sysno::execveat,
        fd as usize,
        c"".as_ptr() as usize,
        argv.as_ptr() as usize,
        envp.as_ptr() as usize,
        g::AT_EMPTY_PATH as usize,
    ) {
        Err(e) => e,
        Ok(_) => Errno::EINVAL,
    }
}

fn opt_ptr(s: Option<&CStr>) -> usize {
    s.map_or(0, |s| s.as_ptr() as usize)
}

/// mount(2)
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: u32,
    data: Option<&CStr>,
) -> Result<()> {
    sc5(
        Sysno::mount,
        opt_ptr(source),
        target.as_ptr() as usize,
        opt_ptr(fstype),
        flags as usize,
        opt_ptr(data),
    )
    .map(drop)
}

/// statfs(2)'s f_flags: the ST_* flags of the mount `path` is on.
pub fn statfs_flags(path: &CStr) -> Result<u64> {
    let mut st = core::mem::MaybeUninit::<g::statfs>::zeroed();
    sc2(
        Sysno::statfs,
        path.as_ptr() as usize,
        st.as_mut_ptr() as usize,
    )?;
    // SAFETY: zero-initialised plain integers, filled in by the kernel.
    Ok(unsafe { st.assume_init() }.f_flags as u64)
}

/// getuid(2)
pub fn getuid() -> u32 {
    super::sc0(Sysno::getuid).unwrap_or(0) as u32
}

/// The C string at the start of `v`, up to its first NUL (`""` if it has none). For
/// paths husk builds itself: `CStr::from_bytes_with_nul` also checks for inner NULs,
/// which costs ~280 bytes of code for nothing here.
pub fn cstr_until_nul(v: &[u8]) -> &CStr {
    let mut n = 0;
    while n < v.len() {
        if v[n] == 0 {
            // SAFETY: v[..=n] ends with its first and only NUL.
            return unsafe { CStr::from_bytes_with_nul_unchecked(&v[..=n]) };
        }
        n += 1;
    }
    c""
}
