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
use crate::security::{self, Ident, Prepared};
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
        let name = crate::out::word(sync::PHASES, p as usize).unwrap_or(b"?");
        m.s(b"  ").s(name);
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
    // Before husk opens any descriptor of its own: 3..3+N must be the caller's.
    if let Err(e) = security::check_preserved_fds(spec.sec.preserve_fds) {
        e.print();
        return 125;
    }
    // Capability sets and the whole seccomp filter, built now by pure code.
    let prepared = match spec.sec.resolve() {
        Ok(p) => p,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    let caller_uid = ns::getuid();
    let cmd = argv.tail(spec.cmd);
    let env = build_env(envp, spec);
    if let Err(e) = check(spec, cmd.get(0), env) {
        e.print();
        return 125;
    }
    // --name: a name in use is refused before anything exists.
    let claim = match spec.name.map(state::prepare).transpose() {
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
    let mut host = match crate::net::setup::prepare(spec) {
        Ok(h) => h,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    t.lap(sync::P_CHECK);
    // cgroups: where each controller lives, the plan (pure), then the directories.
    let plan = match (!spec.cg.is_empty())
        .then(|| {
            crate::cgroup::act::read_layout()
                .and_then(|l| crate::cgroup::plan(&spec.cg, &l, sys::getpid() as u32))
        })
        .transpose()
    {
        Ok(p) => p,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    let mut cg = match plan
        .as_ref()
        .map(crate::cgroup::act::Cgroup::create)
        .transpose()
    {
        Ok(c) => c,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    if cg.is_some() {
        t.lap(sync::P_CGROUP);
    }
    let ctx = Outer {
        spec,
        cmd,
        env,
        joins,
        joined_pid,
        prepared: &prepared,
        caller_uid,
        claim,
    };
    let code = contain(ctx, &mut t, &mut host, cg.as_ref());
    if let Some(c) = cg.as_mut() {
        // An OOM kill is the cgroup's to tell (the wait status says only SIGKILL).
        if code == 137 && c.oom_killed(137 << 8) {
            crate::cgroup::oom_message(cmd.get(0), c.memory_limit()).err();
        }
        if let Err(e) = c.remove() {
            e.print();
        }
    }
    code
}

/// What `run` decided before the cgroups existed, for [`contain`].
struct Outer<'a> {
    spec: &'a Spec,
    cmd: CVec,
    env: CVec,
    joins: Vec<(Fd, u32)>,
    joined_pid: bool,
    prepared: &'a Prepared,
    caller_uid: u32,
    claim: Option<crate::state::Claim>,
}

/// Clones the container's first process (into its cgroups), finishes the setup outside,
/// waits for the child's verdict and supervises it; returns the exit status.
fn contain(
    o: Outer,
    t: &mut Timer,
    host: &mut crate::net::setup::Host,
    cg: Option<&crate::cgroup::act::Cgroup>,
) -> i32 {
    let Outer {
        spec,
        cmd,
        env,
        joins,
        joined_pid,
        prepared,
        caller_uid,
        mut claim,
    } = o;
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
    let maps = spec.ns & NEWUSER != 0
        && (spec.map_root || !spec.uid_maps.is_empty() || !spec.gid_maps.is_empty());
    let needs_go = maps || host.needs_go();
    let flags = spec.ns | host.extra_ns();
    // With cgroups, the child makes its cgroup namespace itself once inside its cgroups
    // (on v1 it joins them after clone), so that the namespace is rooted there.
    let cloned = match cg {
        Some(c) => c.clone((flags & !spec::NEWCGROUP) as u64).map(|c| c.pid),
        None => ns::fork_with(flags).map_err(|e| clone_error(spec, e)),
    };
    let pid = match cloned {
        Ok(0) => {
            drop(psock);
            drop(sfd);
            child(Child {
                spec,
                cmd,
                env,
                sock: csock,
                joins: &joins,
                mask: orig_mask,
                needs_go,
                pidns,
                prepared,
                nondumpable: spec.root_may_be_host_root(caller_uid),
                host,
                cg,
            })
        }
        Ok(pid) => pid,
        Err(e) => {
            e.print();
            return 125;
        }
    };
    t.lap(sync::P_CLONE);
    drop(csock);
    drop(joins);
    log(spec, |m| {
        m.s(b"container's first process is pid ").u(pid as u64);
    });
    let mut setup = || -> Result<()> {
        if maps {
            write_maps(pid, spec)?;
            t.lap(sync::P_MAPS);
        }
        if host.parent(spec, pid)? {
            t.lap(sync::P_NET);
        }
        Ok(())
    };
    if let Err(e) = setup() {
        e.print();
        let _ = signal::kill(pid, crate::signals::SIGKILL);
        let _ = process::wait(pid, false);
        host.undo(spec);
        return 125;
    }
    if needs_go {
        let _ = sys::write(psock.raw(), &sync::go());
    }
    // Once the maps are written (the kernel checks /proc/PID ownership, which a
    // non-dumpable process loses): the container must not open our /proc/PID/exe either.
    if spec.root_may_be_host_root(caller_uid) {
        let _ = sys::prctl(linux_raw_sys::prctl::PR_SET_DUMPABLE, 0, 0);
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
                host.undo(spec);
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
    exit_code(init::supervise(&sfd, pid, &opts).unwrap_or(0)) as i32
}

/// What the container's first process works from: all decided before clone.
struct Child<'a> {
    spec: &'a Spec,
    cmd: CVec,
    env: CVec,
    sock: Fd,
    joins: &'a [(Fd, u32)],
    /// The signal mask CMD gets (husk's own blocks everything).
    mask: SigSet,
    /// Wait for the parent's GO (it writes the id maps first).
    needs_go: bool,
    /// A new or joined pid namespace: husk stays its PID 1 unless --no-init.
    pidns: bool,
    prepared: &'a Prepared,
    /// husk as PID 1 must hide its /proc/1/exe (see Spec::root_may_be_host_root).
    nondumpable: bool,
    /// The network husk set up outside, for the child to finish inside.
    host: &'a crate::net::setup::Host,
    /// The container's cgroups (v1: the child joins them itself, first thing).
    cg: Option<&'a crate::cgroup::act::Cgroup<'a>>,
}

/// The container's first process. Never returns: it execs CMD, or stays as its init, or
/// reports what failed to the parent and exits.
fn child(c: Child) -> ! {
    let code = match setup_and_run(&c) {
        Ok(code) => code,
        Err((e, code)) => {
            let _ = sys::write(c.sock.raw(), &sync::err(&e, code));
            code
        }
    };
    sys::exit(code as i32)
}

fn setup_and_run(c: &Child) -> core::result::Result<u8, (Error, u8)> {
    let (spec, cmd, env, sock) = (c.spec, c.cmd, c.env, &c.sock);
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
    if let Some(cg) = c.cg {
        // A task that moves itself skips the RCU grace period a move by the parent waits.
        cg.join().map_err(fail)?;
        if spec.ns & spec::NEWCGROUP != 0 {
            ns::unshare(spec::NEWCGROUP).map_err(|e| fail(Error::sys("unshare", b"cgroup", e)))?;
        }
    }
    if c.needs_go {
        let mut f = [0u8; FRAME];
        match sys::read(sock.raw(), &mut f) {
            Ok(FRAME) if f[0] == sync::GO => {}
            // The parent gave up (and said why) or is gone.
            _ => sys::exit(125),
        }
        // The wait is husk's work (maps, net), timed on its side: not counted twice.
        t.last = now_us();
    }
    for (fd, flag) in c.joins {
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
    if !c.joins.is_empty() {
        t.lap(sync::P_JOIN);
    }
    if c.host.child(spec).map_err(fail)? {
        t.lap(sync::P_IFUP);
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
    if let Some(cwd) = spec.cwd {
        fs::chdir(CPath::new(&[cwd]).c()).map_err(|e| fail(Error::sys("chdir", cwd, e)))?;
    }
    t.lap(sync::P_SETUP);
    if spec.rootfs.is_some() {
        // What Docker masks: /proc/kcore, /proc/keys, /sys/firmware, ... (after pivot_root).
        security::mask_paths(b"").map_err(|f| fail(f.error()))?;
    }
    // Supplementary groups are cleared with --uid/--gid, except where setgroups is denied
    // (a user namespace an unprivileged user made: created here, or joined by husk exec).
    let no_groups: &[u32] = &[];
    let ids = spec.uid.is_some() || spec.gid.is_some();
    let denied = || fs::read_file(c"/proc/self/setgroups").is_ok_and(|v| v.starts_with(b"deny"));
    let id = Ident {
        uid: spec.uid,
        gid: spec.gid,
        groups: (ids && !denied()).then_some(no_groups),
    };
    let p = c.prepared;
    let name = cmd.get(0);
    if c.pidns && spec.init {
        // husk stays PID 1 of the new pid namespace, with CMD as its child. It drops the
        // privileges CMD will have, but the seccomp filter goes on CMD alone (unless it
        // must come first, with --allow-new-privs): PID 1 keeps its kill() and wait4().
        let sec = |r: core::result::Result<(), security::Fail>| r.map_err(|f| fail(f.error()));
        if p.filter_first() {
            sec(security::install_filter(p))?;
        }
        sec(security::drop_privileges(p, &id))?;
        sec(security::close_fds(p.preserve_fds))?;
        // /proc/1/exe is the host's husk binary: a non-dumpable process's is unreadable to
        // the container (runc's CVE-2019-5736 wrote the host runtime through it).
        if c.nondumpable {
            let _ = sys::prctl(linux_raw_sys::prctl::PR_SET_DUMPABLE, 0, 0);
        }
        t.lap(sync::P_SECURITY);
        let sfd = signal::signalfd(SigSet::FULL, false)
            .map_err(|e| fail(Error::sys("signalfd", b"", e)))?;
        let filter = if p.filter_first() {
            None
        } else {
            p.filter.as_deref()
        };
        // An exec failure was printed by CMD's process: exit with its status, no frame.
        let child = match init::spawn(cmd, env, c.mask, true, false, filter) {
            Ok(pid) => pid,
            Err(code) => sys::exit(code as i32),
        };
        t.lap(sync::P_EXEC);
        if spec.timings {
            let _ = sys::write(sock.raw(), &sync::times(&t.phases));
        }
        let _ = sys::close(sock.raw());
        let opts = InitOpts {
            verbosity: spec.verbosity,
            ..InitOpts::default()
        };
        sys::exit(exit_code(init::supervise(&sfd, child, &opts).unwrap_or(0)) as i32);
    }
    let paths = init::exec_candidates(name, getenv(env.iter(), b"PATH"));
    let refs: Vec<&CStr> = paths.iter().map(|p| p.c()).collect();
    security::apply(p, &id).map_err(|f| fail(f.error()))?;
    t.lap(sync::P_SECURITY);
    if spec.timings {
        let _ = sys::write(sock.raw(), &sync::times(&t.phases));
    }
    let _ = signal::set_mask(c.mask);
    let e = execvp(&refs, cmd, env);
    let _ = signal::set_mask(SigSet::FULL);
    Err(crate::status::exec_error(name, e))
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
