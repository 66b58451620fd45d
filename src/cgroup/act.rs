//! Acting on a [`Plan`]: create the container's cgroups, put its first process in them,
//! tell an OOM kill from the kernel's counters, and remove them when it has ended.
//!
//! Every path comes from the plan (hence from the mount points in the layout): tests point
//! a layout at a temporary directory and set [`Plan::fixture`].
//!
//! In `husk run`, in this order:
//! 1. before clone: [`read_layout`], [`plan`](super::plan), [`Cgroup::create`];
//! 2. the clone itself: [`Cgroup::clone`], born in the v2 cgroup; then, first thing in the
//!    child, [`Cgroup::join`] for the v1 ones, and drop the `Cgroup` (its descriptors reach
//!    the host's cgroup file system: runc's CVE-2024-21626 was such a descriptor, leaked).
//!    A cgroup namespace must then be unshared by the child after `join`, not asked of the
//!    clone: on v1 its root would be husk's own cgroup, not the container's.
//!    (With a clone of the caller's own: [`Cgroup::enter`] in the parent instead, before the
//!    child is let go; on v1 that costs an RCU grace period, see below.)
//! 3. after the container's end: [`Cgroup::oom_killed`], then [`Cgroup::remove`].
//!
//! Why the child joins v1 cgroups itself: moving another process (a pid written to
//! cgroup.procs) takes the global cgroup_threadgroup_rwsem for writing, which after an idle
//! moment waits a whole RCU grace period: 6–16 ms on this VM. A thread moving itself (`0`
//! written to v1's `tasks`) skips that lock: ~0.1 ms. v2 has no such file for a domain
//! cgroup, hence CLONE_INTO_CGROUP there.
use super::{ctl_name, missing, num, oom_kills, Dir, Layout, Plan, MEMORY};
use crate::error::{Error, Result};
use crate::sys::process::{self, Cloned};
use crate::sys::{self, fs, Errno, Fd, Pid, RawFd};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// The layout of this process: /proc/self/mountinfo, /proc/self/cgroup and the v2 root's
/// cgroup.controllers.
pub fn read_layout() -> Result<Layout> {
    let rd = |p: &'static CStr| fs::read_file(p).map_err(|e| Error::sys("read", p.to_bytes(), e));
    let mut l = Layout::parse(&rd(c"/proc/self/mountinfo")?, &rd(c"/proc/self/cgroup")?);
    if let Some(h) = l.v2() {
        let p = z(&[&h.mount, b"/cgroup.controllers"]);
        // Unreadable: no controller there, and the plan names the one it needed.
        if let Ok(t) = fs::read_file(c(&p)) {
            l.set_v2_controllers(&t);
        }
    }
    Ok(l)
}

/// A NUL-terminated concatenation.
#[inline(never)]
fn z(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::with_capacity(64);
    for p in parts {
        v.extend_from_slice(p);
    }
    v.push(0);
    v
}

/// The C string in `v` (up to its first NUL; empty if there is none).
fn c(v: &[u8]) -> &CStr {
    CStr::from_bytes_until_nul(v).unwrap_or(c"")
}

/// The hint for a refused change to a cgroup.
fn why(e: Errno) -> &'static str {
    match e {
        Errno::ENOENT => "no such cgroup or control file; limit not applied",
        Errno::EACCES | Errno::EPERM | Errno::EROFS => "not writable; limit not applied",
        _ => "limit not applied",
    }
}

/// The container's cgroup in one hierarchy, created.
struct Live {
    v2: bool,
    ctls: u8,
    /// The parent, open for reading: mkdirat, unlinkat and the stale sweep go through it.
    parent: Fd,
    /// The cgroup itself, O_PATH: control files, CLONE_INTO_CGROUP.
    dir: Fd,
    /// v1: its `tasks` file, open for writing, for the child's [`Cgroup::join`]. Opened by
    /// husk (the kernel checks the opener's credentials), so it still works in a child
    /// born in a new user namespace.
    tasks: Option<Fd>,
    /// NUL-terminated.
    name: Vec<u8>,
    path: Vec<u8>,
}

/// The container's cgroups, created. Nothing is removed on drop: call [`Cgroup::remove`].
pub struct Cgroup {
    dirs: Vec<Live>,
    memory: u64,
    fixture: bool,
}

impl Cgroup {
    /// Creates every cgroup of the plan and writes its limits. On failure, removes what it
    /// created and names the cgroup, file or controller that failed.
    pub fn create(plan: &Plan) -> Result<Cgroup> {
        let mut cg = Cgroup {
            dirs: Vec::new(),
            memory: plan.memory,
            fixture: plan.fixture,
        };
        for d in &plan.dirs {
            if let Err(e) = cg.add(d) {
                let _ = cg.remove();
                return Err(e);
            }
        }
        Ok(cg)
    }

