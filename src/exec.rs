//! `husk exec`: run CMD inside a running container — its namespaces, cgroup, root and
//! working directory, capability bounding set and no_new_privs — like nsenter or
//! `docker exec`, and pass CMD's status out.
//!
//! It is `husk run` joining every namespace of the target (`--join`) and creating none,
//! plus what only exec does: it finds the target, moves into its cgroups, opens its root
//! and working directory, reads its capability bounding set and no_new_privs, and hands
//! them to the container's first process ([`enter`], right after the joins).
//! So there are three processes, and CMD really is a process of the container: husk (P)
//! joins only the target's pid namespace, which places its *children* there (and its
//! user namespace first, for the right to: an unprivileged caller has none before); its
//! child C1 joins the rest and spawns CMD, forwarding signals to it and passing its
//! status out to P. If husk is killed, C1 goes with it (parent-death signal) and CMD,
//! orphaned by a process of the container's pid namespace, is adopted and reaped by the
//! container's PID 1, as any process there. (Were CMD P's child, it would be adopted
//! outside.)
//!
//! The target is named by a pidfd (Linux 5.3+) and its start time: where the kernel can
//! (5.8+), C1 joins all its namespaces with one setns(pidfd, flags), and a process that
//! has exited meanwhile is an error (ESRCH), never a reused pid; older kernels get one
//! /proc/PID/ns file per namespace, opened while the start time shows the same process.
use crate::error::{Error, Result};
use crate::out::Msg;
use crate::path::CPath;
use crate::spec::{Spec, ALL, NEWCGROUP, NEWNS, NEWPID, NEWUSER, NEWUTS, NS_TYPES};
use crate::state::{self, cut, live, proc};
use crate::sys::enter::{chroot, fchdir};
use crate::sys::start::CVec;
use crate::sys::{self, fs, ns, Errno, Fd, Pid};
use alloc::vec::Vec;
use linux_raw_sys::general as g;
use linux_raw_sys::prctl as pr;

/// What C1 takes from the target besides its namespaces (raw descriptors, inherited).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enter {
    /// Namespaces to join: (pidfd or /proc/PID/ns file, CLONE_NEW* flags). P joins the
    /// pid namespace, C1 the others (`launch`).
    pub fds: Vec<(i32, u32)>,
    /// O_PATH descriptors of the target's root and working directory (-1: not entered).
    pub root: i32,
    pub cwd: i32,
    /// CapBnd: the capability bounding set.
    pub bnd: u64,
    pub nnp: bool,
    pub seccomp: bool,
}

/// The namespaces to join: those asked for (`sel`, 0 for all seven), less those the
/// target shares with us (`same`) — joining one's own user namespace is EINVAL, and one
/// owned by another user namespace than the target's may be refused (EPERM).
pub fn to_join(sel: u32, same: u32) -> u32 {
    (if sel == 0 { ALL | NEWUSER } else { sel }) & !same
}

/// `Key:\tvalue` from /proc/PID/status.
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
/// writer) to the hierarchy's cgroup.procs under /sys/fs/cgroup (v1: named after its
/// controllers; v2: `unified` on a hybrid host, the top on a v2-only one). Done before
/// any setns, while the host's /sys and cgroup namespace are ours. (clone3's
/// CLONE_INTO_CGROUP could place CMD directly on v2; cgroup.procs works on v1 and v2.)
fn join_cgroups(pid: Pid) -> Result<()> {
    let theirs = fs::read_file(proc(pid, b"cgroup", b"").c()).unwrap_or_default();
    let ours = fs::read_file(c"/proc/self/cgroup").unwrap_or_default();
    let mut rest = &theirs[..];
    while !rest.is_empty() {
        let line = cut(&mut rest, b'\n');
        let (mut o, mut same) = (&ours[..], false);
        while !o.is_empty() {
            same |= cut(&mut o, b'\n') == line;
        }
        let mut path = line;
        cut(&mut path, b':');
        let ctl = cut(&mut path, b':');
        let r = match ctl {
            _ if same => continue,
            b"" => match cgroup_procs(b"unified", path) {
                Err(Errno::ENOENT) => cgroup_procs(b"", path),
                r => r,
            },
            _ => cgroup_procs(ctl.strip_prefix(b"name=").unwrap_or(ctl), path),
        };
        r.map_err(|e| Error::sys("join cgroup", line, e))?;
    }
    Ok(())
}

/// Writes 0 (the writer) to /sys/fs/cgroup/HIERARCHY/PATH/cgroup.procs.
#[inline(never)]
fn cgroup_procs(hierarchy: &[u8], path: &[u8]) -> sys::Result<()> {
    let p = CPath::new(&[b"/sys/fs/cgroup/", hierarchy, path, b"/cgroup.procs"]);
    sys::write_all(fs::open(p.c(), g::O_WRONLY)?.raw(), b"0")
}

