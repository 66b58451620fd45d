//! Acting on a [`Plan`]: create the container's cgroups, put its first process in them,
//! tell an OOM kill from the kernel's counters, and remove them when it has ended.
//!
//! Every path comes from the plan (hence from the mount points in the layout): tests point
//! a layout at a temporary directory and set [`Plan::fixture`].
//!
//! In `husk run`, in this order:
//! 1. before clone: [`read_layout`], [`plan`](super::plan), [`Cgroup::create`];
//! 2. the clone itself: [`Cgroup::clone`], born in the v2 cgroup (or, where clone3 is
//!    missing, put there by the parent with [`Cgroup::place`] while the child waits); then,
//!    first thing in the child, [`Cgroup::join`] for the v1 ones, and drop the `Cgroup` (its descriptors reach
//!    the host's cgroup file system: runc's CVE-2024-21626 was such a descriptor, leaked).
//!    A cgroup namespace must then be unshared by the child after `join`, not asked of the
//!    clone: on v1 its root would be husk's own cgroup, not the container's.
//! 3. after the container's end: [`Cgroup::oom_killed`], then [`Cgroup::remove`].
//!
//! Why the child joins v1 cgroups itself: moving another process (a pid written to
//! cgroup.procs) takes the global cgroup_threadgroup_rwsem for writing, which after an idle
//! moment waits a whole RCU grace period: 6–16 ms on this VM. A thread moving itself (`0`
//! written to v1's `tasks`) skips that lock: ~0.1 ms. v2 has no such file for a domain
//! cgroup, hence CLONE_INTO_CGROUP there.
use super::{oom_kill, Dir, Layout, Plan, MEMORY};
use crate::error::{Error, Result};
use crate::out::{fmt_u64, parse_u64, word, Msg};
use crate::state::cut;
use crate::sys::process::{self, Cloned};
use crate::sys::{self, cstr, fs, Errno, Fd, RawFd};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// The layout of this process: /proc/self/mountinfo and /proc/self/cgroup.
pub fn read_layout() -> Result<Layout> {
    let read = |p: &'static CStr| fs::read_file(p).map_err(|e| Error::sys("read", p.to_bytes(), e));
    Ok(Layout {
        mountinfo: read(c"/proc/self/mountinfo")?,
        cgroup: read(c"/proc/self/cgroup")?,
    })
}

/// `a` and a NUL.
#[inline(never)]
fn z(a: &[u8]) -> Vec<u8> {
    let mut m = Msg(a.to_vec());
    m.c(0);
    m.0
}

const NOT_APPLIED: &[u8] = b"limit not applied";

/// The error for a step of [`Cgroup::create`] or [`Cgroup::join`].
#[inline(never)]
fn fail(op: &'static str, obj: &[u8], e: Errno) -> Error {
    Error::new(op.as_bytes(), obj, e.into_raw(), NOT_APPLIED)
}

/// The error for the cgroup `path` that could not be made: the parent's fault, mostly.
#[inline(never)]
fn not_created(path: &[u8], e: Errno) -> Error {
    let hint: &[u8] = match e {
        Errno::ENOENT => b"no such parent cgroup; limit not applied",
        Errno::EACCES | Errno::EPERM => {
            b"the parent cgroup is not writable by this user; limit not applied"
        }
        Errno::EROFS => b"the cgroup hierarchy is mounted read-only; limit not applied",
        _ => NOT_APPLIED,
    };
    Error::new(b"create cgroup", path, e.into_raw(), hint)
}

/// Writes `val` to the control file `file` of the cgroup `dir` (at `path`), or says why
/// not. `fixture`: create the file, appending (the kernel takes each write on its own,
/// whatever the offset). `optional`: a missing file is no error (nor created).
#[inline(never)]
fn set(
    dir: RawFd,
    path: &[u8],
    file: &CStr,
    val: &[u8],
    fixture: bool,
    optional: bool,
) -> Result<()> {
    let create = fixture && !optional;
    let flags = g::O_WRONLY | if create { g::O_CREAT | g::O_APPEND } else { 0 };
    match fs::open_at(dir, file, flags, 0o644).and_then(|f| sys::write(f.raw(), val)) {
        Err(Errno::ENOENT) if optional => Ok(()),
        Err(e) => Err(refused(path, file, val, e)),
        Ok(_) => Ok(()),
    }
}

