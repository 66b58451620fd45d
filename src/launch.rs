//! `husk run`: check the spec against the file system, clone into the new namespaces, set
//! the child up (ids, hostname, mounts, limits), run CMD — under husk as PID 1 when there
//! is a new pid namespace — and supervise it from outside until it ends.
//!
//! Parent (P) and child (C1) talk over one SOCK_SEQPACKET pair (`sync`): P writes the id
//! maps, sets up the network and sends GO; C1 reports a failure as an error frame, or its
//! phase timings just before exec. A successful exec closes C1's end: P reads end-of-file.
use crate::cgroup::act::Cgroup;
use crate::cli::getenv;
use crate::cli::init::InitOpts;
use crate::error::{Error, Result};
use crate::net::setup::Host;
use crate::out::Msg;
use crate::path::CPath;
use crate::security::{self, Ident, Prepared};
use crate::spec::{self, Spec, NEWCGROUP, NEWNS, NEWPID, NEWUSER};
use crate::status::exit_code;
use crate::sync::{self, FRAME};
use crate::sys::fs;
use crate::sys::signal::{self, SigSet};
use crate::sys::start::CVec;
use crate::sys::{self, ns, process, time::now_us, Errno, Fd, Pid};
use crate::{init, mount, state};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;
use linux_raw_sys::prctl::{PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, PR_SET_PDEATHSIG};

/// `map_err` for a failed system call: `husk: <op> <obj>: <ERRNO>`.
fn err<'a>(op: &'static str, obj: &'a [u8]) -> impl FnOnce(Errno) -> Error + 'a {
    move |e| Error::sys(op, obj, e)
}

/// Phase timings for `--timings`: (phase, µs).
struct Timer {
    phases: Vec<(u8, u32)>,
    last: u64,
    /// When husk started: `total` is the wall time, not the sum of the phases (C1 may wait
    /// for a CPU, or run beside P).
    start: u64,
}

impl Timer {
    #[inline(never)]
    fn lap(&mut self, phase: u8) {
        let now = now_us();
        self.phases
            .push((phase, now.wrapping_sub(self.last) as u32));
        self.last = now;
    }

    fn print(&mut self) {
        let mut m = Msg::husk();
        m.s(b"timings (us):\n");
        self.phases.push((255, (now_us() - self.start) as u32));
        for &(p, us) in &self.phases {
            let name = crate::out::word(sync::PHASES, p as usize).unwrap_or(b"total");
            m.s(b"  ").s(name);
            m.pad(13 - name.len(), |m| {
                m.u(us as u64);
            });
            m.nl();
        }
        m.err();
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
        let key = e.get(..=e.iter().position(|&c| c == b'=').unwrap_or(0));
        let key = key.unwrap_or_default();
        v.retain(|x| !x.to_bytes().starts_with(key));
        v.push(CPath::new(&[e]).leak());
    }
    CVec::from_static(&v)
}

/// `p` lies below another mount point of the container: what is there is known only once
/// that is mounted (then the mount itself, or CMD's chdir, fails if it is missing).
fn below_a_mount(spec: &Spec, p: &[u8]) -> bool {
    let dsts = spec
        .binds
        .iter()
        .map(|b| b.dst)
        .chain(spec.tmpfs.iter().map(|t| t.dst));
    dsts.into_iter().any(|d| {
        let d = crate::out::strip_suffix(d, b"/").unwrap_or(d);
        crate::out::strip_prefix(p, d).is_some_and(|r| r.first() == Some(&b'/'))
    })
}

/// Without a rootfs, a mount point is the host's own path: husk mounts on what exists, as
/// mount(8) does, and makes nothing there (nothing to leave behind).
#[inline(never)]
fn mount_point(spec: &Spec, op: &'static [u8], dst: &[u8]) -> Result<()> {
    match fs::stat(CPath::new(&[dst]).c()) {
        Ok(_) => Ok(()),
        Err(_) if below_a_mount(spec, dst) => Ok(()),
        Err(_) => Err(Error::new(
            op,
            dst,
            0,
            b"no such mount point (without --rootfs, husk creates nothing on the host)",
        )),
    }
}

