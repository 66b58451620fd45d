//! System call names ⇄ numbers, from the `syscalls` crate's tables compressed by build.rs.
//!
//! A table of `&str` would cost ~9 KB per architecture (16-byte slices plus the text);
//! byte-pair encoding brings the ~3.5 KB of names down to ~2 KB, decoded name by name
//! on each lookup: up to 10 µs here for x86_64's 383 names (`lookup_time`). Skipping a
//! name at its first differing byte made that 3-4 µs, for ~100 bytes more code: only
//! `--seccomp-deny` and `--seccomp FILE` look names up. Only the target's table is
//! linked into the binary; the tests check both against the crate.

/// One architecture's names: see `emit_table` in build.rs for the encoding.
pub struct Table {
    /// The bytes that token codes 1..=alpha.len() stand for.
    pub alpha: &'static [u8],
    /// Codes from here up are pairs that end a name.
    pub term: u8,
    /// Pair codes alpha.len()+1.. expand to pairs[2i], pairs[2i+1].
    pub pairs: &'static [u8],
    /// The names in number order, each ended by a terminal token.
    pub data: &'static [u8],
    /// Runs of consecutive numbers: first, end (excluded), first, end...
    pub runs: &'static [u16],
}

include!(concat!(env!("OUT_DIR"), "/sysnames.rs"));

/// The table of the architecture husk is built for.
#[cfg(target_arch = "x86_64")]
pub const TARGET: &Table = &X86_64;
#[cfg(target_arch = "aarch64")]
pub const TARGET: &Table = &AARCH64;

/// The message for a name missing from the target's table.
#[cfg(target_arch = "x86_64")]
pub const UNKNOWN: &str = "not a system call on x86_64";
#[cfg(target_arch = "aarch64")]
pub const UNKNOWN: &str = "not a system call on aarch64";

/// A name being decoded: at most 31 bytes (the longest is 23).
struct Buf {
    b: [u8; 32],
    n: usize,
}

impl Table {
    /// Appends the bytes token `t` stands for to `buf` (nothing for 0, the end of a name).
    fn expand(&self, t: u8, buf: &mut Buf) {
        let t = t as usize;
        let first_pair = self.alpha.len() + 1;
        if t >= first_pair {
            let i = 2 * (t - first_pair);
            self.expand(self.pairs[i], buf);
            self.expand(self.pairs[i + 1], buf);
        } else if t > 0 && buf.n < 32 {
            buf.b[buf.n] = self.alpha[t - 1];
            buf.n += 1;
        }
    }

    /// Calls `f(number, name)` for each system call, in number order, until it returns
    /// true; returns that call's number.
    #[inline(never)]
    pub fn find(&self, f: &mut dyn FnMut(u32, &[u8]) -> bool) -> Option<u32> {
        let mut buf = Buf { b: [0; 32], n: 0 };
        let mut runs = self.runs;
        let mut nr = runs[0];
        for &t in self.data {
            self.expand(t, &mut buf);
            if t == 0 || t >= self.term {
                if f(nr as u32, &buf.b[..buf.n]) {
                    return Some(nr as u32);
                }
                buf.n = 0;
                nr += 1;
                if runs.get(1) == Some(&nr) && runs.len() > 2 {
                    runs = &runs[2..];
                    nr = runs[0];
                }
            }
        }
        None
    }

    /// The number of system call `name` (lower case, as in the kernel's tables).
    pub fn lookup(&self, name: &[u8]) -> Option<u32> {
        self.find(&mut |_, n| n == name)
    }

    /// Every (name, number), in number order (tests only: it allocates).
    #[cfg(test)]
    pub fn all(&self) -> std::vec::Vec<(std::string::String, u32)> {
        let mut v = std::vec::Vec::new();
        self.find(&mut |nr, n| {
            v.push((std::string::String::from_utf8(n.to_vec()).unwrap(), nr));
            false
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    macro_rules! crate_table {
        ($arch:ident) => {{
            use syscalls::$arch::Sysno;
            (0..=Sysno::last().id() as usize)
                .filter_map(Sysno::new)
                .map(|s| (s.name().to_string(), s.id() as u32))
                .collect::<Vec<_>>()
        }};
    }

    #[test]
    fn tables_round_trip_against_the_syscalls_crate() {
        for (t, want) in [
            (&X86_64, crate_table!(x86_64)),
            (&AARCH64, crate_table!(aarch64)),
        ] {
            assert_eq!(t.all(), want);
            for (name, nr) in &want {
                assert_eq!(t.lookup(name.as_bytes()), Some(*nr), "{name}");
            }
            assert!(want.iter().all(|(n, _)| n.len() < 32));
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(X86_64.lookup(b"read"), Some(0));
        assert_eq!(X86_64.lookup(b"kill"), Some(62));
        assert_eq!(AARCH64.lookup(b"kill"), Some(129));
        assert_eq!(X86_64.lookup(b"iopl"), Some(172));
        assert_eq!(AARCH64.lookup(b"iopl"), None, "x86 only");
        assert_eq!(X86_64.lookup(b"open_tree_attr"), Some(467));
        for bad in [&b""[..], b"kil", b"killx", b"KILL", b"read\0"] {
            assert_eq!(X86_64.lookup(bad), None, "{bad:?}");
        }
        assert_eq!(
            TARGET.lookup(b"kill"),
            Some(syscalls::Sysno::kill as u32),
            "the target's table is the running arch's"
        );
    }

    #[test]
    fn compact() {
        for t in [&X86_64, &AARCH64] {
            let total = t.alpha.len() + t.pairs.len() + t.data.len() + 2 * t.runs.len();
            assert!(total < 2200, "{total} bytes");
        }
    }

    #[test]
    fn lookup_time() {
        // Not a threshold: the figure quoted in the module's doc comment.
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            assert_eq!(X86_64.lookup(b"nope"), None);
        }
        let us = t.elapsed().as_secs_f64() * 1e3;
        std::eprintln!("a whole walk of the x86_64 table: {us:.1} µs");
    }
}
