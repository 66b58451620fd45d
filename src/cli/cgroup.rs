//! `husk run`'s cgroup options, parsed into a [`CgroupSpec`]: `--memory`, `--memory-swap`,
//! `--cpus`, `--pids`, `--cgroup-parent`. Every value is checked here, before anything exists.
//!
//! The run parser calls [`parse_opt`] for each option it does not know itself and
//! [`CgroupSpec::check`] once all options are read (the swap limit depends on the memory one).
use super::{Arg, Lexer};
use crate::error::{Error, Result};
use crate::out::{parse_fixed, parse_u64};
use alloc::vec::Vec;

/// The lines `husk run --help` shows for these options.
pub const HELP: &str = "\
  --memory SIZE   memory limit: bytes, or with k, M, G, T, P (powers of 1024): 512k, 4M, 1.5G
  --memory-swap SIZE
                  memory + swap limit, as in Docker (default: twice --memory; -1: no limit)
  --cpus N        CPU time limit in CPUs, from 0.01 (0.5: 50 ms of every 100 ms)
  --pids N        at most N processes and threads in the container
  --cgroup-parent PATH
                  create the container's cgroup under PATH: from the root of each cgroup
                  hierarchy if PATH starts with /, else from husk's own cgroup (the default)
";

/// `--memory-swap -1`.
pub const UNLIMITED: u64 = u64::MAX;
/// The CFS period husk uses, in microseconds (the kernel's and Docker's default).
pub const PERIOD_US: u64 = 100_000;

/// Up to 8192 CPUs (the largest NR_CPUS of x86_64 and arm64 kernels).
const MAX_CPUS_MILLI: u64 = 8192 * 1000;
/// PID_MAX_LIMIT on 64-bit kernels: no pids limit can mean more.
const MAX_PIDS: u64 = 4 * 1024 * 1024;

/// The cgroup part of a container's description. Zero means "not given" everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupSpec {
    /// `--memory`, in bytes.
    pub memory: u64,
    /// `--memory-swap`: memory + swap, in bytes, or [`UNLIMITED`]. When not given (0) and
    /// `--memory` is, the container may use as much swap as memory (Docker's default).
    pub memory_swap: u64,
    /// `--cpus`, in thousandths of a CPU.
    pub cpus_milli: u64,
    /// `--pids`.
    pub pids: u64,
    /// `--cgroup-parent`, as given (checked: no `.` or `..` components).
    pub parent: Option<Vec<u8>>,
}

impl CgroupSpec {
    /// No cgroup option was given: the container needs no cgroup of its own.
    pub fn is_empty(&self) -> bool {
        *self == CgroupSpec::default()
    }

    /// The checks that need every option: call once after parsing.
    pub fn check(&self) -> Result<()> {
        if self.memory_swap != 0 {
            if self.memory == 0 {
                return Err(Error::usage(
                    "--memory-swap",
                    "needs --memory (it limits memory and swap together)",
                ));
            }
            if self.memory_swap < self.memory {
                return Err(Error::usage(
                    "--memory-swap",
                    "limits memory + swap: it cannot be less than --memory (-1: no limit)",
                ));
            }
        }
        Ok(())
    }

    /// The CPU quota per [`PERIOD_US`], in microseconds (0: none).
    pub fn quota_us(&self) -> u64 {
        self.cpus_milli * (PERIOD_US / 1000)
    }
}

const OPTS: [&str; 5] = [
    "--memory",
    "--memory-swap",
    "--cpus",
    "--pids",
    "--cgroup-parent",
];
const WHY: [&str; 5] = [
    "not a size from 4k to 16P (bytes, or with k, M, G, T, P: 512k, 4M, 1.5G)",
    "not a size from 4k to 16P, or -1 (no limit)",
    "not a number of CPUs from 0.01 to 8192",
    "not a number of processes from 1 to 4194304",
    "not a cgroup path (no . or .. components)",
];