/// Bad input that only the file system can reveal, found before anything is created.
/// Returns the rootfs as an absolute path (for the `--name` record), or nothing.
fn check(spec: &Spec, cmd: &[u8], env: CVec) -> Result<Vec<u8>> {
    for b in &spec.binds {
        fs::stat(CPath::new(&[b.src]).c()).map_err(err("bind source", b.src))?;
    }
    let Some(root) = spec.rootfs else {
        for b in &spec.binds {
            mount_point(spec, b"--bind", b.dst)?;
        }
        for t in &spec.tmpfs {
            mount_point(spec, b"--tmpfs", t.dst)?;
        }
        // (In a joined mount namespace, or husk exec's target's root, it is theirs.)
        match spec.cwd {
            Some(cwd)
                if spec.enter.is_none()
                    && !spec.joins_type(NEWNS)
                    && !below_a_mount(spec, cwd)
                    && fs::stat(CPath::new(&[cwd]).c()).map(|s| s.0) != Ok(fs::Kind::Dir) =>
            {
                return Err(Error::bad("--cwd", cwd, "no such directory"))
            }
            _ => return Ok(Vec::new()),
        }
    };
    let r = CPath::new(&[root]);
    let dir = fs::open(r.c(), g::O_PATH | g::O_DIRECTORY).map_err(err("rootfs", root))?;
    // Mount points resolved in the rootfs are reached through /proc/self/fd/N.
    fs::stat(c"/proc/self/fd").map_err(|e| {
        Error::sys("--rootfs", root, e).hint("needs /proc mounted: mount -t proc proc /proc")
    })?;
    // Resolved in the rootfs (openat2 RESOLVE_IN_ROOT): its absolute symlinks are its own.
    let found = |p: &[u8]| fs::open_in_root(&dir, CPath::new(&[p]).c(), g::O_PATH).is_ok();
    let candidates = init::exec_candidates(cmd, getenv(env.iter(), b"PATH"));
    if !candidates.iter().any(|p| found(p.bytes())) {
        return Err(Error::bad(
            "command",
            cmd,
            "not found in the rootfs (PATH searched in it)",
        ));
    }
    if let Some(cwd) = spec.cwd.filter(|cwd| !found(cwd)) {
        return Err(Error::bad("--cwd", cwd, "no such directory in the rootfs"));
    }
    let mut link = Msg::new();
    link.s(b"/proc/self/fd/").u(dir.raw() as u64);
    Ok(fs::readlink(CPath::new(&[&link.0]).c()).unwrap_or_default())
}

/// Writes the child's uid_map and gid_map from outside (what newuidmap would do for
/// one range: an unprivileged caller may map only its own ids, and must deny setgroups
/// before writing gid_map).
fn write_maps(pid: Pid, spec: &Spec) -> Result<()> {
    let (uid, gid) = (ns::getuid(), ns::getgid());
    let mut base = Msg::new();
    base.s(b"/proc/").u(pid as u64).c(b'/');
    let write = |name: &[u8], data: &[u8]| -> Result<()> {
        let f = CPath::new(&[&base.0, name]);
        let e = fs::open(f.c(), g::O_WRONLY).and_then(|fd| sys::write_all(fd.raw(), data));
        e.map_err(|e| {
            let e = Error::sys("write", f.bytes(), e);
            if uid != 0 {
                e.hint("without root, only your own uid and gid can be mapped, one id each")
            } else {
                e
            }
        })
    };
    let own = |id: u32| {
        let mut m = Msg::new();
        m.s(b"0 ").u(id as u64).s(b" 1\n");
        m.0
    };
    let (u, gm) = if spec.map_root {
        (own(uid), own(gid))
    } else {
        (
            spec::render_maps(&spec.uid_maps),
            spec::render_maps(&spec.gid_maps),
        )
    };
    if uid != 0 && !gm.is_empty() {
        write(b"setgroups", b"deny")?;
    }
    if !u.is_empty() {
        write(b"uid_map", &u)?;
    }
    if !gm.is_empty() {
        write(b"gid_map", &gm)?;
    }
    Ok(())
}

