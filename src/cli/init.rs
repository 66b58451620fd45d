//! `husk init`: tini's flags and variables with tini's meaning, plus dumb-init's.
use super::{find, getenv, unknown, Arg, Lexer};
use crate::error::{Error, Result};
use crate::out::{cut, parse_fixed, parse_u64, word_index};
use crate::signals;
use linux_raw_sys::general::{
    LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART,
};

// The options that take a value come last, in the order of VALUE_OPTS.
crate::options!(hot OPTS {
    HELP_ = "h help",
    VERSION = "V version",
    LICENSE = "l license",
    SUBREAPER = "s subreaper",
    GROUP = "g",
    WARN = "w",
    SINGLE = "c single-child",
    VERBOSE = "v verbose",
    KERNEL = "- kernel-init",
    TIMINGS = "- timings",
    PDEATH = "p",
    EXPECT = "e",
    REWRITE = "r rewrite",
    GRACE = "- grace",
    ON_EXIT = "- on-exit",
    HOSTNAME = "- hostname",
    MODULES = "- modules",
});

/// Each option from PDEATH on: its name, and what a bad value gets told. Read on every
/// value: kept beside `husk init`'s code (see [`crate::hot!`]).
#[allow(unsafe_code)]
#[link_section = ".rodata.hot"]
static VALUE_OPTS: [(&str, &str); 7] = [
    ("-p", "not a signal"),
    ("-e", "not an exit code (0-255)"),
    (
        "--rewrite",
        "expected SIG:SIG, e.g. 15:2 or TERM:INT (0 drops)",
    ),
    ("--grace", "expected seconds, e.g. 5 or 0.5"),
    ("--on-exit", "expected poweroff, reboot, halt or restart"),
    ("--hostname", "expected 1 to 64 characters"),
    ("--modules", ""),
];

/// What `husk init` was asked to do. `cmd` indexes the argument vector.
#[derive(Debug, PartialEq, Eq)]
pub struct InitOpts<'a> {
    /// Bit N set: the flag whose option index is N was given (see the methods).
    pub flags: u32,
    pub pdeath_signal: u32,
    pub verbosity: u8,
    /// Bit N set: exit code N becomes 0.
    pub remap: [u64; 4],
    /// `rewrite[S]`: 0 to forward signal S as itself, else 1 + what it is forwarded as
    /// (1: dropped). See [`InitOpts::target`].
    pub rewrite: [u8; 65],
    /// Milliseconds of grace for what remains after CMD exits.
    pub grace_ms: Option<u64>,
    pub on_exit: OnExit,
    pub hostname: Option<&'a [u8]>,
    pub modules: Option<&'a [u8]>,
    /// Index of CMD in the arguments; the argument count when there is none (kernel mode).
    pub cmd: usize,
}

/// What a machine's init does when its command exits: the reboot(2) command for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum OnExit {
    Poweroff = LINUX_REBOOT_CMD_POWER_OFF,
    Reboot = LINUX_REBOOT_CMD_RESTART,
    Halt = LINUX_REBOOT_CMD_HALT,
    /// Start CMD again; never given to reboot(2).
    Restart = 0,
}

impl Default for InitOpts<'_> {
    fn default() -> Self {
        InitOpts {
            flags: 0,
            pdeath_signal: 0,
            verbosity: 1,
            remap: [0; 4],
            rewrite: [0; 65],
            grace_ms: None,
            on_exit: OnExit::Poweroff,
            hostname: None,
            modules: None,
            cmd: 0,
        }
    }
}

