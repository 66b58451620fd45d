//! Dropping privileges in the container's child, just before exec: capabilities,
//! identity, no_new_privs, descriptors, seccomp, plus the masked /proc and /sys paths
//! and the sealed copy of husk that the in-container PID 1 runs from.
//!
//! Everything here was decided before clone by pure code ([`Prepared`], made by
//! `cli::security::SecSpec::resolve`); these functions only make the calls, in an order
//! where each step still holds the capability it needs:
//!
//! | step | call | needs |
//! |---|---|---|
//! | 0 | seccomp, *only with --allow-new-privs* | CAP_SYS_ADMIN (dropped at 3) |
//! | 1 | PR_CAPBSET_DROP for every capability not kept | CAP_SETPCAP |
//! | 2 | PR_SET_KEEPCAPS when the uid leaves 0 | — |
//! | 3 | setgroups, setresgid, setresuid | CAP_SETGID, CAP_SETUID |
//! | 4 | capset: effective = permitted = kept, inheritable = ambient | — (within permitted) |
//! | 5 | PR_CAP_AMBIENT_RAISE, non-root uid only | cap in permitted and inheritable |
//! | 6 | PR_SET_NO_NEW_PRIVS | — |
//! | 7 | close_range(3+N, ~0, CLOEXEC), FD_CLOEXEC off on 3..3+N | — |
//! | 8 | seccomp (with no_new_privs) | no_new_privs |
//!
//! Everything that needs CAP_SYS_ADMIN (mounts, [`mask_paths`], hostname, network,
//! rlimits above the hard limit) comes before step 0/1: the caller's job.
//! Identity is set here, not by the caller, because it must sit between the bounding
//! set and capset: after capset, CAP_SETUID may be gone; before the bounding-set drop,
//! setuid would have cleared the effective set that PR_CAPBSET_DROP needs.
//! Seccomp comes last so that the filter need not allow husk's own setup calls (a
//! profile with `default errno EPERM` would otherwise break them): only execve, and on
//! failure the write of the error frame and exit_group, run under it.
use crate::caps::{self, CapSets};
use crate::error::{Error, Result};
use crate::out::word;
use crate::seccomp::Insn;
use crate::sys::security::{self as s, Caps};
use crate::sys::start::CVec;
use crate::sys::{fs, Errno, Fd};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// What the child applies: computed before clone, never fails to be applied for a
/// reason that could have been seen earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub caps: CapSets,
    /// PR_SET_NO_NEW_PRIVS (on unless --allow-new-privs).
    pub no_new_privs: bool,
    /// The seccomp filter, None for no filter at all.
    pub filter: Option<Vec<Insn>>,
    /// Descriptors 3..3+N pass to the command.
    pub preserve_fds: u32,
}

impl Prepared {
    /// The filter must be installed before the capabilities are dropped (step 0): without
    /// no_new_privs, installing one needs CAP_SYS_ADMIN. It then also filters husk's
    /// remaining setup calls (setresuid, capset, prctl, close_range, execve).
    pub fn filter_first(&self) -> bool {
        self.filter.is_some() && !self.no_new_privs
    }
}

/// Who the command runs as. `None` keeps the current value.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ident<'a> {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Supplementary groups; `Some(&[])` clears them. Leave `None` in a user namespace
    /// whose setgroups is denied (rootless), where setgroups fails with EPERM.
    pub groups: Option<&'a [u32]>,
}

/// What failed in the child: a step, what it was done to (a capability, an id, a
/// descriptor, an index into [`MASKED`]/[`READ_ONLY`]), and the kernel's errno. Three
/// words that travel in registers, so each of the many `?` here costs a few bytes (an
/// [`Error`] is 64 bytes, copied at every `?`); it fits a sync-socket frame as is, and
/// [`Fail::error`] makes the printable [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fail {
    pub step: Step,
    pub obj: u32,
    pub errno: Errno,
}

/// The steps that can fail, in the order `apply` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Step {
    Capget,
    /// obj: the capability.
    Bounding,
    /// obj: the capability --cap-add asked for that husk does not hold.
    NotHeld,
    Keepcaps,
    Setgroups,
    /// obj: the gid.
    Setgid,
    /// obj: the uid.
    Setuid,
    Capset,
    /// obj: the capability.
    Ambient,
    NoNewPrivs,
    CloseFds,
    /// obj: the descriptor.
    PreserveFd,
    Filter,
    /// obj: the index in MASKED.
    Mask,
    /// obj: the index in READ_ONLY.
    ReadOnly,
}

type R = core::result::Result<(), Fail>;