fn clone_error(spec: &Spec, e: Errno) -> Error {
    Error::sys("clone with new namespaces", &spec::ns_names(spec.ns), e).hint(match e {
        Errno::EPERM => "needs root, or a user namespace (-U/--map-root)",
        Errno::ENOSPC | Errno::EUSERS => "too many namespaces (/proc/sys/user/max_*_namespaces)",
        _ => "",
    })
}

/// Runs `husk run`; returns the exit status.
pub fn run(argv: CVec, envp: CVec, spec: &Spec, t_start: u64) -> i32 {
    let mut t = Timer {
        phases: Vec::new(),
        last: t_start,
        start: t_start,
    };
    t.lap(sync::P_PARSE);
    let mut cg = None;
    let mut host = None;
    let r = prepare(argv, envp, spec, &mut t, &mut host, &mut cg);
    let code = crate::exec::outcome(spec.enter.as_ref(), r).unwrap_or_else(|e| {
        e.print();
        if let Some(h) = &host {
            h.undo(spec);
        }
        125
    });
    let mut code = code;
    if let Some(c) = cg.as_mut() {
        // An OOM kill is the cgroup's to tell (the wait status says only SIGKILL): CMD's
        // when it died of SIGKILL, else another process's (CMD may have gone on without
        // it). 137 either way.
        if c.oom_killed() {
            let who = if code == 137 {
                argv.get(spec.cmd)
            } else {
                b"a process of the container"
            };
            crate::cgroup::oom_message(who, c.memory_limit()).err();
            code = 137;
        }
        if let Err(e) = c.remove() {
            e.print();
        }
    }
    code
}

/// Everything before the clone that can fail, then [`contain`].
fn prepare<'p>(
    argv: CVec,
    envp: CVec,
    spec: &Spec,
    t: &mut Timer,
    host: &mut Option<Host>,
    cg: &mut Option<Cgroup<'p>>,
) -> Result<i32> {
    // Before husk opens any descriptor of its own: 3..3+N must be the caller's.
    security::check_preserved_fds(spec.sec.preserve_fds)?;
    // Capability sets and the whole seccomp filter, built now by pure code.
    let prepared = spec.sec.resolve()?;
    let cmd = argv.tail(spec.cmd);
    let env = build_env(envp, spec);
    let rootfs = check(spec, cmd.get(0), env)?;
    // --name: a name in use is refused before anything exists.
    let claim = spec.name.map(state::prepare).transpose()?;
    // Namespaces to join are opened now, so that a bad path fails before anything exists;
    // husk exec's were opened already (and its pid namespace joined). setns(pid) only
    // changes where our children are born: P does it. The user namespace goes first: it
    // grants the rights the rest need.
    let mut joins: Vec<(Fd, u32)> = Vec::new();
    for j in &spec.joins {
        joins.push((state::open_ns(j)?, j.flag));
    }
    let mut pidns = spec.ns & NEWPID != 0;
    if let Some(e) = &spec.enter {
        joins.extend(e.fds.iter().map(|&(fd, f)| (Fd::own(fd as usize), f)));
        pidns = e.pidns;
    }
    for (fd, f) in &joins {
        if *f == NEWPID {
            ns::setns(fd.raw(), NEWPID).map_err(err("join namespace", b"pid"))?;
            pidns = true;
        }
    }
    joins.retain(|(_, f)| *f != NEWPID);
    if pidns && spec.init && prepared.filter_first() && prepared.refuses_init {
        // PID 1 would hang: no reaping, no signal passed on.
        return Err(Error::usage(
            "--allow-new-privs",
            "the filter then goes on husk's PID 1 too, which needs read, write, kill, wait4 \
             and exit_group: allow them, or add --no-init",
        ));
    }
    if let Some(i) = joins.iter().position(|(_, f)| *f == NEWUSER) {
        joins.swap(0, i);
    }
    let h = host.insert(crate::net::setup::prepare(spec)?);
    t.lap(sync::P_CHECK);
    if !spec.cg.is_empty() {
        // cgroups: where each controller lives, the plan (pure), then the directories.
        let layout = crate::cgroup::act::read_layout()?;
        let plan: &'p _ = alloc::boxed::Box::leak(alloc::boxed::Box::new(crate::cgroup::plan(
            &spec.cg,
            &layout,
            sys::getpid() as u32,
        )?));
        *cg = Some(Cgroup::create(plan)?);
        t.lap(sync::P_CGROUP);
    }
    let o = Child {
        spec,
        cmd,
        env,
        sock: ns::seqpacket_pair().map_err(err("socketpair", b""))?,
        joins: &joins,
        mask: signal::set_mask(SigSet::FULL).unwrap_or(SigSet::EMPTY),
        needs_go: false,
        placed: false,
        pidns,
        prepared: &prepared,
        nondumpable: spec.root_may_be_host_root(ns::getuid()),
        host: h,
        cg: cg.as_ref(),
    };
    contain(o, t, claim.map(|c| (c, rootfs)))
}

