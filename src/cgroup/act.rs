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
use super::{ctl_name, missing, oom_kills, Dir, Layout, Plan, MEMORY};
use crate::error::{Error, Result};
use crate::out::{parse_u64, Msg};
use crate::sys::process::{self, Cloned};
use crate::sys::{self, fs, Errno, Fd, Pid, RawFd};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// The layout of this process: /proc/self/mountinfo, /proc/self/cgroup and the v2 root's
/// cgroup.controllers.
pub fn read_layout() -> Result<Layout> {
    let (mi, cg) = match (
        fs::read_file(c"/proc/self/mountinfo"),
        fs::read_file(c"/proc/self/cgroup"),
    ) {
        (Ok(mi), Ok(cg)) => (mi, cg),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Error::sys("read", b"/proc/self/cgroup", e).hint("is /proc mounted?"))
        }
    };
    let mut l = Layout::parse(&mi, &cg);
    if let Some(h) = l.v2() {
        // Unreadable: no controller there, and the plan names the one it needed.
        let t = fs::read_file(c(&z(&h.mount, b"/cgroup.controllers"))).unwrap_or_default();
        l.set_v2_controllers(&t);
    }
    Ok(l)
}

/// `a` and `b` and a NUL.
#[inline(never)]
fn z(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut m = Msg(a.to_vec());
    m.s(b).c(0);
    m.0
}

/// The C string in `v` (up to its first NUL; empty if there is none).
fn c(v: &[u8]) -> &CStr {
    CStr::from_bytes_until_nul(v).unwrap_or(c"")
}

/// What failed, for the message (built once, by [`error`]).
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Opening the parent.
    Parent,
    /// The v2 parent lacks this controller.
    Missing(u8),
    /// The parent's cgroup.subtree_control.
    Enable,
    /// mkdir, or opening the new cgroup or its `tasks`.
    Create,
    /// The write at this index of the dir's writes.
    Set(usize),
    /// The parent's way in, cgroup.procs.
    Move,
    /// The child's way in, `tasks`.
    Join,
}

type Fail = (Step, Errno);

/// The error for `f` in the cgroup of `d`.
#[inline(never)]
fn error(d: &Dir, (step, e): Fail) -> Error {
    let mut obj = Msg::new();
    let op = match step {
        Step::Parent | Step::Enable => {
            obj.s(d.parent());
            if let Step::Parent = step {
                "cgroup parent"
            } else {
                "enable controllers in"
            }
        }
        Step::Missing(bit) => {
            obj.s(ctl_name(bit)).s(b" in ").s(d.parent());
            "cgroup controller"
        }
        Step::Set(i) => {
            obj.s(&d.path);
            if let Some(w) = d.writes.get(i) {
                obj.c(b'/').s(w.file.to_bytes()).s(b" to ").s(&w.value().0);
            }
            "set"
        }
        Step::Create => {
            obj.s(&d.path);
            "create cgroup"
        }
        Step::Move | Step::Join => {
            obj.s(&d.path);
            "move the container into"
        }
    };
    let hint = match (step, e) {
        (Step::Missing(_), _) => "not enabled above this parent; limit not applied",
        (_, Errno::ENOENT) => "no such cgroup or file; limit not applied",
        (_, Errno::EACCES | Errno::EPERM | Errno::EROFS) => "not writable; limit not applied",
        // cgroup v2's no-internal-processes rule.
        (Step::Enable, Errno::EBUSY) => {
            "a cgroup with processes cannot pass controllers on: choose a \
             --cgroup-parent without any; limit not applied"
        }
        _ => "limit not applied",
    };
    Error::new(op.as_bytes(), &obj.0, e.into_raw(), hint.as_bytes())
}

const DIR: u32 = g::O_RDONLY | g::O_DIRECTORY;