/// Handles `arg` if it is a cgroup option; `Ok(false)` leaves it to the caller.
pub fn parse_opt(arg: Arg, l: &mut Lexer, s: &mut CgroupSpec) -> Result<bool> {
    let Arg::Long(name) = arg else {
        return Ok(false);
    };
    let Some(i) = OPTS.iter().position(|o| &o.as_bytes()[2..] == name) else {
        return Ok(false);
    };
    let v = l.value(OPTS[i])?;
    let n = match i {
        1 if v == b"-1" => Some(UNLIMITED),
        0 | 1 => parse_size(v).filter(|&n| n >= 4096),
        // The kernel refuses a quota below 1 ms (of a 100 ms period).
        2 => parse_fixed(v, 3).filter(|m| (10..=MAX_CPUS_MILLI).contains(m)),
        3 => parse_u64(v).filter(|n| (1..=MAX_PIDS).contains(n)),
        // `..` would leave the hierarchy (or the caller's own subtree).
        _ => {
            let mut rest = v;
            let mut ok = !v.is_empty() && v.len() <= 1024;
            while !rest.is_empty() {
                let c = crate::cgroup::cut(&mut rest, b'/');
                ok &= c != b"." && c != b"..";
            }
            ok.then_some(0)
        }
    };
    let Some(n) = n else {
        return Err(Error::bad(OPTS[i], v, WHY[i]));
    };
    match i {
        0 => s.memory = n,
        1 => s.memory_swap = n,
        2 => s.cpus_milli = n,
        3 => s.pids = n,
        _ => s.parent = Some(v.to_vec()),
    }
    Ok(true)
}

