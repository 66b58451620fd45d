//! rtnetlink (NETLINK_ROUTE) requests and replies, as bytes, by pure code.
//!
//! Requests are appended to one vector, so that a whole batch reaches the kernel in one
//! `write`; only the last asks for an ack (a failing request gets its error anyway), so a
//! batch that works costs one read. Layouts: `struct nlmsghdr` (16 bytes), then the
//! family header (`ifinfomsg` 16, `ifaddrmsg` 8, `rtmsg` 12), then attributes (`rtattr`:
//! u16 length, u16 type, data, padded to 4), nested ones holding attributes.
use super::{Cidr, Net, DEFAULT};
use crate::out::Msg;
use alloc::vec::Vec;

// <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>, <linux/netlink.h> (stable UAPI).
pub const NEWLINK: u16 = 16;
pub const DELLINK: u16 = 17;
pub const SETLINK: u16 = 19;
pub const NEWADDR: u16 = 20;
pub const NEWROUTE: u16 = 24;
const ERROR: u16 = 2;
const F_REQUEST: u16 = 1;
const F_ACK: u8 = 4;
const F_REPLACE: u16 = 0x100;
const F_EXCL: u16 = 0x200;
const F_CREATE: u16 = 0x400;
const ERR_ATTR_MSG: u16 = 1;
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
pub const IFLA_NET_NS_PID: u16 = 19;
pub const IFLA_NET_NS_FD: u16 = 28;
const INFO_KIND: u16 = 1;
const INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const IFA_F_NODAD: u8 = 2;

/// A batch of requests. Each message's sequence number is where its line starts in
/// `what`: what it does, as its error says it (`husk: <line>: <ERRNO> (...)`).
#[derive(Default)]
pub struct Req {
    pub buf: Vec<u8>,
    msg: usize,
    pub what: Msg,
}

/// `struct ifinfomsg`: AF_UNSPEC, the index (0: by name), up (IFF_UP in ifi_flags and
/// ifi_change).
fn ifinfo(index: u32) -> [u8; 16] {
    let [a, b, c, d] = index.to_ne_bytes();
    [0, 0, 0, 0, a, b, c, d, 1, 0, 0, 0, 1, 0, 0, 0]
}

impl Req {
    #[inline(never)]
    pub fn new() -> Req {
        Req::default()
    }

    /// Starts a message: its header (length filled in later) and family header; `what`
    /// joined is its line in [`Req::what`].
    #[inline(never)]
    fn begin(&mut self, ty: u16, flags: u16, fixed: &[u8], what: &[&[u8]]) {
        self.seal();
        self.msg = self.buf.len();
        let [e, f, g, h] = (self.what.0.len() as u32).to_ne_bytes();
        for w in what {
            self.what.s(w);
        }
        self.what.nl();
        let [a, b] = ty.to_ne_bytes();
        let [c, d] = (flags | F_REQUEST).to_ne_bytes();
        self.buf
            .extend_from_slice(&[0, 0, 0, 0, a, b, c, d, e, f, g, h, 0, 0, 0, 0]);
        self.buf.extend_from_slice(fixed);
    }

    fn seal(&mut self) {
        let len = (self.buf.len() - self.msg) as u32;
        if let Some(l) = self.buf.get_mut(self.msg..self.msg + 4) {
            l.copy_from_slice(&len.to_ne_bytes());
        }
    }

    /// The batch, its last message asking for an ack; `None` when it is empty.
    pub fn finish(&mut self) -> Option<&[u8]> {
        self.seal();
        *self.buf.get_mut(self.msg + 6)? |= F_ACK;
        Some(&self.buf)
    }