/// `husk: set PATH/FILE to VAL: ERRNO (hint)`.
fn refused(path: &[u8], file: &CStr, val: &[u8], e: Errno) -> Error {
    let mut m = Msg(path.to_vec());
    m.c(b'/').s(file.to_bytes()).s(b" to ").s(val);
    let hint = if e == Errno::EBUSY {
        // cgroup v2's no-internal-processes rule, from cgroup.subtree_control.
        &b"a cgroup with processes cannot pass controllers on: choose a --cgroup-parent \
           without any; limit not applied"[..]
    } else {
        NOT_APPLIED
    };
    Error::new(b"set", &m.0, e.into_raw(), hint)
}

const DIR: u32 = g::O_RDONLY | g::O_DIRECTORY;

/// The container's cgroup in one hierarchy, created.
struct Live<'p> {
    d: &'p Dir,
    /// The cgroup, O_PATH: control files (its parent's as `../`), CLONE_INTO_CGROUP.
    dir: Fd,
    /// v1: its `tasks` file, open for writing, for the child's [`Cgroup::join`]. Opened by
    /// husk (the kernel checks the opener's credentials), so it still works in a child
    /// born in a new user namespace.
    tasks: Option<Fd>,
}

/// The container's cgroups, created from a plan (which must outlive it). Nothing is
/// removed on drop: call [`Cgroup::remove`].
pub struct Cgroup<'p> {
    plan: &'p Plan,
    /// Those of `plan.dirs` created so far, in order.
    live: Vec<Live<'p>>,
}

