//! `husk run`'s cgroup options, parsed into a [`CgroupSpec`]: `--memory`, `--memory-swap`,
//! `--cpus`, `--pids`, `--cgroup-parent`. Every value is checked here, before anything exists.
//!
//! The run parser calls [`parse_opt`] for each option it does not know itself and
//! [`CgroupSpec::check`] once all options are read (the swap limit depends on the memory one).
use super::{Arg, Lexer};
use crate::error::{Error, Result};
use crate::out::{parse_fixed, parse_size, parse_u64, word_index, Msg};

/// `--memory-swap -1`.
pub const UNLIMITED: u64 = u64::MAX;

/// Indices in [`CgroupSpec::lim`]: the first three are those of the controllers' bits
/// (`crate::cgroup::MEMORY`...).
pub const MEM: usize = 0;
pub const CPUS: usize = 1;
pub const NPROC: usize = 2;
pub const SWAP: usize = 3;

/// The cgroup part of a container's description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupSpec {
    /// The limits, 0 where not given: `--memory` in bytes, `--cpus` in thousandths of a
    /// CPU, `--pids`, and `--memory-swap`: memory + swap, in bytes, or [`UNLIMITED`] (when
    /// not given and `--memory` is, the container may use as much swap as memory:
    /// Docker's default).
    pub lim: [u64; 4],
    /// `--cgroup-parent`, as given (checked: no `.` or `..` components).
    pub parent: Option<&'static [u8]>,
}

impl CgroupSpec {
    /// No cgroup option was given: the container needs no cgroup of its own.
    pub fn is_empty(&self) -> bool {
        self.lim == [0; 4] && self.parent.is_none()
    }

    /// The check that needs every option: call once after parsing.
    pub fn check(&self) -> Result<()> {
        let [mem, _, _, swap] = self.lim;
        if swap != 0 && (mem == 0 || swap < mem) {
            return Err(Error::usage(
                "--memory-swap",
                "limits memory + swap: it needs a --memory no larger (-1: no swap limit)",
            ));
        }
        Ok(())
    }
}

/// In the order of [`CgroupSpec::lim`]: each option and what its value must be.
const OPTS: [(&str, &str); 5] = [
    ("--memory", "not a size of 4k or more (512k, 4M, 1G)"),
    ("--cpus", "not a number of CPUs from 0.01 to 8192"),
    ("--pids", "not a number of processes from 1 to 4194304"),
    (
        "--memory-swap",
        "not a size of 4k or more, or -1 (no limit)",
    ),
    (
        "--cgroup-parent",
        "not a cgroup path (no . or .. components)",
    ),
];

/// Handles `arg` if it is a cgroup option; `Ok(false)` leaves it to the caller.
pub fn parse_opt(arg: Arg, l: &mut Lexer<'_, 'static>, s: &mut CgroupSpec) -> Result<bool> {
    let Arg::Long(name) = arg else {
        return Ok(false);
    };
    let found = word_index(b"memory cpus pids memory-swap cgroup-parent", name, false)
        .and_then(|i| Some((i, OPTS.get(i)?)));
    let Some((i, &(opt, why))) = found else {
        return Ok(false);
    };
    let v = l.value(opt)?;
    let n = match i {
        SWAP if v == b"-1" => Some(UNLIMITED),
        MEM | SWAP => parse_size(v).filter(|&n| n >= 4096),
        // The kernel refuses a quota below 1 ms; 8192: the largest NR_CPUS of x86_64 and
        // arm64 kernels.
        CPUS => parse_fixed(v, 3).filter(|m| (10..=8_192_000).contains(m)),
        // PID_MAX_LIMIT on 64-bit kernels: no pids limit can mean more.
        NPROC => parse_u64(v).filter(|n| (1..=4 << 20).contains(n)),
        // `..` would leave the hierarchy (or the caller's own subtree).
        _ => {
            s.parent = Some(v);
            (!v.is_empty() && crate::cgroup::tidy(v, &mut Msg::new())).then_some(0)
        }
    };
    let Some(n) = n else {
        return Err(Error::bad(opt, v, why));
    };
    if let Some(l) = s.lim.get_mut(i) {
        *l = n;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&'static str]) -> Result<CgroupSpec> {
        let a: std::vec::Vec<&'static [u8]> = args.iter().map(|s| s.as_bytes()).collect();
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

    fn err(args: &[&'static str]) -> std::string::String {
        std::string::String::from_utf8(parse(args).unwrap_err().render().0).unwrap()
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
        assert_eq!(s.lim, [4 << 20, 500, 64, 8 << 20]);
        assert_eq!(s.parent, Some(&b"/batch/jobs"[..]));
        assert!(!s.is_empty());
        assert!(parse(&[]).unwrap().is_empty());
        let s = parse(&["--memory", "1G", "--memory-swap", "-1"]).unwrap();
        assert_eq!(s.lim[SWAP], UNLIMITED);
        // Sizes as --tmpfs takes them (out::parse_size).
        for (v, n) in [
            ("4096", 4096),
            ("512k", 512 << 10),
            ("4MiB", 4 << 20),
            ("1G", 1 << 30),
        ] {
            assert_eq!(parse(&["--memory", v]).unwrap().lim[MEM], n, "{v}");
        }
        assert_eq!(parse(&["--cpus", "0.01"]).unwrap().lim[CPUS], 10);
        assert_eq!(parse(&["--cpus", "2"]).unwrap().lim[CPUS], 2000);
        assert_eq!(parse(&["--cpus", "8192"]).unwrap().lim[CPUS], 8_192_000);
        assert_eq!(parse(&["--pids", "4194304"]).unwrap().lim[NPROC], 4194304);
        let s = parse(&["--cgroup-parent", "sub"]).unwrap();
        assert!(!s.is_empty(), "a parent alone asks for a cgroup");
    }

    #[test]
    fn other_options_are_left_alone() {
        let a: &[&'static [u8]] = &[b"-m", b"--net", b"--memoryx", b"cmd"];
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
            "husk: --memory '0': not a size of 4k or more (512k, 4M, 1G)\n"
        );
        assert_eq!(
            err(&["--memory", "1x"]),
            "husk: --memory '1x': not a size of 4k or more (512k, 4M, 1G)\n"
        );
        assert_eq!(
            err(&["--cpus", "0"]),
            "husk: --cpus '0': not a number of CPUs from 0.01 to 8192\n"
        );
        assert_eq!(
            err(&["--pids", "-1"]),
            "husk: --pids '-1': not a number of processes from 1 to 4194304\n"
        );
        let swap = "husk: --memory-swap: limits memory + swap: it needs a --memory no larger (-1: no swap limit)\n";
        assert_eq!(err(&["--memory-swap", "8M"]), swap);
        assert_eq!(err(&["--memory-swap", "-1"]), swap);
        assert_eq!(err(&["--memory", "8M", "--memory-swap", "4M"]), swap);
        assert!(parse(&["--memory", "8M", "--memory-swap", "8M"]).is_ok());
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
