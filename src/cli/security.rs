//! The security options of `husk run`: capabilities, no_new_privs, seccomp, descriptors.
//!
//! The run parser hands every option it does not know to [`parse_opt`]; once all are
//! read, [`SecSpec::resolve`] computes the capability sets and builds the seccomp filter,
//! so that every error (unknown capability or system call, malformed profile with its
//! line number) is reported before anything is created.
use super::{Arg, Lexer};
use crate::caps::{self, CapList, CapSets};
use crate::error::{Error, Result};
use crate::out::{cut, parse_u64, word_index, Msg};
use crate::seccomp::{self, Profile};
use crate::security::Prepared;
use crate::sys::fs;
use crate::sys::security::cstr_until_nul;
use crate::sysnames;
use alloc::vec::Vec;

/// The options part of `husk run --help`; [`help`] appends the defaults.
pub const OPTIONS_HELP: &str = "\
Security (applied last, just before CMD runs; seccomp last of all):
  --cap-add CAP,...    add capabilities (capabilities(7) names, CAP_ optional, any
                       case, or ALL); ambient for a non-root --uid, so CMD has them
  --cap-drop CAP,...   drop capabilities; ALL keeps only what --cap-add names
  --privileged         keep every capability; no seccomp filter unless asked for
  --allow-new-privs    leave no_new_privs off (setuid programs can gain privileges)
  --seccomp default|unconfined|FILE
                       the seccomp profile (default: default)
  --seccomp-deny SYSCALL,...
                       refuse these system calls with EPERM, on top of the profile
  --preserve-fds N     pass descriptors 3 to 3+N-1 to CMD; every other one is closed
seccomp FILE: one rule a line, `SYSCALL ACTION [argN OP VALUE]...`; ACTION: allow,
  errno N|ENAME, kill; OP: == != < <= > >= (64-bit), argN&MASK OP VALUE; a line
  `default ACTION` (default: allow); # comments. Rules of one call: first match wins.
Default capabilities (Docker's):";

/// The security part of `husk run --help`: [`OPTIONS_HELP`], then the default
/// capabilities and the default profile's refusals, listed from the very tables the
/// filter is built from (they cannot go stale, and the ~60 names cost no text: they come
/// from the compressed syscall table).
pub fn help(m: &mut Msg) {
    m.s(OPTIONS_HELP.as_bytes());
    let mut names = Vec::new();
    for c in 0..=caps::LAST {
        if caps::DEFAULT & 1 << c != 0 {
            wrap(m, caps::name(c));
        }
    }
    m.s(b"\nDefault seccomp refusals (EPERM; kept capabilities lift theirs, as in Docker):");
    for &e in sysnames::DEFAULT_DENY {
        names.clear();
        sysnames::TARGET.name_of(e & 0xffff, &mut names);
        wrap(m, &names);
    }
    m.s(b";\n  clone and unshare with namespace flags; clone3 (ENOSYS: libc falls back to clone);\n  personality but Linux's; AF_VSOCK sockets. Another architecture's call kills.\n");
}

/// Appends ` word`, starting a new indented line past 80 columns.
fn wrap(m: &mut Msg, word: &[u8]) {
    let line = m.0.len() - m.0.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    if line + word.len() >= 80 {
        m.s(b"\n ");
    }
    m.c(b' ').s(word);
}

/// Which base profile `--seccomp` chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeccompChoice {
    /// Not given: `default`, or none with `--privileged` (as Docker).
    Unset,
    Default,
    Unconfined,
    File(Profile),
}

/// The security options as given; [`SecSpec::resolve`] turns them into what the child
/// applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecSpec {
    pub cap_add: CapList,
    pub cap_drop: CapList,
    pub privileged: bool,
    pub allow_new_privs: bool,
    pub seccomp: SeccompChoice,
    /// `--seccomp-deny`: system call numbers for the build's architecture.
    pub deny: Vec<u32>,
    pub preserve_fds: u32,
}

impl Default for SecSpec {
    fn default() -> SecSpec {
        SecSpec {
            cap_add: CapList::default(),
            cap_drop: CapList::default(),
            privileged: false,
            allow_new_privs: false,
            seccomp: SeccompChoice::Unset,
            deny: Vec::new(),
            preserve_fds: 0,
        }
    }
}