impl<'p> Cgroup<'p> {
    /// Creates every cgroup of the plan and writes its limits. On failure, removes what it
    /// created and names the cgroup, file or controller that failed.
    pub fn create(plan: &'p Plan) -> Result<Cgroup<'p>> {
        let mut cg = Cgroup {
            plan,
            live: Vec::new(),
        };
        for d in &plan.dirs {
            if let Err(e) = cg.add(d) {
                let _ = cg.remove();
                return Err(e);
            }
        }
        Ok(cg)
    }

    fn add(&mut self, d: &'p Dir) -> Result<()> {
        let fixture = self.plan.fixture;
        let (path, shown) = (cstr(&d.path), d.shown());
        // Left by a husk that had our pid and was killed: ours if it is empty.
        let _ = fs::rmdir_at(g::AT_FDCWD, path);
        // (Should the open fail after the mkdir, the next husk sweeps the empty cgroup.)
        let dir = fs::mkdir_at(g::AT_FDCWD, path, 0o755)
            .and_then(|()| fs::open_at(g::AT_FDCWD, path, g::O_PATH | g::O_DIRECTORY, 0))
            .map_err(|e| not_created(shown, e))?;
        let at = dir.raw();
        // From here on, a failure removes it with the rest.
        self.live.push(Live {
            d,
            dir,
            tasks: None,
        });
        // v2: enable each controller in the parent, one write each so that a refusal names
        // it: EBUSY when the parent holds processes, ENOENT when it does not have it. Only
        // those not yet enabled: a write, even of no change, first waits for the parent's
        // removed children to go offline (the last container's cgroup, say).
        let on = if d.v2 {
            fs::read_at(at, c"../cgroup.subtree_control").unwrap_or_default()
        } else {
            Vec::new()
        };
        for k in 0..3 {
            let ctl = word("+memory +cpu +pids", k).unwrap_or_default();
            if d.v2
                && d.ctls & 1 << k != 0
                && !on
                    .split(|&c| c <= b' ')
                    .any(|w| w == ctl || Some(w) == ctl.get(1..))
            {
                set(at, shown, c"../cgroup.subtree_control", ctl, fixture, false)?;
            }
        }
        for k in 0..4 {
            let Some((file, n, optional)) = self.plan.write(d, k) else {
                continue;
            };
            // A fixture lacks optional files, as a kernel without swap accounting does.
            let mut b = [0; 20];
            set(at, shown, file, fmt_u64(n, &mut b), fixture, optional)?;
        }
        if !d.v2 {
            let flags = g::O_WRONLY | if fixture { g::O_CREAT } else { 0 };
            let t = fs::open_at(at, c"tasks", flags, 0o644)
                .map_err(|e| fail("create cgroup", shown, e))?;
            if let Some(l) = self.live.last_mut() {
                l.tasks = Some(t);
            }
        }
        Ok(())
    }

    /// The v2 cgroup's directory, for CLONE_INTO_CGROUP.
    pub fn clone_fd(&self) -> Option<RawFd> {
        self.live.iter().find(|l| l.d.v2).map(|l| l.dir.raw())
    }

    /// The child's way in, first thing after the clone: moves itself into each v1 cgroup
    /// (`0` to `tasks`: no RCU grace period, see the module's notes). An error here belongs
    /// to the child: report it to the parent and exit.
    pub fn join(&self) -> Result<()> {
        for l in &self.live {
            if let Some(fd) = &l.tasks {
                sys::write(fd.raw(), b"0").map_err(|e| fail("join cgroup", l.d.shown(), e))?;
            }
        }
        Ok(())
    }

    /// Clones the container's first process like [`process::clone3`] (fork-like: pid 0 in
    /// the child; `flags`: CLONE_NEW*), born in the v2 cgroup when there is one. The child
    /// must call [`join`](Cgroup::join) for the v1 cgroups.
    ///
    /// Where clone3 is missing (ENOSYS: Docker's seccomp profile answers that) or refused
    /// by a filter (EPERM, as `--seccomp-deny clone3` does), the plain clone stands in:
    /// then `plain` is set, in both processes, and the child starts in husk's v2 cgroup
    /// until the parent [`place`](Cgroup::place)s it, which the child must wait for.
    pub fn clone(&self, flags: u64) -> sys::Result<Cloned> {
        match process::clone3(flags, self.clone_fd()) {
            Err(Errno::ENOSYS | Errno::EPERM) => {
                sys::ns::fork_with(flags as u32).map(|pid| Cloned {
                    pid,
                    pidfd: None,
                    in_cgroup: false,
                    plain: true,
                })
            }
            r => r,
        }
    }

    /// The parent's way in for a child that the plain clone made (see
    /// [`clone`](Cgroup::clone)): writes its pid to the v2 cgroup's `cgroup.procs` (the v1
    /// cgroups the child joins itself). Nothing to do without a v2 cgroup.
    pub fn place(&self, pid: i32) -> Result<()> {
        let Some(l) = self.live.iter().find(|l| l.d.v2) else {
            return Ok(());
        };
        let mut b = [0; 20];
        let pid = fmt_u64(pid as u64, &mut b);
        set(
            l.dir.raw(),
            l.d.shown(),
            c"cgroup.procs",
            pid,
            self.plan.fixture,
            false,
        )
    }

    /// After the container's end: did the kernel's OOM killer kill in its cgroup, CMD or
    /// any other of its processes? The kernel's count: `oom_kill` in v2's memory.events or
    /// v1's memory.oom_control.
    pub fn oom_killed(&self) -> bool {
        let Some(l) = self.live.iter().find(|l| l.d.ctls & MEMORY != 0) else {
            return false;
        };
        let file = if l.d.v2 {
            c"memory.events"
        } else {
            c"memory.oom_control"
        };
        oom_kill(&fs::read_at(l.dir.raw(), file).unwrap_or_default())
    }

    /// The `--memory` limit, for [`oom_message`](super::oom_message).
    pub fn memory_limit(&self) -> u64 {
        self.plan.lim[0]
    }

    /// Removes the cgroups, with any the container made inside them (children first), and
    /// what is left in them killed: what outlived CMD with no pid namespace to end it (a
    /// daemon it started, say). Then removes the stale `husk-<pid>` siblings whose husk is
    /// dead and which are empty (left by a husk that was SIGKILLed). Returns the first
    /// error, after trying every cgroup.
    pub fn remove(&mut self) -> Result<()> {
        let mut res = Ok(());
        while let Some(l) = self.live.pop() {
            let parent = fs::open_at(l.dir.raw(), c"..", DIR, 0);
            let r = rmdir_tree(g::AT_FDCWD, cstr(&l.d.path), true, 0);
            if let (Err(e), Ok(())) = (r, &res) {
                res = Err(Error::sys("remove cgroup", l.d.shown(), e)
                    .hint("processes remain; the next husk removes it once empty"));
            }
            if let Ok(p) = parent {
                prune(&p, true, false, 0);
            }
        }
        res
    }
}

/// rmdir `parent/name`, a cgroup. While it is busy (EBUSY; a plain directory in tests says
/// ENOTEMPTY), removes the cgroups inside it and, with `kill`, kills its processes:
/// through cgroup.kill on v2 (atomic), else each pid of cgroup.procs; retried (against
/// forks, and the moment a killed process takes to be released) for up to ~0.1 s.
/// Without `kill`, it is tried once more after its children.
fn rmdir_tree(parent: RawFd, name: &CStr, kill: bool, depth: u32) -> sys::Result<()> {
    let mut wait = 50;
    loop {
        match fs::rmdir_at(parent, name) {
            Err(Errno::EBUSY | Errno::ENOTEMPTY) if wait < 100_000 => {}
            Err(Errno::ENOENT) => return Ok(()),
            r => return r,
        }
        if let Ok(d) = fs::open_at(parent, name, DIR, 0) {
            if kill && set(d.raw(), b"", c"cgroup.kill", b"1", false, false).is_err() {
                let procs = fs::read_at(d.raw(), c"cgroup.procs").unwrap_or_default();
                let mut p = &procs[..];
                while !p.is_empty() {
                    if let Some(pid) = parse_u64(cut(&mut p, b'\n')) {
                        let _ = sys::signal::kill(pid as i32, g::SIGKILL);
                    }
                }
            }
            prune(&d, false, kill, depth + 1);
        }
        // Those killed may be our (adopted) children: reap them.
        while let Ok(Some(_)) = process::wait(-1, true) {}
        sys::time::sleep_us(wait);
        wait = if kill { wait * 2 } else { 100_000 };
    }
}

/// Removes the child cgroups of `dir` (up to 16 levels down): all of them, or with `stale`
/// the `husk-<pid>` ones whose husk is dead; `kill`: see [`rmdir_tree`].
fn prune(dir: &Fd, stale: bool, kill: bool, depth: u32) {
    let _ = fs::for_each_entry_in(dir, |n, t| {
        let pid = crate::out::strip_prefix(n, b"husk-").and_then(parse_u64);
        // ESRCH: no such process. (A husk in another pid namespace sharing this parent
        // would look dead: its cgroup is spared while it holds processes.)
        let dead =
            pid.is_some_and(|p| p < 1 << 22 && sys::signal::kill(p as i32, 0) == Err(Errno::ESRCH));
        if t == g::DT_DIR as u8 && depth < 16 && (dead || !stale) {
            let _ = rmdir_tree(dir.raw(), cstr(&z(n)), kill, depth);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn text(e: Error) -> String {
        String::from_utf8(e.render().0).unwrap()
    }

    #[test]
    fn messages_name_what_failed() {
        let p = b"/sys/fs/cgroup/s.scope/husk-9";
        assert_eq!(
            text(refused(
                p,
                c"../cgroup.subtree_control",
                b"+memory",
                Errno::EBUSY
            )),
            "husk: set /sys/fs/cgroup/s.scope/husk-9/../cgroup.subtree_control to +memory: \
             EBUSY (a cgroup with processes cannot pass controllers on: choose a \
             --cgroup-parent without any; limit not applied)\n"
        );
        assert_eq!(
            text(refused(p, c"memory.max", b"4194304", Errno::EINVAL)),
            "husk: set /sys/fs/cgroup/s.scope/husk-9/memory.max to 4194304: EINVAL (limit not \
             applied)\n"
        );
        assert_eq!(
            text(not_created(p, Errno::ENOENT)),
            "husk: create cgroup /sys/fs/cgroup/s.scope/husk-9: ENOENT (no such parent cgroup; \
             limit not applied)\n"
        );
        assert_eq!(
            text(not_created(p, Errno::EACCES)),
            "husk: create cgroup /sys/fs/cgroup/s.scope/husk-9: EACCES (the parent cgroup is \
             not writable by this user; limit not applied)\n"
        );
        assert_eq!(
            text(not_created(p, Errno::EROFS)),
            "husk: create cgroup /sys/fs/cgroup/s.scope/husk-9: EROFS (the cgroup hierarchy is \
             mounted read-only; limit not applied)\n"
        );
        assert_eq!(
            text(fail("join cgroup", p, Errno::ENOSPC)),
            "husk: join cgroup /sys/fs/cgroup/s.scope/husk-9: ENOSPC (limit not applied)\n"
        );
    }
}
