//! The init: spawn CMD, forward signals to it, reap every zombie, pass its status out.
//!
//! Everything arrives through one signalfd: husk blocks all signals and installs no
//! handler. Once CMD exists, nothing here ends husk early: failures are warnings.
use crate::cli::getenv;
use crate::cli::init::InitOpts;
use crate::error::Error;
use crate::out::Msg;
use crate::path::CPath;
use crate::signals::{self, SIGCHLD, SIGKILL, SIGTERM, SIGTTIN, SIGTTOU};
use crate::status::{exec_failure_code, exit_code};
use crate::sys::process::{self, Exec, SpawnError};
use crate::sys::signal::{self, SigInfo, SigSet};
use crate::sys::start::CVec;
use crate::sys::{self, fs, time, Errno, Fd, Pid};
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

/// Starts CMD (`cmd[0]`, searched in the `PATH` of `envp`) with the signal mask `mask`,
/// in a process group of its own when `new_pgrp`. On failure: the error and the exit
/// status it implies (127 not found, 126 not executable, 125 husk's own).
pub fn spawn(cmd: CVec, envp: CVec, mask: SigSet, new_pgrp: bool) -> Result<Pid, (Error, u8)> {
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
    };
    match process::spawn(&req) {
        Ok(pid) => Ok(pid),
        Err(SpawnError::Exec(e)) => Err(exec_error(name, e)),
        Err(SpawnError::Clone(e)) => Err((Error::sys("clone", name, e), 125)),
    }
}

/// The message for a failed exec, with the status to exit with.
pub fn exec_error(name: &[u8], e: Errno) -> (Error, u8) {
    let mut err = Error::sys("exec", name, e);
    if e == Errno::ENOENT && !name.contains(&b'/') {
        err = err.hint("not found in PATH");
    } else if e == Errno::EACCES {
        err = err.hint("not executable, or a directory on the way is not searchable");
    }
    (err, exec_failure_code(e))
}

fn log(o: &InitOpts, level: u8, f: impl FnOnce(&mut Msg)) {
    if o.verbosity >= level {
        let mut m = Msg::husk();
        f(&mut m);
        m.nl().err();
    }
}

/// Runs `husk init`: returns the exit status.
pub fn run(argv: CVec, envp: CVec, o: &InitOpts) -> i32 {
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

    let cmd = argv.tail(o.cmd);
    let name = cmd.get(0);
    let child = match spawn(cmd, envp, orig_mask, !o.single_child) {
        Ok(pid) => pid,
        Err((err, code)) => {
            err.print();
            return code as i32;
        }
    };
    log(o, 2, |m| {
        m.s(b"spawned ").s(name).s(b" as pid ").u(child as u64);
    });
    let status = supervise(&sfd, child, o);
    if let Some(ms) = o.grace_ms {
        grace(&sfd, ms, pid1, o);
    }
    let code = exit_code(status);
    log(o, 2, |m| {
        match signals_term(status) {
            Some(sig) => {
                m.s(b"child killed by ");
                signals::name(m, sig);
            }
            None => {
                m.s(b"child exited with status ").u(code as u64);
            }
        };
    });
    o.final_code(code) as i32
}

fn signals_term(status: i32) -> Option<u32> {
    crate::status::term_signal(status)
}

/// Forwards signals and reaps until `child` has exited; returns its wait status.
pub fn supervise(sfd: &Fd, child: Pid, o: &InitOpts) -> i32 {
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
            if si.signo != SIGCHLD {
                forward(si.signo, child, o);
            }
        }
        if let Some(st) = reap(child, o, n == 0) {
            return st;
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
    fn exec_errors() {
        let (e, code) = exec_error(b"nope", Errno::ENOENT);
        assert_eq!(code, 127);
        assert_eq!(e.hint, b"not found in PATH");
        let (_, code) = exec_error(b"/etc/passwd", Errno::EACCES);
        assert_eq!(code, 126);
        let (e, code) = exec_error(b"/no/such", Errno::ENOENT);
        assert_eq!((code, e.hint), (127, &b""[..]));
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