/// `Err(Fail)` for a failed call.
#[inline(never)]
fn ck(r: crate::sys::Result<()>, step: Step, obj: u32) -> R {
    r.map_err(|errno| Fail { step, obj, errno })
}

impl Fail {
    /// `husk: <op> <obj>: <ERRNO> (<hint>)`.
    pub fn error(self) -> Error {
        use Step::*;
        let (op, hint) = match self.step {
            Capget => ("capget", ""),
            Bounding => ("drop bounding capability", "needs CAP_SETPCAP"),
            NotHeld => ("--cap-add", "husk itself does not hold this capability"),
            Keepcaps => ("keep capabilities", ""),
            Setgroups => ("setgroups", ""),
            Setgid => ("setgid", ""),
            Setuid => ("setuid", ""),
            Capset => ("capset", ""),
            Ambient => ("raise ambient capability", "needs Linux 4.3"),
            NoNewPrivs => ("set no_new_privs", ""),
            CloseFds => (
                "close descriptors",
                "close_range needs Linux 5.11, or /proc",
            ),
            PreserveFd => ("--preserve-fds fd", "not open"),
            Filter => (
                "install seccomp filter",
                match self.errno {
                    Errno::EACCES => "needs no_new_privs or CAP_SYS_ADMIN",
                    Errno::EINVAL => "needs Linux 4.14 (SECCOMP_RET_KILL_PROCESS)",
                    _ => "",
                },
            ),
            Mask => ("mask", ""),
            ReadOnly => ("make read-only", ""),
        };
        let mut num = [0; 20];
        let obj: &[u8] = match self.step {
            Bounding | NotHeld | Ambient => caps::name(self.obj),
            Setgid | Setuid | PreserveFd => crate::out::fmt_u64(self.obj as u64, &mut num),
            Mask => word(MASKED, self.obj as usize).unwrap_or(b""),
            ReadOnly => word(READ_ONLY, self.obj as usize).unwrap_or(b""),
            _ => b"",
        };
        Error::sys(op, obj, self.errno).hint(hint)
    }
}

impl From<Fail> for Error {
    fn from(f: Fail) -> Error {
        f.error()
    }
}

/// All of steps 0-8, for a child that execs the command next. A [`Fail`] is ready to
/// cross the parent/child socket.
pub fn apply(p: &Prepared, id: &Ident) -> core::result::Result<(), Fail> {
    if p.filter_first() {
        install_filter(p)?;
    }
    drop_privileges(p, id)?;
    close_fds(p.preserve_fds)?;
    if !p.filter_first() {
        install_filter(p)?;
    }
    Ok(())
}

/// Steps 1-6: bounding set, identity, capabilities, ambient set, no_new_privs.
pub fn drop_privileges(p: &Prepared, id: &Ident) -> R {
    use Step::*;
    let have = match s::capget() {
        Ok(c) => c.permitted,
        Err(e) => return ck(Err(e), Capget, 0),
    };
    let known = drop_bounding(p.caps.keep)?;
    let keep = p.caps.keep & known & have;
    // What `--cap-add` named must be held; the rest of the kept set is kept if held
    // (`--privileged` under a parent that already dropped some keeps what is left).
    let asked = p.caps.ambient & known;
    if asked & !have != 0 {
        return ck(Err(Errno::EPERM), NotHeld, (asked & !have).trailing_zeros());
    }
    let root = id.uid.map_or_else(|| s::getuid() == 0, |u| u == 0);
    let ambient = if root { 0 } else { asked };
    if id.uid.is_some_and(|u| u != 0) {
        // Else setresuid away from 0 empties the permitted set.
        ck(s::set_keepcaps(true), Keepcaps, 0)?;
    }
    if let Some(gs) = id.groups {
        ck(s::setgroups(gs), Setgroups, 0)?;
    }
    if let Some(gid) = id.gid {
        ck(s::setresgid(gid), Setgid, gid)?;
    }
    if let Some(uid) = id.uid {
        ck(s::setresuid(uid), Setuid, uid)?;
    }
    let sets = Caps {
        effective: keep,
        permitted: keep,
        inheritable: ambient,
    };
    ck(s::capset(sets), Capset, 0)?;
    for c in 0..64 {
        if ambient & 1 << c != 0 {
            ck(s::ambient_raise(c), Ambient, c)?;
        }
    }
    if p.no_new_privs {
        ck(s::set_no_new_privs(), NoNewPrivs, 0)?;
    }
    Ok(())
}

