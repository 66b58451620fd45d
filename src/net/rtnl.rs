//! rtnetlink (NETLINK_ROUTE) requests and replies, as bytes, by pure code.
//!
//! Requests are appended to one vector, so that a whole batch reaches the kernel in one
//! `write`; only the last asks for an ack (a failing request gets its error anyway), so a
//! batch that works costs one read. Layouts: `struct nlmsghdr` (16 bytes), then the
//! family header (`ifinfomsg` 16, `ifaddrmsg` 8, `rtmsg` 12), then attributes (`rtattr`:
//! u16 length, u16 type, data, padded to 4), nested ones holding attributes.
use super::{Cidr, DEFAULT};
use alloc::vec::Vec;

// <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>, <linux/netlink.h> (stable UAPI).
pub const NEWLINK: u16 = 16;
pub const DELLINK: u16 = 17;
pub const GETLINK: u16 = 18;
pub const SETLINK: u16 = 19;
pub const NEWADDR: u16 = 20;
pub const NEWROUTE: u16 = 24;
const ERROR: u16 = 2;
const F_REQUEST: u16 = 1;
const F_ACK: u16 = 4;
pub const F_REPLACE: u16 = 0x100;
pub const F_EXCL: u16 = 0x200;
pub const F_CREATE: u16 = 0x400;
/// In an ack: only the request's header is echoed (NETLINK_CAP_ACK); TLVs follow.
const F_CAPPED: u16 = 0x100;
const F_ACK_TLVS: u16 = 0x200;
const ERR_ATTR_MSG: u16 = 1;
pub const IFLA_ADDRESS: u16 = 1;
pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_MTU: u16 = 4;
pub const IFLA_MASTER: u16 = 10;
pub const IFLA_LINKINFO: u16 = 18;
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

/// A batch of requests; message `i` has sequence number `i + 1`.
#[derive(Default)]
pub struct Req {
    pub buf: Vec<u8>,
    msg: usize,
    /// What each message does, for its error: `husk: <op> <object>[ on <interface>]: ...`.
    pub what: Vec<What>,
}