/// Clones the container's first process (into its cgroups), finishes the setup outside,
/// waits for the child's verdict and supervises it; returns the exit status.
fn contain(mut o: Child, t: &mut Timer, mut claim: Option<(state::Claim, Vec<u8>)>) -> Result<i32> {
    let spec = o.spec;
    let sfd = signal::signalfd(SigSet::FULL, false).map_err(err("signalfd", b""))?;
    if !o.pidns {
        // No PID 1 of our own inside: orphans of CMD's tree come to us.
        let _ = sys::prctl(PR_SET_CHILD_SUBREAPER, 1, 0);
    }
    let maps = spec.ns & NEWUSER != 0
        && (spec.map_root || !spec.uid_maps.is_empty() || !spec.gid_maps.is_empty());
    o.needs_go = maps || o.host.needs_go();
    let flags = spec.ns | o.host.extra_ns();
    // With cgroups, the child makes its cgroup namespace itself once inside its cgroups
    // (on v1 it joins them after clone), so that the namespace is rooted there.
    let (pid, place) = match o.cg {
        Some(c) => {
            let r = c
                .clone((flags & !NEWCGROUP) as u64)
                .map_err(|e| clone_error(spec, e))?;
            (r.pid, r.plain && c.clone_fd().is_some())
        }
        None => (
            ns::fork_with(flags).map_err(|e| clone_error(spec, e))?,
            false,
        ),
    };
    if pid == 0 {
        drop(sfd);
        o.placed = place;
        child(&o);
    }
    t.lap(sync::P_CLONE);
    let (psock, csock) = o.sock;
    drop(csock);
    let verdict = (|| -> Result<Option<i32>> {
        if let (true, Some(c)) = (place, o.cg) {
            // No clone3: the child waits in our v2 cgroup until we move it into its own.
            c.place(pid)?;
            let _ = sys::write(psock.raw(), &[sync::GO]);
            t.lap(sync::P_CGJOIN);
        }
        if maps {
            write_maps(pid, spec)?;
            t.lap(sync::P_MAPS);
        }
        if o.host.parent(spec, pid)? {
            t.lap(sync::P_NET);
        }
        if o.needs_go {
            let _ = sys::write(psock.raw(), &[sync::GO]);
        }
        // Once the maps are written (the kernel checks /proc/PID ownership, which a
        // non-dumpable process loses): the container must not open our /proc/PID/exe.
        if o.nondumpable {
            let _ = sys::prctl(PR_SET_DUMPABLE, 0, 0);
        }
        // The child's verdict: an error frame, its timings, or end-of-file at exec.
        let mut f = [0u8; FRAME];
        let mut times_at = 0;
        while let Ok(FRAME) = sys::read(psock.raw(), &mut f) {
            if let Some((e, code)) = sync::decode_err(&f) {
                if code == 125 {
                    return Err(e); // (printed by run, or told as the target's exit)
                }
                e.print();
                let _ = process::wait(pid, false);
                o.host.undo(spec);
                return Ok(Some(code as i32));
            }
            t.phases.extend(sync::decode_times(&f));
            times_at = now_us();
        }
        // The container runs: record it (removed when `claim` drops, as run returns).
        if let Some(c) = claim.as_mut() {
            let sec = &spec.sec;
            // (`--seccomp default` said aloud counts as custom: exec then warns.)
            let default = sec.deny.prog.is_empty() && sec.seccomp.is_none();
            let filter = crate::out::word("custom default", default as usize).unwrap_or_default();
            let filter = if o.prepared.filter.is_some() {
                filter
            } else {
                b""
            };
            c.0.commit(pid, spec.ns, &c.1, filter)?;
        }
        if spec.timings {
            if times_at != 0 && !(o.pidns && spec.init) {
                t.phases.push((sync::P_EXEC, (now_us() - times_at) as u32));
            }
            t.print();
        }
        Ok(None)
    })();
    match verdict {
        Ok(None) => {}
        Ok(Some(code)) => return Ok(code),
        Err(e) => {
            let _ = signal::kill(pid, crate::signals::SIGKILL);
            let _ = process::wait(pid, false);
            return Err(e);
        }
    }
    drop(psock);
    let code = supervise(&sfd, pid, spec);
    o.host.finish();
    Ok(code)
}

