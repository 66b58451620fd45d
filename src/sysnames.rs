//! System call names ⇄ numbers, from the `syscalls` crate's tables compressed by build.rs.
//!
//! A table of `&str` would cost ~9 KB per architecture (16-byte slices plus the text);
//! byte-pair encoding brings the ~3.5 KB of names down to ~2 KB, decoded on lookup
//! (one lookup walks the whole table in a few microseconds). Only the target's table is
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
    /// Runs of consecutive numbers: first, count, first, count...
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

impl Table {
    /// Feeds the bytes of token `t` to `f` until `f` returns false; returns whether all
    /// were accepted.
    #[inline(never)]
    fn expand(&self, t: u8, f: &mut dyn FnMut(u8) -> bool) -> bool {
        let mut stack = [0u8; 32];
        let mut n = 1;
        stack[0] = t;
        let first_pair = self.alpha.len() + 1;
        while n > 0 {
            n -= 1;
            let t = stack[n] as usize;
            if t >= first_pair {
                let i = 2 * (t - first_pair);
                stack[n] = self.pairs[i + 1];
                stack[n + 1] = self.pairs[i];
                n += 2;
            } else if t > 0 && !f(self.alpha[t - 1]) {
                return false;
            }
        }
        true
    }

    /// Calls `f(index, pos)` with the position in `data` where each name starts.
    #[inline(never)]
    fn scan(&self, f: &mut dyn FnMut(usize, usize) -> bool) {
        let mut pos = 0;
        let mut idx = 0;
        while pos < self.data.len() {
            if !f(idx, pos) {
                return;
            }
            while pos < self.data.len() {
                let t = self.data[pos];
                pos += 1;
                if t == 0 || t >= self.term {
                    break;
                }
            }
            idx += 1;
        }
    }

    /// Does the name starting at `pos` equal `name`?
    fn name_is(&self, mut pos: usize, name: &[u8]) -> bool {
        let mut i = 0;
        loop {
            let t = self.data[pos];
            pos += 1;
            let ok = self.expand(t, &mut |c| {
                let same = name.get(i) == Some(&c);
                i += 1;
                same
            });
            if !ok {
                return false;
            }
            if t == 0 || t >= self.term {
                return i == name.len();
            }
        }
    }

    /// The number of the `idx`th name.
    fn number(&self, mut idx: usize) -> u32 {
        for r in self.runs.chunks(2) {
            if idx < r[1] as usize {
                return r[0] as u32 + idx as u32;
            }
            idx -= r[1] as usize;
        }
        u32::MAX
    }

    /// The number of system call `name` (lower case, as in the kernel's tables).
    pub fn lookup(&self, name: &[u8]) -> Option<u32> {
        let mut found = None;
        self.scan(&mut |idx, pos| {
            if self.name_is(pos, name) {
                found = Some(self.number(idx));
                return false;
            }
            true
        });
        found
    }

    /// Appends the name of system call `nr` to `out` (nothing if there is none).
    pub fn name_of(&self, nr: u32, out: &mut alloc::vec::Vec<u8>) {
        self.scan(&mut |idx, mut pos| {
            if self.number(idx) != nr {
                return true;
            }
            loop {
                let t = self.data[pos];
                pos += 1;
                self.expand(t, &mut |c| {
                    out.push(c);
                    true
                });
                if t == 0 || t >= self.term {
                    return false;
                }
            }
        });
    }

    /// Every (name, number), in number order (tests and tools only: it allocates).
    #[cfg(test)]
    pub fn all(&self) -> std::vec::Vec<(std::string::String, u32)> {
        let mut v = std::vec::Vec::new();
        self.scan(&mut |idx, mut pos| {
            let mut s = std::string::String::new();
            loop {
                let t = self.data[pos];
                pos += 1;
                self.expand(t, &mut |c| {
                    s.push(c as char);
                    true
                });
                if t == 0 || t >= self.term {
                    break;
                }
            }
            v.push((s, self.number(idx)));
            true
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
                let mut v = Vec::new();
                t.name_of(*nr, &mut v);
                assert_eq!(v, name.as_bytes());
            }
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
}