impl InitOpts<'_> {
    fn has(&self, id: usize) -> bool {
        self.flags & 1 << id != 0
    }
    /// `-s`: tini's subreaper flag (husk is one whenever it is not PID 1 anyway).
    pub fn subreaper(&self) -> bool {
        self.has(SUBREAPER)
    }
    /// `-g`: signals go to CMD's process group.
    pub fn group(&self) -> bool {
        self.has(GROUP) && !self.single_child()
    }
    /// `-w`: warn on reaping a zombie that is not CMD.
    pub fn warn_reap(&self) -> bool {
        self.has(WARN)
    }
    /// `-c`: CMD stays in husk's process group and alone gets the signals.
    pub fn single_child(&self) -> bool {
        self.has(SINGLE)
    }
    /// A machine's init (booted by a kernel, or `--kernel-init`).
    pub fn kernel(&self) -> bool {
        self.has(KERNEL)
    }
    pub fn timings(&self) -> bool {
        self.has(TIMINGS)
    }

    /// The exit status husk reports for CMD's exit code after `-e` remapping.
    pub fn final_code(&self, code: u8) -> u8 {
        if self.remap[code as usize / 64] & (1 << (code % 64)) != 0 {
            0
        } else {
            code
        }
    }

    /// What signal `sig` (1..=64) is forwarded as; 0: it is dropped.
    pub fn target(&self, sig: u32) -> u32 {
        match self.rewrite.get(sig as usize).map_or(0, |&t| t) {
            0 => sig,
            t => t as u32 - 1,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    Run(InitOpts<'a>),
    Help,
    Version,
    License,
}

/// Parses `husk init` arguments starting at `args[start]`. `booted`: husk is a machine's
/// init (see `boot::detect`), where CMD may be left out.
pub fn parse<'a, 'e>(
    args: &[&'a [u8]],
    start: usize,
    env: impl Iterator<Item = &'e [u8]> + Clone,
    booted: bool,
) -> Result<Parsed<'a>> {
    let mut o = InitOpts {
        flags: (booted as u32) << KERNEL,
        ..InitOpts::default()
    };
    if getenv(env.clone(), crate::hot!(b"TINI_SUBREAPER")).is_some() {
        o.flags |= 1 << SUBREAPER;
    }
    if getenv(env.clone(), crate::hot!(b"TINI_KILL_PROCESS_GROUP")).is_some() {
        o.flags |= 1 << GROUP;
    }
    let mut l = Lexer::new(args, start);
    while let Some(arg) = l.next_arg()? {
        let Some(id) = find(OPTS, arg) else {
            if let Arg::Operand(_) = arg {
                l.unread_operand();
                break;
            }
            return Err(unknown(arg, "(see husk init --help)"));
        };
        match id {
            HELP_ => return Ok(Parsed::Help),
            VERSION => return Ok(Parsed::Version),
            LICENSE => return Ok(Parsed::License),
            VERBOSE => o.verbosity = o.verbosity.saturating_add(1),
            _ if id < PDEATH => o.flags |= 1 << id,
            _ => {
                let (name, why) = VALUE_OPTS.get(id - PDEATH).copied().unwrap_or_default();
                let v = l.value(name)?;
                if value(&mut o, id, v).is_none() {
                    return Err(Error::bad(name, v, why));
                }
            }
        }
    }
    // As in tini, the variable is read after the flags and replaces what -v said.
    if let Some(v) = getenv(env, crate::hot!(b"TINI_VERBOSITY")) {
        o.verbosity = atoi_verbosity(v);
    }
    o.cmd = l.rest();
    if o.cmd >= args.len() && !o.kernel() {
        return Err(Error::usage(
            "init",
            "no command given (see husk init --help)",
        ));
    }
    Ok(Parsed::Run(o))
}

/// TINI_VERBOSITY read as tini reads it, atoi(3) into an unsigned int, so never an error:
/// white space, a sign, then the digits up to the first other byte (none: 0). A negative
/// number wraps around to the most verbose, as it does in tini.
fn atoi_verbosity(v: &[u8]) -> u8 {
    let mut i = 0;
    while v
        .get(i)
        .is_some_and(|&c| c == b' ' || (b'\t'..=b'\r').contains(&c))
    {
        i += 1;
    }
    let neg = v.get(i) == Some(&b'-');
    if neg || v.get(i) == Some(&b'+') {
        i += 1;
    }
    let mut n = 0u32;
    while let Some(&d) = v.get(i).filter(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((d - b'0') as u32);
        i += 1;
    }
    if neg && n != 0 {
        u8::MAX
    } else {
        n.min(255) as u8
    }
}

/// Takes the value `v` of option `id`; None when it is not valid.
fn value<'a>(o: &mut InitOpts<'a>, id: usize, v: &'a [u8]) -> Option<()> {
    match id {
        PDEATH => o.pdeath_signal = signals::parse(v)?,
        EXPECT => {
            let c = parse_u64(v).filter(|&c| c <= 255)?;
            o.remap[c as usize / 64] |= 1 << (c % 64);
        }
        REWRITE => {
            let (s, t) = cut(v, b':');
            let t = match t? {
                b"0" => 0,
                t => signals::parse(t)?,
            };
            *o.rewrite.get_mut(signals::parse(s)? as usize)? = t as u8 + 1;
        }
        GRACE => o.grace_ms = Some(parse_fixed(v, 3).filter(|&ms| ms <= 86_400_000)?),
        ON_EXIT => {
            let i = word_index(b"poweroff reboot halt restart", v, false)?;
            o.on_exit = *[
                OnExit::Poweroff,
                OnExit::Reboot,
                OnExit::Halt,
                OnExit::Restart,
            ]
            .get(i)?;
        }
        // A host name the kernel takes: 1 to 64 bytes (`__NEW_UTS_LEN`).
        HOSTNAME => o.hostname = Some(Some(v).filter(|v| (1..=64).contains(&v.len()))?),
        _ => o.modules = Some(v),
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(args: &[&'a str], env: &[&str]) -> Result<Parsed<'a>> {
        pb(args, env, false)
    }
    fn pb<'a>(args: &[&'a str], env: &[&str], booted: bool) -> Result<Parsed<'a>> {
        let a: std::vec::Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        parse(&a, 0, env.iter().map(|s| s.as_bytes()), booted)
    }
    fn run<'a>(args: &[&'a str]) -> InitOpts<'a> {
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
        assert!(o.subreaper() && o.group() && o.warn_reap());
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
        assert!(o.group());
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
        assert!(o.single_child() && !o.group());
        assert_eq!(o.target(15), 2);
        assert_eq!(o.target(10), 0);
        assert_eq!(o.target(1), 15);
        assert_eq!(o.target(2), 2);
        assert_eq!(o.target(64), 64);
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
        assert!(o.kernel() && o.timings());
        assert_eq!(o.on_exit, OnExit::Reboot);
        assert_eq!(o.hostname, Some(&b"vm1"[..]));
        assert_eq!(o.modules, Some(&b"/lib/modules"[..]));
        assert_eq!(o.cmd, 7);
        assert_eq!(run(&["x"]).on_exit, OnExit::Poweroff);
        assert!(!run(&["x"]).kernel());
        for a in ["poweroff", "halt", "restart"] {
            assert!(p(&["--on-exit", a, "x"], &[]).is_ok());
        }
    }

    #[test]
    fn command_is_optional_only_for_a_machine() {
        // Booted by a kernel with nothing after `--`: CMD defaults to /bin/sh.
        match pb(&[], &[], true).unwrap() {
            Parsed::Run(o) => assert!(o.kernel() && o.cmd == 0),
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
                assert!(o.subreaper() && o.group());
                assert_eq!(o.verbosity, 3);
            }
            other => panic!("{other:?}"),
        }
        // atoi(3), as tini reads it: never an error, and it replaces -v.
        for (v, want) in [
            ("10", 10),
            ("abc", 0),
            ("", 0),
            (" 3x", 3),
            ("+2", 2),
            ("-1", 255),
            ("-0", 0),
            ("99999999999", 255),
        ] {
            let env = std::format!("TINI_VERBOSITY={v}");
            match p(&["-vv", "cmd"], &[&env]).unwrap() {
                Parsed::Run(o) => assert_eq!(o.verbosity, want, "{v:?}"),
                other => panic!("{other:?}"),
            }
        }
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