/// (op, object, interface)
pub type What = (&'static str, &'static [u8], &'static [u8]);

/// `struct ifinfomsg`: AF_UNSPEC, the index (0: by name), up (IFF_UP in ifi_flags and
/// ifi_change) or left as it is.
fn ifinfo(index: u32, up: bool) -> [u8; 16] {
    let [a, b, c, d] = index.to_ne_bytes();
    let u = up as u8;
    [0, 0, 0, 0, a, b, c, d, u, 0, 0, 0, u, 0, 0, 0]
}

impl Req {
    /// Starts a message: its header (length filled in later) and family header.
    #[inline(never)]
    pub fn begin(&mut self, ty: u16, flags: u16, fixed: &[u8], what: What) {
        self.seal();
        self.msg = self.buf.len();
        self.what.push(what);
        let [a, b] = ty.to_ne_bytes();
        let [c, d] = (flags | F_REQUEST).to_ne_bytes();
        let [e, f, g, h] = (self.what.len() as u32).to_ne_bytes();
        self.buf
            .extend_from_slice(&[0, 0, 0, 0, a, b, c, d, e, f, g, h, 0, 0, 0, 0]);
        self.buf.extend_from_slice(fixed);
    }

    fn seal(&mut self) {
        let len = (self.buf.len() - self.msg) as u32;
        if len != 0 {
            self.buf[self.msg..self.msg + 4].copy_from_slice(&len.to_ne_bytes());
        }
    }

    /// The batch, its last message asking for an ack.
    pub fn finish(&mut self) -> &[u8] {
        self.seal();
        if let Some(f) = self.buf.get_mut(self.msg + 6) {
            *f |= F_ACK as u8;
        }
        &self.buf
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
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        self.buf.resize((self.buf.len() + 3) & !3, 0);
    }

    /// IFLA_IFNAME: the name and its NUL.
    fn name(&mut self, s: &[u8]) {
        let at = self.attr(IFLA_IFNAME, s);
        self.buf.truncate(at + 4 + s.len());
        self.buf.push(0);
        self.close(at);
    }

    pub fn u32(&mut self, ty: u16, n: u32) {
        self.attr(ty, &n.to_ne_bytes());
    }

    /// RTM_SETLINK: interface `index` up.
    pub fn up(&mut self, index: u32, name: &'static [u8]) {
        self.begin(SETLINK, 0, &ifinfo(index, true), ("bring up", name, b""));
    }

    /// RTM_NEWLINK (brought up) or RTM_DELLINK by name.
    pub fn link(&mut self, ty: u16, flags: u16, name: &'static [u8], op: &'static str) {
        self.begin(ty, flags, &ifinfo(0, ty == NEWLINK), (op, name, b""));
        self.name(name);
    }

    /// A veth pair `host`–`peer`, the host end up; the peer is born in the network namespace
    /// given by `ns` (IFLA_NET_NS_PID or IFLA_NET_NS_FD, and its value) — creating it
    /// there costs ~0.5 ms, moving it there afterwards ~30 ms. `mtu` 0 keeps the default;
    /// `master` (0: none) is a bridge for the host end.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub fn veth(
        &mut self,
        host: &[u8],
        peer: &[u8],
        ns: (u16, u32),
        mtu: u32,
        mac: Option<[u8; 6]>,
        master: u32,
        what: &'static [u8],
    ) {
        self.begin(
            NEWLINK,
            F_CREATE | F_EXCL,
            &ifinfo(0, true),
            ("create veth", what, b""),
        );
        self.name(host);
        if master != 0 {
            self.u32(IFLA_MASTER, master);
        }
        if mtu != 0 {
            self.u32(IFLA_MTU, mtu);
        }
        let info = self.attr(IFLA_LINKINFO, b"");
        self.attr(INFO_KIND, b"veth");
        let data = self.attr(INFO_DATA, b"");
        // Not up yet: the kernel links the two ends only once both exist (ENOTCONN).
        let p = self.attr(VETH_INFO_PEER, &ifinfo(0, false));
        self.name(peer);
        self.u32(ns.0, ns.1);
        if mtu != 0 {
            self.u32(IFLA_MTU, mtu);
        }
        if let Some(mac) = mac {
            self.attr(IFLA_ADDRESS, &mac);
        }
        for at in [p, data, info] {
            self.close(at);
        }
    }

    /// RTM_NEWLINK of a bridge, up. Without NLM_F_EXCL a bridge of that name is kept as it
    /// is (and brought up), while the empty IFLA_INFO_DATA makes the kernel refuse an
    /// interface of that name that is not a bridge (EOPNOTSUPP).
    #[inline(never)]
    pub fn bridge(&mut self, name: &'static [u8]) {
        self.link(NEWLINK, F_CREATE, name, "use as bridge");
        let info = self.attr(IFLA_LINKINFO, b"");
        self.attr(INFO_KIND, b"bridge");
        self.attr(INFO_DATA, b"");
        self.close(info);
    }

    /// RTM_NEWADDR: `c` on interface `index` (IPv6 without duplicate address detection,
    /// so it is usable at once). `replace` accepts an address that is already there.
    pub fn addr(&mut self, index: u32, c: &Cidr, replace: bool, on: &'static [u8]) {
        let mut h = [c.family(), c.len, c.v6 as u8 * IFA_F_NODAD, 0, 0, 0, 0, 0];
        h[4..].copy_from_slice(&index.to_ne_bytes());
        let f = F_CREATE | if replace { F_REPLACE } else { F_EXCL };
        self.begin(NEWADDR, f, &h, ("add address", c.text, on));
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
        self.begin(
            NEWROUTE,
            F_CREATE | F_EXCL,
            &h,
            ("add route", dst.text, b""),
        );
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

/// Splits the first message off `buf`: (message, the rest).
pub fn next(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32_at(buf, 0) as usize;
    if len < 16 || len > buf.len() {
        return None;
    }
    Some((&buf[..len], &buf[((len + 3) & !3).min(buf.len())..]))
}

/// The data of attribute `ty` among `attrs` (flags in the type's top bits ignored).
pub fn find(mut attrs: &[u8], ty: u16) -> Option<&[u8]> {
    while attrs.len() >= 4 {
        let len = u16_at(attrs, 0);
        if len < 4 || len > attrs.len() {
            return None;
        }
        if u16_at(attrs, 2) & 0x3fff == ty as usize {
            return Some(&attrs[4..len]);
        }
        attrs = &attrs[((len + 3) & !3).min(attrs.len())..];
    }
    None
}

/// An NLMSG_ERROR message: (sequence number, errno — 0 for an ack, the kernel's
/// extended-ack text — empty when it sent none).
pub fn ack(m: &[u8]) -> Option<(u32, i32, &[u8])> {
    if u16_at(m, 4) != ERROR as usize || m.len() < 36 {
        return None;
    }
    let flags = u16_at(m, 6) as u16;
    // The request comes back after the error: only its header when capped.
    let echoed = if flags & F_CAPPED != 0 {
        16
    } else {
        (u32_at(m, 20) as usize + 3) & !3
    };
    let mut text: &[u8] = b"";
    if flags & F_ACK_TLVS != 0 {
        if let Some(t) = m.get(20 + echoed..).and_then(|a| find(a, ERR_ATTR_MSG)) {
            text = t.strip_suffix(b"\0").unwrap_or(t);
        }
    }
    Some((u32_at(m, 8), (u32_at(m, 16) as i32).wrapping_neg(), text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::parse_cidr;
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

    #[test]
    fn link_up_then_ack_on_the_last() {
        let mut r = Req::default();
        r.up(1, b"lo");
        r.up(7, b"hk1");
        let b = r.finish().to_vec();
        let mut want = hdr(32, SETLINK, 1, 1);
        want.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend(hdr(32, SETLINK, 5, 2)); // REQUEST ACK
        want.extend_from_slice(&[0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(b, want);
        assert_eq!(r.what[1], ("bring up", &b"hk1"[..], &b""[..]));
        assert_eq!(Req::default().finish(), b"", "an empty batch");
    }

    #[test]
    fn veth_with_peer_in_a_namespace() {
        let mut r = Req::default();
        let ns = (IFLA_NET_NS_PID, 42);
        r.veth(
            b"hk42",
            b"eth0",
            ns,
            1400,
            Some([2, 0, 0, 0, 0, 1]),
            3,
            b"hk42:eth0",
        );
        let b = r.finish().to_vec();
        let mut want = hdr(136, NEWLINK, 0x605, 1); // REQUEST ACK EXCL CREATE
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend_from_slice(&[9, 0, 3, 0, b'h', b'k', b'4', b'2', 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 10, 0, 3, 0, 0, 0]); // IFLA_MASTER 3
        want.extend_from_slice(&[8, 0, 4, 0, 0x78, 5, 0, 0]); // IFLA_MTU 1400
        want.extend_from_slice(&[76, 0, 18, 0]); // IFLA_LINKINFO
        want.extend_from_slice(&[8, 0, 1, 0, b'v', b'e', b't', b'h']); // IFLA_INFO_KIND
        want.extend_from_slice(&[64, 0, 2, 0]); // IFLA_INFO_DATA
        want.extend_from_slice(&[60, 0, 1, 0]); // VETH_INFO_PEER: ifinfomsg, attributes
        want.extend_from_slice(&[0; 16]);
        want.extend_from_slice(&[9, 0, 3, 0, b'e', b't', b'h', b'0', 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 19, 0, 42, 0, 0, 0]); // IFLA_NET_NS_PID
        want.extend_from_slice(&[8, 0, 4, 0, 0x78, 5, 0, 0]); // IFLA_MTU
        want.extend_from_slice(&[10, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 0]); // IFLA_ADDRESS
        assert_eq!(b, want);
        // Without the options: name, kind, the peer's name and namespace only.
        let mut r = Req::default();
        r.veth(b"h", b"c", (IFLA_NET_NS_FD, 5), 0, None, 0, b"h:c");
        assert_eq!(r.what[0], ("create veth", &b"h:c"[..], &b""[..]));
        let b = r.finish().to_vec();
        assert_eq!(b.len(), 16 + 16 + 8 + 4 + 8 + 4 + 4 + 16 + 8 + 8);
        assert_eq!(&b[b.len() - 8..], &[8, 0, 28, 0, 5, 0, 0, 0]);
        assert_eq!(&b[40..44], &[52, 0, 18, 0]);
    }

    #[test]
    fn bridge_and_links_by_name() {
        let mut r = Req::default();
        r.bridge(b"br0");
        r.link(DELLINK, 0, b"hk1", "delete");
        let b = r.finish().to_vec();
        let mut want = hdr(60, NEWLINK, 0x401, 1); // REQUEST CREATE: a bridge there is kept
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 3, 0, b'b', b'r', b'0', 0]);
        want.extend_from_slice(&[20, 0, 18, 0, 10, 0, 1, 0]);
        want.extend_from_slice(b"bridge\0\0");
        want.extend_from_slice(&[4, 0, 2, 0]); // an empty IFLA_INFO_DATA
        want.extend(hdr(40, DELLINK, 5, 2));
        want.extend_from_slice(&[0; 16]);
        want.extend_from_slice(&[8, 0, 3, 0, b'h', b'k', b'1', 0]);
        assert_eq!(b, want);
        assert_eq!(r.what[0], ("use as bridge", &b"br0"[..], &b""[..]));
    }

    #[test]
    fn addresses_v4_and_v6() {
        let mut r = Req::default();
        r.addr(5, &parse_cidr(b"10.16.8.2/24", "").unwrap(), false, b"eth0");
        r.addr(5, &parse_cidr(b"fd00::2/64", "").unwrap(), true, b"br0");
        let b = r.finish().to_vec();
        let mut want = hdr(40, NEWADDR, 0x601, 1);
        want.extend_from_slice(&[2, 24, 0, 0, 5, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 2, 0, 10, 16, 8, 2, 8, 0, 1, 0, 10, 16, 8, 2]);
        want.extend(hdr(64, NEWADDR, 0x505, 2)); // REQUEST ACK REPLACE CREATE
        want.extend_from_slice(&[10, 64, 2, 0, 5, 0, 0, 0]); // IFA_F_NODAD
        let v6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        want.extend_from_slice(&[20, 0, 2, 0]);
        want.extend_from_slice(&v6);
        want.extend_from_slice(&[20, 0, 1, 0]);
        want.extend_from_slice(&v6);
        assert_eq!(b, want);
        assert_eq!(
            r.what[0],
            ("add address", &b"10.16.8.2/24"[..], &b"eth0"[..])
        );
    }

    #[test]
    fn routes() {
        let mut r = Req::default();
        let gw = parse_cidr(b"10.0.0.1/24", "").unwrap();
        let mut default = parse_cidr(b"0.0.0.0/0", "").unwrap();
        default.len = DEFAULT;
        r.route(&default, &gw, 2);
        r.route(&parse_cidr(b"10.9.0.0/16", "").unwrap(), &gw, 2);
        let gw6 = parse_cidr(b"fd00::1/64", "").unwrap();
        r.route(&default, &gw6, 2);
        let b = r.finish().to_vec();
        let mut want = hdr(44, NEWROUTE, 0x601, 1);
        want.extend_from_slice(&[2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 5, 0, 10, 0, 0, 1, 8, 0, 4, 0, 2, 0, 0, 0]);
        want.extend(hdr(52, NEWROUTE, 0x601, 2));
        want.extend_from_slice(&[2, 16, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[8, 0, 1, 0, 10, 9, 0, 0]);
        want.extend_from_slice(&[8, 0, 5, 0, 10, 0, 0, 1, 8, 0, 4, 0, 2, 0, 0, 0]);
        want.extend(hdr(56, NEWROUTE, 0x605, 3)); // IPv6's default route
        want.extend_from_slice(&[10, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(&[20, 0, 5, 0]);
        want.extend_from_slice(gw6.bytes());
        want.extend_from_slice(&[8, 0, 4, 0, 2, 0, 0, 0]);
        assert_eq!(b, want);
    }

    #[test]
    fn acks_plain_capped_and_extended() {
        // A plain ack: error 0, the request's header echoed.
        let mut m = hdr(36, ERROR, 0x100, 3);
        m.extend_from_slice(&0i32.to_ne_bytes());
        m.extend(hdr(40, NEWADDR, 5, 3));
        assert_eq!(ack(&m), Some((3, 0, &b""[..])));
        // EEXIST with the kernel's text (capped: header only, then TLVs).
        let mut m = hdr(0, ERROR, 0x300, 2);
        m.extend_from_slice(&(-17i32).to_ne_bytes());
        m.extend(hdr(40, NEWADDR, 0x605, 2));
        m.extend_from_slice(&[35, 0, 1, 0]); // NLMSGERR_ATTR_MSG
        m.extend_from_slice(b"ipv4: Address already assigned\0\0");
        m.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]); // NLMSGERR_ATTR_OFFS
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        assert_eq!(
            ack(&m),
            Some((2, 17, &b"ipv4: Address already assigned"[..]))
        );
        // Uncapped: the whole request is echoed before the TLVs.
        let mut m = hdr(0, ERROR, 0x200, 1);
        m.extend_from_slice(&(-19i32).to_ne_bytes());
        let mut req = hdr(24, GETLINK, 1, 1);
        req.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        m.extend(req);
        m.extend_from_slice(&[7, 0, 1, 0, b'n', b'o', 0, 0]);
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        assert_eq!(ack(&m), Some((1, 19, &b"no"[..])));
        // An error without TLVs; not an error message; truncated input.
        let mut m = hdr(36, ERROR, 0x100, 4);
        m.extend_from_slice(&(-1i32).to_ne_bytes());
        m.extend(hdr(32, SETLINK, 5, 4));
        assert_eq!(ack(&m), Some((4, 1, &b""[..])));
        assert_eq!(ack(&hdr(36, NEWLINK, 0, 1)), None);
        assert_eq!(ack(&m[..20]), None);
    }

    #[test]
    fn splitting_messages_and_attributes() {
        let mut two = hdr(20, NEWLINK, 0, 1);
        two.extend_from_slice(&[1, 2, 3, 0]);
        two.extend(hdr(16, ERROR, 0, 2));
        let (first, rest) = next(&two).unwrap();
        assert_eq!((first.len(), rest.len()), (20, 16));
        assert_eq!(next(rest).map(|(m, r)| (m.len(), r.len())), Some((16, 0)));
        assert_eq!(next(&two[..10]), None);
        let attrs = [5, 0, 3, 0, 1, 0, 0, 0, 8, 0, 0x12, 0x80, 9, 9, 9, 9];
        assert_eq!(find(&attrs, 3), Some(&[1][..]));
        assert_eq!(
            find(&attrs, 0x12),
            Some(&[9, 9, 9, 9][..]),
            "flag bits ignored"
        );
        assert_eq!(
            find(&[8, 0, 3, 0, 1, 2, 3, 4, 3, 0], 9),
            None,
            "a short tail"
        );
        assert_eq!(find(&[2, 0, 3, 0], 3), None, "a bad length");
    }
}
