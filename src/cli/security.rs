//! The security options of `husk run`: capabilities, no_new_privs, seccomp, descriptors.
//!
//! The run parser hands every option it does not know to [`parse_opt`]; once all are
//! read, [`SecSpec::resolve`] computes the capability sets and builds the seccomp filter,
//! so that every error (unknown capability or system call, malformed profile with its
//! line number) is reported before anything is created.
use super::{Arg, Lexer};
use crate::caps::{self, CapList, CapSets};
use crate::error::{Error, Result};
use crate::seccomp::{self, Profile};
use crate::security::Prepared;
use crate::sys::fs;
use crate::sysnames;
use alloc::vec::Vec;

/// Help for `husk run --help`: the options, the default capabilities, the default
/// seccomp refusals (checked against the build's list by a test).
pub const HELP: &str = "\
Security (applied last, just before CMD runs; seccomp last of all):
  --cap-add CAP,...    add capabilities (capabilities(7) names, CAP_ optional, any case,
                       or ALL); with a non-root --uid they become ambient, so CMD has them
  --cap-drop CAP,...   drop capabilities; --cap-drop ALL keeps only what --cap-add names
  --privileged         keep every capability; no seccomp filter unless asked for
  --allow-new-privs    leave no_new_privs off (setuid programs can gain privileges)
  --seccomp default|unconfined|FILE
                       the seccomp profile (default: default)
  --seccomp-deny SYSCALL,...
                       refuse these system calls with EPERM, on top of the profile
  --preserve-fds N     pass descriptors 3 to 3+N-1 to CMD; every other one is closed

Default capabilities (Docker's): AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL
  MKNOD NET_BIND_SERVICE NET_RAW SETFCAP SETGID SETPCAP SETUID SYS_CHROOT
The default seccomp profile refuses, with EPERM, what Docker's refuses to a container
with those capabilities (a capability added lifts the refusals it covers, as in Docker):
  modules, kexec, swap, reboot, accounting: init_module finit_module delete_module
    create_module get_kernel_syms query_module kexec_load kexec_file_load swapon swapoff
    reboot acct
  mounts and namespaces: mount umount umount2 pivot_root chroot open_tree open_tree_attr
    move_mount mount_setattr fsopen fsconfig fsmount fspick setns sethostname
    setdomainname quotactl quotactl_fd lookup_dcookie fanotify_init open_by_handle_at;
    clone and unshare with namespace flags; clone3 (ENOSYS: libc falls back to clone)
  kernel-wide: bpf perf_event_open syslog userfaultfd keyctl add_key request_key
    kcmp pidfd_getfd process_madvise settimeofday clock_settime stime iopl ioperm
    vhangup mbind get_mempolicy set_mempolicy set_mempolicy_home_node move_pages
    migrate_pages; personality other than Linux/query; AF_VSOCK sockets
  obsolete: uselib _sysctl sysfs ustat nfsservctl getpmsg putpmsg afs_syscall tuxcall
    security vserver
  Any other architecture's or x32 system call kills the process.
seccomp FILE: one rule a line, `SYSCALL ACTION [argN OP VALUE]...`; ACTION: allow,
  errno N|ENAME, kill; OP: == != < <= > >= (64-bit), argN&MASK==VALUE; a line
  `default ACTION` (default: allow); # comments. Rules of one call: first match wins.
";

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
    let Arg::Long(name) = arg else {
        return Ok(false);
    };
    match name {
        b"cap-add" | b"cap-drop" => {
            let (op, list) = if name == b"cap-add" {
                ("--cap-add", &mut s.cap_add)
            } else {
                ("--cap-drop", &mut s.cap_drop)
            };
            let v = l.value(op)?;
            caps::parse_list(v, list)
                .map_err(|bad| Error::bad(op, bad, "not a capability (see capabilities(7))"))?;
        }
        b"privileged" => s.privileged = true,
        b"allow-new-privs" => s.allow_new_privs = true,
        b"seccomp" => {
            let v = l.value("--seccomp")?;
            s.seccomp = match v {
                b"default" => SeccompChoice::Default,
                b"unconfined" => SeccompChoice::Unconfined,
                path => SeccompChoice::File(read_profile(path)?),
            };
        }
        b"seccomp-deny" => {
            let v = l.value("--seccomp-deny")?;
            for name in v.split(|&c| c == b',') {
                let nr = sysnames::TARGET
                    .lookup(name)
                    .ok_or_else(|| Error::bad("--seccomp-deny", name, sysnames::UNKNOWN))?;
                s.deny.push(nr);
            }
        }
        b"preserve-fds" => {
            let v = l.value("--preserve-fds")?;
            s.preserve_fds = crate::out::parse_u64(v)
                .filter(|&n| n <= 65536)
                .ok_or_else(|| Error::bad("--preserve-fds", v, "not a number of descriptors"))?
                as u32;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn read_profile(path: &[u8]) -> Result<Profile> {
    let mut p = Vec::with_capacity(path.len() + 1);
    p.extend_from_slice(path);
    p.push(0);
    let c = core::ffi::CStr::from_bytes_with_nul(&p)
        .map_err(|_| Error::bad("--seccomp", path, "a path cannot contain NUL"))?;
    let text = fs::read_file(c).map_err(|e| Error::sys("--seccomp", path, e))?;
    seccomp::parse_profile(&text, path, sysnames::TARGET)
}

impl SecSpec {
    /// The capability sets and the filter, built now: nothing here can fail later.
    pub fn resolve(&self) -> Result<Prepared> {
        let caps = CapSets::new(self.cap_add, self.cap_drop, self.privileged);
        let base = match &self.seccomp {
            SeccompChoice::Unset if self.privileged => Profile::new(seccomp::ALLOW),
            SeccompChoice::Unset | SeccompChoice::Default => seccomp::default_profile(caps.keep),
            SeccompChoice::Unconfined => Profile::new(seccomp::ALLOW),
            SeccompChoice::File(p) => p.clone(),
        };
        // --seccomp-deny rules come first: they win over the profile's for that call.
        let mut p = Profile::new(seccomp::ALLOW);
        for &nr in &self.deny {
            p.add(nr, seccomp::EPERM, &[]);
        }
        p.then(&base);
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
        for n in crate::sysnames::DEFAULT_DENY_NAMES {
            let padded = std::format!(" {n}");
            assert!(
                HELP.contains(&(padded.clone() + " "))
                    || HELP.contains(&(padded.clone() + "\n"))
                    || HELP.contains(&(padded + ";")),
                "{n} missing from HELP"
            );
        }
        let mut names = Vec::new();
        caps::names_of(DEFAULT, &mut names);
        for n in names.split(|&c| c == b',') {
            assert!(HELP.contains(core::str::from_utf8(n).unwrap()));
        }
    }
}
