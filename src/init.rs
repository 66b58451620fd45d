//! The init: spawn CMD, forward signals to it, reap every zombie, pass its status out.
//!
//! Everything arrives through one signalfd: husk blocks all signals and installs no
//! handler. Once CMD exists, nothing here ends husk early: failures are warnings.
use crate::boot::{self, warn};
use crate::cli::getenv;
use crate::cli::init::{InitOpts, OnExit};
use crate::error::Error;
use crate::out::{cut, parse_u64, Msg};
use crate::path::CPath;
use crate::signals::{self, SIGCHLD, SIGKILL, SIGTERM, SIGTTIN, SIGTTOU};
use crate::status::exit_code;
use crate::sys::process::{self, Exec, SpawnError};
use crate::sys::signal::{self, SigSet, SIGINFO_SIZE};
use crate::sys::start::CVec;
use crate::sys::{self, fs, machine, time, Errno, Fd, Pid};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::prctl::{PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG};

const DEFAULT_PATH: &[u8] =
    crate::hot!(b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

/// Where `execvp` would look for `name`: itself if it has a `/`, else each `PATH` entry.
pub fn exec_candidates(name: &[u8], path: Option<&[u8]>) -> Vec<CPath> {
    let direct = name.is_empty() || crate::out::has(name, b'/');
    let (mut rest, sep) = match direct {
        true => (Some(&b""[..]), &b""[..]),
        false => (Some(path.unwrap_or(DEFAULT_PATH)), &crate::hot!(b"/")[..]),
    };
    let mut out = Vec::new();
    while let Some(r) = rest {
        let (mut dir, next) = cut(r, b':');
        if dir.is_empty() && !direct {
            dir = crate::hot!(b".");
        }
        out.push(CPath::new(&[dir, sep, name]));
        rest = next;
    }
    out
}

/// Starts CMD (`cmd[0]`, searched in the `PATH` of `envp`) with the signal mask `mask`:
/// in a session of its own on the console (`session`), or a process group of its own
/// (`new_pgrp`), with `filter` installed just before it execs, held back until SIGUSR1
/// with `hold` (see `process::spawn`). A failure is reported on stderr here (by the child,
/// for an exec failure); `Err` holds the exit status it implies (127 not found, 126 not
/// executable, 125 husk's own).
pub fn spawn(
    cmd: CVec,
    envp: CVec,
    mask: SigSet,
    new_pgrp: bool,
    session: bool,
    filter: Option<&[crate::seccomp::Insn]>,
    hold: bool,
) -> Result<Pid, u8> {
    let name = cmd.get(0);
    let paths = exec_candidates(name, getenv(envp.iter(), crate::hot!(b"PATH")));
    let paths: Vec<&CStr> = paths.iter().map(CPath::c).collect();
    // Take the terminal's foreground only if we hold it: never steal it from a shell.
    let foreground = new_pgrp && process::tcgetpgrp(0).is_ok_and(|fg| fg == process::getpgrp());
    let req = Exec {
        paths: &paths,
        argv: cmd,
        envp,
        mask,
        new_pgrp,
        foreground,
        session,
        filter,
        hold,
    };
    process::spawn(&req).map_err(|e| match e {
        SpawnError::Exec(code) => code,
        SpawnError::Clone(e) => {
            warn("clone", name, e);
            125
        }
    })
}

/// Prints `husk: {a}{n} {b}` if the verbosity is at least `level`.
#[inline(never)]
fn note(o: &InitOpts, level: u8, a: &[u8], n: u64, b: &[u8]) {
    if o.verbosity >= level {
        Msg::husk().s(a).u(n).c(b' ').s(b).nl().err();
    }
}

/// Runs `husk init`: returns the exit status (a machine's init never returns).
pub fn run(argv: CVec, envp: CVec, o: &InitOpts) -> i32 {
    let k = o.kernel();
    let t0 = if k {
        // Before any descriptor exists: a missing fd 0 would be taken by the first one.
        boot::console();
        time::now_us()
    } else {
        0
    };
    let pid = sys::getpid();
    let pid1 = pid == 1;
    // Block everything before CMD exists, so that no signal is lost or acted on by the
    // kernel's default; CMD gets back the mask we were started with.
    let mask = signal::set_mask(SigSet::FULL).unwrap_or(SigSet::EMPTY);
    let sfd = match signal::signalfd(SigSet::FULL, false) {
        Ok(fd) => fd,
        Err(e) => {
            warn("signalfd", b"", e);
            return 125;
        }
    };
    if o.pdeath_signal != 0 {
        if let Err(e) = sys::prctl(PR_SET_PDEATHSIG, o.pdeath_signal as usize, 0) {
            warn("set parent-death signal", b"", e);
            return 125;
        }
    }
    if !pid1 {
        // Orphans of CMD's tree come to us instead of to the real PID 1 (tini needs -s).
        match sys::prctl(PR_SET_CHILD_SUBREAPER, 1, 0) {
            Ok(_) => note(
                o,
                2,
                b"not PID 1: pid ",
                pid as u64,
                b"is a child subreaper",
            ),
            Err(e) => Error::sys("register as child subreaper", b"", e)
                .hint("orphans will not be reaped by husk")
                .print(),
        }
    }
    // A machine's init runs /bin/sh when the kernel passed no command.
    let cmd = if o.cmd < argv.len() {
        argv.tail(o.cmd)
    } else {
        CVec::from_static(&[c"/bin/sh"])
    };
    let name = cmd.get(0);
    // The boot steps' timings, printed once CMD runs.
    let mut t = boot::Laps::new(t0);
    if k {
        boot::setup(o, &mut t, envp);
    }
    // CMD's process group (its pid), when it has one of its own.
    let mut group = 0;
    let (status, action) = loop {
        // On a machine, CMD owns the console as a login shell would.
        let st = match spawn(cmd, envp, mask, !o.single_child(), k, None, false) {
            Ok(child) => {
                group = if o.single_child() { 0 } else { child };
                note(o, 2, b"spawned pid ", child as u64, name);
                if k {
                    t.spawned(t0);
                }
                match supervise(&sfd, child, o) {
                    Ok(st) => st,
                    Err(action) => break (0, action),
                }
            }
            Err(code) if k => (code as i32) << 8,
            // tini's -e applies to 126 and 127 too.
            Err(code) => return o.final_code(code) as i32,
        };
        // On a machine, the console tells how CMD ended.
        if o.verbosity >= 2 || k && o.verbosity >= 1 {
            let mut m = Msg::husk();
            m.s(name);
            match st & 0x7f {
                0 => m.s(b" exited with status ").u(exit_code(st) as u64),
                sig => {
                    m.s(b" killed by ");
                    signals::name(&mut m, sig as u32);
                    &mut m
                }
            };
            m.nl().err();
        }
        if !k || o.on_exit != OnExit::Restart {
            break (st, o.on_exit);
        }
        // A pause before each new start, should CMD fail at once (a signal ends it early).
        let _ = time::wait_readable(&sfd, Some(1_000_000));
    };
    if let Some(ms) = o.grace_ms.or(k.then_some(2000)) {
        grace(&sfd, ms, pid1, group, o);
    }
    let code = o.final_code(exit_code(status)) as i32;
    if !k {
        return code;
    }
    machine::sync();
    // reboot(2) only as PID 1: --kernel-init anywhere else must not power off the host.
    if !pid1 {
        return code;
    }
    if let Err(e) = machine::reboot(action as u32) {
        warn("reboot", b"", e);
        // A container's PID 1 (--kernel-init without CAP_SYS_BOOT) may just exit.
        if !boot::detect() {
            return code;
        }
    }
    // PID 1 must never exit (the kernel panics): reap whatever still comes, forever.
    loop {
        next_signal(&sfd);
        reap_rest();
    }
}

/// Reads the next signal from the signalfd (blocking); None if that failed.
#[inline(never)]
fn next_signal(sfd: &Fd) -> Option<u32> {
    // struct signalfd_siginfo: u32 ssi_signo first.
    let mut si = [0u8; SIGINFO_SIZE];
    match sys::read(sfd.raw(), &mut si) {
        Ok(_) => Some(u32::from_ne_bytes([si[0], si[1], si[2], si[3]])),
        Err(e) => {
            // Should not happen; never spin, never exit.
            warn("read signalfd", b"", e);
            None
        }
    }
}

/// Forwards signals and reaps until `child` has exited: `Ok(its wait status)`. A
/// machine's init also stops at a signal that asks for a shutdown: `Err(what it asks)`.
#[inline(never)]
pub fn supervise(sfd: &Fd, child: Pid, o: &InitOpts) -> Result<i32, OnExit> {
    loop {
        let sig = next_signal(sfd);
        if let Some(sig) = sig.filter(|&s| s != SIGCHLD) {
            if o.kernel() {
                if let Some(action) = boot::signal_action(sig) {
                    let mut m = Msg::husk();
                    signals::name(&mut m, sig);
                    m.s(b": shutting down").nl().err();
                    return Err(action);
                }
            }
            forward(sig, child, o);
        }
        // Had the read failed, wait for a child instead.
        if let Some(st) = reap(child, o, sig.is_none()) {
            return Ok(st);
        }
    }
}

fn forward(sig: u32, child: Pid, o: &InitOpts) {
    let to = o.target(sig);
    // As in tini: a stray SIGTTIN/SIGTTOU is for husk's own terminal I/O, not for CMD.
    if to == sig && (sig == SIGTTIN || sig == SIGTTOU) {
        return;
    }
    // As kill(2) has it: a negative pid is CMD's process group.
    let mut pid = if o.group() { -child } else { child };
    if to != 0 && signal::kill(pid, to) == Err(Errno::ESRCH) && pid < 0 {
        // CMD moved itself to another group: it still gets the signal.
        pid = child;
        let _ = signal::kill(pid, to);
    }
    if o.verbosity >= 3 {
        // `husk: SIGHUP as SIGTERM to -12`; `as 0`: dropped (`-r 1:0`).
        let mut m = Msg::husk();
        signals::name(&mut m, sig);
        m.s(b" as ");
        signals::name(&mut m, to);
        m.s(b" to ").i(pid as i64).nl().err();
    }
}

/// Reaps every zombie; returns CMD's wait status once it has been reaped.
/// With `block`, waits for one child first.
fn reap(child: Pid, o: &InitOpts, block: bool) -> Option<i32> {
    let mut found = None;
    let mut nohang = !block;
    while let Ok(Some((pid, st))) = process::wait(-1, nohang) {
        nohang = true;
        if pid == child {
            found = Some(st);
        } else {
            let level = if o.warn_reap() { 1 } else { 3 };
            note(
                o,
                level,
                b"reaped zombie pid ",
                pid as u64,
                b"(not the child)",
            );
        }
    }
    found
}

/// Reaps what has exited; true when no child at all remains.
fn reap_rest() -> bool {
    loop {
        match process::wait(-1, true) {
            Ok(Some(_)) => {}
            r => return r.is_err(),
        }
    }
}

/// After CMD exits: SIGTERM to every remaining descendant, up to `ms` for them to go,
/// then SIGKILL. "No descendant remains" is exactly "wait4 says ECHILD": as PID 1 or a
/// subreaper, every orphan of the tree becomes our child.
#[inline(never)]
fn grace(sfd: &Fd, ms: u64, pid1: bool, group: Pid, o: &InitOpts) {
    let mut deadline = 0;
    while !reap_rest() {
        let now = time::now_us();
        if deadline == 0 {
            let n = signal_descendants(SIGTERM, pid1, group);
            note_left(o, 2, b"grace: sent SIGTERM to ", n);
            deadline = now + ms * 1000;
        } else if now >= deadline {
            let n = signal_descendants(SIGKILL, pid1, group);
            note_left(o, 1, b"grace period over: killed ", n);
            // What is left goes now: only the kernel's own reaping is left to wait for.
            deadline = u64::MAX;
        }
        // Woken by SIGCHLD (or any signal, dropped) or the deadline.
        if time::wait_readable(sfd, Some(deadline.saturating_sub(now))) == Ok(true) {
            next_signal(sfd);
        }
    }
}

/// Prints `husk: {a}N remaining process(es)` if the verbosity is at least `level`; "the"
/// for N when it is not known.
#[inline(never)]
fn note_left(o: &InitOpts, level: u8, a: &[u8], n: Option<u64>) {
    if o.verbosity >= level {
        let mut m = Msg::husk();
        m.s(a);
        match n {
            Some(n) => m.u(n),
            None => m.s(b"the"),
        };
        m.s(b" remaining process(es)").nl().err();
    }
}

/// Sends `sig` to every descendant of husk; returns how many there were, when /proc can
/// tell: it must be the /proc of husk's own pid namespace (/proc/self names husk's pid).
/// A subreaper without such a /proc can only reach CMD's process group (`group`, if it
/// has one of its own): what left it goes on until it exits.
fn signal_descendants(sig: u32, pid1: bool, group: Pid) -> Option<u64> {
    let me = sys::getpid();
    let ours = fs::readlink(c"/proc/self").is_ok_and(|l| parse_u64(&l) == Some(me as u64));
    // As PID 1 (of a pid namespace, or the machine's init), kill(-1) reaches exactly
    // everyone else, /proc or not: the walk only counts, before the signal goes.
    let n = ours.then(|| walk_descendants(me as u32, if pid1 { 0 } else { sig }));
    if pid1 {
        let _ = signal::kill(-1, sig);
    } else if !ours && group > 0 {
        let _ = signal::kill(-group, sig);
    }
    n
}

/// Counts the descendants of `root` (unless 0, sending each `sig`): every process whose
/// chain of parents leads to `root`, found in passes over /proc until one finds nothing
/// new (a child may have a lower pid than its parent, and whoever leaves makes its
/// children ours).
fn walk_descendants(root: u32, sig: u32) -> u64 {
    let mut tree = alloc::vec![root];
    loop {
        let known = tree.len();
        let r = fs::for_each_entry(c"/proc", &mut |name| {
            let (Some(pid), Some(ppid)) = (parse_u64(name), stat_ppid(name)) else {
                return;
            };
            let (mut ours, mut seen) = (false, false);
            for &t in &tree {
                ours |= t == ppid;
                seen |= t as u64 == pid;
            }
            if ours && !seen {
                tree.push(pid as u32);
                if sig != 0 {
                    let _ = signal::kill(pid as Pid, sig);
                }
            }
        });
        if let Err(e) = r {
            warn("list processes in", b"/proc", e);
        }
        if tree.len() == known {
            return known as u64 - 1;
        }
    }
}

/// The parent pid in /proc/PID/stat. Read into a small buffer (no allocation in a walk
/// over every process): what comes before the ppid is at most 7 + 2 + 64 + 4 bytes.
fn stat_ppid(pid: &[u8]) -> Option<u32> {
    let mut path = [0u8; 32];
    let mut n = 0;
    for part in [&b"/proc/"[..], pid, b"/stat"] {
        for &c in part {
            *path.get_mut(n).filter(|_| n < 31)? = c;
            n += 1;
        }
    }
    let fd = fs::open(sys::cstr(path.get(..=n)?), 0).ok()?;
    let mut buf = [0u8; 96];
    let n = sys::read(fd.raw(), &mut buf).ok()?;
    parse_stat_ppid(buf.get(..n)?)
}

/// The parent pid from /proc/PID/stat: `pid (comm) S ppid ...`; comm may hold `)`.
pub fn parse_stat_ppid(stat: &[u8]) -> Option<u32> {
    let close = stat.iter().rposition(|&c| c == b')')?;
    parse_u64(cut(stat.get(close + 4..)?, b' ').0).map(|p| p as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates() {
        let c = exec_candidates(b"ls", Some(b"/bin::/usr/bin"));
        let c: std::vec::Vec<&[u8]> = c.iter().map(|s| s.bytes()).collect();
        assert_eq!(c, [&b"/bin/ls"[..], b"./ls", b"/usr/bin/ls"]);
        let c = exec_candidates(b"./x", Some(b"/bin"));
        assert_eq!(c[0].bytes(), b"./x");
        assert_eq!(exec_candidates(b"sh", None).len(), 6);
    }

    #[test]
    fn stat_parsing() {
        assert_eq!(parse_stat_ppid(b"42 (sh) S 7 42 42 0"), Some(7));
        assert_eq!(parse_stat_ppid(b"42 (a) b) (c) R 9 1"), Some(9));
        assert_eq!(parse_stat_ppid(b"42 (sh"), None);
        assert_eq!(parse_stat_ppid(b"42 (sh) S"), None);
        assert_eq!(parse_stat_ppid(b"42 (sh) S 12"), Some(12));
    }

    #[test]
    fn own_ppid() {
        use std::string::ToString;
        let me = std::process::id().to_string();
        assert_eq!(
            stat_ppid(me.as_bytes()),
            Some(std::os::unix::process::parent_id())
        );
        assert_eq!(stat_ppid(b"999999999999999999999999999"), None);
    }
}