    /// Empties the batch.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.what.0.clear();
        self.msg = 0;
    }

    /// The line in [`Req::what`] of the message numbered `seq`.
    pub fn line(&self, seq: u32) -> &[u8] {
        let w = self.what.0.get(seq as usize..).unwrap_or(b"");
        crate::out::cut(w, b'\n').0
    }

    /// Appends an attribute; returns where it starts (for [`Req::close`] when nesting).
    #[inline(never)]
    pub fn attr(&mut self, ty: u16, data: &[u8]) -> usize {
        let at = self.buf.len();
        let [a, b] = ty.to_ne_bytes();
        self.buf.extend_from_slice(&[0, 0, a, b]);
        self.buf.extend_from_slice(data);
        self.close(at);
        at
    }

    /// Ends the attribute that starts at `at` (nested: its length covers what follows)
    /// and pads to 4 bytes.
    #[inline(never)]
    pub fn close(&mut self, at: usize) {
        let len = (self.buf.len() - at) as u16;
        if let Some(l) = self.buf.get_mut(at..at + 2) {
            l.copy_from_slice(&len.to_ne_bytes());
        }
        self.buf.resize((self.buf.len() + 3) & !3, 0);
    }

    fn u32(&mut self, ty: u16, n: u32) {
        if n != 0 {
            self.attr(ty, &n.to_ne_bytes());
        }
    }

    /// An RTM_*LINK message for interface `index`, or (`index` 0) the one named `name`;
    /// NEWLINK and SETLINK bring it up. The kernel takes names without a NUL.
    #[inline(never)]
    pub fn link(&mut self, ty: u16, flags: u16, index: u32, name: &[u8], what: &[&[u8]]) {
        self.begin(ty, flags, &ifinfo(index), what);
        if index == 0 {
            self.attr(IFLA_IFNAME, name);
        }
    }

    /// RTM_SETLINK: interface `index` up.
    #[inline(never)]
    pub fn up(&mut self, index: u32, name: &[u8]) {
        self.link(SETLINK, 0, index, b"", &[b"bring up ", name]);
    }

    /// IFLA_LINKINFO with IFLA_INFO_KIND `kind`, IFLA_INFO_DATA opened: where both start,
    /// for [`Req::close`].
    fn kind(&mut self, kind: &[u8]) -> [usize; 2] {
        let info = self.attr(IFLA_LINKINFO, b"");
        self.attr(INFO_KIND, kind);
        [self.attr(INFO_DATA, b""), info]
    }

    /// A veth pair `host`–`peer`, the host end up; the peer is born in the network namespace
    /// given by `ns` (IFLA_NET_NS_PID or IFLA_NET_NS_FD, and its value) — creating it
    /// there costs ~0.5 ms, moving it there afterwards ~30 ms. `mtu` 0 keeps the default;
    /// `master` (0: none) is a bridge for the host end.
    #[inline(never)]
    pub fn veth(&mut self, host: &[u8], n: &Net, ns: (u16, u32), master: u32) {
        let (peer, mtu, mac) = (n.peer, n.mtu, n.mac);
        let what: &[&[u8]] = &[b"create veth ", host, b":", peer];
        self.link(NEWLINK, F_CREATE | F_EXCL, 0, host, what);
        self.u32(IFLA_MASTER, master);
        self.u32(IFLA_MTU, mtu);
        let nest = self.kind(b"veth");
        // Not up yet: the kernel links the two ends only once both exist (ENOTCONN).
        let p = self.attr(VETH_INFO_PEER, &[0; 16]);
        self.attr(IFLA_IFNAME, peer);
        self.attr(ns.0, &ns.1.to_ne_bytes());
        self.u32(IFLA_MTU, mtu);
        if mac != [0; 6] {
            self.attr(IFLA_ADDRESS, &mac);
        }
        self.close(p);
        self.close(nest[0]);
        self.close(nest[1]);
    }

    /// RTM_NEWLINK of a bridge, up. With `new`, NLM_F_EXCL: only a bridge that did not
    /// exist (EEXIST otherwise), so that the caller knows it made it. Without, a bridge of
    /// that name is kept as it is (and brought up), while the empty IFLA_INFO_DATA makes
    /// the kernel refuse an interface of that name that is not a bridge (EOPNOTSUPP).
    pub fn bridge(&mut self, name: &[u8], new: bool) {
        let what: &[u8] = if new {
            b"create bridge "
        } else {
            b"use as bridge "
        };
        let excl = if new { F_EXCL } else { 0 };
        self.link(NEWLINK, F_CREATE | excl, 0, name, &[what, name]);
        let [_, info] = self.kind(b"bridge");
        self.close(info);
    }

    /// RTM_NEWADDR: `c` on interface `index` (IPv6 without duplicate address detection,
    /// so it is usable at once). `replace` accepts an address that is already there.
    pub fn addr(&mut self, index: u32, c: &Cidr, replace: bool, on: &[u8]) {
        let [a, b, d, e] = index.to_ne_bytes();
        let h = [c.family(), c.len, c.v6 as u8 * IFA_F_NODAD, 0, a, b, d, e];
        let f = F_CREATE | if replace { F_REPLACE } else { F_EXCL };
        self.begin(NEWADDR, f, &h, &[b"add address ", c.text, b" on ", on]);
        self.attr(IFA_LOCAL, c.bytes());
        self.attr(IFA_ADDRESS, c.bytes());
    }

    /// RTM_NEWROUTE in the main table: `dst` via `gw` (whose IP version it takes) on
    /// interface `index`.
    #[inline(never)]
    pub fn route(&mut self, dst: &Cidr, gw: &Cidr, index: u32) {
        let len = if dst.len == DEFAULT { 0 } else { dst.len };
        // family, dst_len, src_len, tos, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE,
        // RTN_UNICAST, flags (u32)
        let h = [gw.family(), len, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0];
        self.begin(NEWROUTE, F_CREATE | F_EXCL, &h, &[b"add route ", dst.text]);
        if len != 0 {
            self.attr(RTA_DST, dst.bytes());
        }
        self.attr(RTA_GATEWAY, gw.bytes());
        self.u32(RTA_OIF, index);
    }
}

