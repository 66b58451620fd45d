//! The container's network as asked for (`--veth`, `--ip`, ...) and its parsers (pure).
//! `rtnl` turns it into rtnetlink bytes; `setup` sends them.
use crate::error::{Error, Result};
use crate::out::cut;
use alloc::vec::Vec;

pub mod rtnl;
pub mod setup;

/// Roles of an address in [`Net::addrs`].
pub const IP: u8 = 1;
pub const HOST_IP: u8 = 2;
pub const ROUTE: u8 = 3;
/// The prefix length of `--route default`: one route per IP version that has a gateway.
pub const DEFAULT: u8 = 255;

/// An address with its prefix length, as given (`10.0.0.2/24`, `fd00::2/64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// [`IP`], [`HOST_IP`] or [`ROUTE`].
    pub role: u8,
    pub v6: bool,
    pub len: u8,
    pub addr: [u8; 16],
    /// The argument it came from, for messages.
    pub text: &'static [u8],
}

impl Cidr {
    pub fn bytes(&self) -> &[u8] {
        &self.addr[..4 + 12 * self.v6 as usize]
    }
    /// AF_INET6 or AF_INET.
    pub fn family(&self) -> u8 {
        2 + 8 * self.v6 as u8
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Net {
    /// `--veth HOST[:CHILD]`: an empty HOST takes the default ([`default_host`]), CHILD defaults
    /// to `eth0`; without `--veth`, `peer` is empty.
    pub host: &'static [u8],
    pub peer: &'static [u8],
    /// `--ip`, `--host-ip` and `--route` values.
    pub addrs: Vec<Cidr>,
    pub mtu: u32,
    /// `--mac`; all zeros (no address) when not given.
    pub mac: [u8; 6],
    /// `--bridge`, `--netns`: empty when not given.
    pub bridge: &'static [u8],
    pub netns: &'static [u8],
    /// The first option given that needs `--veth` (empty: none).
    pub needs_veth: &'static str,
}

impl Net {
    /// The gateway of route `r` in IP version `v6`: the first `--host-ip` of that
    /// version, if the route is of that version and the container has an address in it.
    pub fn gateway(&self, r: &Cidr, v6: bool) -> Option<&Cidr> {
        let (mut ip, mut gw) = (false, None);
        for c in &self.addrs {
            if c.v6 == v6 {
                ip |= c.role == IP;
                if c.role == HOST_IP && gw.is_none() {
                    gw = Some(c);
                }
            }
        }
        gw.filter(|_| ip && (r.len == DEFAULT || r.v6 == v6))
    }
}

/// Groups of hex (`hex`, at most 4 digits) or decimal digits (at most 3) separated by `:`
/// or `.`, `want` bytes in all: one byte each (IPv4, MAC), or two, big-endian, for IPv6
/// (`want` 16), where one `::` stands for one or more groups of zeros.
fn parse(s: &[u8], hex: bool, want: usize) -> Option<[u8; 16]> {
    let (sep, radix, digits) = if hex { (b':', 16, 4) } else { (b'.', 10, 3) };
    let mut a = [0u8; 16];
    let (mut n, mut gap, mut rest) = (0, 99, s);
    if let (16, Some(r)) = (want, crate::out::strip_prefix(rest, b"::")) {
        (gap, rest) = (0, r);
    }
    while !rest.is_empty() {
        let (g, tail) = cut(rest, sep);
        if g.is_empty() || g.len() > digits || n >= want {
            return None;
        }
        let mut v = 0;
        for &c in g {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => 99,
            } as u32;
            if d >= radix {
                return None;
            }
            v = v * radix + d;
        }
        if want == 16 {
            *a.get_mut(n)? = (v >> 8) as u8;
            n += 1;
        } else if v > 255 {
            return None;
        }
        *a.get_mut(n)? = v as u8;
        n += 1;
        rest = match tail {
            Some([]) => return None,
            Some(t) => t,
            None => b"",
        };
        if let (16, [b':', r @ ..]) = (want, rest) {
            if gap != 99 {
                return None;
            }
            (gap, rest) = (n, r);
        }
    }
    if gap == 99 {
        return (n == want).then_some(a);
    }
    if n == want {
        return None;
    }
    // The groups after `::` go to the end.
    let k = want - n;
    for i in (gap..n).rev() {
        if let (Some(&v), Some(_)) = (a.get(i), a.get(i + k)) {
            a[i + k] = v;
            a[i] = 0;
        }
    }
    Some(a)
}

/// An IPv4 (`a.b.c.d`) or IPv6 (`x:x::x`, at most one `::`) address: (is v6, bytes).
#[inline(never)]
pub fn parse_ip(s: &[u8]) -> Option<(bool, [u8; 16])> {
    let v6 = crate::out::has(s, b':');
    Some((v6, parse(s, v6, 4 + 12 * v6 as usize)?))
}

/// `ADDR/LEN`, the length within the IP version's bounds, for `role`; for a [`ROUTE`],
/// also `default` (prefix length [`DEFAULT`]).
#[inline(never)]
pub fn parse_cidr(v: &'static [u8], op: &'static str, role: u8) -> Result<Cidr> {
    let (a, len) = cut(v, b'/');
    let default = role == ROUTE && v == b"default";
    let (ip, len) = match default {
        true => (Some((false, [0; 16])), Some(DEFAULT as u64)),
        false => (parse_ip(a), len.and_then(crate::out::parse_u64)),
    };
    if let (Some((v6, addr)), Some(len)) = (ip, len) {
        if default || len <= 32 + 96 * v6 as u64 {
            return Ok(Cidr {
                role,
                v6,
                len: len as u8,
                addr,
                text: v,
            });
        }
    }
    Err(Error::bad(
        op,
        v,
        "expected ADDR/LEN (IPv4 /0-32, IPv6 /0-128)",
    ))
}

/// The default host-side name for `--veth`: `hk` and `n` in 8 hex digits (10 bytes).
/// `n` is random: husks in different pid namespaces share a network namespace as easily
/// as one, so a pid would not be unique.
pub fn default_host(n: u32) -> [u8; 10] {
    let mut b = *b"hk00000000";
    for (i, c) in b[2..].iter_mut().enumerate() {
        *c = b"0123456789abcdef"[(n >> (28 - 4 * i) & 15) as usize];
    }
    b
}

/// `XX:XX:XX:XX:XX:XX`, a unicast address that is not all zeros; all zeros when `v` is
/// not one.
pub fn parse_mac(v: &[u8]) -> [u8; 6] {
    let mut m = [0u8; 6];
    if let Some(a) = parse(v, true, 6).filter(|a| a[0] & 1 == 0) {
        m.copy_from_slice(&a[..6]);
    }
    m
}

/// A name the kernel takes for a file (`max` 255) or an interface (`max` 15): not empty,
/// not `.` or `..`, no `/`, no space or control byte (NUL, and \x0b, which the kernel
/// counts as whitespace); for an interface also no `:`, no non-breaking space (0xa0,
/// whitespace to the kernel too) and no `%` (the kernel would replace `%d` by a number:
/// the name made would not be the one asked for).
pub fn name_ok(name: &[u8], max: usize) -> bool {
    let link = max < 16;
    !name.is_empty()
        && name.len() <= max
        && name != b"."
        && name != b".."
        && !name.iter().any(|&c| {
            c == b'/' || c <= b' ' || c == 0x7f || (link && matches!(c, b':' | b'%' | 0xa0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &'static str) -> Option<(bool, [u8; 16])> {
        parse_ip(s.as_bytes())
    }

    #[test]
    fn ipv4() {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[10, 16, 8, 2]);
        assert_eq!(ip("10.16.8.2"), Some((false, a)));
        assert_eq!(ip("0.0.0.0"), Some((false, [0; 16])));
        for bad in [
            "10.0.0",
            "10.0.0.256",
            "1.2.3.4.5",
            "a.b.c.d",
            "",
            "1..2.3",
            "0001.1.1.1",
            "1@.0.0.1",
            "1.0.0.\x11",
        ] {
            assert_eq!(ip(bad), None, "{bad}");
        }
    }

    #[test]
    fn ipv6() {
        let mut a = [0u8; 16];
        a[0] = 0xfd;
        a[15] = 2;
        assert_eq!(ip("fd00::2"), Some((true, a)));
        assert_eq!(ip("fd00:0:0:0:0:0:0:2"), Some((true, a)));
        assert_eq!(ip("::"), Some((true, [0; 16])));
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(ip("::1"), Some((true, one)));
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(ip("2001:DB8::"), Some((true, b)));
        let full: [u8; 16] =
            core::array::from_fn(|i| if i % 2 == 1 { (i / 2 + 1) as u8 } else { 0 });
        assert_eq!(ip("1:2:3:4:5:6:7:8"), Some((true, full)));
        let mut c = [0u8; 16];
        c[1] = 1;
        c[13] = 7;
        c[15] = 8;
        assert_eq!(ip("1::7:8"), Some((true, c)));
        for bad in [
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":::",
            "12345::",
            "g::",
            "1:2:3:4:5:6:7::8",
            "::1:2:3:4:5:6:7:8",
            ":1::",
            "1:",
            "::1.2.3.4",
            "@::",
            "`::",
            "1:G::",
        ] {
            assert_eq!(ip(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        let c = parse_cidr(b"10.0.0.2/24", "--ip", IP).unwrap();
        assert_eq!((c.v6, c.len, c.bytes()), (false, 24, &[10, 0, 0, 2][..]));
        assert_eq!(c.family(), 2);
        let c = parse_cidr(b"fd00::1/128", "--ip", IP).unwrap();
        assert_eq!(
            (c.v6, c.len, c.bytes().len(), c.family()),
            (true, 128, 16, 10)
        );
        for bad in [
            &b"10.0.0.2"[..],
            b"10.0.0.2/33",
            b"10.0.0.2/",
            b"10.0.0/8",
            b"fd00::/129",
            b"/24",
            b"10.0.0.2/-1",
            b"10.0.0.2/24/1",
            b"default",
        ] {
            let e = parse_cidr(bad, "--ip", IP).unwrap_err();
            assert_eq!(e.op, b"--ip");
            assert!(e.hint.starts_with(b"expected ADDR/LEN"));
        }
        let d = parse_cidr(b"default", "--route", ROUTE).unwrap();
        assert_eq!((d.v6, d.len, d.text), (false, DEFAULT, &b"default"[..]));
        assert!(parse_cidr(b"0.0.0.0/255", "--route", ROUTE).is_err());
    }

    #[test]
    fn macs() {
        assert_eq!(parse_mac(b"02:00:0a:10:08:02"), [2, 0, 10, 16, 8, 2]);
        assert_eq!(parse_mac(b"2:0:A:1:2:3"), [2, 0, 10, 1, 2, 3]);
        for bad in [
            &b"02:00:00:00:00"[..],
            b"02:00:00:00:00:00:00",
            b"02:00:00:00:00:0g",
            b"02:00:00:00:00:100",
            b"",
            b"01:00:5e:00:00:01",
            b"00:00:00:00:00:00",
        ] {
            assert_eq!(parse_mac(bad), [0; 6], "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn default_hosts() {
        assert_eq!(&default_host(0x0123_abcd), b"hk0123abcd");
        assert_eq!(&default_host(7), b"hk00000007");
        assert_eq!(&default_host(!0), b"hkffffffff");
        assert!(name_ok(&default_host(0xdead_beef), 15));
    }

    #[test]
    fn names() {
        assert!(name_ok(b"eth0", 15));
        assert!(name_ok(b"a-very-long-nm1", 15));
        assert!(name_ok(b"a:b", 255), "a file name may have a colon");
        for bad in [
            &b""[..],
            b"a-very-long-name",
            b"a/b",
            b"a b",
            b"a:b",
            b".",
            b"..",
            b"a\0",
            b"a\x0bb",
            b"a\tb",
            b"a\x7f",
            b"a\xa0b",
            b"h%d",
            b"%",
        ] {
            assert!(!name_ok(bad, 15), "{bad:?}");
        }
        assert!(name_ok(b"a%d", 255), "a file name may have a percent sign");
        assert!(!name_ok(b"a\x0bb", 255));
        assert!(!name_ok(&[b'a'; 256], 255));
    }
}