/// A size in bytes: `4096`, `512k`, `4M`, `1.5G`, `2TiB`, `1gb` (units are powers of 1024,
/// case-insensitive, with an optional `b` or `iB`; at most three decimals; up to 16 PiB).
pub fn parse_size(s: &[u8]) -> Option<u64> {
    let n = s
        .iter()
        .position(|&c| !(c.is_ascii_digit() || c == b'.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(n);
    let shift = match unit {
        [] => 0,
        [b] if b | 0x20 == b'b' => 0,
        [u, rest @ ..] => {
            let i = b"kmgtp".iter().position(|&c| c == u | 0x20)?;
            match rest {
                [] => {}
                [b] | [b'i' | b'I', b] if b | 0x20 == b'b' => {}
                _ => return None,
            }
            10 * (i as u32 + 1)
        }
    };
    // Overflow here means more than 16 PiB: no machine has that much memory.
    Some(parse_fixed(num, 3)?.checked_mul(1 << shift)? / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<CgroupSpec> {
        let a: std::vec::Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let mut l = Lexer::new(&a, 0);
        let mut s = CgroupSpec::default();
        while let Some(arg) = l.next_arg()? {
            if !parse_opt(arg, &mut l, &mut s)? {
                return Err(super::super::unknown(arg, "test"));
            }
        }
        s.check()?;
        Ok(s)
    }

    fn err(args: &[&str]) -> std::string::String {
        std::string::String::from_utf8(parse(args).unwrap_err().render().0).unwrap()
    }

    #[test]
    fn sizes() {
        for (s, n) in [
            ("4096", 4096),
            ("0", 0),
            ("512k", 512 << 10),
            ("512K", 512 << 10),
            ("4M", 4 << 20),
            ("4m", 4 << 20),
            ("4MB", 4 << 20),
            ("4mb", 4 << 20),
            ("4MiB", 4 << 20),
            ("4mib", 4 << 20),
            ("1G", 1 << 30),
            ("1.5G", 3 << 29),
            ("0.5k", 512),
            (".5k", 512),
            ("2T", 2 << 40),
            ("1P", 1 << 50),
            ("100b", 100),
            ("100B", 100),
            ("16P", 16 << 50),
            ("18446744073709551", 18446744073709551),
        ] {
            assert_eq!(parse_size(s.as_bytes()), Some(n), "{s}");
        }
        for s in [
            "", "x", "1x", "-1", "4 M", " 4M", "4M ", "4Mi", "4iB", "4MBB", "4kk", "1.2345G",
            "1..5M", "M", "4e", "0x10", "+4M", "4Mb b",
        ] {
            assert!(parse_size(s.as_bytes()).is_none(), "{s}");
        }
        for s in ["17P", "99999999999999999999", "18446744073709552"] {
            assert!(parse_size(s.as_bytes()).is_none(), "{s}: over 16 PiB");
        }
    }

    #[test]
    fn options() {
        let s = parse(&[
            "--memory",
            "4M",
            "--memory-swap=8m",
            "--cpus",
            "0.5",
            "--pids",
            "64",
            "--cgroup-parent",
            "/batch/jobs",
        ])
        .unwrap();
        assert_eq!(s.memory, 4 << 20);
        assert_eq!(s.memory_swap, 8 << 20);
        assert_eq!(s.cpus_milli, 500);
        assert_eq!(s.quota_us(), 50_000);
        assert_eq!(s.pids, 64);
        assert_eq!(s.parent.as_deref(), Some(&b"/batch/jobs"[..]));
        assert!(!s.is_empty());
        assert!(parse(&[]).unwrap().is_empty());
        let s = parse(&["--memory", "1G", "--memory-swap", "-1"]).unwrap();
        assert_eq!(s.memory_swap, UNLIMITED);
        assert_eq!(parse(&["--cpus", "0.01"]).unwrap().quota_us(), 1000);
        assert_eq!(parse(&["--cpus", "2"]).unwrap().quota_us(), 200_000);
        assert_eq!(parse(&["--cpus", "8192"]).unwrap().cpus_milli, 8_192_000);
        assert_eq!(parse(&["--pids", "4194304"]).unwrap().pids, 4194304);
        let s = parse(&["--cgroup-parent", "sub"]).unwrap();
        assert!(!s.is_empty(), "a parent alone asks for a cgroup");
    }

    #[test]
    fn other_options_are_left_alone() {
        let a: &[&[u8]] = &[b"-m", b"--net", b"--memoryx", b"cmd"];
        let mut l = Lexer::new(a, 0);
        let mut s = CgroupSpec::default();
        for _ in 0..4 {
            let arg = l.next_arg().unwrap().unwrap();
            assert!(!parse_opt(arg, &mut l, &mut s).unwrap());
        }
        assert!(s.is_empty());
    }

    #[test]
    fn bad_input_is_one_clear_line() {
        assert_eq!(
            err(&["--memory", "0"]),
            "husk: --memory '0': not a size from 4k to 16P (bytes, or with k, M, G, T, P: 512k, 4M, 1.5G)\n"
        );
        assert_eq!(
            err(&["--memory", "1x"]),
            "husk: --memory '1x': not a size from 4k to 16P (bytes, or with k, M, G, T, P: 512k, 4M, 1.5G)\n"
        );
        assert_eq!(
            err(&["--cpus", "0"]),
            "husk: --cpus '0': not a number of CPUs from 0.01 to 8192\n"
        );
        assert_eq!(
            err(&["--pids", "-1"]),
            "husk: --pids '-1': not a number of processes from 1 to 4194304\n"
        );
        assert_eq!(
            err(&["--memory-swap", "8M"]),
            "husk: --memory-swap: needs --memory (it limits memory and swap together)\n"
        );
        assert_eq!(
            err(&["--memory", "8M", "--memory-swap", "4M"]),
            "husk: --memory-swap: limits memory + swap: it cannot be less than --memory (-1: no limit)\n"
        );
        assert_eq!(
            err(&["--cgroup-parent", "a/../b"]),
            "husk: --cgroup-parent 'a/../b': not a cgroup path (no . or .. components)\n"
        );
        assert_eq!(err(&["--memory"]), "husk: --memory: needs a value\n");
        for bad in [
            &["--memory", "-1"][..],
            &["--memory", "4095"],
            &["--memory", ""],
            &["--memory-swap", "-2", "--memory", "4M"],
            &["--memory-swap", "0", "--memory", "4M"],
            &["--cpus", "0.009"],
            &["--cpus", "-1"],
            &["--cpus", "1.0001"],
            &["--cpus", "8192.001"],
            &["--cpus", "x"],
            &["--pids", "0"],
            &["--pids", "4194305"],
            &["--pids", "1k"],
            &["--cgroup-parent", ""],
            &["--cgroup-parent", ".."],
            &["--cgroup-parent", "/a/./b"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
