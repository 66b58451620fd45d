//! husk: a tiny static container launcher and PID 1.
//!
//! The library holds all of husk's logic. It is `no_std`, and `unsafe` is denied
//! everywhere except in [`sys`], which wraps each system call in a typed function.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// A byte string kept beside `husk init`'s code, in the segments link.ld maps apart from
/// the rest of husk: a constant PID 1 reads on its way to CMD would otherwise fault in a
/// whole segment it never uses (tests/init.rs `init_maps_only_its_own_pages`).
#[macro_export]
macro_rules! hot {
    ($s:literal) => {{
        // The lint's concern is a section the program would misuse; this one only places
        // read-only bytes.
        #[allow(unsafe_code)]
        #[link_section = ".rodata.hot"]
        static S: [u8; $s.len()] = *$s;
        &S
    }};
}

/// [`hot!`] for a NUL-terminated byte string literal; gives a `&'static CStr` (the kernel
/// reading a path faults its page in as much as husk reading it).
#[macro_export]
macro_rules! hot_c {
    ($s:literal) => {{
        const C: &core::ffi::CStr = match core::ffi::CStr::from_bytes_with_nul($crate::hot!($s)) {
            Ok(c) => c,
            Err(_) => panic!(),
        };
        C
    }};
}

/// [`hot!`] for a `&str` constant expression; gives a `&'static str`.
#[macro_export]
macro_rules! hot_str {
    ($s:expr) => {{
        #[allow(unsafe_code)]
        #[link_section = ".rodata.hot"]
        static S: [u8; $s.len()] = $crate::out::array($s);
        match core::str::from_utf8(&S) {
            Ok(s) => s,
            Err(_) => panic!(),
        }
    }};
}

pub mod boot;
pub mod caps;
pub mod cgroup;
pub mod cli;
pub mod error;
pub mod exec;
pub mod help;
pub mod init;
pub mod launch;
pub mod mount;
pub mod net;
pub mod netns;
pub mod out;
pub mod path;
pub mod seccomp;
pub mod security;
pub mod signals;
pub mod spec;
pub mod state;
pub mod status;
pub mod sync;
pub mod sys;
pub mod sysnames;

use alloc::vec::Vec;
use cli::init::Parsed;
use out::Msg;
use sys::start::CVec;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn basename(p: &[u8]) -> &[u8] {
    p.rsplit(|&c| c == b'/').next().unwrap_or(p)
}

fn print(s: &str) -> i32 {
    let _ = sys::write_all(1, s.as_bytes());
    0
}

fn version(as_tini: bool) -> i32 {
    // `docker info` reads the init's version in tini's format.
    let _ = sys::write_all(
        1,
        if as_tini {
            b"tini version 0.19.0_husk-"
        } else {
            b"husk version "
        },
    );
    print(VERSION);
    print("\n")
}

/// Entry point: dispatches on the name husk was invoked as and the first argument.
pub fn main(argv: CVec, envp: CVec) -> i32 {
    let t_start = sys::time::now_us();
    let args: Vec<&'static [u8]> = argv.iter().collect();
    let prog = basename(args.first().copied().unwrap_or(b""));
    if let Some(i) = out::word_index(hot!(b"init tini docker-init"), prog, false) {
        return init_cmd(&args, 1, argv, envp, i > 0);
    }
    let Some(&first) = args.get(1) else {
        // A kernel's init=/sbin/husk with nothing after `--`: PID 1 must not exit.
        if boot::detect() {
            return init_cmd(&args, 1, argv, envp, false);
        }
        help::write(2, help::TOP);
        return 1;
    };
    match out::word_index(
        hot!(b"init run exec list ns netns help -h --help --version -V"),
        first,
        false,
    ) {
        Some(0) => init_cmd(&args, 2, argv, envp, false),
        Some(cmd) => command(cmd, &args, argv, envp, t_start),
        None => init_cmd(&args, 1, argv, envp, false),
    }
}

/// Every command but `husk init`, by its index in `main`'s table. Apart from `main` so
/// that an init's pages hold none of it (see link.ld).
#[inline(never)]
fn command(cmd: usize, args: &[&'static [u8]], argv: CVec, envp: CVec, t_start: u64) -> i32 {
    let arg2 = args.get(2).copied();
    match cmd {
        1 => match cli::run::parse(args, 2, sys::ns::getuid()).and_then(|s| {
            // The kernel it needs, before anything exists (--help works anywhere).
            if s.is_some() {
                spec::check_kernel()?;
            }
            Ok(s)
        }) {
            Ok(Some(spec)) => launch::run(argv, envp, &spec, t_start),
            Ok(None) => {
                cli::run::help().out();
                0
            }
            Err(e) => {
                e.print();
                125
            }
        },
        2 => exec::run(argv, envp, args, t_start),
        3 => match arg2 {
            None => state::list(false),
            Some(b"--json") => state::list(true),
            _ => {
                help::write(1, help::LIST);
                0
            }
        },
        4 if matches!(arg2, Some(b"-h" | b"--help")) => {
            help::write(1, help::NS);
            0
        }
        4 => launch::ns_cmd(&args[2..]),
        5 => netns::cmd(args, argv, envp),
        6..=8 => {
            help::write(1, help::TOP);
            0
        }
        _ => version(false),
    }
}

fn init_cmd(args: &[&[u8]], start: usize, argv: CVec, envp: CVec, as_tini: bool) -> i32 {
    let booted = boot::detect();
    let o = match cli::init::parse(args, start, envp.iter(), booted) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            help::write(1, help::INIT);
            return 0;
        }
        Ok(Parsed::Version) => return version(as_tini),
        Ok(Parsed::License) => {
            // -l, as tini has it: the notice (LICENSE in the source has the whole text).
            help::write(1, help::LICENSE);
            return 0;
        }
        Err(e) => {
            e.print();
            if !booted {
                // tini exits 1 on bad usage; so does husk init.
                return 1;
            }
            // PID 1 must not exit (the kernel would panic): a shell on the console lets
            // someone fix the command line.
            Msg::husk().s(b"booting /bin/sh instead").nl().err();
            match cli::init::parse(args, args.len(), envp.iter(), true) {
                Ok(Parsed::Run(o)) => o,
                _ => return 1,
            }
        }
    };
    init::run(argv, envp, &o)
}
