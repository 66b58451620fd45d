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
use crate::path::CPath;
use crate::seccomp::{self, Profile, ALLOW, EPERM};
use crate::security::Prepared;
use crate::sys::{fs, Errno};
use crate::sysnames::{self, TARGET, UNKNOWN};

/// The end of `husk run --help`, after the security options of help/run.txt: the default
/// capabilities and the default profile's refusals, listed from the very tables the
/// filter is built from (they cannot go stale, and the ~60 names cost no text: they come
/// from the compressed syscall table).
pub fn help(m: &mut Msg) {
    for c in 0..=caps::LAST {
        if caps::DEFAULT & 1 << c != 0 {
            wrap(m, caps::name(c));
        }
    }
    m.s(b"\nDefault seccomp refusals (EPERM, unless a kept capability lifts it):");
    TARGET.find(&mut |nr, name| {
        if sysnames::DEFAULT_DENY.iter().any(|&e| e as u32 & 511 == nr) {
            wrap(m, name);
        }
        false
    });
    m.s(b";\n  namespace flags of clone and unshare; clone3 (ENOSYS); personality but Linux's;\n  AF_VSOCK sockets. Calls of another architecture kill.\n");
}

/// Appends ` word`, starting a new indented line past 80 columns.
fn wrap(m: &mut Msg, word: &[u8]) {
    let line = m.0.len() - m.0.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    if line + word.len() >= 80 {
        m.s(b"\n ");
    }
    m.c(b' ').s(word);
}

/// The security options as given; [`SecSpec::resolve`] turns them into what the child
/// applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecSpec {
    pub cap_add: CapList,
    pub cap_drop: CapList,
    pub privileged: bool,
    pub allow_new_privs: bool,
    /// `--seccomp`: default, unconfined or a file, read by `resolve`. Not given:
    /// default, or none with `--privileged` (as Docker).
    pub seccomp: Option<&'static [u8]>,
    /// `--seccomp-deny`: EPERM rules, tried before the profile's.
    pub deny: Profile,
    pub preserve_fds: u32,
    /// Capabilities never kept, whatever the options say (husk exec: those outside the
    /// target's bounding set, see `exec::like`).
    pub never: u64,
}

/// Consumes `arg` (and its value) if it is a security option: `Ok(true)`; `Ok(false)`
/// leaves it to the caller.
pub fn parse_opt(arg: Arg, l: &mut Lexer<'_, 'static>, s: &mut SecSpec) -> Result<bool> {
    const NAMES: &str =
        "privileged allow-new-privs cap-add cap-drop seccomp seccomp-deny preserve-fds";
    let Arg::Long(name) = arg else {
        return Ok(false);
    };
    let Some(i) = word_index(NAMES.as_bytes(), name, false) else {
        return Ok(false);
    };
    match i {
        0 => s.privileged = true,
        1 => s.allow_new_privs = true,
        2 | 3 => {
            let (op, list) = if i == 2 {
                ("--cap-add", &mut s.cap_add)
            } else {
                ("--cap-drop", &mut s.cap_drop)
            };
            caps::parse_list(l.value(op)?, list)
                .map_err(|bad| Error::bad(op, bad, "not a capability (see capabilities(7))"))?;
        }
        4 => s.seccomp = Some(l.value("--seccomp")?),
        5 => {
            let mut rest = Some(l.value("--seccomp-deny")?);
            while let Some(r) = rest {
                let (name, next) = cut(r, b',');
                let nr = TARGET
                    .lookup(name)
                    .ok_or_else(|| Error::bad("--seccomp-deny", name, UNKNOWN))?;
                s.deny.add(nr, EPERM, &[]);
                rest = next;
            }
        }
        _ => {
            let v = l.value("--preserve-fds")?;
            s.preserve_fds = parse_u64(v)
                .filter(|&n| n <= 65536)
                .ok_or_else(|| Error::bad("--preserve-fds", v, "not a number of descriptors"))?
                as u32;
        }
    }
    Ok(true)
}

