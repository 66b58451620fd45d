//! Dropping privileges in the container's child, just before exec: capabilities,
//! identity, no_new_privs, descriptors, seccomp, plus the masked /proc and /sys paths.
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
//!
//! Failures are [`Error`]s, ready for the child's error frame. husk needs Linux 5.14
//! for containers; here that means close_range with
//! CLOSE_RANGE_CLOEXEC (5.11) and no /proc/self/fd walk before it.
use crate::caps::{self, CapSets};
use crate::error::{Error, Result};
use crate::out::{fmt_u64, word};
use crate::path::CPath;
use crate::seccomp::Insn;
use crate::sys::mount::{mount, mount_setattr};
use crate::sys::security::{self as s, Caps};
use crate::sys::{self, fs, Errno};
use linux_raw_sys::general as g;

/// What the child applies: computed before clone, never fails to be applied for a
/// reason that could have been seen earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub caps: CapSets,
    /// PR_SET_NO_NEW_PRIVS (on unless --allow-new-privs).
    pub no_new_privs: bool,
    /// The seccomp filter, None for no filter at all.
    pub filter: Option<alloc::vec::Vec<Insn>>,
    /// Descriptors 3..3+N pass to the command.
    pub preserve_fds: u32,
    /// The filter may refuse a call that husk as PID 1 cannot do without (it is on PID 1
    /// too when it goes first: [`Prepared::filter_first`]).
    pub refuses_init: bool,
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

/// `husk: <op> <obj>: <ERRNO>` for a failed call.
#[inline(never)]
fn ck(r: sys::Result<()>, op: &'static str, obj: &[u8]) -> Result<()> {
    r.map_err(|e| Error::sys(op, obj, e))
}

/// The same with a number (an id, a descriptor) for the object.
#[inline(never)]
fn ck_n(r: sys::Result<()>, op: &'static str, n: u32) -> Result<()> {
    ck(r, op, fmt_u64(n as u64, &mut [0; 20]))
}

