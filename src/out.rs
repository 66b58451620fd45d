//! Text output without `core::fmt` (which would cost kilobytes): a byte buffer with
//! appenders for strings and numbers, written to a descriptor in one `write`.
use alloc::vec::Vec;

#[derive(Default)]
pub struct Msg(pub Vec<u8>);

impl Msg {
    pub fn new() -> Msg {
        Msg(Vec::with_capacity(128))
    }
    /// Starts a diagnostic line: `husk: `.
    #[inline(never)]
    pub fn husk() -> Msg {
        let mut m = Msg::new();
        m.s(b"husk: ");
        m
    }
    #[inline(never)]
    pub fn s(&mut self, s: &[u8]) -> &mut Msg {
        self.0.extend_from_slice(s);
        self
    }
    #[inline(never)]
    pub fn c(&mut self, c: u8) -> &mut Msg {
        self.0.push(c);
        self
    }
    #[inline(never)]
    pub fn u(&mut self, n: u64) -> &mut Msg {
        let mut b = [0u8; 20];
        self.s(fmt_u64(n, &mut b))
    }
    #[inline(never)]
    pub fn i(&mut self, n: i64) -> &mut Msg {
        if n < 0 {
            self.c(b'-');
        }
        self.u(n.unsigned_abs())
    }
    /// A fixed-point decimal: `n / 10^digits`, e.g. `fixed(1234, 3)` is `1.234`.
    pub fn fixed(&mut self, n: u64, digits: u32) -> &mut Msg {
        let p = 10u64.pow(digits);
        self.u(n / p).c(b'.');
        let mut b = [0u8; 20];
        let frac = fmt_u64(n % p, &mut b);
        for _ in frac.len()..digits as usize {
            self.c(b'0');
        }
        self.s(frac)
    }
    /// Right-aligns what `f` appends in a column of `width` bytes.
    pub fn pad(&mut self, width: usize, f: impl FnOnce(&mut Msg)) -> &mut Msg {
        let mut m = Msg::new();
        f(&mut m);
        for _ in m.0.len()..width {
            self.c(b' ');
        }
        self.s(&m.0)
    }
    #[inline(never)]
    pub fn nl(&mut self) -> &mut Msg {
        self.c(b'\n')
    }
    /// Writes the whole buffer to `fd`, ignoring errors (there is nowhere to report them),
    /// and gives the buffer's memory back (see `sys::alloc`): the init loop can log for
    /// years without growing. The message is empty afterwards.
    #[inline(never)]
    pub fn to(&mut self, fd: i32) {
        let v = core::mem::take(&mut self.0);
        let _ = crate::sys::write_all(fd, &v);
        crate::sys::alloc::free_last(v.as_ptr(), v.capacity());
        core::mem::forget(v);
    }
    pub fn err(&mut self) {
        self.to(2)
    }
    pub fn out(&mut self) {
        self.to(1)
    }
}

/// Formats `n` in decimal into `buf`, returning the digits.
pub fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    // u64::MAX has 20 digits: the loop ends on n == 0 before the buffer does.
    for d in buf.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        i -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}

/// Parses an unsigned decimal number; no sign, no spaces, no overflow.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &c| {
        if c.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add((c - b'0') as u64)
        } else {
            None
        }
    })
}

/// Cuts `s` at the first `sep`: the part before it, and what follows it (None when
/// there is no `sep`). One small loop for every comma list, line and word split: the
/// core iterators (`split`, `position`) cost more where each one is inlined.
#[inline(never)]
pub fn cut(s: &[u8], sep: u8) -> (&[u8], Option<&[u8]>) {
    let mut i = 0;
    while i < s.len() && s[i] != sep {
        i += 1;
    }
    // Past the end when there is no `sep`: then the rest is empty and has no byte to skip.
    let (a, b) = s.split_at_checked(i).unwrap_or((s, &[]));
    (a, b.get(1..))
}