fn u16_at(b: &[u8], i: usize) -> usize {
    b.get(i..i + 2)
        .map_or(0, |x| u16::from_ne_bytes([x[0], x[1]]) as usize)
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4)
        .map_or(0, |x| u32::from_ne_bytes([x[0], x[1], x[2], x[3]]))
}

/// An NLMSG_ERROR message: (sequence number, errno — 0 for an ack, the kernel's
/// extended-ack text — empty when it sent none). The socket has NETLINK_CAP_ACK: only
/// the request's header comes back; then, with NETLINK_EXT_ACK, the attributes, the
/// text (NLMSGERR_ATTR_MSG, NUL-terminated) first of them when there is one.
pub fn ack(m: &[u8]) -> Option<(u32, i32, &[u8])> {
    if u16_at(m, 4) != ERROR as usize || m.len() < 36 {
        return None;
    }
    let text = match m.get(40..(36 + u16_at(m, 36)).min(m.len())) {
        Some(t) if u16_at(m, 38) == ERR_ATTR_MSG as usize => crate::out::cut(t, 0).0,
        _ => b"",
    };
    Some((u32_at(m, 8), (u32_at(m, 16) as i32).wrapping_neg(), text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{parse_cidr, IP, ROUTE};
    use std::vec::Vec;

    fn hdr(len: u32, ty: u16, flags: u16, seq: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&len.to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v
    }

    fn batch(r: &mut Req) -> (Vec<u8>, usize) {
        let b = r.finish().unwrap().to_vec();
        let last = r.what.0[..r.what.0.len() - 1]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        (b, last)
    }

    #[test]
    fn links_up_then_ack_on_the_last() {
        let mut r = Req::default();
        r.link(SETLINK, 0, 1, b"lo", &[b"bring up ", b"lo"]);
        r.link(SETLINK, 0, 7, b"hk1", &[b"bring up ", b"hk1"]);
        let mut want = hdr(32, SETLINK, 1, 0);
        want.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend(hdr(32, SETLINK, 5, 12)); // REQUEST ACK; "bring up lo\n" before it
        want.extend_from_slice(&[0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(batch(&mut r), (want, 12));
        assert_eq!(r.line(0), b"bring up lo");
        assert_eq!(r.line(12), b"bring up hk1");
        assert_eq!(r.line(99), b"");
        assert_eq!(Req::default().finish(), None, "an empty batch");
    }

    #[test]
    fn veth_with_peer_in_a_namespace() {
        let mut r = Req::default();
        let ns = (IFLA_NET_NS_PID, 42);
        let mut n = Net {
            peer: b"eth0",
            mtu: 1400,
            mac: [2, 0, 0, 0, 0, 1],
            ..Net::default()
        };
        r.veth(b"hk42", &n, ns, 3);
        let mut want = hdr(128, NEWLINK, 0x605, 0); // REQUEST ACK EXCL CREATE
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 3, 0, b'h', b'k', b'4', b'2']); // IFLA_IFNAME
        want.extend_from_slice(&[8, 0, 10, 0, 3, 0, 0, 0]); // IFLA_MASTER 3
        want.extend_from_slice(&[8, 0, 4, 0, 0x78, 5, 0, 0]); // IFLA_MTU 1400
        want.extend_from_slice(&[72, 0, 18, 0]); // IFLA_LINKINFO
        want.extend_from_slice(&[8, 0, 1, 0, b'v', b'e', b't', b'h']); // IFLA_INFO_KIND
        want.extend_from_slice(&[60, 0, 2, 0]); // IFLA_INFO_DATA
        want.extend_from_slice(&[56, 0, 1, 0]); // VETH_INFO_PEER: ifinfomsg, attributes
        want.extend_from_slice(&[0; 16]);
        want.extend_from_slice(&[8, 0, 3, 0, b'e', b't', b'h', b'0']);
        want.extend_from_slice(&[8, 0, 19, 0, 42, 0, 0, 0]); // IFLA_NET_NS_PID
        want.extend_from_slice(&[8, 0, 4, 0, 0x78, 5, 0, 0]); // IFLA_MTU
        want.extend_from_slice(&[10, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 0]); // IFLA_ADDRESS
        assert_eq!(batch(&mut r).0, want);
        assert_eq!(r.line(0), b"create veth hk42:eth0");
        // Without the options: name, kind, the peer's name and namespace (fd 0 too).
        let mut r = Req::default();
        (n.peer, n.mtu, n.mac) = (b"c", 0, [0; 6]);
        r.veth(b"h", &n, (IFLA_NET_NS_FD, 0), 0);
        let b = batch(&mut r).0;
        assert_eq!(b.len(), 16 + 16 + 8 + 4 + 8 + 4 + 4 + 16 + 8 + 8);
        assert_eq!(&b[b.len() - 8..], &[8, 0, 28, 0, 0, 0, 0, 0]);
        assert_eq!(&b[40..44], &[52, 0, 18, 0]);
        assert_eq!(&b[32..37], &[5, 0, 3, 0, b'h']);
        assert_eq!(r.line(0), b"create veth h:c");
    }

    #[test]
    fn bridge_and_links_by_name() {
        let mut r = Req::default();
        r.bridge(b"br0", false);
        r.link(DELLINK, 0, 0, b"hk1", &[b"x"]);
        let mut want = hdr(60, NEWLINK, 0x401, 0); // REQUEST CREATE: a bridge there is kept
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend_from_slice(&[7, 0, 3, 0, b'b', b'r', b'0', 0]);
        want.extend_from_slice(&[20, 0, 18, 0, 10, 0, 1, 0]);
        want.extend_from_slice(b"bridge\0\0");
        want.extend_from_slice(&[4, 0, 2, 0]); // an empty IFLA_INFO_DATA
        want.extend(hdr(40, DELLINK, 5, 18));
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend_from_slice(&[7, 0, 3, 0, b'h', b'k', b'1', 0]);
        assert_eq!(batch(&mut r).0, want);
        assert_eq!(r.line(0), b"use as bridge br0");
        // New only: REQUEST ACK EXCL CREATE.
        r.clear();
        r.bridge(b"br0", true);
        let (b, _) = batch(&mut r);
        assert_eq!(b[..16], hdr(60, NEWLINK, 0x605, 0)[..]);
        assert_eq!(b[16..], want[16..60]);
        assert_eq!(r.line(0), b"create bridge br0");
    }

    #[test]
    fn addresses_v4_and_v6() {
        let mut r = Req::default();
        r.addr(
            5,
            &parse_cidr(b"10.16.8.2/24", "", IP).unwrap(),
            false,
            b"eth0",
        );
        r.addr(5, &parse_cidr(b"fd00::2/64", "", IP).unwrap(), true, b"br0");
        let mut want = hdr(40, NEWADDR, 0x601, 0);
        want.extend_from_slice(&[2, 24, 0, 0, 5, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 2, 0, 10, 16, 8, 2, 8, 0, 1, 0, 10, 16, 8, 2]);
        want.extend(hdr(64, NEWADDR, 0x505, 33)); // REQUEST ACK REPLACE CREATE
        want.extend_from_slice(&[10, 64, 2, 0, 5, 0, 0, 0]); // IFA_F_NODAD
        let v6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        want.extend_from_slice(&[20, 0, 2, 0]);
        want.extend_from_slice(&v6);
        want.extend_from_slice(&[20, 0, 1, 0]);
        want.extend_from_slice(&v6);
        assert_eq!(batch(&mut r), (want, 33));
        assert_eq!(r.line(0), b"add address 10.16.8.2/24 on eth0");
        assert_eq!(r.line(33), b"add address fd00::2/64 on br0");
    }

    #[test]
    fn routes() {
        let mut r = Req::default();
        let gw = parse_cidr(b"10.0.0.1/24", "", IP).unwrap();
        let default = parse_cidr(b"default", "", ROUTE).unwrap();
        r.route(&default, &gw, 2);
        r.route(&parse_cidr(b"10.9.0.0/16", "", IP).unwrap(), &gw, 2);
        let gw6 = parse_cidr(b"fd00::1/64", "", IP).unwrap();
        r.route(&default, &gw6, 2);
        let mut want = hdr(44, NEWROUTE, 0x601, 0);
        want.extend_from_slice(&[2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 5, 0, 10, 0, 0, 1, 8, 0, 4, 0, 2, 0, 0, 0]);
        want.extend(hdr(52, NEWROUTE, 0x601, 18));
        want.extend_from_slice(&[2, 16, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 1, 0, 10, 9, 0, 0]);
        want.extend_from_slice(&[8, 0, 5, 0, 10, 0, 0, 1, 8, 0, 4, 0, 2, 0, 0, 0]);
        want.extend(hdr(56, NEWROUTE, 0x605, 40)); // IPv6's default route
        want.extend_from_slice(&[10, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[20, 0, 5, 0]);
        want.extend_from_slice(gw6.bytes());
        want.extend_from_slice(&[8, 0, 4, 0, 2, 0, 0, 0]);
        assert_eq!(batch(&mut r), (want, 40));
        assert_eq!(r.line(0), b"add route default");
        assert_eq!(r.line(18), b"add route 10.9.0.0/16");
    }

    #[test]
    fn acks_plain_and_extended() {
        // A plain ack: error 0, the request's header echoed.
        let mut m = hdr(36, ERROR, 0x100, 3);
        m.extend_from_slice(&0i32.to_ne_bytes());
        m.extend(hdr(40, NEWADDR, 5, 3));
        assert_eq!(ack(&m), Some((3, 0, &b""[..])));
        // EEXIST with the kernel's text (capped: header only, then TLVs).
        let mut m = hdr(0, ERROR, 0x300, 2);
        m.extend_from_slice(&(-17i32).to_ne_bytes());
        m.extend(hdr(40, NEWADDR, 0x605, 2));
        m.extend_from_slice(&[35, 0, 1, 0]); // NLMSGERR_ATTR_MSG, first as the kernel puts it
        m.extend_from_slice(b"ipv4: Address already assigned\0\0");
        m.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]); // NLMSGERR_ATTR_OFFS
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        assert_eq!(
            ack(&m),
            Some((2, 17, &b"ipv4: Address already assigned"[..]))
        );
        // A text cut short by the end of the datagram; a bad attribute length; the offset
        // of the attribute at fault only.
        assert_eq!(ack(&m[..50]).unwrap().2, b"ipv4: Addr");
        let mut bad = m[..36].to_vec();
        bad.extend_from_slice(&[2, 0, 1, 0, 9, 9]);
        assert_eq!(ack(&bad), Some((2, 17, &b""[..])));
        let mut offs = m[..36].to_vec();
        offs.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]);
        assert_eq!(ack(&offs), Some((2, 17, &b""[..])));
        // An error without TLVs; not an error message; truncated input.
        let mut m = hdr(36, ERROR, 0x100, 4);
        m.extend_from_slice(&(-1i32).to_ne_bytes());
        m.extend(hdr(32, SETLINK, 5, 4));
        assert_eq!(ack(&m), Some((4, 1, &b""[..])));
        assert_eq!(ack(&hdr(36, NEWLINK, 0, 1)), None);
        assert_eq!(ack(&m[..20]), None);
    }
}