/// All of steps 0-8, for a child that execs the command next.
pub fn apply(p: &Prepared, id: &Ident) -> Result<()> {
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
pub fn drop_privileges(p: &Prepared, id: &Ident) -> Result<()> {
    const CAPS: &str = "set capabilities";
    let mut have = 0;
    ck(s::capget().map(|c| have = c.permitted), CAPS, b"")?;
    let known = drop_bounding(p.caps.keep)?;
    let keep = p.caps.keep & known & have;
    // What `--cap-add` named must be held; the rest of the kept set is kept if held
    // (`--privileged` or `--cap-add ALL` under a parent that already dropped some keep
    // what is left).
    let missing = p.caps.named & known & !have;
    if missing != 0 {
        let c = caps::name(missing.trailing_zeros());
        let e = Error::sys("--cap-add", c, Errno::EPERM);
        return Err(e.hint("husk itself does not hold this capability"));
    }
    let asked = p.caps.ambient & keep;
    let root = id.uid.unwrap_or_else(crate::sys::ns::getuid) == 0;
    let ambient = if root { 0 } else { asked };
    if !root {
        // Else setresuid away from 0 empties the permitted set.
        ck(s::set_keepcaps(), CAPS, b"")?;
    }
    if let Some(gs) = id.groups {
        ck(s::setgroups(gs), "setgroups", b"")?;
    }
    if let Some(gid) = id.gid {
        ck_n(s::setresgid(gid), "setgid", gid)?;
    }
    if let Some(uid) = id.uid {
        ck_n(s::setresuid(uid), "setuid", uid)?;
    }
    let sets = Caps {
        effective: keep,
        permitted: keep,
        inheritable: ambient,
    };
    ck(s::capset(sets), CAPS, b"")?;
    for c in 0..64 {
        if ambient & 1 << c != 0 {
            ck(
                s::ambient_raise(c),
                "raise ambient capability",
                caps::name(c),
            )?;
        }
    }
    if p.no_new_privs {
        ck(s::set_no_new_privs(), "set no_new_privs", b"")?;
    }
    Ok(())
}

/// Step 1: drops every capability not in `keep` from the bounding set, up to the
/// kernel's last one (found by probing: PR_CAPBSET_* answer EINVAL past it, which spares
/// reading /proc/sys/kernel/cap_last_cap, possibly masked by then). Returns the mask of
/// the capabilities the kernel knows: those husk names exist on every kernel it runs
/// containers on (5.14; CAP_CHECKPOINT_RESTORE is 5.9's), so only a kept one above
/// them is probed (a read). Each drop costs ~1 µs (the kernel copies the credentials,
/// and frees the old ones after a grace period): ~28 µs for the default set; the 14
/// reads of kept ones it no longer makes cost ~5 µs.
pub fn drop_bounding(keep: u64) -> Result<u64> {
    let mut known = 0;
    for c in 0..64 {
        let r = if keep & 1 << c == 0 {
            s::capbset_drop(c)
        } else if c > caps::LAST {
            s::capbset_read(c)
        } else {
            Ok(())
        };
        if r == Err(Errno::EINVAL) {
            break;
        }
        ck(r, "drop bounding capability", caps::name(c))
            .map_err(|e| e.hint("needs CAP_SETPCAP"))?;
        known |= 1 << c;
    }
    Ok(known)
}

/// Step 8 (or 0): installs the prepared filter, if any.
pub fn install_filter(p: &Prepared) -> Result<()> {
    match &p.filter {
        Some(f) => ck(s::seccomp_filter(f), "install seccomp filter", b"")
            .map_err(|e| e.hint("needs no_new_privs or CAP_SYS_ADMIN")),
        None => Ok(()),
    }
}

/// The filter of husk as PID 1 once CMD runs under a filter of its own: the init's
/// calls only ([`seccomp::init_profile`]). Built before CMD is spawned, so that PID 1
/// has only the one call left to make once CMD runs ([`lock_init`]).
pub fn init_lock() -> Option<alloc::vec::Vec<Insn>> {
    crate::seccomp::build(&crate::seccomp::init_profile())
        .ok()
        .flatten()
}

/// Installs [`init_lock`]'s filter. A failure is told, not fatal: CMD runs already.
pub fn lock_init(f: &[Insn]) {
    if let Err(e) = ck(s::seccomp_filter(f), "confine PID 1", b"") {
        e.print();
    }
}

/// Step 7: every descriptor from 3+N on is marked close-on-exec (not closed: the child
/// still needs its sync socket to report an exec failure; the kernel closes them all at
/// exec); 3..3+N lose FD_CLOEXEC so they pass. A descriptor leaked into a container is
/// how runc's CVE-2024-21626 reached the host's cgroup directory. (close_range with
/// CLOSE_RANGE_CLOEXEC: Linux 5.11.) husk as PID 1 never execs: it closes them too
/// ([`close_all_but`]).
pub fn close_fds(preserve: u32) -> Result<()> {
    let r = s::close_range(3 + preserve, u32::MAX, s::CLOSE_RANGE_CLOEXEC);
    ck(r, "close descriptors", b"")?;
    preserved(preserve, g::F_SETFD)
}

/// close_range(2) around the descriptors to keep: closes every descriptor from `from`
/// on but those in `keep` (in any order). For husk as PID 1, which never execs.
/// (close_range fails only for a range that ends before it starts: none is made.)
pub fn close_all_but(from: u32, keep: &[u32]) {
    let mut first = from;
    loop {
        let next = keep.iter().copied().filter(|&k| k >= first).min();
        if next != Some(first) {
            let _ = s::close_range(first, next.map_or(u32::MAX, |k| k - 1), 0);
        }
        match next {
            Some(k) => first = k + 1,
            None => return,
        }
    }
}

/// For the parent, before anything is created: fds 3..3+N must be open. Else husk's own
/// descriptors (its sync socket...) could take those numbers and leak to the command.
pub fn check_preserved_fds(n: u32) -> Result<()> {
    preserved(n, g::F_GETFD)
}

/// fcntl(fd, `cmd`, 0) on 3..3+n: F_GETFD checks that each is open, F_SETFD clears its
/// FD_CLOEXEC.
fn preserved(n: u32, cmd: u32) -> Result<()> {
    for fd in 3..3 + n {
        ck_n(s::fcntl(fd, cmd), "--preserve-fds fd", fd).map_err(|e| e.hint("not open"))?;
    }
    Ok(())
}

/// What Docker masks (moby's oci defaults), then what it makes read-only, from
/// [`MASKED_PATHS`] on: a masked file gets /dev/null bound over it, a directory an empty
/// read-only tmpfs. Kernel memory, keys of every user, timers and interrupts of the
/// host, firmware tables, power readings (the Platypus side channel); kernel tunables,
/// the SysRq trigger, IRQ affinity, bus and filesystem controls.
pub const PATHS: &str = "/proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys \
/proc/latency_stats /proc/sched_debug /proc/scsi /proc/timer_list /proc/timer_stats \
/sys/devices/virtual/powercap /sys/firmware \
/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger";
/// How many of [`PATHS`] are masked; the rest are made read-only.
pub const MASKED_PATHS: usize = 12;

/// Masks or makes read-only each of [`PATHS`] under `root` ("" after pivot_root, the
/// new root's path before), skipping paths this kernel lacks (ENOENT: not every one
/// has /proc/timer_stats). Call it in the container's mount namespace, after /proc and
/// /sys are mounted there, with CAP_SYS_ADMIN; "/dev/null" must exist in the caller's
/// view.
pub fn mask_paths(root: &[u8]) -> Result<()> {
    let mut i = 0;
    while let Some(p) = word(PATHS, i) {
        let path = CPath::new(&[root, p]);
        let c = path.c();
        let (op, r) = if i >= MASKED_PATHS {
            // A bind mount onto itself, made read-only: mount_setattr changes that flag
            // alone, where a remount would have to repeat the flags a user namespace
            // locks (nosuid, nodev...).
            let r = mount(Some(c), c, None, g::MS_BIND | g::MS_REC, None);
            let ro = g::MOUNT_ATTR_RDONLY as u64;
            (
                "make read-only",
                r.and_then(|_| mount_setattr(c, true, ro, 0)),
            )
        } else {
            let r = match fs::open(c, g::O_PATH | g::O_DIRECTORY) {
                Ok(_) => {
                    let flags = g::MS_RDONLY | g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC;
                    mount(Some(c"tmpfs"), c, Some(c"tmpfs"), flags, None)
                }
                Err(Errno::ENOTDIR) => mount(Some(c"/dev/null"), c, None, g::MS_BIND, None),
                Err(e) => Err(e),
            };
            ("mask", r)
        };
        if r != Err(Errno::ENOENT) {
            ck(r, op, p)?;
        }
        i += 1;
    }
    Ok(())
}