    fn add(&mut self, d: &Dir) -> Result<()> {
        let parent = fs::open_dir(c(&z(&[&d.parent])), false)
            .map_err(|e| Error::sys("cgroup parent", &d.parent, e).hint(why(e)))?;
        if !d.enable.is_empty() {
            let list = fs::read_at(parent.raw(), c"cgroup.controllers").unwrap_or_default();
            if let Some(bit) = missing(&list, d.ctls) {
                let mut e = Error::sys("cgroup controller", ctl_name(bit), Errno::ENOENT);
                e.obj.extend_from_slice(b" in ");
                e.obj.extend_from_slice(&d.parent);
                return Err(e.hint(
                    "not delegated to this cgroup v2 parent: enable it in cgroup.subtree_control \
                     above it; limit not applied",
                ));
            }
            fs::write_at(
                parent.raw(),
                c"cgroup.subtree_control",
                &d.enable,
                self.fixture,
            )
            .map_err(|e| {
                Error::sys("enable controllers in", &d.parent, e).hint(if e == Errno::EBUSY {
                    "it has processes, and cgroup v2 lets no cgroup with processes pass \
                         controllers on: use --cgroup-parent with one that has none; \
                         limit not applied"
                } else {
                    why(e)
                })
            })?;
        }
        let name = z(&[&d.name]);
        let path = d.path();
        let mut r = fs::mkdir_at(parent.raw(), c(&name), 0o755);
        if r == Err(Errno::EEXIST) {
            // Left by a husk that had our pid and was killed: ours if it is empty.
            let _ = fs::rmdir_at(parent.raw(), c(&name));
            r = fs::mkdir_at(parent.raw(), c(&name), 0o755);
        }
        r.map_err(|e| Error::sys("create cgroup", &path, e).hint(why(e)))?;
        let dir = match fs::open_at(parent.raw(), c(&name), g::O_PATH | g::O_DIRECTORY, 0) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = fs::rmdir_at(parent.raw(), c(&name));
                return Err(Error::sys("open cgroup", &path, e));
            }
        };
        let mut l = Live {
            v2: d.v2,
            ctls: d.ctls,
            parent,
            dir,
            tasks: None,
            name,
            path,
        };
        for w in &d.writes {
            // A fixture lacks optional files, as a kernel without swap accounting does.
            match fs::write_at(l.dir.raw(), w.file, &w.value, self.fixture && !w.optional) {
                Err(Errno::ENOENT) if w.optional => {}
                Err(e) => {
                    let mut obj = z(&[&l.path, b"/", w.file.to_bytes(), b" to ", &w.value]);
                    obj.pop();
                    self.dirs.push(l);
                    return Err(Error::sys("set", &obj, e).hint(why(e)));
                }
                Ok(()) => {}
            }
        }
        if !d.v2 {
            let flags = g::O_WRONLY | if self.fixture { g::O_CREAT } else { 0 };
            match fs::open_at(l.dir.raw(), c"tasks", flags, 0o644) {
                Ok(fd) => l.tasks = Some(fd),
                Err(e) => {
                    self.dirs.push(l);
                    return Err(Error::sys("open tasks of", &d.path(), e));
                }
            }
        }
        self.dirs.push(l);
        Ok(())
    }

    /// The v2 cgroup's directory, for CLONE_INTO_CGROUP.
    pub fn clone_fd(&self) -> Option<RawFd> {
        self.dirs.iter().find(|l| l.v2).map(|l| l.dir.raw())
    }

    /// The cgroups' directories (for `husk exec` and messages).
    pub fn paths(&self) -> impl Iterator<Item = &[u8]> {
        self.dirs.iter().map(|l| &l.path[..])
    }

    /// The parent's way in: writes `pid` to cgroup.procs of each cgroup (with `v1`: the v1
    /// ones too, else only v2), except the v2 one if the child was born there (`in_cgroup`
    /// from the clone). Call right after the clone, before the child is let go.
    pub fn enter(&self, pid: Pid, in_cgroup: bool, v1: bool) -> Result<()> {
        let v = num(pid as u64);
        for l in &self.dirs {
            if (l.v2 && in_cgroup) || (!l.v2 && !v1) {
                continue;
            }
            fs::write_at(l.dir.raw(), c"cgroup.procs", &v, self.fixture)
                .map_err(|e| Error::sys("move the container into", &l.path, e).hint(why(e)))?;
        }
        Ok(())
    }

    /// The child's way in, first thing after the clone: moves itself into each v1 cgroup
    /// (`0` to `tasks`: no RCU grace period, see the module's notes). An error here belongs
    /// to the child: report it to the parent and exit.
    pub fn join(&self) -> Result<()> {
        for l in &self.dirs {
            if let Some(fd) = &l.tasks {
                sys::write(fd.raw(), b"0")
                    .map_err(|e| Error::sys("join cgroup", &l.path, e).hint(why(e)))?;
            }
        }
        Ok(())
    }

    /// Clones the container's first process like [`process::clone3`] (fork-like: pid 0 in
    /// the child; `flags`: CLONE_NEW*, CLONE_PIDFD), born in the v2 cgroup when there is one.
    /// When the kernel could not do that (before 5.7), the parent moves it through
    /// cgroup.procs; if that fails, the child is killed and reaped before the error returns.
    /// The child must call [`join`](Cgroup::join) for the v1 cgroups.
    pub fn clone(&self, flags: u64) -> Result<Cloned> {
        let r = process::clone3(flags, self.clone_fd()).map_err(|e| Error::sys("clone", b"", e))?;
        if r.pid != 0 {
            if let Err(e) = self.enter(r.pid, r.in_cgroup, false) {
                let _ = sys::signal::kill(r.pid, g::SIGKILL);
                let _ = process::wait(r.pid, false);
                return Err(e);
            }
        }
        Ok(r)
    }

    /// After the container's end: did the OOM killer end it? `status`: CMD's wait status as
    /// husk saw it, SIGKILL (or exit 137 from an init inside the container) for an OOM kill.
    /// v2: `oom_kill` in memory.events; v1: `oom_kill` in memory.oom_control (Linux 4.13+),
    /// else memory.failcnt (the limit was hit: the best an older kernel tells).
    pub fn oom_killed(&self, status: i32) -> bool {
        if crate::status::exit_code(status) != 137 {
            return false;
        }
        let Some(l) = self.dirs.iter().find(|l| l.ctls & MEMORY != 0) else {
            return false;
        };
        let file = if l.v2 {
            c"memory.events"
        } else {
            c"memory.oom_control"
        };
        let text = fs::read_at(l.dir.raw(), file).unwrap_or_default();
        match oom_kills(&text) {
            Some(n) => n != 0,
            None if !l.v2 => fs::read_at(l.dir.raw(), c"memory.failcnt")
                .is_ok_and(|t| !matches!(&t[..], b"0\n" | b"0")),
            None => false,
        }
    }

    /// The `--memory` limit, for [`oom_message`](super::oom_message).
    pub fn memory_limit(&self) -> u64 {
        self.memory
    }

    /// Removes the cgroups (with any the container made inside them, children first). A
    /// cgroup stays busy (EBUSY) until its last process is released, which can lag the
    /// reaping of the container's init by a moment: retried for up to ~0.2 s. Then removes
    /// the stale `husk-<pid>` siblings whose husk is dead and which are empty (left by a
    /// husk that was SIGKILLed). Returns the first error, after trying every cgroup.
    pub fn remove(&mut self) -> Result<()> {
        let mut res = Ok(());
        while let Some(l) = self.dirs.pop() {
            let mut wait = 50;
            let r = loop {
                match rmdir_tree(l.parent.raw(), c(&l.name), 0) {
                    Err(Errno::EBUSY) if wait < 100_000 => {
                        sys::time::sleep_us(wait);
                        wait *= 2;
                    }
                    Err(Errno::ENOENT) => break Ok(()),
                    r => break r,
                }
            };
            if let Err(e) = r {
                if res.is_ok() {
                    res = Err(Error::sys("remove cgroup", &l.path, e).hint(
                        "processes remain in it; the next husk removes it once they are gone",
                    ));
                }
            }
            sweep(&l.parent);
        }
        res
    }
}