/// `s` without the prefix `p`, if it starts so. One copy for every caller:
/// `<[u8]>::strip_prefix` is instantiated for each length of array it is given.
#[inline(never)]
pub fn strip_prefix<'a>(s: &'a [u8], p: &[u8]) -> Option<&'a [u8]> {
    let (a, b) = s.split_at_checked(p.len())?;
    (a == p).then_some(b)
}

/// `s` without the suffix `p`, if it ends so (see [`strip_prefix`]).
#[inline(never)]
pub fn strip_suffix<'a>(s: &'a [u8], p: &[u8]) -> Option<&'a [u8]> {
    let (a, b) = s.split_at_checked(s.len().checked_sub(p.len())?)?;
    (b == p).then_some(a)
}

/// Whether `s` holds the byte `c`: a plain loop, where `<[u8]>::contains` is a
/// word-at-a-time search.
#[inline(never)]
pub fn has(s: &[u8], c: u8) -> bool {
    for &x in s {
        if x == c {
            return true;
        }
    }
    false
}

/// `s` as an array (for [`crate::hot_str!`]); `N` is its length.
pub const fn array<const N: usize>(s: &str) -> [u8; N] {
    let mut a = [0; N];
    let mut i = 0;
    while i < N {
        a[i] = s.as_bytes()[i];
        i += 1;
    }
    a
}

/// The index of `w` in a space-separated table (`fold`: ASCII case-insensitive). Tables
/// are one string: a `&str` table would cost 16 bytes per entry.
#[inline(never)]
pub fn word_index(table: &[u8], w: &[u8], fold: bool) -> Option<usize> {
    let mut rest = Some(table);
    let mut i = 0;
    while let Some(r) = rest {
        let (t, next) = cut(r, b' ');
        if t.len() == w.len()
            && t.iter()
                .zip(w)
                .all(|(a, b)| a == b || fold && lower(*a) == lower(*b))
        {
            return Some(i);
        }
        rest = next;
        i += 1;
    }
    None
}

/// The `i`th word of a space-separated table.
pub fn word(table: &'static str, i: usize) -> Option<&'static [u8]> {
    field(table, b' ', i).map(str::as_bytes)
}

/// The `i`th field of a table whose fields `sep` (an ASCII byte) separates. One loop for
/// every table: `str::split` would bring in the core string searcher.
#[inline(never)]
pub fn field(table: &'static str, sep: u8, mut i: usize) -> Option<&'static str> {
    let b = table.as_bytes();
    let mut start = 0;
    let mut j = 0;
    while j <= b.len() {
        if j == b.len() || b[j] == sep {
            if i == 0 {
                return table.get(start..j);
            }
            i -= 1;
            start = j + 1;
        }
        j += 1;
    }
    None
}

fn lower(c: u8) -> u8 {
    c | ((c.is_ascii_uppercase() as u8) << 5)
}

/// Parses a decimal number with an optional fraction into units of `10^-digits`,
/// e.g. `parse_fixed(b"1.5", 3) == Some(1500)`. Extra fraction digits are an error.
pub fn parse_fixed(s: &[u8], digits: u32) -> Option<u64> {
    let (int, frac) = cut(s, b'.');
    let frac = frac.unwrap_or_default();
    if frac.len() > digits as usize || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let int = if int.is_empty() { 0 } else { parse_u64(int)? };
    let mut f = if frac.is_empty() { 0 } else { parse_u64(frac)? };
    for _ in frac.len()..digits as usize {
        f *= 10;
    }
    int.checked_mul(10u64.pow(digits))?.checked_add(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut b = [0; 20];
        assert_eq!(fmt_u64(0, &mut b), b"0");
        assert_eq!(fmt_u64(u64::MAX, &mut b), b"18446744073709551615");
        let mut m = Msg::new();
        m.i(-42).c(b' ').fixed(1234, 3).c(b' ').fixed(5, 2).c(b' ');
        m.pad(5, |m| {
            m.u(7);
        });
        assert_eq!(m.0, b"-42 1.234 0.05     7");
    }

    #[test]
    fn tables_and_cuts() {
        assert_eq!(cut(b"a,b,c", b','), (&b"a"[..], Some(&b"b,c"[..])));
        assert_eq!(cut(b"abc", b','), (&b"abc"[..], None));
        assert_eq!(cut(b"", b','), (&b""[..], None));
        assert_eq!(cut(b",", b','), (&b""[..], Some(&b""[..])));
        assert_eq!(word_index(b"ab cd ef", b"cd", false), Some(1));
        assert_eq!(word_index(b"ab cd ef", b"CD", false), None);
        assert_eq!(word_index(b"ab cd ef", b"eF", true), Some(2));
        assert_eq!(word_index(b"ab cd ef", b"c", true), None);
        assert_eq!(word_index(b"ab cd_ ef", b"cd\x7f", true), None);
        assert_eq!(word("ab cd ef", 2), Some(&b"ef"[..]));
        assert_eq!(word("ab cd ef", 3), None);
        assert_eq!(strip_prefix(b"--ab", b"--"), Some(&b"ab"[..]));
        assert_eq!(strip_prefix(b"-", b"--"), None);
        assert_eq!(strip_suffix(b"a:ro", b":ro"), Some(&b"a"[..]));
        assert_eq!(strip_suffix(b"ro", b":ro"), None);
        assert_eq!(strip_suffix(b"/", b"/"), Some(&b""[..]));
        assert!(has(b"a/b", b'/') && !has(b"ab", b'/') && !has(b"", 0));
        assert_eq!(field("- a|b c|", b'|', 1), Some("b c"));
        assert_eq!(field("- a|b c|", b'|', 2), Some(""));
        assert_eq!(field("- a|b c|", b'|', 3), None);
        assert_eq!(field("", b'|', 0), Some(""));
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"1x"), None);
        assert_eq!(parse_fixed(b"1.5", 3), Some(1500));
        assert_eq!(parse_fixed(b".25", 3), Some(250));
        assert_eq!(parse_fixed(b"2", 3), Some(2000));
        assert_eq!(parse_fixed(b"1.2345", 3), None);
        assert_eq!(parse_fixed(b".", 3), None);
        assert_eq!(parse_fixed(b"1.-5", 3), None);
    }
}

