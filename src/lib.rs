//! husk: a tiny static container launcher and PID 1.
//!
//! The library holds all of husk's logic. It is `no_std`, and `unsafe` is denied
//! everywhere except in [`sys`], which wraps each system call in a typed function.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod boot;
pub mod cli;
pub mod error;
pub mod init;
pub mod out;
pub mod signals;
pub mod status;
pub mod sys;

use alloc::vec::Vec;
use cli::init::Parsed;
use out::Msg;
use sys::start::CVec;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const HELP: &str = "\
usage: husk [init] [OPTIONS] [--] CMD [ARG]...   run CMD under a minimal init (PID 1)

husk is a tiny, static container launcher and init. Commands:
  init      run CMD, forward signals, reap zombies (tini and dumb-init compatible)

`husk CMD --help` describes each one; `husk --version` prints the version.
";

const LICENSE: &str = "\
MIT License

Copyright (c) 2026 the husk developers

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the \"Software\"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify,
merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to the following
conditions:

The above copyright notice and this permission notice shall be included in all copies
or substantial portions of the Software.

THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE
OR OTHER DEALINGS IN THE SOFTWARE.
";

fn basename(p: &[u8]) -> &[u8] {
    p.rsplit(|&c| c == b'/').next().unwrap_or(p)
}

fn print(s: &str) -> i32 {
    Msg(s.as_bytes().to_vec()).out();
    0
}

fn version(as_tini: bool) -> i32 {
    let mut m = Msg::new();
    if as_tini {
        // `docker info` reads the init's version in tini's format.
        m.s(b"tini version 0.19.0_husk-").s(VERSION.as_bytes());
    } else {
        m.s(b"husk version ").s(VERSION.as_bytes());
    }
    m.nl().out();
    0
}

/// Entry point: dispatches on the name husk was invoked as and the first argument.
pub fn main(argv: CVec, envp: CVec) -> i32 {
    let args: Vec<&[u8]> = argv.iter().collect();
    let prog = basename(args.first().copied().unwrap_or(b"husk"));
    if matches!(prog, b"init" | b"tini" | b"docker-init") {
        return init_cmd(&args, 1, argv, envp, prog != b"init");
    }
    match args.get(1).copied() {
        Some(b"init") => init_cmd(&args, 2, argv, envp, false),
        Some(b"-h" | b"--help" | b"help") => print(HELP),
        Some(b"--version" | b"-V") => version(false),
        // A kernel's init=/sbin/husk with nothing after `--`: PID 1 must not exit.
        None if boot::detect() => init_cmd(&args, 1, argv, envp, false),
        None => {
            Msg(HELP.as_bytes().to_vec()).err();
            1
        }
        Some(_) => init_cmd(&args, 1, argv, envp, false),
    }
}

fn init_cmd(args: &[&[u8]], start: usize, argv: CVec, envp: CVec, as_tini: bool) -> i32 {
    let booted = boot::detect();
    let o = match cli::init::parse(args, start, envp.iter(), booted) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => return print(cli::init::HELP),
        Ok(Parsed::Version) => return version(as_tini),
        Ok(Parsed::License) => return print(LICENSE),
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