/// rmdir `parent/name`, and when it has child cgroups, them first (up to 8 levels deep).
fn rmdir_tree(parent: RawFd, name: &CStr, depth: u32) -> sys::Result<()> {
    let r = fs::rmdir_at(parent, name);
    // cgroupfs says EBUSY for a cgroup with children; a plain directory (tests) ENOTEMPTY.
    if !matches!(r, Err(Errno::EBUSY | Errno::ENOTEMPTY)) || depth >= 8 {
        return r;
    }
    let d = fs::open_at(parent, name, g::O_RDONLY | g::O_DIRECTORY, 0)?;
    let mut subs = Vec::new();
    fs::for_each_entry_in(&d, |n, t| {
        if t == g::DT_DIR as u8 {
            subs.push(z(&[n]));
        }
    })?;
    if subs.is_empty() {
        return r; // busy with processes
    }
    for s in &subs {
        rmdir_tree(d.raw(), c(s), depth + 1)?;
    }
    fs::rmdir_at(parent, name)
}

/// Removes the `husk-<pid>` cgroups in `parent` whose husk is dead and that are empty.
fn sweep(parent: &Fd) {
    let mut stale = Vec::new();
    let _ = fs::for_each_entry_in(parent, |n, t| {
        let pid = n.strip_prefix(b"husk-").and_then(crate::out::parse_u64);
        if let Some(pid) =
            pid.filter(|&p| t == g::DT_DIR as u8 && (1..=i32::MAX as u64).contains(&p))
        {
            // ESRCH: no such process. (A husk in another pid namespace sharing this parent
            // would look dead: its cgroup is spared while it holds processes.)
            if sys::signal::kill(pid as i32, 0) == Err(Errno::ESRCH) {
                stale.push(z(&[n]));
            }
        }
    });
    for s in &stale {
        let _ = rmdir_tree(parent.raw(), c(s), 0);
    }
}
