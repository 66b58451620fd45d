//! `husk run`: check the spec against the file system, clone into the new namespaces, set
//! the child up (ids, hostname, mounts, limits), run CMD — under husk as PID 1 when there
//! is a new pid namespace — and supervise it from outside until it ends.
//!
//! Parent (P) and child (C1) talk over one SOCK_SEQPACKET pair (`sync`): P writes the id
//! maps and sends GO; C1 reports a failure as an error frame, or its phase timings just
//! before exec. A successful exec closes C1's end: P reads end-of-file.
use crate::cli::getenv;
use crate::cli::init::InitOpts;
use crate::error::{Error, Result};
use crate::init;
use crate::mount;
use crate::out::Msg;
use crate::path::CPath;
use crate::spec::{self, IdMap, Spec, NEWNS, NEWPID, NEWUSER};
use crate::state;
use crate::status::exit_code;
use crate::sync::{self, FRAME};
use crate::sys::fs::{self, Kind};
use crate::sys::ns;
use crate::sys::process::{self, execvp};
use crate::sys::signal::{self, SigSet};
use crate::sys::start::CVec;
use crate::sys::{self as sys, time::now_us, Errno, Fd, Pid};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// Phase timings for `--timings`: (phase, µs).
struct Timer {
    phases: Vec<(u8, u32)>,
    last: u64,
}

impl Timer {
    fn new(start: u64) -> Timer {
        Timer {
            phases: Vec::new(),
            last: start,
        }
    }
    fn lap(&mut self, phase: u8) {
        let now = now_us();
        self.phases.push((phase, (now - self.last) as u32));
        self.last = now;
    }
    fn add(&mut self, phase: u8, us: u32) {
        self.phases.push((phase, us));
        self.last = now_us();
    }
}

fn log(spec: &Spec, f: impl FnOnce(&mut Msg)) {
    if spec.verbosity >= 2 {
        let mut m = Msg::husk();
        f(&mut m);
        m.nl().err();
    }
}

/// The environment CMD gets: ours (or none with --env-clear), then each --env.
fn build_env(envp: CVec, spec: &Spec) -> CVec {
    if spec.env.is_empty() && !spec.env_clear {
        return envp;
    }
    let mut v: Vec<&'static CStr> = Vec::new();
    if !spec.env_clear {
        v.extend((0..envp.len()).map(|i| envp.cstr(i)));
    }
    for e in &spec.env {
        let key = &e[..=e.iter().position(|&c| c == b'=').unwrap_or(0)];
        v.retain(|x| !x.to_bytes().starts_with(key));
        v.push(CPath::new(&[e]).leak());
    }
    CVec::from_static(&v)
}

/// Bad input that only the file system can reveal, found before anything is created.
fn check(spec: &Spec, cmd: &[u8], env: CVec) -> Result<()> {
    for b in &spec.binds {
        fs::stat(CPath::new(&[b.src]).c()).map_err(|e| Error::sys("bind source", b.src, e))?;
    }
    let Some(root) = spec.rootfs else {
        return Ok(());
    };
    let r = CPath::new(&[root]);
    match fs::stat(r.c()) {
        Ok((Kind::Dir, _)) => {}
        Ok(_) => return Err(Error::sys("rootfs", root, Errno::ENOTDIR)),
        Err(e) => return Err(Error::sys("rootfs", root, e)),
    }
    let dir =
        fs::open(r.c(), g::O_PATH | g::O_DIRECTORY).map_err(|e| Error::sys("rootfs", root, e))?;
    let found = |p: &CPath| match fs::open_in_root(&dir, p.c(), g::O_PATH) {
        Ok(_) => Some(true),
        Err(Errno::ENOSYS) => None, // openat2 is Linux 5.6+: let exec decide.
        Err(_) => Some(false),
    };
    let candidates = init::exec_candidates(cmd, getenv(env.iter(), b"PATH"));
    if candidates.iter().map(found).all(|f| f == Some(false)) {
        let why = if cmd.contains(&b'/') {
            "not found in the rootfs"
        } else {
            "not found in the rootfs (PATH searched inside it)"
        };
        return Err(Error::bad("command", cmd, why));
    }
    match spec.cwd {
        Some(cwd) if found(&CPath::new(&[cwd])) == Some(false) => {
            Err(Error::sys("--cwd", cwd, Errno::ENOENT).hint("no such directory in the rootfs"))
        }
        _ => Ok(()),
    }
}