/// Forwards signals to `pid` and reaps until it exits (the init's loop); its exit status.
#[inline(never)]
fn supervise(sfd: &Fd, pid: Pid, spec: &Spec) -> i32 {
    let opts = InitOpts {
        verbosity: spec.verbosity,
        ..InitOpts::default()
    };
    exit_code(init::supervise(sfd, pid, &opts).unwrap_or(0)) as i32
}

/// What the container's first process works from: all decided before clone.
struct Child<'a> {
    spec: &'a Spec,
    cmd: CVec,
    env: CVec,
    /// (P's end, C1's end) of the sync socket pair.
    sock: (Fd, Fd),
    joins: &'a [(Fd, u32)],
    /// The signal mask CMD gets (husk's own blocks everything).
    mask: SigSet,
    /// Wait for the parent's GO (it writes the id maps, sets up the network).
    needs_go: bool,
    /// Born by the plain clone: first wait for a GO from the parent, which moves us into
    /// the v2 cgroup (see `Cgroup::clone`).
    placed: bool,
    /// A new or joined pid namespace: husk stays its PID 1 unless --no-init.
    pidns: bool,
    prepared: &'a Prepared,
    /// husk as PID 1 must hide its /proc/1/exe (see Spec::root_may_be_host_root).
    nondumpable: bool,
    /// The network husk set up outside, for the child to finish inside.
    host: &'a mut Host,
    /// The container's cgroups (v1: the child joins them itself, first thing).
    cg: Option<&'a Cgroup<'a>>,
}

/// C1: reads GO, or exits if the parent gave up (and said why) or is gone. The wait is
/// husk's work (maps, net), timed on its side; here it is `wait`.
#[inline(never)]
fn wait_go(sock: i32, t: &mut Timer) {
    let mut f = [0u8];
    if sys::read(sock, &mut f) != Ok(1) || f[0] != sync::GO {
        sys::exit(125);
    }
    t.lap(sync::P_WAIT);
}

/// The container's first process. Never returns: it execs CMD, or stays as its init, or
/// reports what failed to the parent and exits.
fn child(c: &Child) -> ! {
    let sock = c.sock.1.raw();
    let _ = sys::close(c.sock.0.raw());
    let (e, code) = match setup_and_run(c, sock) {
        Ok(e) => crate::status::exec_error(c.cmd.get(0), e),
        Err(e) => (e, 125),
    };
    let _ = sys::write(sock, &sync::err(&e, code));
    sys::exit(code as i32)
}

