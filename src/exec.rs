//! `husk exec`: run CMD inside a running container — its namespaces, cgroup, root and
//! working directory, capability bounding set and no_new_privs — like nsenter or
//! `docker exec`, and pass CMD's status out.
//!
//! It is `husk run` joining namespaces of the target and creating none, plus what only
//! exec does: it finds the target, moves into its cgroups, opens its root and working
//! directory, reads its capability bounding set and no_new_privs, and hands them to the
//! container's first process ([`enter`], right after the joins). CMD has the target's
//! privileges, not `husk run`'s defaults ([`like`]): an exec into a `--privileged`
//! container or a host process must be able to do what they can.
//! So there are three processes, and CMD really is a process of the container: husk (P)
//! joins only the target's pid namespace, which places its *children* there (and its
//! user namespace first when it has not the right to without: [`prepare`]); its child C1
//! joins the rest and spawns CMD, forwarding signals to it and passing its status out
//! to P. If husk is killed, C1 goes with it (parent-death signal) and CMD,
//! orphaned by a process of the container's pid namespace, is adopted and reaped by the
//! container's PID 1, as any process there. (Were CMD P's child, it would be adopted
//! outside.)
//!
//! The target is named by a pidfd and its start time, and its namespaces are joined
//! through the pidfd with one setns(pidfd, flags) (Linux 5.8: husk needs 5.14 for
//! containers): a process that has exited meanwhile is an error (ESRCH), never a reused
//! pid. A target that exits during the exec (a failure then, or C1 killed with the pid
//! namespace it joined) is said as such: [`outcome`].
use crate::cli::security::SecSpec;
use crate::error::{Error, Result};
use crate::out::Msg;
use crate::path::CPath;
use crate::spec::{Spec, ALL, NEWCGROUP, NEWNS, NEWPID, NEWTIME, NEWUSER, NS_TYPES};
use crate::state::{self, cut, num};
use crate::sys::enter::{chroot, fchdir, readlink_at};
use crate::sys::start::CVec;
use crate::sys::{self, fs, ns, process, Errno, Fd, Pid};
use alloc::vec::Vec;
use linux_raw_sys::general as g;
use linux_raw_sys::prctl as pr;

/// What C1 takes from the target besides its namespaces (raw descriptors, inherited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enter {
    /// Namespaces for C1 to join: (pidfd, CLONE_NEW* flags) (`launch`).
    pub fds: Vec<(i32, u32)>,
    /// P has joined the target's pid namespace (C1 is born there, and stays CMD's init).
    pub pidns: bool,
    /// The target's /proc/PID directory, and its NAME or PID for messages ([`outcome`]).
    dir: i32,
    what: Vec<u8>,
    /// O_PATH descriptors of the target's root and working directory (root -1: neither
    /// is entered).
    root: i32,
    cwd: i32,
    /// /proc/PID/status: NoNewPrivs (CapBnd goes to the SecSpec: [`like`]).
    nnp: bool,
    /// The target's filter (or its CMD's, for a container) is not reproduced: say so.
    seccomp: bool,
}

/// `Key:\tvalue` from /proc/PID/status.
#[inline(never)]
fn field<'a>(mut status: &'a [u8], key: &[u8]) -> &'a [u8] {
    while !status.is_empty() {
        let mut v = cut(&mut status, b'\n');
        if cut(&mut v, b'\t') == key {
            return v;
        }
    }
    b""
}

fn hex(s: &[u8]) -> u64 {
    let mut n = 0;
    for &c in s {
        n = n << 4 | ((c | 0x20) - if c > b'9' { b'a' - 10 } else { b'0' }) as u64;
    }
    n
}

/// Moves husk into the target's cgroups (C1 and CMD inherit them): each line of
/// /proc/PID/cgroup (`ID:CONTROLLERS:PATH`) that is not also ours, by writing 0 (the
/// writer) under /sys/fs/cgroup: on v1 to the hierarchy's (named after its controllers)
/// `tasks`, on v2 (`unified` on a hybrid host, the top on a v2-only one) to `cgroup.procs`.
/// Done before any setns, while the host's /sys and cgroup namespace are ours. (Moving a
/// whole process takes the kernel's threadgroup lock, an RCU grace period when cold:
/// ~10 ms measured here; v1 lets a thread move itself without it.)
fn join_cgroups(dir: sys::RawFd) -> Result<()> {
    let cg = state::foreign_cgroups(dir);
    let mut rest = &cg[..];
    while !rest.is_empty() {
        let line = cut(&mut rest, b'\n');
        let mut path = line;
        cut(&mut path, b':');
        let ctl = cut(&mut path, b':');
        let (hierarchy, file): (&[u8], &[u8]) = match ctl {
            b"" if fs::stat(c"/sys/fs/cgroup/unified").is_ok() => (b"unified", b"/cgroup.procs"),
            b"" => (b"", b"/cgroup.procs"),
            _ => (
                crate::out::strip_prefix(ctl, b"name=").unwrap_or(ctl),
                b"/tasks",
            ),
        };
        let p = CPath::new(&[b"/sys/fs/cgroup/", hierarchy, path, file]);
        fs::write_at(g::AT_FDCWD, p.c(), b"0", false)
            .map_err(|e| Error::sys("join cgroup", line, e))?;
    }
    Ok(())
}