fn write_file(path: &CPath, data: &[u8]) -> sys::Result<()> {
    let fd = fs::open(path.c(), g::O_WRONLY)?;
    sys::write_all(fd.raw(), data)
}

/// Writes the child's uid_map and gid_map from outside (what newuidmap would do for
/// one range: an unprivileged caller may map only its own ids, and must deny setgroups
/// before writing gid_map).
fn write_maps(pid: Pid, spec: &Spec) -> Result<()> {
    let (uid, gid) = (ns::getuid(), ns::getgid());
    let own = |id| {
        [IdMap {
            inside: 0,
            outside: id,
            count: 1,
        }]
    };
    let (u, gm) = if spec.map_root {
        (own(uid).to_vec(), own(gid).to_vec())
    } else {
        (spec.uid_maps.clone(), spec.gid_maps.clone())
    };
    let mut base = Msg::new();
    base.s(b"/proc/").u(pid as u64).c(b'/');
    let file = |name: &[u8]| CPath::new(&[&base.0, name]);
    let hint = "without root, only your own uid and gid can be mapped, one id each";
    if uid != 0 && !gm.is_empty() {
        write_file(&file(b"setgroups"), b"deny")
            .map_err(|e| Error::sys("write", file(b"setgroups").bytes(), e))?;
    }
    for (name, maps) in [(&b"uid_map"[..], &u), (b"gid_map", &gm)] {
        if !maps.is_empty() {
            let f = file(name);
            write_file(&f, &spec::render_maps(maps)).map_err(|e| {
                let e = Error::sys("write", f.bytes(), e);
                if uid != 0 {
                    e.hint(hint)
                } else {
                    e
                }
            })?;
        }
    }
    Ok(())
}

fn clone_error(spec: &Spec, e: Errno) -> Error {
    let mut m = Msg::new();
    for (name, flag) in spec::NS_TYPES {
        if spec.ns & flag != 0 {
            if !m.0.is_empty() {
                m.c(b',');
            }
            m.s(name.as_bytes());
        }
    }
    let err = Error::sys("clone with new namespaces", &m.0, e);
    match e {
        Errno::EPERM => err.hint("needs root, or a user namespace (-U/--map-root)"),
        Errno::ENOSPC | Errno::EUSERS => {
            err.hint("too many namespaces (see /proc/sys/user/max_*_namespaces)")
        }
        Errno::EINVAL => err.hint("this combination of namespaces is not supported by this kernel"),
        _ => err,
    }
}

fn print_timings(phases: &[(u8, u32)]) {
    let mut m = Msg::husk();
    m.s(b"timings (us):\n");
    let mut total = 0u64;
    for &(p, us) in phases {
        let name = sync::PHASES.get(p as usize).copied().unwrap_or("?");
        m.s(b"  ").s(name.as_bytes());
        m.pad(12 - name.len().min(11), |m| {
            m.u(us as u64);
        });
        m.nl();
        total += us as u64;
    }
    m.s(b"  total").pad(7, |m| {
        m.u(total);
    });
    m.nl().err();
}