impl SecSpec {
    /// The capability sets and the filter (reading a `--seccomp FILE`), built now:
    /// nothing here can fail later.
    pub fn resolve(&self) -> Result<Prepared> {
        let mut caps = CapSets::new(self.cap_add, self.cap_drop, self.privileged);
        caps.keep &= !self.never;
        caps.ambient &= caps.keep;
        caps.named &= caps.keep;
        let mut base = match self
            .seccomp
            .map(|v| (v, word_index(b"default unconfined", v, false)))
        {
            // Not given: default, or none with --privileged (as Docker).
            None | Some((_, Some(0))) if !self.privileged || self.seccomp.is_some() => {
                seccomp::default_profile(caps.keep)
            }
            Some((_, Some(_))) | None => Profile::new(ALLOW),
            Some((v, None)) => {
                let text = fs::open(CPath::new(&[v]).c(), 0)
                    .and_then(|fd| fs::read_to_end(&fd, 1 << 20))
                    .map_err(|e| match e {
                        Errno::EFBIG => Error::new(b"--seccomp", v, 0, b"larger than 1 MiB"),
                        e => Error::sys("--seccomp", v, e),
                    })?;
                // A process can always end: a profile that refused exit and exit_group
                // would leave CMD's process, when its exec fails, spinning (and husk
                // waiting for it). Allowed first, whatever the profile says.
                let mut p = Profile::new(ALLOW);
                p.add(syscalls::Sysno::exit_group as u32, ALLOW, &[]);
                p.add(syscalls::Sysno::exit as u32, ALLOW, &[]);
                let file = seccomp::parse_profile(&text, v, TARGET)?;
                p.prog.extend_from_slice(&file.prog);
                p.default = file.default;
                p
            }
        };
        // --seccomp-deny rules come first: they win over the profile's for that call.
        if !self.deny.prog.is_empty() {
            let mut prog = self.deny.prog.clone();
            prog.extend_from_slice(&base.prog);
            base.prog = prog;
        }
        use syscalls::Sysno::{exit_group, kill, read, wait4, write};
        // Only where the filter goes on husk's PID 1 too (Prepared::filter_first).
        let refuses_init = self.allow_new_privs
            && [read, write, kill, wait4, exit_group]
                .iter()
                .any(|&nr| base.may_refuse(nr as u32));
        Ok(Prepared {
            caps,
            no_new_privs: !self.allow_new_privs,
            filter: seccomp::build(&base)?,
            preserve_fds: self.preserve_fds,
            refuses_init,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::DEFAULT;
    use alloc::vec::Vec;
    use std::string::String;

    fn spec(args: &[&str]) -> Result<SecSpec> {
        let args: Vec<&'static [u8]> = args
            .iter()
            .map(|a| std::string::String::from(*a).leak().as_bytes())
            .collect();
        let mut l = Lexer::new(&args, 0);
        let mut s = SecSpec::default();
        while let Some(a) = l.next_arg()? {
            assert!(parse_opt(a, &mut l, &mut s)?, "not consumed: {a:?}");
        }
        Ok(s)
    }

    fn err(args: &[&str]) -> String {
        let e = spec(args).and_then(|s| s.resolve().map(drop));
        String::from_utf8(e.unwrap_err().render().0).unwrap()
    }

    /// The filter of `parts`' rules in this order, with the last one's default.
    fn filter(parts: &[&Profile]) -> Option<Vec<seccomp::Insn>> {
        let mut p = Profile::new(parts.last().map_or(ALLOW, |p| p.default));
        for q in parts {
            p.prog.extend_from_slice(&q.prog);
        }
        seccomp::build(&p).unwrap()
    }

    #[test]
    fn defaults() {
        let p = spec(&[]).unwrap().resolve().unwrap();
        assert_eq!(
            p.caps,
            CapSets {
                keep: DEFAULT,
                ambient: 0,
                named: 0
            }
        );
        assert!(p.no_new_privs);
        assert_eq!(p.preserve_fds, 0);
        let want = filter(&[&seccomp::default_profile(DEFAULT)]);
        assert!(want.is_some());
        assert_eq!(p.filter, want);
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
                ambient: want,
                named: want
            }
        );
        assert!(!p.no_new_privs);
        assert_eq!(p.preserve_fds, 2);
        let mut deny = Profile::new(ALLOW);
        deny.add(syscalls::Sysno::kill as u32, EPERM, &[]);
        deny.add(syscalls::Sysno::ptrace as u32, EPERM, &[]);
        assert_eq!(p.filter, filter(&[&deny]));
    }

    #[test]
    fn privileged_means_no_filter_unless_asked() {
        let p = spec(&["--privileged"]).unwrap().resolve().unwrap();
        assert_eq!((p.caps.keep, p.filter), (caps::ALL, None));
        let p = spec(&["--privileged", "--seccomp", "default"]).unwrap();
        assert!(p.resolve().unwrap().filter.is_some());
        let p = spec(&["--seccomp", "unconfined"]).unwrap();
        assert_eq!(p.resolve().unwrap().filter, None);
        // --seccomp-deny alone under --privileged: only that.
        let p = spec(&["--privileged", "--seccomp-deny", "kill"]).unwrap();
        let f = p.resolve().unwrap().filter.unwrap();
        assert_eq!(f, filter(&[&p.deny]).unwrap());
    }

    #[test]
    fn deny_wins_over_the_profile() {
        // ptrace is allowed by the default profile; --seccomp-deny refuses it.
        let p = spec(&["--seccomp-deny", "ptrace"])
            .unwrap()
            .resolve()
            .unwrap();
        let mut deny = Profile::new(ALLOW);
        deny.add(syscalls::Sysno::ptrace as u32, EPERM, &[]);
        let want = filter(&[&deny, &seccomp::default_profile(DEFAULT)]);
        assert_eq!(p.filter, want);
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
        // exit and exit_group allowed first, whatever the file says.
        let mut want = Profile::new(EPERM);
        want.add(syscalls::Sysno::exit_group as u32, ALLOW, &[]);
        want.add(syscalls::Sysno::exit as u32, ALLOW, &[]);
        want.add(syscalls::Sysno::read as u32, ALLOW, &[]);
        let le2 = seccomp::Cond::new(0, seccomp::Op::Le, 2);
        want.add(syscalls::Sysno::write as u32, ALLOW, &[le2]);
        assert_eq!(s.resolve().unwrap().filter, filter(&[&want]));
        let e = err(&["--seccomp", bad.to_str().unwrap()]);
        assert_eq!(
            e,
            std::format!(
                "husk: --seccomp {}:3 'arg0<=x': not argN[&MASK]OP VALUE (N 0-5, \
                 OP == != < <= > >=)\n",
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
        assert_eq!(
            err(&["--preserve-fds", "65537"]),
            "husk: --preserve-fds '65537': not a number of descriptors\n"
        );
        assert_eq!(err(&["--cap-add"]), "husk: --cap-add: needs a value\n");
        assert_eq!(err(&["--seccomp"]), "husk: --seccomp: needs a value\n");
        assert_eq!(
            err(&["--privileged=yes"]),
            "husk: option: a flag that takes no value was given one (--flag=value)\n"
        );
    }

    #[test]
    fn other_options_are_left_to_the_caller() {
        let args: Vec<&'static [u8]> = std::vec![b"-n", b"--net", b"cmd", b"--seccompx"];
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
        assert_eq!(names.split(|&c| c == b',').count(), 14);
        assert!(text.lines().all(|l| l.len() <= 86), "{text}");
    }
}
