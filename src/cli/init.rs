//! `husk init`: tini's flags and variables with tini's meaning, plus dumb-init's.
use super::{find, getenv, unknown, Arg, Lexer};
use crate::error::{Error, Result};
use crate::out::{parse_fixed, parse_u64};
use crate::signals;
use alloc::vec::Vec;

pub const HELP: &str = "\
usage: husk init [OPTIONS] [--] CMD [ARG]...
       (also: husk [OPTIONS] -- CMD, or husk installed as init, tini or docker-init)

Run CMD as the child of a minimal init: forward every signal to it, reap every
zombie, exit with its status (128+N if signal N killed it).

  -s              register as a child subreaper (automatic when not PID 1)
  -p SIG          send SIG to husk when its parent dies
  -g              forward signals to CMD's process group, not only to CMD
  -c, --single-child
                  forward to CMD only, and leave it in husk's process group
  -r, --rewrite S:T
                  forward signal S as T; T=0 drops S (repeatable)
  -e CODE         exit 0 when CMD exits with CODE (0-255, repeatable)
  -w              warn when reaping a process that is not CMD
  -v, --verbose   more messages on stderr (repeat up to 3 times)
  --grace SECS    when CMD exits, SIGTERM what remains, wait up to SECS, then SIGKILL

  -l              show the licence
  -h, --help      this help
  -V, --version   show the version