/// The descriptors of the container's cgroup in one hierarchy.
struct Live {
    /// The parent, open for reading: mkdirat, unlinkat and the stale sweep go through it.
    parent: Fd,
    /// The cgroup itself, O_PATH: control files, CLONE_INTO_CGROUP.
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
    /// For each of `plan.dirs` created so far, in order.
    live: Vec<Live>,
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
            if let Err(f) = cg.add(d) {
                let _ = cg.remove();
                return Err(error(d, f));
            }
        }
        Ok(cg)
    }

    fn add(&mut self, d: &Dir) -> core::result::Result<(), Fail> {
        let fixture = self.plan.fixture;
        let parent = fs::open_at(g::AT_FDCWD, c(&z(d.parent(), b"")), DIR, 0)
            .map_err(|e| (Step::Parent, e))?;
        if d.v2 && d.ctls != 0 {
            let list = fs::read_at(parent.raw(), c"cgroup.controllers").unwrap_or_default();
            if let Some(bit) = missing(&list, d.ctls) {
                return Err((Step::Missing(bit), Errno::ENOENT));
            }
            fs::write_at(
                parent.raw(),
                c"cgroup.subtree_control",
                &d.enable(),
                fixture,
            )
            .map_err(|e| (Step::Enable, e))?;
        }
        let name = z(d.name(), b"");
        let name = c(&name);
        let mut r = fs::mkdir_at(parent.raw(), name, 0o755);
        if r == Err(Errno::EEXIST) {
            // Left by a husk that had our pid and was killed: ours if it is empty.
            let _ = fs::rmdir_at(parent.raw(), name);
            r = fs::mkdir_at(parent.raw(), name, 0o755);
        }
        r.map_err(|e| (Step::Create, e))?;
        let dir = fs::open_at(parent.raw(), name, g::O_PATH | g::O_DIRECTORY, 0);
        let dir = dir.map_err(|e| {
            let _ = fs::rmdir_at(parent.raw(), name);
            (Step::Create, e)
        })?;
        let at = dir.raw();
        // From here on, a failure removes it with the rest.
        self.live.push(Live {
            parent,
            dir,
            tasks: None,
        });
        for (i, w) in d.writes.iter().enumerate() {
            // A fixture lacks optional files, as a kernel without swap accounting does.
            match fs::write_at(at, w.file, &w.value().0, fixture && !w.optional) {
                Err(Errno::ENOENT) if w.optional => {}
                Err(e) => return Err((Step::Set(i), e)),
                Ok(()) => {}
            }
        }
        if !d.v2 {
            let flags = g::O_WRONLY | if fixture { g::O_CREAT } else { 0 };
            let t = fs::open_at(at, c"tasks", flags, 0o644).map_err(|e| (Step::Create, e))?;
            if let Some(l) = self.live.last_mut() {
                l.tasks = Some(t);
            }
        }
        Ok(())
    }

    /// The cgroups created, with their descriptors.
    fn each(&self) -> impl Iterator<Item = (&'p Dir, &Live)> {
        self.plan.dirs.iter().zip(&self.live)
    }

    /// The v2 cgroup's directory, for CLONE_INTO_CGROUP.
    pub fn clone_fd(&self) -> Option<RawFd> {
        self.each().find(|(d, _)| d.v2).map(|(_, l)| l.dir.raw())
    }

    /// The parent's way in: writes `pid` to cgroup.procs of each cgroup (with `v1`: the v1
    /// ones too, else only v2), except the v2 one if the child was born there (`in_cgroup`
    /// from the clone). Call right after the clone, before the child is let go.
    pub fn enter(&self, pid: Pid, in_cgroup: bool, v1: bool) -> Result<()> {
        let mut v = Msg::new();
        v.u(pid as u64);
        for (d, l) in self.each() {
            if if d.v2 { !in_cgroup } else { v1 } {
                fs::write_at(l.dir.raw(), c"cgroup.procs", &v.0, self.plan.fixture)
                    .map_err(|e| error(d, (Step::Move, e)))?;
            }
        }
        Ok(())
    }

    /// The child's way in, first thing after the clone: moves itself into each v1 cgroup
    /// (`0` to `tasks`: no RCU grace period, see the module's notes). An error here belongs
    /// to the child: report it to the parent and exit.
    pub fn join(&self) -> Result<()> {
        for (d, l) in self.each() {
            if let Some(fd) = &l.tasks {
                sys::write(fd.raw(), b"0").map_err(|e| error(d, (Step::Join, e)))?;
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
        let Some((d, l)) = self.each().find(|(d, _)| d.ctls & MEMORY != 0) else {
            return false;
        };
        if crate::status::exit_code(status) != 137 {
            return false;
        }
        let at = l.dir.raw();
        let file = if d.v2 {
            c"memory.events"
        } else {
            c"memory.oom_control"
        };
        let n = oom_kills(&fs::read_at(at, file).unwrap_or_default()).or_else(|| {
            let t = fs::read_at(at, c"memory.failcnt").unwrap_or_default();
            (!d.v2).then(|| parse_u64(t.strip_suffix(b"\n").unwrap_or(&t)).unwrap_or(0))
        });
        n.unwrap_or(0) != 0
    }

    /// The `--memory` limit, for [`oom_message`](super::oom_message).
    pub fn memory_limit(&self) -> u64 {
        self.plan.memory
    }

    /// Removes the cgroups (with any the container made inside them, children first). A
    /// cgroup stays busy (EBUSY) until its last process is released, which can lag the
    /// reaping of the container's init by a moment: retried for up to ~0.1 s. Then removes
    /// the stale `husk-<pid>` siblings whose husk is dead and which are empty (left by a
    /// husk that was SIGKILLed). Returns the first error, after trying every cgroup.
    /// Kills what is left in the container's cgroups: what outlived CMD with no pid
    /// namespace to end it (a daemon it started, say). cgroup.kill (v2, Linux 5.14+) does
    /// it atomically; elsewhere each pid of cgroup.procs, a few rounds against forks.
    pub fn kill_rest(&self) {
        for (d, l) in self.each() {
            let at = l.dir.raw();
            if d.v2 && fs::write_at(at, c"cgroup.kill", b"1", false).is_ok() {
                continue;
            }
            for _ in 0..8 {
                let procs = fs::read_at(at, c"cgroup.procs").unwrap_or_default();
                if procs.is_empty() {
                    break;
                }
                for pid in procs.split(|&b| b == b'\n').filter_map(parse_u64) {
                    let _ = sys::signal::kill(pid as i32, g::SIGKILL);
                }
            }
        }
    }

    pub fn remove(&mut self) -> Result<()> {
        self.kill_rest();
        let mut res = Ok(());
        while let Some(l) = self.live.pop() {
            let d = &self.plan.dirs[self.live.len()];
            let name = z(d.name(), b"");
            let mut wait = 50;
            let r = loop {
                match rmdir_tree(l.parent.raw(), c(&name), 0) {
                    Err(Errno::EBUSY) if wait < 100_000 => {
                        // Those killed above may be our (adopted) children: reap them.
                        while let Ok(Some(_)) = process::wait(-1, true) {}
                        sys::time::sleep_us(wait);
                        wait *= 2;
                    }
                    Err(Errno::ENOENT) => break Ok(()),
                    r => break r,
                }
            };
            if let (Err(e), Ok(())) = (r, &res) {
                res = Err(Error::sys("remove cgroup", &d.path, e)
                    .hint("processes remain; the next husk removes it once empty"));
            }
            prune(&l.parent, true, 0);
        }
        res
    }
}

/// rmdir `parent/name`, and when it has child cgroups, them first.
fn rmdir_tree(parent: RawFd, name: &CStr, depth: u32) -> sys::Result<()> {
    let r = fs::rmdir_at(parent, name);
    // cgroupfs says EBUSY for a cgroup with children; a plain directory (tests) ENOTEMPTY.
    if matches!(r, Err(Errno::EBUSY | Errno::ENOTEMPTY)) {
        if let Ok(d) = fs::open_at(parent, name, DIR, 0) {
            prune(&d, false, depth + 1);
            return fs::rmdir_at(parent, name);
        }
    }
    r
}

/// Removes the child cgroups of `dir` (up to 16 levels down): all of them, or with
/// `stale` the `husk-<pid>` ones whose husk is dead (and that are empty).
fn prune(dir: &Fd, stale: bool, depth: u32) {
    let _ = fs::for_each_entry_in(dir, |n, t| {
        let pid = n.strip_prefix(b"husk-").and_then(parse_u64).unwrap_or(0);
        // ESRCH: no such process. (A husk in another pid namespace sharing this parent
        // would look dead: its cgroup is spared while it holds processes.)
        if t != g::DT_DIR as u8
            || depth > 16
            || stale
                && !(pid > 0
                    && pid <= i32::MAX as u64
                    && sys::signal::kill(pid as i32, 0) == Err(Errno::ESRCH))
        {
            return;
        }
        let _ = rmdir_tree(dir.raw(), c(&z(n, b"")), depth);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::cgroup::CgroupSpec;
    use std::string::String;

    fn msg(d: &Dir, step: Step, e: Errno) -> String {
        String::from_utf8(error(d, (step, e)).render().0).unwrap()
    }

    #[test]
    fn messages_name_what_failed() {
        let l = Layout::parse(
            b"1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            b"0::/user.slice/s.scope\n",
        );
        let mut l = l;
        l.set_v2_controllers(b"cpu memory pids\n");
        let s = CgroupSpec {
            memory: 4 << 20,
            ..CgroupSpec::default()
        };
        let p = super::super::plan(&s, &l, 9).unwrap();
        let d = &p.dirs[0];
        assert_eq!(
            msg(d, Step::Enable, Errno::EBUSY),
            "husk: enable controllers in /sys/fs/cgroup/user.slice/s.scope: EBUSY (a cgroup \
             with processes cannot pass controllers on: choose a --cgroup-parent without any; \
             limit not applied)\n"
        );
        assert_eq!(
            msg(d, Step::Parent, Errno::EACCES),
            "husk: cgroup parent /sys/fs/cgroup/user.slice/s.scope: EACCES (not writable; limit \
             not applied)\n"
        );
        assert_eq!(
            msg(d, Step::Missing(crate::cgroup::MEMORY), Errno::ENOENT),
            "husk: cgroup controller memory in /sys/fs/cgroup/user.slice/s.scope: ENOENT (not \
             enabled above this parent; limit not applied)\n"
        );
        assert_eq!(
            msg(d, Step::Set(0), Errno::EINVAL),
            "husk: set /sys/fs/cgroup/user.slice/s.scope/husk-9/memory.max to 4194304: EINVAL \
             (limit not applied)\n"
        );
        assert_eq!(
            msg(d, Step::Join, Errno::ENOSPC),
            "husk: move the container into /sys/fs/cgroup/user.slice/s.scope/husk-9: ENOSPC \
             (limit not applied)\n"
        );
        // An EBUSY anywhere but the parent's subtree_control is not the v2 rule.
        assert!(!msg(d, Step::Move, Errno::EBUSY).contains("--cgroup-parent"));
    }
}