/// Runs `husk exec` with what `husk run`'s option reader made of its arguments.
pub fn run(argv: CVec, envp: CVec, args: &[&'static [u8]], t0: u64) -> i32 {
    let mut r = crate::cli::run::options(args, 2);
    if let Ok(Some(s)) = &mut r {
        let p = crate::spec::check_kernel().and_then(|_| prepare(args, s));
        if let Err(e) = outcome(s.enter.as_ref(), p.map(|_| 0)) {
            r = Err(e);
        }
    }
    match r {
        Ok(Some(s)) => crate::launch::run(argv, envp, &s, t0),
        Ok(None) => {
            crate::help::write(1, crate::help::EXEC);
            0
        }
        Err(e) => {
            e.print();
            125
        }
    }
}

/// `husk exec` and `husk netns exec`: CMD keeps the privileges it would have without
/// husk — the target's for exec, the caller's for netns exec (as `ip netns exec`) — not
/// `husk run`'s defaults: the capability bounding set `bnd` (less `--cap-drop`'s unless
/// `--privileged`), no seccomp filter and no no_new_privs of husk's own (exec's target
/// passes its no_new_privs on: [`enter`]). The options given still apply on top:
/// `--cap-add` raises what it names as ambient for a non-root CMD (never above `bnd`),
/// `--seccomp FILE|default` and `--seccomp-deny` install a filter; with any of them
/// (`--seccomp unconfined` too, for a rule simple to state) no_new_privs is set unless
/// `--allow-new-privs`, as in `husk run` (without it a filter would have to go on before
/// the capabilities are dropped, and on husk's own process too).
#[inline(never)]
pub fn like(sec: &mut SecSpec, bnd: u64) {
    let (add, drop) = (sec.cap_add, sec.cap_drop);
    let keep = if sec.privileged {
        !0
    } else if drop.all && !add.all {
        add.caps
    } else {
        !drop.caps | add.caps
    };
    sec.never = !(bnd & keep);
    // Docker's --privileged: every capability, no filter unless one is asked for.
    sec.privileged = true;
    sec.allow_new_privs |= sec.seccomp.is_none() & sec.deny.prog.is_empty();
}

/// Turns the parsed options into `husk run`'s description of joining the target.
fn prepare(args: &[&'static [u8]], s: &mut Spec) -> Result<()> {
    let pid = crate::cli::exec::target(args, s)? as Pid;
    let err = |p: Pid| move |e| Error::sys("exec into", &num(p as u64), e);
    // A container's record (by NAME, or the PID of its first process) says which filter
    // its CMD has: the target (its PID 1 husk) has its own, an init's.
    let (t, filter, what) = match s.name.take() {
        Some(n) => {
            let (t, f) = state::lookup_filter(n)?;
            (t, f, n.to_vec())
        }
        None => {
            let t = state::open(pid, 0).map_err(err(pid))?;
            let f = state::filter_of(&t);
            (t, f, num(pid as u64))
        }
    };
    // husk's default one goes on CMD too (docker exec's way), under any --seccomp-deny,
    // unless --seccomp says otherwise. Any other filter cannot be copied: a warning, unless
    // the options choose one.
    if filter == b'd' && s.sec.seccomp.is_none() {
        s.sec.seccomp = Some(b"default");
    }
    let status = state::read(t.dir.raw(), c"status");
    let warn = s.sec.seccomp.is_none()
        && (filter == b'c' || filter == 0 && field(&status, b"Seccomp:") == b"2");
    let err = err(t.pid);
    // Less the namespaces the target shares with us: joining one's own user namespace
    // is EINVAL, and one owned by another user namespace than the target's may be
    // refused (EPERM). The time namespace too, as nsenter -a (C1 is single-threaded, as
    // joining one requires; it applies to C1 itself and to CMD).
    let sel = if s.ns == 0 {
        ALL | NEWUSER | NEWTIME
    } else {
        s.ns
    };
    let mut join = sel;
    let me = fs::open(c"/proc/self", g::O_PATH | g::O_DIRECTORY).map_or(-1, Fd::leak);
    for &(ty, f) in &NS_TYPES {
        let link = CPath::new(&[b"ns/", ty.as_bytes()]);
        if readlink_at(me, link.c()) == readlink_at(t.dir.raw(), link.c()) {
            join &= !f;
        }
    }
    let td = t.dir.raw();
    let dir = |w| {
        let fd = fs::open_at(td, w, g::O_PATH | g::O_DIRECTORY, 0);
        fd.map_or(-1, Fd::leak)
    };
    like(&mut s.sec, hex(field(&status, b"CapBnd:")));
    let e = s.enter.insert(Enter {
        fds: Vec::new(),
        pidns: join & NEWPID != 0,
        dir: t.dir.leak(),
        what,
        root: if sel & NEWNS != 0 { dir(c"root") } else { -1 },
        cwd: dir(c"cwd"),
        nnp: field(&status, b"NoNewPrivs:") == b"1",
        seccomp: warn,
    });
    if sel & NEWCGROUP != 0 {
        join_cgroups(e.dir)?;
    }
    // P joins the pid namespace; C1 joins the rest, the user namespace with them in one
    // setns, which joins it first. setns through a pidfd asks for ptrace access to the
    // target, which a non-dumpable one (a container's PID 1 husk, unless its root is
    // surely not the host's: launch) grants only to CAP_SYS_PTRACE in the initial user
    // namespace: a caller with it (root) must not have joined a child user namespace
    // before. An unprivileged owner of the target's user namespace has the right to join
    // the pid namespace only from inside it: when the first try is refused, P joins both
    // (the user namespace first, in the same call).
    let mut pjoin = join & NEWPID;
    if pjoin != 0 {
        let mut r = ns::setns(t.fd.raw(), pjoin);
        if r == Err(Errno::EPERM) && join & NEWUSER != 0 {
            pjoin |= NEWUSER;
            r = ns::setns(t.fd.raw(), pjoin);
        }
        r.map_err(err)?;
    }
    let rest = join & !pjoin;
    if rest != 0 {
        e.fds.push((t.fd.leak(), rest));
    }
    if join & NEWUSER != 0 {
        // In a joined user namespace, be its root unless told otherwise (as nsenter).
        s.uid.get_or_insert(0);
        s.gid.get_or_insert(0);
    }
    s.ns = 0;
    Ok(())
}

/// The result of an exec (`r`: C1's status, or an error before CMD ran), or, when the
/// target is exiting or gone, that: the container's exit is what made the exec fail, or
/// killed C1 (SIGKILL: a pid namespace ends with its PID 1, killing every process in
/// it). The target's /proc/PID/stat says: gone, a zombie, or PF_EXITING among its flags
/// (set before its exit kills the namespace's other processes). A target that is not
/// the namespace's PID 1 may not have died yet when C1 has: then the namespace says, as
/// it takes no new process once its PID 1 is exiting (a fork into it fails, ENOMEM).
pub fn outcome(e: Option<&Enter>, r: Result<i32>) -> Result<i32> {
    if let (Some(e), Err(_) | Ok(137)) = (e, &r) {
        let stat = state::read(e.dir, c"stat");
        let flags = crate::out::parse_u64(state::stat_field(&stat, 9)).unwrap_or(0);
        let ended = || match ns::fork_with(0) {
            Ok(0) => sys::exit(0),
            Ok(pid) => process::wait(pid, false).is_err(),
            Err(e) => e == Errno::ENOMEM,
        };
        if state::parse_start(&stat).is_none() || flags & PF_EXITING != 0 || e.pidns && ended() {
            return Err(Error::new(
                b"exec into",
                &e.what,
                0,
                b"the container exited",
            ));
        }
    }
    r
}

/// include/linux/sched.h: the task is in do_exit().
const PF_EXITING: u64 = 4;

/// In C1, right after the joins: the target's root and working directory, no_new_privs.
/// (Its bounding set is the SecSpec's, applied with the rest by `security`: CMD, exec'd
/// as root of the user namespace, gets exactly that as its capabilities; a non-root CMD
/// does not get the target's ambient set, and the securebits are not reproduced either.)
pub fn enter(e: &Enter) -> Result<()> {
    let err = |what: &'static [u8]| move |x| Error::sys("enter the target's", what, x);
    if e.root >= 0 {
        fchdir(e.root)
            .and_then(|_| chroot(c"."))
            .map_err(err(b"root"))?;
        // A cwd the target cannot have (deleted, unreachable) leaves us at its root.
        let _ = fchdir(e.cwd);
    }
    if e.nnp {
        sys::prctl(pr::PR_SET_NO_NEW_PRIVS, 1, 0).map_err(err(b"no_new_privs"))?;
    }
    if e.seccomp {
        // The kernel gives a filter out only to a ptracer with CAP_SYS_ADMIN.
        Msg::husk()
            .s(b"warning: the target's seccomp filter is not reproduced\n")
            .err();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::{self, DEFAULT};
    use crate::security::Prepared;

    /// What CMD gets from `like` with these options and bounding set `bnd`.
    fn like_(args: &[&str], bnd: u64) -> Prepared {
        let mut v: std::vec::Vec<&'static [u8]> = args
            .iter()
            .map(|a| std::string::String::from(*a).leak().as_bytes())
            .collect();
        v.push(b"x");
        let mut s = crate::cli::run::options(v.leak(), 0).unwrap().unwrap();
        like(&mut s.sec, bnd);
        s.sec.resolve().unwrap()
    }

    #[test]
    fn the_targets_privileges_then_the_options() {
        let admin = 1 << caps::SYS_ADMIN;
        let raw = 1 << caps::NET_RAW;
        let kill = 1 << caps::KILL;
        // Nothing asked: the bounding set, no filter, no no_new_privs of husk's own.
        for bnd in [!0, DEFAULT, 0x1ff_ffff_ffff, 0] {
            let p = like_(&[], bnd);
            assert_eq!((p.caps.keep, p.caps.ambient), (bnd, 0), "{bnd:x}");
            assert_eq!((p.filter, p.no_new_privs), (None, false));
        }
        let p = like_(&["--cap-drop", "NET_RAW"], DEFAULT);
        assert_eq!(p.caps.keep, DEFAULT & !raw);
        let p = like_(
            &["--cap-drop", "ALL", "--cap-add", "KILL,SYS_ADMIN"],
            DEFAULT,
        );
        assert_eq!(
            (p.caps.keep, p.caps.ambient),
            (kill, kill),
            "never above bnd"
        );
        let p = like_(&["--cap-add", "SYS_ADMIN"], DEFAULT);
        assert_eq!((p.caps.keep, p.caps.ambient), (DEFAULT, 0));
        let p = like_(&["--cap-add", "SYS_ADMIN", "--cap-drop", "SYS_ADMIN"], !0);
        assert_eq!(p.caps.keep, !0, "an add wins over a drop, as in husk run");
        let p = like_(&["--cap-add", "ALL", "--cap-drop", "NET_RAW"], DEFAULT);
        assert_eq!(p.caps.keep, DEFAULT & !raw);
        let p = like_(&["--privileged", "--cap-drop", "NET_RAW"], DEFAULT | admin);
        assert_eq!((p.caps.keep, p.filter), (DEFAULT | admin, None));
        // A filter asked for: built for what CMD keeps, with no_new_privs.
        let p = like_(&["--seccomp", "default"], DEFAULT);
        let want = crate::seccomp::build(&crate::seccomp::default_profile(DEFAULT));
        assert_eq!((&p.filter, p.no_new_privs), (&want.unwrap(), true));
        let p = like_(&["--seccomp-deny", "ptrace", "--allow-new-privs"], !0);
        assert!(p.filter.is_some() && !p.no_new_privs);
        let p = like_(&["--seccomp", "unconfined"], !0);
        assert_eq!((p.filter, p.no_new_privs), (None, true));
    }

    #[test]
    fn status_fields() {
        let s = b"Name:\tsh\nNoNewPrivs:\t1\nSeccomp:\t2\nCapBnd:\t000001ffffffffff\nCapEff:\t0\n";
        assert_eq!(field(s, b"NoNewPrivs:"), b"1");
        assert_eq!(field(s, b"Seccomp:"), b"2");
        assert_eq!(field(s, b"Cap:"), b"");
        assert_eq!(hex(field(s, b"CapBnd:")), 0x1ff_ffff_ffff);
        assert_eq!(hex(b"a0F"), 0xa0f);
        let real = std::fs::read("/proc/self/status").unwrap();
        assert!(hex(field(&real, b"CapBnd:")) != 0);
    }
}
