//! The init: spawn CMD, forward signals to it, reap every zombie, pass its status out.
//!
//! Everything arrives through one signalfd: husk blocks all signals and installs no
//! handler. Once CMD exists, nothing here ends husk early: failures are warnings.
use crate::boot;
use crate::cli::getenv;
use crate::cli::init::{InitOpts, OnExit};
use crate::error::Error;
use crate::out::Msg;
use crate::path::CPath;
use crate::signals::{self, SIGCHLD, SIGKILL, SIGTERM, SIGTTIN, SIGTTOU};
use crate::status::exit_code;
use crate::sys::process::{self, Exec, SpawnError};
use crate::sys::signal::{self, SigInfo, SigSet};
use crate::sys::start::CVec;
use crate::sys::{self, fs, machine, time, Errno, Fd, Pid};
use alloc::vec::Vec;
use core::ffi::CStr;

const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Where `execvp` would look for `name`: itself if it has a `/`, else each `PATH` entry.
pub fn exec_candidates(name: &[u8], path: Option<&[u8]>) -> Vec<CPath> {
    if name.contains(&b'/') || name.is_empty() {
        return alloc::vec![CPath::new(&[name])];
    }
    path.unwrap_or(DEFAULT_PATH)
        .split(|&c| c == b':')
        .map(|dir| CPath::new(&[if dir.is_empty() { b"." } else { dir }, b"/", name]))
        .collect()
}

/// Starts CMD (`cmd[0]`, searched in the `PATH` of `envp`) with the signal mask `mask`:
/// in a session of its own on the console (`session`), or a process group of its own
/// (`new_pgrp`), with `filter` installed just before it execs. A failure is reported on
/// stderr here (by the child, for an exec failure); `Err` holds the exit status it implies
/// (127 not found, 126 not executable, 125 husk's own).
pub fn spawn(
    cmd: CVec,
    envp: CVec,
    mask: SigSet,
    new_pgrp: bool,
    session: bool,
    filter: Option<&[crate::seccomp::Insn]>,
) -> Result<Pid, u8> {
    let name = cmd.get(0);
    let paths = exec_candidates(name, getenv(envp.iter(), b"PATH"));
    let path_refs: Vec<&CStr> = paths.iter().map(|p| p.c()).collect();
    // Take the terminal's foreground only if we hold it: never steal it from a shell.
    let foreground = new_pgrp && process::tcgetpgrp(0).is_ok_and(|fg| fg == process::getpgrp());
    let req = Exec {
        paths: &path_refs,
        argv: cmd,
        envp,
        mask,
        new_pgrp,
        foreground,
        session,
        filter,
    };
    match process::spawn(&req) {
        Ok(pid) => Ok(pid),
        Err(SpawnError::Exec(code)) => Err(code),
        Err(SpawnError::Clone(e)) => {
            Error::sys("clone", name, e).print();
            Err(125)
        }
    }
}

fn log(o: &InitOpts, level: u8, f: impl FnOnce(&mut Msg)) {
    if o.verbosity >= level {
        let mut m = Msg::husk();
        f(&mut m);
        m.nl().err();
    }
}