/// Consumes `arg` (and its value) if it is a security option: `Ok(true)`; `Ok(false)`
/// leaves it to the caller. Reads and parses a `--seccomp FILE` right away.
pub fn parse_opt(arg: Arg, l: &mut Lexer, s: &mut SecSpec) -> Result<bool> {
    const NAMES: &str = "privileged allow-new-privs cap-add cap-drop seccomp seccomp-deny \
                         preserve-fds";
    const OPS: [&str; 5] = [
        "--cap-add",
        "--cap-drop",
        "--seccomp",
        "--seccomp-deny",
        "--preserve-fds",
    ];
    let Arg::Long(name) = arg else {
        return Ok(false);
    };
    let Some(i) = word_index(NAMES, name, false) else {
        return Ok(false);
    };
    if i < 2 {
        *[&mut s.privileged, &mut s.allow_new_privs][i] = true;
        return Ok(true);
    }
    let op = OPS[i - 2];
    let v = l.value(op)?;
    match i {
        2 | 3 => {
            let list = if i == 2 {
                &mut s.cap_add
            } else {
                &mut s.cap_drop
            };
            caps::parse_list(v, list)
                .map_err(|bad| Error::bad(op, bad, "not a capability (see capabilities(7))"))?;
        }
        4 => {
            s.seccomp = match word_index("default unconfined", v, false) {
                Some(0) => SeccompChoice::Default,
                Some(_) => SeccompChoice::Unconfined,
                None => SeccompChoice::File(read_profile(v)?),
            };
        }
        5 => {
            let mut rest = Some(v);
            while let Some(r) = rest {
                let (name, next) = cut(r, b',');
                let nr = sysnames::TARGET
                    .lookup(name)
                    .ok_or_else(|| Error::bad(op, name, sysnames::UNKNOWN))?;
                s.deny.push(nr);
                rest = next;
            }
        }
        _ => {
            s.preserve_fds = parse_u64(v)
                .filter(|&n| n <= 65536)
                .ok_or_else(|| Error::bad(op, v, "not a number of descriptors"))?
                as u32;
        }
    }
    Ok(true)
}

fn read_profile(path: &[u8]) -> Result<Profile> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path);
    p.push(0);
    // An argument cannot hold a NUL: the path is all of it.
    let text = fs::read_file(cstr_until_nul(&p)).map_err(|e| Error::sys("--seccomp", path, e))?;
    seccomp::parse_profile(&text, path, sysnames::TARGET)
}