/// Runs `husk exec` with what `husk run`'s parser made of its arguments.
pub fn run(argv: CVec, envp: CVec, args: &[&'static [u8]], t0: u64) -> i32 {
    let usage = |e: Error| {
        if e.op == b"run" {
            Error::usage(
                "exec",
                "expected [OPTIONS] PID|NAME CMD (see husk exec --help)",
            )
        } else {
            e
        }
    };
    let r = crate::cli::run::parse(args, 2, 0)
        .map_err(usage)
        .and_then(|s| {
            let Some(mut s) = s else {
                Msg(crate::cli::exec::HELP.as_bytes().to_vec()).out();
                return Ok(0);
            };
            prepare(args, &mut s)?;
            Ok(crate::launch::run(argv, envp, &s, t0))
        });
    r.unwrap_or_else(|e| {
        e.print();
        125
    })
}

/// Turns the parsed options into `husk run`'s description of joining the target.
fn prepare(args: &[&'static [u8]], s: &mut Spec) -> Result<()> {
    let pid = crate::cli::exec::target(args, s)? as Pid;
    let (pid, want) = match s.name.take() {
        Some(n) => state::lookup(n)?,
        None => (pid, 0),
    };
    let pid_s = state::num(pid as u64);
    let err = |e| Error::sys("exec into", &pid_s, e);
    let pidfd = ns::pidfd_open(pid);
    if let Err(e) = pidfd {
        if e != Errno::ENOSYS {
            return Err(err(e));
        }
    }
    // Read once the pidfd is open: it names the recorded process, not a successor.
    let start = state::start(pid)
        .filter(|&t| want == 0 || t == want)
        .ok_or_else(|| err(Errno::ESRCH))?;
    let (me, mut same) = (sys::getpid(), 0);
    for (ty, f) in NS_TYPES {
        let link = |p| fs::readlink(proc(p, b"ns/", ty.as_bytes()).c());
        if link(pid) == link(me) {
            same |= f;
        }
    }
    let (join, sel) = (to_join(s.ns, same), to_join(s.ns, 0));
    if sel & NEWCGROUP != 0 {
        join_cgroups(pid)?;
    }
    let status = fs::read_file(proc(pid, b"status", b"").c()).unwrap_or_default();
    let dir = |w: &[u8]| {
        let fd = fs::open(proc(pid, w, b"").c(), g::O_PATH | g::O_DIRECTORY);
        fd.map_or(-1, Fd::leak)
    };
    let mut e = Enter {
        root: if sel & NEWNS != 0 { dir(b"root") } else { -1 },
        cwd: dir(b"cwd"),
        bnd: hex(field(&status, b"CapBnd:")),
        nnp: field(&status, b"NoNewPrivs:") == b"1",
        seccomp: field(&status, b"Seccomp:") == b"2",
        ..Enter::default()
    };
    // setns(pidfd) is Linux 5.8+: joining our own UTS namespace through our own pidfd
    // changes nothing, and tells (EINVAL: the kernel takes no pidfd there).
    let by_pidfd = pidfd.is_ok()
        && ns::pidfd_open(me).map(|fd| ns::setns(fd.raw(), NEWUTS)) != Ok(Err(Errno::EINVAL));
    // P joins the user namespace here when it joins the pid namespace (launch); C1 joins
    // the rest.
    let user = if join & NEWPID != 0 {
        join & NEWUSER
    } else {
        0
    };
    for group in [user, join & NEWPID, join & !NEWPID & !user] {
        for (ty, f) in NS_TYPES {
            if group & f != 0 {
                let fd = if by_pidfd {
                    ns::pidfd_open(pid)
                } else {
                    fs::open(proc(pid, b"ns/", ty.as_bytes()).c(), 0)
                };
                e.fds
                    .push((fd.map_err(err)?.leak(), if by_pidfd { group } else { f }));
                if by_pidfd {
                    break;
                }
            }
        }
    }
    // Files keep the namespaces of a process that has just exited: check it had not.
    if !live(pid, start) {
        return Err(err(Errno::ESRCH));
    }
    if user != 0 {
        let (fd, f) = e.fds.remove(0);
        ns::setns(fd, f).map_err(err)?;
    }
    if join & NEWUSER != 0 {
        // In a joined user namespace, be its root unless told otherwise (as nsenter).
        s.uid.get_or_insert(0);
        s.gid.get_or_insert(0);
    }
    s.ns = 0;
    s.enter = Some(e);
    Ok(())
}

/// In C1, right after the joins: the target's root and working directory, bounding set,
/// no_new_privs. CMD, exec'd as root of the user namespace, gets exactly the target's
/// bounding set as its capabilities; a non-root CMD does not get the target's ambient
/// set, and the securebits are not reproduced either.
pub fn enter(e: &Enter) -> Result<()> {
    let err = |op| move |e| Error::sys(op, b"", e);
    if e.root >= 0 {
        fchdir(e.root)
            .and_then(|_| chroot(c"."))
            .map_err(err("enter the target's root"))?;
        // A cwd the target cannot have (deleted, unreachable) leaves us at its root.
        let _ = fchdir(e.cwd);
    }
    for cap in 0..64 {
        if e.bnd & 1 << cap == 0 && sys::prctl(pr::PR_CAPBSET_READ, cap, 0) == Ok(1) {
            sys::prctl(pr::PR_CAPBSET_DROP, cap, 0).map_err(err("drop from the bounding set"))?;
        }
    }
    if e.nnp {
        sys::prctl(pr::PR_SET_NO_NEW_PRIVS, 1, 0).map_err(err("set no_new_privs"))?;
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
    use crate::spec::*;

    #[test]
    fn namespaces_to_join() {
        assert_eq!(to_join(0, 0), ALL | NEWUSER, "all seven by default");
        assert_eq!(to_join(0, NEWUSER), ALL, "not our own user namespace");
        assert_eq!(to_join(0, ALL | NEWUSER), 0);
        assert_eq!(to_join(NEWNET | NEWUTS, 0), NEWNET | NEWUTS);
        assert_eq!(to_join(NEWNET | NEWUTS, NEWNET | NEWPID), NEWUTS);
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