/// Runs `husk run`; returns the exit status.
pub fn run(argv: CVec, envp: CVec, spec: &Spec, t_start: u64) -> i32 {
    let mut t = Timer::new(t_start);
    t.lap(sync::P_PARSE);
    let cmd = argv.tail(spec.cmd);
    let env = build_env(envp, spec);
    if let Err(e) = check(spec, cmd.get(0), env) {
        e.print();
        return 125;
    }
    // --name: a name in use is refused before anything exists.
    let mut claim = match spec.name.map(state::prepare).transpose() {
        Ok(c) => c,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    // Namespaces to join are opened now, so that a bad path fails before anything exists.
    let mut joins: Vec<(Fd, u32)> = Vec::new();
    for j in &spec.joins {
        match state::open_ns(j) {
            Ok(fd) => joins.push((fd, j.flag)),
            Err(e) => {
                e.print();
                return 125;
            }
        }
    }
    // husk exec: the target's namespaces, opened already (`exec`).
    if let Some(e) = &spec.enter {
        joins.extend(e.fds.iter().map(|&(fd, f)| (Fd::own(fd as usize), f)));
    }
    // setns(pid) changes only where our children are born: it is done here, in P.
    for (fd, flag) in &joins {
        if *flag == NEWPID {
            if let Err(e) = ns::setns(fd.raw(), NEWPID) {
                Error::sys("join pid namespace", b"", e).print();
                return 125;
            }
        }
    }
    let before = joins.len();
    joins.retain(|(_, f)| *f != NEWPID);
    let joined_pid = joins.len() != before;
    // The user namespace first: it grants the rights the others need.
    if let Some(i) = joins.iter().position(|(_, f)| *f == NEWUSER) {
        joins.swap(0, i);
    }
    t.lap(sync::P_CHECK);

    let (psock, csock) = match ns::seqpacket_pair() {
        Ok(p) => p,
        Err(e) => {
            Error::sys("socketpair", b"", e).print();
            return 125;
        }
    };
    let orig_mask = signal::set_mask(SigSet::FULL).unwrap_or(SigSet::EMPTY);
    let sfd = match signal::signalfd(SigSet::FULL, false) {
        Ok(fd) => fd,
        Err(e) => {
            Error::sys("signalfd", b"", e).print();
            return 125;
        }
    };
    let pidns = spec.ns & NEWPID != 0 || joined_pid;
    if !pidns {
        // No PID 1 of our own inside: orphans of CMD's tree come to us.
        let _ = sys::prctl(linux_raw_sys::prctl::PR_SET_CHILD_SUBREAPER, 1, 0);
    }
    let needs_go = spec.ns & NEWUSER != 0
        && (spec.map_root || !spec.uid_maps.is_empty() || !spec.gid_maps.is_empty());
    let pid = match ns::fork_with(spec.ns) {
        Ok(0) => {
            drop(psock);
            drop(sfd);
            child(spec, cmd, env, csock, &joins, orig_mask, needs_go, pidns)
        }
        Ok(pid) => pid,
        Err(e) => {
            clone_error(spec, e).print();
            return 125;
        }
    };
    t.lap(sync::P_CLONE);
    drop(csock);
    drop(joins);
    log(spec, |m| {
        m.s(b"container's first process is pid ").u(pid as u64);
    });
    if needs_go {
        if let Err(e) = write_maps(pid, spec) {
            e.print();
            let _ = signal::kill(pid, crate::signals::SIGKILL);
            let _ = process::wait(pid, false);
            return 125;
        }
        t.lap(sync::P_MAPS);
        let _ = sys::write(psock.raw(), &sync::go());
    }
    // The child's verdict: an error frame, its timings, or end-of-file at exec.
    let mut frame = [0u8; FRAME];
    let mut child_times = Vec::new();
    let mut times_at = 0;
    loop {
        match sys::read(psock.raw(), &mut frame) {
            Ok(FRAME) if frame[0] == sync::ERR => {
                let (e, code) =
                    sync::decode_err(&frame).unwrap_or((Error::usage("child", "bad frame"), 125));
                e.print();
                let _ = process::wait(pid, false);
                return code as i32;
            }
            Ok(FRAME) if frame[0] == sync::TIMES => {
                child_times = sync::decode_times(&frame);
                times_at = now_us();
            }
            Ok(FRAME) => {}
            _ => break,
        }
    }
    drop(psock);
    // The container runs: record it (removed when `claim` drops, as run returns). The
    // cgroup path is empty until husk makes cgroups.
    if let Some(Err(e)) = claim.as_mut().map(|c| c.commit(pid, spec.ns, b"")) {
        e.print();
        let _ = signal::kill(pid, crate::signals::SIGKILL);
        let _ = process::wait(pid, false);
        return 125;
    }
    if spec.timings {
        t.phases.extend(child_times);
        if times_at != 0 && !(pidns && spec.init) {
            t.add(sync::P_EXEC, (now_us() - times_at) as u32);
        }
        print_timings(&t.phases);
    }
    let opts = InitOpts {
        verbosity: spec.verbosity,
        ..InitOpts::default()
    };
    exit_code(init::supervise(&sfd, pid, &opts)) as i32
}

/// The container's first process. Never returns: it execs CMD, or stays as its init, or
/// reports what failed to the parent and exits.
#[allow(clippy::too_many_arguments)]
fn child(
    spec: &Spec,
    cmd: CVec,
    env: CVec,
    sock: Fd,
    joins: &[(Fd, u32)],
    mask: SigSet,
    needs_go: bool,
    pidns: bool,
) -> ! {
    let code = match setup_and_run(spec, cmd, env, &sock, joins, mask, needs_go, pidns) {
        Ok(code) => code,
        Err((e, code)) => {
            let _ = sys::write(sock.raw(), &sync::err(&e, code));
            code
        }
    };
    sys::exit(code as i32)
}

#[allow(clippy::too_many_arguments)]
fn setup_and_run(
    spec: &Spec,
    cmd: CVec,
    env: CVec,
    sock: &Fd,
    joins: &[(Fd, u32)],
    mask: SigSet,
    needs_go: bool,
    pidns: bool,
) -> core::result::Result<u8, (Error, u8)> {
    let fail = |e: Error| (e, 125u8);
    let mut t = Timer::new(now_us());
    // If husk outside is killed, the container goes with it (its PID 1 first), so that
    // nothing of a killed run survives. (Racing with a parent that is already gone is
    // covered by the sync socket: the read below then sees end-of-file.)
    let _ = sys::prctl(
        linux_raw_sys::prctl::PR_SET_PDEATHSIG,
        crate::signals::SIGKILL as usize,
        0,
    );
    if needs_go {
        let mut f = [0u8; FRAME];
        match sys::read(sock.raw(), &mut f) {
            Ok(FRAME) if f[0] == sync::GO => {}
            // The parent gave up (and said why) or is gone.
            _ => sys::exit(125),
        }
        t.lap(sync::P_MAPS);
    }
    for (fd, flag) in joins {
        ns::setns(fd.raw(), *flag).map_err(|e| {
            fail(Error::sys(
                "join namespace",
                spec::ns_name(*flag).as_bytes(),
                e,
            ))
        })?;
    }
    if let Some(e) = &spec.enter {
        crate::exec::enter(e).map_err(fail)?;
    }
    if !joins.is_empty() {
        t.lap(sync::P_JOIN);
    }
    if let Some(h) = spec.hostname {
        ns::sethostname(h).map_err(|e| fail(Error::sys("sethostname", h, e)))?;
        t.lap(sync::P_HOSTNAME);
    }
    if spec.ns & NEWNS != 0 {
        let (mounts, pivot) = mount::setup(spec).map_err(fail)?;
        t.add(sync::P_MOUNTS, mounts);
        if spec.rootfs.is_some() {
            t.add(sync::P_PIVOT, pivot);
        }
    }
    for r in &spec.rlimits {
        ns::setrlimit(r.resource, r.soft, r.hard).map_err(|e| {
            let name = spec::RLIMIT_NAMES
                .iter()
                .find(|(_, x)| *x == r.resource)
                .map_or("?", |(n, _)| n);
            fail(
                Error::sys("set rlimit", name.as_bytes(), e).hint(if e == Errno::EPERM {
                    "raising a hard limit needs CAP_SYS_RESOURCE"
                } else {
                    ""
                }),
            )
        })?;
    }
    if let Some(gid) = spec.gid {
        // Supplementary groups go first (it needs the privilege the uid change drops);
        // with setgroups denied in a rootless user namespace there are none to clear.
        let _ = ns::setgroups(&[]);
        ns::setgid(gid).map_err(|e| {
            fail(Error::sys(
                "setgid",
                crate::out::Msg::new().u(gid as u64).0.as_slice(),
                e,
            ))
        })?;
    }
    if let Some(uid) = spec.uid {
        if spec.gid.is_none() {
            let _ = ns::setgroups(&[]);
        }
        ns::setuid(uid).map_err(|e| {
            fail(Error::sys(
                "setuid",
                crate::out::Msg::new().u(uid as u64).0.as_slice(),
                e,
            ))
        })?;
    }
    if let Some(cwd) = spec.cwd {
        fs::chdir(CPath::new(&[cwd]).c()).map_err(|e| fail(Error::sys("chdir", cwd, e)))?;
    }
    t.lap(sync::P_SETUP);
    let name = cmd.get(0);
    if pidns && spec.init {
        // husk stays PID 1 of the new pid namespace, with CMD as its child.
        let sfd = signal::signalfd(SigSet::FULL, false)
            .map_err(|e| fail(Error::sys("signalfd", b"", e)))?;
        let child = init::spawn(cmd, env, mask, true)?;
        t.lap(sync::P_EXEC);
        if spec.timings {
            let _ = sys::write(sock.raw(), &sync::times(&t.phases));
        }
        let _ = sys::close(sock.raw());
        let opts = InitOpts {
            verbosity: spec.verbosity,
            ..InitOpts::default()
        };
        sys::exit(exit_code(init::supervise(&sfd, child, &opts)) as i32);
    }
    let paths = init::exec_candidates(name, getenv(env.iter(), b"PATH"));
    let refs: Vec<&CStr> = paths.iter().map(|p| p.c()).collect();
    if spec.timings {
        let _ = sys::write(sock.raw(), &sync::times(&t.phases));
    }
    let _ = signal::set_mask(mask);
    let e = execvp(&refs, cmd, env);
    let _ = signal::set_mask(SigSet::FULL);
    Err(init::exec_error(name, e))
}

/// `husk ns [PID]`: each namespace of PID with its inode, `*` where it differs from PID 1's.
pub fn ns_cmd(pid: Option<&[u8]>) -> i32 {
    const TYPES: [&str; 10] = [
        "cgroup",
        "ipc",
        "mnt",
        "net",
        "pid",
        "pid_for_children",
        "time",
        "time_for_children",
        "user",
        "uts",
    ];
    let pid = pid.unwrap_or(b"self");
    let inode = |p: &[u8], ty: &str| -> Option<u64> {
        let link = fs::readlink(CPath::new(&[b"/proc/", p, b"/ns/", ty.as_bytes()]).c()).ok()?;
        let open = link.iter().position(|&c| c == b'[')?;
        crate::out::parse_u64(link[open + 1..].strip_suffix(b"]")?)
    };
    let mut m = Msg::new();
    m.s(b"NAMESPACE          INODE       (* differs from PID 1)\n");
    let mut any = false;
    for ty in TYPES {
        let Some(ino) = inode(pid, ty) else { continue };
        any = true;
        m.s(ty.as_bytes());
        for _ in ty.len()..19 {
            m.c(b' ');
        }
        m.u(ino);
        match inode(b"1", ty) {
            Some(one) if one != ino => m.s(b"  *"),
            None => m.s(b"  ?"),
            _ => &mut m,
        };
        m.nl();
    }
    if !any {
        Error::sys("read namespaces of", pid, Errno::ESRCH)
            .hint("no such process, or /proc/PID/ns is not readable")
            .print();
        return 125;
    }
    m.out();
    0
}