impl SecSpec {
    /// The capability sets and the filter, built now: nothing here can fail later.
    pub fn resolve(&self) -> Result<Prepared> {
        let caps = CapSets::new(self.cap_add, self.cap_drop, self.privileged);
        let made;
        let base = match &self.seccomp {
            SeccompChoice::File(p) => p,
            SeccompChoice::Unset | SeccompChoice::Default
                if !(self.privileged && matches!(self.seccomp, SeccompChoice::Unset)) =>
            {
                made = seccomp::default_profile(caps.keep);
                &made
            }
            _ => {
                made = Profile::new(seccomp::ALLOW);
                &made
            }
        };
        // --seccomp-deny rules come first: they win over the profile's for that call.
        let mut p = Profile::new(seccomp::ALLOW);
        for &nr in &self.deny {
            p.add(nr, seccomp::EPERM, &[]);
        }
        p.then(base);
        let filter = if p.is_noop() {
            None
        } else {
            Some(seccomp::build(&p)?)
        };
        Ok(Prepared {
            caps,
            no_new_privs: !self.allow_new_privs,
            filter,
            preserve_fds: self.preserve_fds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::DEFAULT;
    use std::string::String;

    fn spec(args: &[&str]) -> Result<SecSpec> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut l = Lexer::new(&args, 0);
        let mut s = SecSpec::default();
        while let Some(a) = l.next_arg()? {
            assert!(parse_opt(a, &mut l, &mut s)?, "not consumed: {a:?}");
        }
        Ok(s)
    }

    fn err(args: &[&str]) -> String {
        String::from_utf8(spec(args).unwrap_err().render().0).unwrap()
    }

    #[test]
    fn defaults() {
        let p = spec(&[]).unwrap().resolve().unwrap();
        assert_eq!(
            p.caps,
            CapSets {
                keep: DEFAULT,
                ambient: 0
            }
        );
        assert!(p.no_new_privs);
        assert_eq!(p.preserve_fds, 0);
        let f = p.filter.unwrap();
        assert_eq!(
            f,
            seccomp::build(&seccomp::default_profile(DEFAULT)).unwrap()
        );
    }

    #[test]
    fn options() {
        let s = spec(&[
            "--cap-drop",
            "ALL",
            "--cap-add=net_bind_service,CAP_KILL",
            "--cap-add",
            "sys_time",
            "--allow-new-privs",
            "--preserve-fds",
            "2",
            "--seccomp-deny",
            "kill,ptrace",
            "--seccomp",
            "unconfined",
        ])
        .unwrap();
        let p = s.resolve().unwrap();
        let want = 1 << 10 | 1 << 5 | 1 << 25;
        assert_eq!(
            p.caps,
            CapSets {
                keep: want,
                ambient: want
            }
        );
        assert!(!p.no_new_privs);
        assert_eq!(p.preserve_fds, 2);
        let mut deny = Profile::new(seccomp::ALLOW);
        deny.add(syscalls::Sysno::kill as u32, seccomp::EPERM, &[]);
        deny.add(syscalls::Sysno::ptrace as u32, seccomp::EPERM, &[]);
        assert_eq!(p.filter.unwrap(), seccomp::build(&deny).unwrap());
    }

    #[test]
    fn privileged_means_no_filter_unless_asked() {
        let p = spec(&["--privileged"]).unwrap().resolve().unwrap();
        assert_eq!((p.caps.keep, p.filter), (caps::ALL, None));
        let p = spec(&["--privileged", "--seccomp", "default"]).unwrap();
        assert!(p.resolve().unwrap().filter.is_some());
        let p = spec(&["--seccomp", "unconfined"])
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(p.filter, None);
    }

    #[test]
    fn deny_wins_over_the_profile() {
        // ptrace is allowed by the default profile; --seccomp-deny refuses it.
        let p = spec(&["--seccomp-deny", "ptrace"])
            .unwrap()
            .resolve()
            .unwrap();
        let mut want = Profile::new(seccomp::ALLOW);
        want.add(syscalls::Sysno::ptrace as u32, seccomp::EPERM, &[]);
        want.then(&seccomp::default_profile(DEFAULT));
        assert_eq!(p.filter.unwrap(), seccomp::build(&want).unwrap());
    }

    #[test]
    fn seccomp_file() {
        let dir = std::env::temp_dir().join(std::format!("husk-sec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        std::fs::write(
            &good,
            "default errno EPERM\nread allow\nwrite allow arg0<=2\n",
        )
        .unwrap();
        let bad = dir.join("bad");
        std::fs::write(&bad, "read allow\n\nwrite allow arg0<=x\n").unwrap();
        let s = spec(&["--seccomp", good.to_str().unwrap()]).unwrap();
        let SeccompChoice::File(p) = &s.seccomp else {
            panic!("{:?}", s.seccomp)
        };
        assert_eq!(p.default, seccomp::EPERM);
        assert_eq!(p.len(), 2);
        let e = err(&["--seccomp", bad.to_str().unwrap()]);
        assert_eq!(
            e,
            std::format!(
                "husk: --seccomp {}:3 'arg0<=x': the value is not a number\n",
                bad.display()
            )
        );
        let e = err(&["--seccomp", dir.join("none").to_str().unwrap()]);
        assert!(e.contains(": ENOENT"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            err(&["--cap-add", "CHOWN,NET_FROB"]),
            "husk: --cap-add 'NET_FROB': not a capability (see capabilities(7))\n"
        );
        assert_eq!(
            err(&["--cap-drop="]),
            "husk: --cap-drop '': not a capability (see capabilities(7))\n"
        );
        assert_eq!(
            err(&["--seccomp-deny", "kill,frob"]),
            std::format!("husk: --seccomp-deny 'frob': {}\n", sysnames::UNKNOWN)
        );
        assert_eq!(
            err(&["--preserve-fds", "-1"]),
            "husk: --preserve-fds '-1': not a number of descriptors\n"
        );
        assert_eq!(err(&["--cap-add"]), "husk: --cap-add: needs a value\n");
        assert_eq!(
            err(&["--privileged=yes"]),
            "husk: option: a flag that takes no value was given one (--flag=value)\n"
        );
    }

    #[test]
    fn other_options_are_left_to_the_caller() {
        let args: Vec<&[u8]> = std::vec![b"-n", b"--net", b"cmd"];
        let mut l = Lexer::new(&args, 0);
        let mut s = SecSpec::default();
        while let Some(a) = l.next_arg().unwrap() {
            assert!(!parse_opt(a, &mut l, &mut s).unwrap());
        }
        assert_eq!(s, SecSpec::default());
    }

    #[test]
    fn help_lists_the_defaults() {
        let mut m = Msg::new();
        help(&mut m);
        let text = String::from_utf8(m.0).unwrap();
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect();
        for n in crate::sysnames::DEFAULT_DENY_NAMES {
            assert!(words.contains(n), "{n} missing from:\n{text}");
        }
        let mut names = Vec::new();
        caps::names_of(DEFAULT, &mut names);
        for n in names.split(|&c| c == b',') {
            assert!(words.contains(&core::str::from_utf8(n).unwrap()), "{text}");
        }
        assert!(text.lines().all(|l| l.len() <= 86), "{text}");
    }
}