/// Sets the container up from inside, then execs CMD (returns only its exec error) or
/// becomes CMD's init (never returns).
fn setup_and_run(c: &Child, sock: i32) -> Result<Errno> {
    let spec = c.spec;
    let mut t = Timer {
        phases: Vec::new(),
        last: now_us(),
        start: 0,
    };
    // If husk outside is killed, the container goes with it (its PID 1 first), so that
    // nothing of a killed run survives. (Racing with a parent that is already gone is
    // covered by the sync socket: the read below then sees end-of-file.)
    let _ = sys::prctl(PR_SET_PDEATHSIG, crate::signals::SIGKILL as usize, 0);
    if let Some(cg) = c.cg {
        if c.placed {
            wait_go(sock, &mut t);
        }
        // A task that moves itself skips the RCU grace period a move by the parent waits.
        cg.join()?;
        if spec.ns & NEWCGROUP != 0 {
            ns::unshare(NEWCGROUP).map_err(err("unshare", b"cgroup"))?;
        }
        t.lap(sync::P_CGJOIN);
    }
    if c.host.child(spec, true)? {
        t.lap(sync::P_IFUP);
    }
    if c.needs_go {
        wait_go(sock, &mut t);
    }
    for &(ref fd, flag) in c.joins {
        ns::setns(fd.raw(), flag)
            .map_err(|e| Error::sys("join namespace", &spec::ns_names(flag), e))?;
    }
    if let Some(e) = &spec.enter {
        crate::exec::enter(e)?;
    }
    if !c.joins.is_empty() {
        t.lap(sync::P_JOIN);
    }
    if c.host.child(spec, false)? {
        t.lap(sync::P_IFUP);
    }
    if let Some(h) = spec.hostname {
        ns::sethostname(h).map_err(err("sethostname", h))?;
        t.lap(sync::P_HOSTNAME);
    }
    if spec.ns & NEWNS != 0 {
        mount::setup(spec, &mut |p| t.lap(p))?;
    }
    for r in &spec.rlimits {
        let name = crate::out::word(spec::RLIMIT_NAMES, r.resource as usize).unwrap_or(b"?");
        ns::setrlimit(r.resource, r.soft, r.hard).map_err(err("set rlimit", name))?;
    }
    if let Some(cwd) = spec.cwd {
        fs::chdir(CPath::new(&[cwd]).c()).map_err(err("chdir", cwd))?;
    }
    if spec.rootfs.is_some() {
        // What Docker masks: /proc/kcore, /proc/keys, /sys/firmware, ... (after pivot_root).
        security::mask_paths(b"")?;
    }
    t.lap(sync::P_SETUP);
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
    let init = c.pidns && spec.init;
    let name = c.cmd.get(0);
    let paths = init::exec_candidates(name, getenv(c.env.iter(), b"PATH"));
    let refs: Vec<&CStr> = paths.iter().map(|p| p.c()).collect();
    // The seccomp filter comes last, just before exec: after the privileges are dropped
    // (first only with --allow-new-privs, where installing it needs CAP_SYS_ADMIN). husk
    // as PID 1 drops the privileges CMD will have, but the filter goes on CMD alone: PID 1
    // keeps its kill() and wait4(), whatever the profile refuses.
    if p.filter_first() {
        security::install_filter(p)?;
    }
    security::drop_privileges(p, &id)?;
    security::close_fds(p.preserve_fds)?;
    if !init {
        if !p.filter_first() {
            security::install_filter(p)?;
        }
        t.lap(sync::P_SECURITY);
        if spec.timings {
            let _ = sys::write(sock, &sync::times(&t.phases));
        }
        let _ = signal::set_mask(c.mask);
        let e = process::execvp(&refs, c.cmd, c.env);
        let _ = signal::set_mask(SigSet::FULL);
        return Ok(e);
    }
    if c.nondumpable {
        // /proc/1/exe is the host's husk binary: a non-dumpable process's is unreadable to
        // the container (runc's CVE-2019-5736 wrote the host runtime through it).
        let _ = sys::prctl(PR_SET_DUMPABLE, 0, 0);
    }
    t.lap(sync::P_SECURITY);
    let filter = if p.filter_first() {
        None
    } else {
        p.filter.as_deref()
    };
    // husk stays PID 1 of the new pid namespace, with CMD as its child.
    let sfd = signal::signalfd(SigSet::FULL, false).map_err(err("signalfd", b""))?;
    // PID 1 never execs, so close-on-exec (step 7) does not rid it of what it inherited:
    // the cgroup directories and files, the --name record, the namespaces joined, husk
    // exec's descriptors of the target... A container process that may open
    // /proc/1/fd/N (rootless PID 1 is dumpable; as root, with --cap-add SYS_PTRACE)
    // would reach the host through them (runc's CVE-2024-21626). So PID 1 closes them:
    // now all but what CMD gets (3..3+N), the signalfd and, for --timings, the sync
    // socket; once CMD runs, all but the signalfd. Its loop needs no other (stderr, for
    // a warning).
    let keep = [sfd.raw() as u32, sock as u32];
    security::close_all_but(3 + p.preserve_fds, &keep[..1 + spec.timings as usize]);
    // PID 1's own filter (see `security::lock_init`), built now. When CMD could ptrace
    // PID 1 (it is dumpable, or CMD keeps CAP_SYS_PTRACE), CMD is held back until PID 1
    // has installed it: a fork that waits for SIGRTMAX, instead of the vfork.
    let lock = filter.and_then(|_| security::init_lock());
    let hold =
        lock.is_some() && (!c.nondumpable || p.caps.keep & 1 << crate::caps::SYS_PTRACE != 0);
    // An exec failure was printed by CMD's process: exit with its status, no frame.
    let child = init::spawn(c.cmd, c.env, c.mask, true, false, filter, hold)
        .unwrap_or_else(|code| sys::exit(code as i32));
    t.lap(sync::P_EXEC);
    if spec.timings {
        let _ = sys::write(sock, &sync::times(&t.phases));
    }
    // What is left (before the lockdown below: its filter refuses close_range).
    if p.preserve_fds > 0 || spec.timings {
        security::close_all_but(3, &[sfd.raw() as u32]);
    }
    if let Some(f) = &lock {
        security::lock_init(f);
    }
    if hold {
        let _ = signal::kill(child, crate::signals::RELEASE);
    }
    sys::exit(supervise(&sfd, child, spec))
}