/// Runs `husk init`: returns the exit status (a machine's init never returns).
pub fn run(argv: CVec, envp: CVec, o: &InitOpts) -> i32 {
    let t0 = if o.kernel {
        // Before any descriptor exists: a missing fd 0 would be taken by the first one.
        boot::console();
        time::now_us()
    } else {
        0
    };
    let pid1 = sys::getpid() == 1;
    // Block everything before CMD exists, so that no signal is lost or acted on by the
    // kernel's default; CMD gets back the mask we were started with.
    let orig_mask = signal::set_mask(SigSet::FULL).unwrap_or(SigSet::EMPTY);
    let sfd = match signal::signalfd(SigSet::FULL, false) {
        Ok(fd) => fd,
        Err(e) => {
            Error::sys("signalfd", b"", e).print();
            return 125;
        }
    };
    if o.pdeath_signal != 0 {
        if let Err(e) = sys::prctl(
            linux_raw_sys::prctl::PR_SET_PDEATHSIG,
            o.pdeath_signal as usize,
            0,
        ) {
            Error::sys("set parent-death signal", b"", e).print();
            return 125;
        }
    }
    if !pid1 {
        // Orphans of CMD's tree come to us instead of to the real PID 1 (tini needs -s).
        match sys::prctl(linux_raw_sys::prctl::PR_SET_CHILD_SUBREAPER, 1, 0) {
            Ok(_) => log(o, 2, |m| {
                m.s(b"not PID 1: registered as a child subreaper");
            }),
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
    // The boot steps' timings, printed once CMD runs (it needs the console: not before).
    let mut t = if o.kernel {
        boot::setup(o, t0)
    } else {
        Msg(Vec::new())
    };
    let (status, action) = loop {
        // Only a machine's init reads the clock: the container fast path makes no syscall
        // it does not need.
        let began = if o.kernel { time::now_us() } else { 0 };
        let r = match start(cmd, envp, orig_mask, o) {
            Ok(child) => {
                if !t.0.is_empty() && (o.timings || o.verbosity >= 2) {
                    let now = time::now_us();
                    t.s(b" spawn ").u(now - began).s(b" total ").u(now - t0);
                    t.nl().err();
                }
                t.0.clear();
                supervise(&sfd, child, o)
            }
            Err(code) if o.kernel => Ok(code << 8),
            Err(code) => return code,
        };
        let st = match r {
            Ok(st) => st,
            Err(sig) => {
                let mut m = Msg::husk();
                signals::name(&mut m, sig);
                m.s(b": shutting down").nl().err();
                break (0, boot::signal_action(sig).unwrap_or(OnExit::Poweroff));
            }
        };
        // On a machine, the console tells how CMD ended.
        if o.verbosity >= 2 || o.kernel && o.verbosity >= 1 {
            ended(cmd.get(0), st);
        }
        if o.on_exit != OnExit::Restart || !o.kernel {
            break (st, o.on_exit);
        }
        // A pause before each new start, should CMD fail at once (a signal ends it early).
        let _ = time::wait_readable(&sfd, Some(1_000_000));
    };
    if let Some(ms) = o.grace_ms.or(o.kernel.then_some(2000)) {
        grace(&sfd, ms, pid1, o);
    }
    let code = o.final_code(exit_code(status)) as i32;
    if !o.kernel {
        return code;
    }
    machine::sync();
    // reboot(2) only as PID 1: --kernel-init anywhere else must not power off the host.
    if !pid1 {
        return code;
    }
    if let Err(e) = machine::reboot(boot::reboot_cmd(action)) {
        Error::sys("reboot", b"", e).print();
        // A container's PID 1 (--kernel-init without CAP_SYS_BOOT) may just exit.
        if !boot::detect() {
            return code;
        }
    }
    // PID 1 must never exit (the kernel panics): reap whatever still comes, forever.
    let mut drain = [SigInfo::default(); 8];
    loop {
        let _ = signal::read_signals(sfd.raw(), &mut drain);
        reap_rest();
    }
}

/// Spawns CMD; `Err(exit status)` when it could not be started (already reported).
#[inline(never)]
fn start(cmd: CVec, envp: CVec, mask: SigSet, o: &InitOpts) -> Result<Pid, i32> {
    // On a machine, CMD owns the console as a login shell would.
    let pid = spawn(cmd, envp, mask, !o.single_child, o.kernel, None).map_err(|c| c as i32)?;
    log(o, 2, |m| {
        m.s(b"spawned ").s(cmd.get(0)).s(b" as pid ").u(pid as u64);
    });
    Ok(pid)
}

/// Prints `husk: NAME exited with status N` or `husk: NAME killed by SIGX`.
#[inline(never)]
fn ended(name: &[u8], status: i32) {
    let mut m = Msg::husk();
    m.s(name);
    match signals_term(status) {
        Some(sig) => {
            m.s(b" killed by ");
            signals::name(&mut m, sig);
        }
        None => {
            m.s(b" exited with status ").u(exit_code(status) as u64);
        }
    }
    m.nl().err();
}

fn signals_term(status: i32) -> Option<u32> {
    crate::status::term_signal(status)
}

/// Forwards signals and reaps until `child` has exited: `Ok(its wait status)`. A
/// machine's init also stops at a signal that asks for a shutdown: `Err(that signal)`.
#[inline(never)]
pub fn supervise(sfd: &Fd, child: Pid, o: &InitOpts) -> Result<i32, u32> {
    let mut infos = [SigInfo::default(); 8];
    loop {
        let n = match signal::read_signals(sfd.raw(), &mut infos) {
            Ok(n) => n,
            Err(e) => {
                // Should not happen; never spin, never exit: wait for a child instead.
                Error::sys("read signalfd", b"", e).print();
                0
            }
        };
        for si in &infos[..n] {
            if o.kernel && boot::signal_action(si.signo).is_some() {
                return Err(si.signo);
            }
            if si.signo != SIGCHLD {
                forward(si.signo, child, o);
            }
        }
        if let Some(st) = reap(child, o, n == 0) {
            return Ok(st);
        }
    }
}

fn forward(sig: u32, child: Pid, o: &InitOpts) {
    let to = o.rewrite.get(sig as usize).copied().unwrap_or(sig as u8) as u32;
    if to == 0 {
        log(o, 3, |m| {
            m.s(b"dropped ");
            signals::name(m, sig);
        });
        return;
    }
    // As in tini: a stray SIGTTIN/SIGTTOU is for husk's own terminal I/O, not for CMD.
    if to == sig && (sig == SIGTTIN || sig == SIGTTOU) {
        return;
    }
    let group = o.group && !o.single_child;
    let mut r = signal::kill(if group { -child } else { child }, to);
    if group && r == Err(Errno::ESRCH) {
        // CMD moved itself to another group: it still gets the signal.
        r = signal::kill(child, to);
    }
    log(o, 3, |m| {
        m.s(b"forwarded ");
        signals::name(m, sig);
        if to != sig {
            m.s(b" as ");
            signals::name(m, to);
        }
        m.s(if group { b" to group " } else { b" to pid " })
            .u(child as u64);
        if r.is_err() {
            m.s(b" (gone)");
        }
    });
}

/// Reaps every zombie; returns CMD's wait status once it has been reaped.
/// With `block`, waits for one child first (used only when the signalfd failed).
fn reap(child: Pid, o: &InitOpts, block: bool) -> Option<i32> {
    let mut found = None;
    let mut nohang = !block;
    while let Ok(Some((pid, st))) = process::wait(-1, nohang) {
        nohang = true;
        if pid == child {
            found = Some(st);
        } else if o.warn_reap {
            log(o, 1, |m| {
                m.s(b"reaped zombie pid ")
                    .u(pid as u64)
                    .s(b" (not the child)");
            });
        } else {
            log(o, 3, |m| {
                m.s(b"reaped pid ").u(pid as u64);
            });
        }
    }
    found
}

/// Reaps what has exited; true when no child at all remains.
fn reap_rest() -> bool {
    loop {
        match process::wait(-1, true) {
            Ok(Some(_)) => continue,
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

/// After CMD exits: SIGTERM to every remaining descendant, up to `ms` for them to go,
/// then SIGKILL. "No descendant remains" is exactly "wait4 says ECHILD": as PID 1 or a
/// subreaper, every orphan of the tree becomes our child.
#[inline(never)]
fn grace(sfd: &Fd, ms: u64, pid1: bool, o: &InitOpts) {
    if reap_rest() {
        return;
    }
    let n = signal_descendants(SIGTERM, pid1);
    log(o, 2, |m| {
        m.s(b"grace: sent SIGTERM to ")
            .u(n as u64)
            .s(b" remaining process(es)");
    });
    let deadline = time::now_us() + ms * 1000;
    let mut drain = [SigInfo::default(); 8];
    loop {
        if reap_rest() {
            return;
        }
        let now = time::now_us();
        if now >= deadline {
            break;
        }
        if let Ok(true) = time::wait_readable(sfd, Some(deadline - now)) {
            let _ = signal::read_signals(sfd.raw(), &mut drain);
        }
    }
    let n = signal_descendants(SIGKILL, pid1);
    log(o, 1, |m| {
        m.s(b"grace period over: killed ")
            .u(n as u64)
            .s(b" remaining process(es)");
    });
    while process::wait(-1, false).is_ok() {}
}

/// Sends `sig` to every descendant of husk; returns how many were signalled.
fn signal_descendants(sig: u32, pid1: bool) -> usize {
    if pid1 {
        // In its own pid namespace (or as the machine's init), -1 is exactly everyone else.
        return signal::kill(-1, sig).map_or(0, |_| 1);
    }
    let tree = match proc_tree() {
        Ok(t) => t,
        Err(e) => {
            Error::sys("list processes in", b"/proc", e).print();
            return 0;
        }
    };
    let mut n = 0;
    for pid in descendants(&tree, sys::getpid()) {
        if signal::kill(pid, sig).is_ok() {
            n += 1;
        }
    }
    n
}

/// (pid, ppid) of every process in /proc.
fn proc_tree() -> sys::Result<Vec<(Pid, Pid)>> {
    let mut pids = Vec::new();
    fs::for_each_entry(c"/proc", &mut |name| {
        if let Some(p) = crate::out::parse_u64(name) {
            pids.push(p as Pid);
        }
    })?;
    let mut tree = Vec::with_capacity(pids.len());
    for pid in pids {
        let mut path = Msg::new();
        path.s(b"/proc/").u(pid as u64).s(b"/stat");
        if let Ok(stat) = fs::read_file(CPath::new(&[&path.0]).c()) {
            if let Some(ppid) = parse_stat_ppid(&stat) {
                tree.push((pid, ppid));
            }
        }
    }
    Ok(tree)
}

/// The parent pid from /proc/PID/stat: `pid (comm) state ppid ...`; comm may hold `)`.
pub fn parse_stat_ppid(stat: &[u8]) -> Option<Pid> {
    let close = stat.iter().rposition(|&c| c == b')')?;
    let mut fields = stat[close + 1..]
        .split(|&c| c == b' ')
        .filter(|f| !f.is_empty());
    fields.next()?;
    crate::out::parse_u64(fields.next()?).map(|p| p as Pid)
}

/// Every pid whose chain of parents leads to `root` (not `root` itself).
pub fn descendants(tree: &[(Pid, Pid)], root: Pid) -> Vec<Pid> {
    let mut out: Vec<Pid> = Vec::new();
    let mut grew = true;
    while grew {
        grew = false;
        for &(pid, ppid) in tree {
            if (ppid == root || out.contains(&ppid)) && !out.contains(&pid) && pid != root {
                out.push(pid);
                grew = true;
            }
        }
    }
    out
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
    }

    #[test]
    fn tree() {
        let t = [(10, 1), (11, 10), (12, 11), (13, 1), (14, 12), (15, 13)];
        let mut d = descendants(&t, 10);
        d.sort();
        assert_eq!(d, [11, 12, 14]);
        assert!(descendants(&t, 14).is_empty());
    }
}