Booted by a kernel (or --kernel-init): mount /proc /sys /dev /run..., bring lo up, run
CMD (default /bin/sh), never exit; SIGTERM/SIGINT reboot, SIGUSR2 powers off, SIGUSR1 halts.
  --on-exit A     when CMD exits: poweroff (default), reboot, halt or restart
  --hostname NAME set the host name (or hostname= on the kernel command line)
  --modules DIR   load DIR/*.ko (or DIR/a.ko... for modules=a,... on the command line)
  --timings       print how long each boot step took (us)

Environment: TINI_SUBREAPER, TINI_KILL_PROCESS_GROUP (same as -s, -g),
TINI_VERBOSITY=N (default 1).
";

crate::options!(OPTS {
    HELP_ = "h help",
    VERSION = "V version",
    LICENSE = "l license",
    SUBREAPER = "s subreaper",
    GROUP = "g",
    WARN = "w",
    SINGLE = "c single-child",
    VERBOSE = "v verbose",
    PDEATH = "p",
    EXPECT = "e",
    REWRITE = "r rewrite",
    GRACE = "- grace",
    KERNEL = "- kernel-init",
    TIMINGS = "- timings",
    ON_EXIT = "- on-exit",
    HOSTNAME = "- hostname",
    MODULES = "- modules",
});

/// What `husk init` was asked to do. `cmd` indexes the argument vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOpts {
    pub subreaper: bool,
    pub pdeath_signal: u32,
    pub verbosity: u8,
    pub warn_reap: bool,
    pub group: bool,
    pub single_child: bool,
    /// Bit N set: exit code N becomes 0.
    pub remap: [u64; 4],
    /// `rewrite[S]` is what signal S is forwarded as (0: dropped).
    pub rewrite: [u8; 65],
    /// Milliseconds of grace for what remains after CMD exits.
    pub grace_ms: Option<u64>,
    /// Act as a machine's init (booted by a kernel, or `--kernel-init`).
    pub kernel: bool,
    pub on_exit: OnExit,
    pub hostname: Option<Vec<u8>>,
    pub modules: Option<Vec<u8>>,
    pub timings: bool,
    /// Index of CMD in the arguments; the argument count when there is none (kernel mode).
    pub cmd: usize,
}

/// What a machine's init does when its command exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExit {
    Poweroff,
    Reboot,
    Halt,
    Restart,
}

impl Default for InitOpts {
    fn default() -> InitOpts {
        let mut rewrite = [0u8; 65];
        for (i, r) in rewrite.iter_mut().enumerate() {
            *r = i as u8;
        }
        InitOpts {
            subreaper: false,
            pdeath_signal: 0,
            verbosity: 1,
            warn_reap: false,
            group: false,
            single_child: false,
            remap: [0; 4],
            rewrite,
            grace_ms: None,
            kernel: false,
            on_exit: OnExit::Poweroff,
            hostname: None,
            modules: None,
            timings: false,
            cmd: 0,
        }
    }
}

impl InitOpts {
    /// The exit status husk reports for CMD's exit code after `-e` remapping.
    pub fn final_code(&self, code: u8) -> u8 {
        if self.remap[code as usize / 64] & (1 << (code % 64)) != 0 {
            0
        } else {
            code
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(InitOpts),
    Help,
    Version,
    License,
}

/// Parses `husk init` arguments starting at `args[start]`. `booted`: husk is a machine's
/// init (see `boot::detect`), where CMD may be left out.
pub fn parse<'e>(
    args: &[&[u8]],
    start: usize,
    env: impl Iterator<Item = &'e [u8]> + Clone,
    booted: bool,
) -> Result<Parsed> {
    let mut o = InitOpts {
        kernel: booted,
        ..InitOpts::default()
    };
    if getenv(env.clone(), b"TINI_SUBREAPER").is_some() {
        o.subreaper = true;
    }
    if getenv(env.clone(), b"TINI_KILL_PROCESS_GROUP").is_some() {
        o.group = true;
    }
    if let Some(v) = getenv(env, b"TINI_VERBOSITY") {
        o.verbosity = parse_u64(v)
            .filter(|&n| n <= 9)
            .ok_or_else(|| Error::bad("TINI_VERBOSITY", v, "not a number from 0 to 9"))?
            as u8;
    }
    let mut l = Lexer::new(args, start);
    while let Some(arg) = l.next_arg()? {
        match find(OPTS, arg) {
            Some(HELP_) => return Ok(Parsed::Help),
            Some(VERSION) => return Ok(Parsed::Version),
            Some(LICENSE) => return Ok(Parsed::License),
            Some(SUBREAPER) => o.subreaper = true,
            Some(GROUP) => o.group = true,
            Some(WARN) => o.warn_reap = true,
            Some(SINGLE) => o.single_child = true,
            Some(VERBOSE) => o.verbosity = o.verbosity.saturating_add(1),
            Some(PDEATH) => {
                let v = l.value("-p")?;
                o.pdeath_signal =
                    signals::parse(v).ok_or_else(|| Error::bad("-p", v, "not a signal"))?;
            }
            Some(EXPECT) => {
                let v = l.value("-e")?;
                let c = parse_u64(v)
                    .filter(|&c| c <= 255)
                    .ok_or_else(|| Error::bad("-e", v, "not an exit code (0-255)"))?;
                o.remap[c as usize / 64] |= 1 << (c % 64);
            }
            Some(REWRITE) => {
                let v = l.value("--rewrite")?;
                let (s, t) = parse_rewrite(v).ok_or_else(|| {
                    Error::bad(
                        "--rewrite",
                        v,
                        "expected SIG:SIG, e.g. 15:2 or TERM:INT (0 drops)",
                    )
                })?;
                o.rewrite[s as usize] = t as u8;
            }
            Some(GRACE) => {
                let v = l.value("--grace")?;
                o.grace_ms = Some(
                    parse_fixed(v, 3)
                        .filter(|&ms| ms <= 86_400_000)
                        .ok_or_else(|| {
                            Error::bad("--grace", v, "expected seconds, e.g. 5 or 0.5")
                        })?,
                );
            }
            Some(KERNEL) => o.kernel = true,
            Some(TIMINGS) => o.timings = true,
            Some(ON_EXIT) => {
                let v = l.value("--on-exit")?;
                o.on_exit = match crate::out::word_index("poweroff reboot halt restart", v, false) {
                    Some(0) => OnExit::Poweroff,
                    Some(1) => OnExit::Reboot,
                    Some(2) => OnExit::Halt,
                    Some(_) => OnExit::Restart,
                    None => {
                        return Err(Error::bad(
                            "--on-exit",
                            v,
                            "expected poweroff, reboot, halt or restart",
                        ))
                    }
                };
            }
            Some(HOSTNAME) => {
                let v = l.value("--hostname")?;
                o.hostname = Some(hostname(v)?.to_vec());
            }
            Some(MODULES) => o.modules = Some(l.value("--modules")?.to_vec()),
            _ => match arg {
                Arg::Operand(_) => {
                    l.unread_operand();
                    break;
                }
                other => return Err(unknown(other, "(see husk init --help)")),
            },
        }
    }
    o.cmd = l.rest();
    if o.cmd >= args.len() && !o.kernel {
        return Err(Error::usage(
            "init",
            "no command given (see husk init --help)",
        ));
    }
    Ok(Parsed::Run(o))
}

/// A host name the kernel takes: 1 to 64 bytes (`__NEW_UTS_LEN`).
pub fn hostname(v: &[u8]) -> Result<&[u8]> {
    if v.is_empty() || v.len() > 64 {
        return Err(Error::bad("hostname", v, "expected 1 to 64 characters"));
    }
    Ok(v)
}

fn parse_rewrite(v: &[u8]) -> Option<(u32, u32)> {
    let i = v.iter().position(|&c| c == b':')?;
    let from = signals::parse(&v[..i])?;
    let to = if &v[i + 1..] == b"0" {
        0
    } else {
        signals::parse(&v[i + 1..])?
    };
    Some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str], env: &[&str]) -> Result<Parsed> {
        pb(args, env, false)
    }
    fn pb(args: &[&str], env: &[&str], booted: bool) -> Result<Parsed> {
        let a: std::vec::Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        parse(&a, 0, env.iter().map(|s| s.as_bytes()), booted)
    }
    fn run(args: &[&str]) -> InitOpts {
        match p(args, &[]).unwrap() {
            Parsed::Run(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tini_flags() {
        let o = run(&[
            "-s", "-g", "-w", "-vv", "-p", "SIGKILL", "-e", "3", "-e", "143", "--", "cmd", "-l",
        ]);
        assert!(o.subreaper && o.group && o.warn_reap);
        assert_eq!(o.verbosity, 3);
        assert_eq!(o.pdeath_signal, 9);
        assert_eq!(o.final_code(3), 0);
        assert_eq!(o.final_code(143), 0);
        assert_eq!(o.final_code(4), 4);
        assert_eq!(o.cmd, 11, "CMD starts after --, its own flags untouched");
    }

    #[test]
    fn command_ends_options() {
        let o = run(&["-g", "ls", "-l"]);
        assert_eq!(o.cmd, 1);
        assert!(o.group);
    }

    #[test]
    fn dumb_init_flags() {
        let o = run(&[
            "-c",
            "--rewrite",
            "15:2",
            "-r",
            "USR1:0",
            "--rewrite=HUP:TERM",
            "cmd",
        ]);
        assert!(o.single_child);
        assert_eq!(o.rewrite[15], 2);
        assert_eq!(o.rewrite[10], 0);
        assert_eq!(o.rewrite[1], 15);
        assert_eq!(o.rewrite[2], 2);
    }

    #[test]
    fn grace() {
        assert_eq!(run(&["--grace", "2.5", "x"]).grace_ms, Some(2500));
        assert_eq!(run(&["--grace=0", "x"]).grace_ms, Some(0));
        assert!(p(&["--grace", "-1", "x"], &[]).is_err());
    }

    #[test]
    fn kernel_init_flags() {
        let o = run(&[
            "--kernel-init",
            "--on-exit",
            "reboot",
            "--hostname=vm1",
            "--modules",
            "/lib/modules",
            "--timings",
            "sh",
        ]);
        assert!(o.kernel && o.timings);
        assert_eq!(o.on_exit, OnExit::Reboot);
        assert_eq!(o.hostname.as_deref(), Some(&b"vm1"[..]));
        assert_eq!(o.modules.as_deref(), Some(&b"/lib/modules"[..]));
        assert_eq!(o.cmd, 7);
        assert_eq!(run(&["x"]).on_exit, OnExit::Poweroff);
        assert!(!run(&["x"]).kernel);
        for a in ["poweroff", "halt", "restart"] {
            assert!(p(&["--on-exit", a, "x"], &[]).is_ok());
        }
    }

    #[test]
    fn command_is_optional_only_for_a_machine() {
        // Booted by a kernel with nothing after `--`: CMD defaults to /bin/sh.
        match pb(&[], &[], true).unwrap() {
            Parsed::Run(o) => assert!(o.kernel && o.cmd == 0),
            other => panic!("{other:?}"),
        }
        match p(&["--kernel-init", "-v"], &[]).unwrap() {
            Parsed::Run(o) => assert_eq!(o.cmd, 2),
            other => panic!("{other:?}"),
        }
        assert!(p(&["-v"], &[]).is_err());
    }

    #[test]
    fn environment() {
        match p(
            &["cmd"],
            &[
                "TINI_SUBREAPER=",
                "TINI_KILL_PROCESS_GROUP=1",
                "TINI_VERBOSITY=3",
            ],
        )
        .unwrap()
        {
            Parsed::Run(o) => {
                assert!(o.subreaper && o.group);
                assert_eq!(o.verbosity, 3);
            }
            other => panic!("{other:?}"),
        }
        assert!(p(&["cmd"], &["TINI_VERBOSITY=x"]).is_err());
    }

    #[test]
    fn info_flags() {
        assert_eq!(p(&["-h"], &[]).unwrap(), Parsed::Help);
        assert_eq!(p(&["--version"], &[]).unwrap(), Parsed::Version);
        assert_eq!(p(&["-V"], &[]).unwrap(), Parsed::Version);
        assert_eq!(p(&["-l"], &[]).unwrap(), Parsed::License);
    }

    #[test]
    fn bad_input() {
        for bad in [
            &["-x", "cmd"][..],
            &["-e", "256", "cmd"],
            &["-e", "x", "cmd"],
            &["-p", "SIGFOO", "cmd"],
            &["-p"],
            &["-r", "15", "cmd"],
            &["-r", "15:99", "cmd"],
            &["--bogus", "cmd"],
            &["-g"],
            &[],
            &["--on-exit", "explode", "x"],
            &["--on-exit"],
            &["--hostname", "", "x"],
            &[
                "--hostname",
                "h2345678901234567890123456789012345678901234567890123456789012345",
                "x",
            ],
            &["--modules"],
            &["--kernel-init=1", "x"],
        ] {
            assert!(p(bad, &[]).is_err(), "{bad:?}");
        }
    }
}