/// `husk ns [--] [PID]`: each namespace of PID with its inode, `*` where it differs from
/// PID 1's.
pub fn ns_cmd(args: &[&[u8]]) -> i32 {
    let args = args.strip_prefix(&[&b"--"[..]]).unwrap_or(args);
    let pid = match args {
        [] => b"self",
        [p] if *p == b"self" || crate::out::parse_u64(p).is_some_and(|n| n > 0) => *p,
        [p] => {
            let why = match p.first() {
                Some(b'-') => "unknown option (see husk ns --help)",
                _ => "not a pid",
            };
            Error::bad("ns", p, why).print();
            return 125;
        }
        [_, extra, ..] => {
            Error::bad("ns", extra, "unexpected argument (husk ns [PID])").print();
            return 125;
        }
    };
    let inode = |p: &[u8], ty: &[u8]| fs::readlink(CPath::new(&[b"/proc/", p, b"/ns/", ty]).c());
    let mut m = Msg::new();
    m.s(b"NAMESPACE          INODE       (* differs from PID 1)\n");
    // The first refusal, told if no namespace can be read: no such process, or EACCES.
    let (mut any, mut first) = (false, Errno::ESRCH);
    for ty in b"cgroup ipc mnt net pid pid_for_children time time_for_children user uts"
        .split(|&c| c == b' ')
    {
        // `net:[4026531840]`: the inode is what the brackets hold.
        let link = match inode(pid, ty) {
            Ok(l) => l,
            Err(e) => {
                if first == Errno::ESRCH && e != Errno::ENOENT {
                    first = e;
                }
                continue;
            }
        };
        any = true;
        m.s(ty);
        for _ in ty.len()..19 {
            m.c(b' ');
        }
        let at = link.iter().position(|&c| c == b'[').map_or(0, |i| i + 1);
        let ino = link.get(at..).unwrap_or_default();
        m.s(crate::out::strip_suffix(ino, b"]").unwrap_or_default());
        match inode(b"1", ty) {
            Ok(one) if one != link => m.s(b"  *"),
            Err(_) => m.s(b"  ?"),
            _ => &mut m,
        };
        m.nl();
    }
    if !any {
        Error::sys("read namespaces of", pid, first).print();
        return 125;
    }
    m.out();
    0
}