/// Parses a size: bytes, or a number with `k`, `M`, `G`, `T` (powers of 1024, any case,
/// an optional trailing `b`/`B` or `iB`): `512k`, `4M`, `1G`, `4096`.
pub fn parse_size(s: &[u8]) -> Option<u64> {
    let lower = |i: usize| s.get(i).map(|c| c.to_ascii_lowercase());
    let n = s.len();
    // "4MiB" → "4M", "4MB"/"100b" → "4M"/"100": an "iB" needs a unit letter before it.
    let s = if n >= 3
        && lower(n - 2) == Some(b'i')
        && lower(n - 1) == Some(b'b')
        && !s[n - 3].is_ascii_digit()
    {
        &s[..n - 2]
    } else if n >= 2 && lower(n - 1) == Some(b'b') {
        &s[..n - 1]
    } else {
        s
    };
    let (num, shift) = match s.last().map(|c| c.to_ascii_lowercase()) {
        Some(b'k') => (&s[..s.len() - 1], 10),
        Some(b'm') => (&s[..s.len() - 1], 20),
        Some(b'g') => (&s[..s.len() - 1], 30),
        Some(b't') => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    parse_u64(num)?.checked_mul(1u64 << shift)
}

#[cfg(test)]
mod size_tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size(b"4096"), Some(4096));
        assert_eq!(parse_size(b"512k"), Some(512 << 10));
        assert_eq!(parse_size(b"4M"), Some(4 << 20));
        assert_eq!(parse_size(b"4m"), Some(4 << 20));
        assert_eq!(parse_size(b"1G"), Some(1 << 30));
        assert_eq!(parse_size(b"1GiB"), Some(1 << 30));
        assert_eq!(parse_size(b"64kB"), Some(64 << 10));
        assert_eq!(parse_size(b"100b"), Some(100));
        for bad in [
            &b""[..],
            b"1x",
            b"-1",
            b"M",
            b"1.5M",
            b"99999999999999999999T",
            b"kB",
        ] {
            assert_eq!(parse_size(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }
}