/// Step 1: drops every capability not in `keep` from the bounding set, up to the
/// kernel's last one (found by probing: PR_CAPBSET_* answer EINVAL past it, which spares
/// reading /proc/sys/kernel/cap_last_cap, possibly masked by then). Returns the mask of
/// the capabilities the kernel knows. Each drop costs ~1.2 µs (the kernel copies the
/// credentials): ~33 µs for the default set.
pub fn drop_bounding(keep: u64) -> core::result::Result<u64, Fail> {
    let mut known = 0;
    for c in 0..64 {
        let r = if keep & 1 << c != 0 {
            s::capbset_read(c).map(drop)
        } else {
            s::capbset_drop(c)
        };
        if r == Err(Errno::EINVAL) {
            break;
        }
        ck(r, Step::Bounding, c)?;
        known |= 1 << c;
    }
    Ok(known)
}

/// Step 8 (or 0): installs the prepared filter, if any.
pub fn install_filter(p: &Prepared) -> R {
    match &p.filter {
        Some(f) => ck(s::seccomp_filter(f), Step::Filter, 0),
        None => Ok(()),
    }
}

/// Step 7: every descriptor from 3+N on is marked close-on-exec (not closed: the child
/// still needs its sync socket to report an exec failure; the kernel closes them all at
/// exec); 3..3+N lose FD_CLOEXEC so they pass. A descriptor leaked into a container is
/// how runc's CVE-2024-21626 reached the host's cgroup directory.
pub fn close_fds(preserve: u32) -> R {
    let first = 3 + preserve;
    ck(cloexec_from(first), Step::CloseFds, 0)?;
    for fd in 3..first {
        ck(s::set_fd_flags(fd as i32, 0), Step::PreserveFd, fd)?;
    }
    Ok(())
}

/// close_range(first, ~0, CLOSE_RANGE_CLOEXEC), or, before Linux 5.11, [`cloexec_by_proc`].
pub fn cloexec_from(first: u32) -> crate::sys::Result<()> {
    match s::close_range(first, u32::MAX, s::CLOSE_RANGE_CLOEXEC) {
        Err(Errno::ENOSYS | Errno::EINVAL) => by_proc(first, true),
        r => r,
    }
}

/// FD_CLOEXEC on each descriptor from `first` on that /proc/self/fd lists.
pub fn cloexec_by_proc(first: u32) -> crate::sys::Result<()> {
    by_proc(first, true)
}

/// close_range(first, ~0, 0), or, before Linux 5.9, [`close_by_proc`].
pub fn close_from(first: u32) -> crate::sys::Result<()> {
    match s::close_range(first, u32::MAX, 0) {
        Err(Errno::ENOSYS) => by_proc(first, false),
        r => r,
    }
}

/// close(2) on each descriptor from `first` on that /proc/self/fd lists.
pub fn close_by_proc(first: u32) -> crate::sys::Result<()> {
    by_proc(first, false)
}

fn by_proc(first: u32, cloexec: bool) -> crate::sys::Result<()> {
    let mut fds = Vec::new();
    fs::for_each_entry(c"/proc/self/fd", &mut |name: &[u8]| {
        if let Some(fd) = crate::out::parse_u64(name).filter(|&fd| fd >= first as u64) {
            fds.push(fd as i32);
        }
    })?;
    for fd in fds {
        // The directory's own descriptor is in the list, and closed by now: EBADF.
        if cloexec {
            let _ = s::set_fd_flags(fd, g::FD_CLOEXEC);
        } else {
            let _ = crate::sys::close(fd);
        }
    }
    Ok(())
}

/// For the parent, before anything is created: fds 3..3+N must be open. Else husk's own
/// descriptors (its sync socket...) could take those numbers and leak to the command.
pub fn check_preserved_fds(n: u32) -> Result<()> {
    for fd in 3..3 + n {
        ck(s::get_fd_flags(fd as i32).map(drop), Step::PreserveFd, fd).map_err(Fail::error)?;
    }
    Ok(())
}

/// A memfd holding a sealed copy of the running husk (/proc/self/exe), for the
/// in-container PID 1 to run from ([`exec_sealed`]). runc's CVE-2019-5736: a container
/// process opened /proc/PID/exe of the runtime and wrote the host's runtime binary
/// through it. A sealed memfd cannot be written, grown or shrunk, by anyone, and its
/// seals cannot be removed; the host's binary is not reachable from /proc/1/exe at all.
/// Costs one open, one memfd, one sendfile of ~30 KB and one fcntl: see the tests.
pub fn sealed_self_copy() -> Result<Fd> {
    sealed_copy(c"/proc/self/exe")
}

/// The same for any file (tests copy other binaries).
pub fn sealed_copy(path: &CStr) -> Result<Fd> {
    copy_sealed(path).map_err(|e| Error::sys("sealed copy of", path.to_bytes(), e))
}

fn copy_sealed(path: &CStr) -> crate::sys::Result<Fd> {
    let src = fs::open(path, g::O_RDONLY)?;
    let memfd = |flags| s::memfd_create(c"husk", g::MFD_ALLOW_SEALING | flags);
    // MFD_EXEC (Linux 6.3) says so explicitly, which the kernel logs a warning without;
    // older kernels refuse the flag.
    let m = match memfd(g::MFD_EXEC) {
        Err(Errno::EINVAL) => memfd(0),
        r => r,
    }?;
    while s::sendfile(m.raw(), src.raw(), 1 << 20)? != 0 {}
    s::add_seals(m.raw(), SEALS)?;
    Ok(m)
}

/// The seals on husk's copy: no write, no shrink, no growth, no further change of seals.
pub const SEALS: u32 = g::F_SEAL_SEAL | g::F_SEAL_SHRINK | g::F_SEAL_GROW | g::F_SEAL_WRITE;

/// Runs the sealed copy (execveat with AT_EMPTY_PATH). Returns only on failure.
pub fn exec_sealed(fd: &Fd, argv: CVec, envp: CVec) -> Error {
    Error::sys(
        "exec",
        b"husk's sealed copy",
        s::execveat_fd(fd.raw(), argv, envp),
    )
}

/// What Docker masks (moby's oci defaults): a file gets /dev/null bound over it, a
/// directory an empty read-only tmpfs. Kernel memory, keys of every user, timers and
/// interrupts of the host, firmware tables, power readings (the Platypus side channel).
pub const MASKED: &str = "/proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys \
/proc/latency_stats /proc/sched_debug /proc/scsi /proc/timer_list /proc/timer_stats \
/sys/devices/virtual/powercap /sys/firmware";

/// What Docker makes read-only: kernel tunables, the SysRq trigger, IRQ affinity, bus
/// and filesystem controls.
pub const READ_ONLY: &str = "/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger";

/// Masks [`MASKED`] and makes [`READ_ONLY`] read-only under `root` ("" after
/// pivot_root, the new root's path before), skipping paths this kernel lacks. Call it
/// in the container's mount namespace, after /proc and /sys are mounted there, with
/// CAP_SYS_ADMIN; "/dev/null" must exist in the caller's view.
pub fn mask_paths(root: &[u8]) -> R {
    let mut path = Vec::with_capacity(root.len() + 32);
    for (table, step) in [(MASKED, Step::Mask), (READ_ONLY, Step::ReadOnly)] {
        let mut i = 0;
        while let Some(p) = word(table, i) {
            path.clear();
            path.extend_from_slice(root);
            path.extend_from_slice(p);
            path.push(0);
            let p = s::cstr_until_nul(&path);
            let r = if step == Step::Mask {
                mask(p)
            } else {
                read_only(p)
            };
            if r != Err(Errno::ENOENT) {
                ck(r, step, i as u32)?;
            }
            i += 1;
        }
    }
    Ok(())
}

/// Masks one path: a directory under an empty read-only tmpfs, anything else under
/// /dev/null. ENOENT: not on this kernel (not every one has /proc/timer_stats).
pub fn mask(p: &CStr) -> crate::sys::Result<()> {
    const FLAGS: u32 = g::MS_RDONLY | g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC;
    match fs::open(p, g::O_PATH | g::O_DIRECTORY) {
        Ok(_) => s::mount(Some(c"tmpfs"), p, Some(c"tmpfs"), FLAGS, None),
        Err(Errno::ENOTDIR) => s::mount(Some(c"/dev/null"), p, None, g::MS_BIND, None),
        Err(e) => Err(e),
    }
}

/// Makes one path read-only: a bind mount onto itself, remounted read-only. The remount
/// keeps the mount's nosuid/nodev/noexec/atime flags: in a user namespace they are
/// locked, and a remount that drops them fails with EPERM.
pub fn read_only(p: &CStr) -> crate::sys::Result<()> {
    s::mount(Some(p), p, None, g::MS_BIND | g::MS_REC, None)?;
    let st = s::statfs_flags(p)?;
    // ST_NOSUID, ST_NODEV, ST_NOEXEC, ST_NOATIME and ST_NODIRATIME share the MS_ values;
    // ST_RELATIME (0x1000) does not.
    let mut locked =
        st as u32 & (g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC | g::MS_NOATIME | g::MS_NODIRATIME);
    if st & 0x1000 != 0 {
        locked |= g::MS_RELATIME;
    }
    let flags = g::MS_BIND | g::MS_REMOUNT | g::MS_RDONLY | locked;
    s::mount(None, p, None, flags, None)
}
