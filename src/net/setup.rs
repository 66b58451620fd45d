//! The container's network, made over rtnetlink: on the host side by husk (after clone,
//! while the container's first process waits for GO) the bridge, the veth pair — its
//! peer born in the container's namespace — and the host's addresses; inside, by the
//! container's first process, lo, its addresses and routes.
//!
//! Nothing is deleted on the way out (RTM_DELLINK costs ~31 ms): the pair goes with the
//! container's namespace. Only after a failure is something undone: a `--netns` this run
//! created, or the pair it put in a namespace that outlives it.
use super::rtnl::{self, Req, IFLA_NET_NS_FD, IFLA_NET_NS_PID};
use super::{HOST_IP, IP, ROUTE};
use crate::error::{Error, Result};
use crate::netns;
use crate::out::Msg;
use crate::path::CPath;
use crate::spec::{Spec, NEWNET};
use crate::sys::{self, fs, net, ns, Errno, Pid, RawFd};
use linux_raw_sys::general as g;

fn nl_err(e: Errno) -> Error {
    Error::sys("netlink", b"", e)
}

/// Sends a batch in one write and reads until the last message's ack; returns the first
/// refusal, with the kernel's own text as the hint when it gave one. Each ack or error
/// is a datagram of its own.
#[inline(never)]
pub fn talk(sock: RawFd, r: &mut Req) -> Result<()> {
    let last = r.what.len();
    let mut first = Ok(());
    if last != 0 {
        sys::write(sock, r.finish()).map_err(nl_err)?;
    }
    let mut buf = [0u8; 1024];
    let mut seq = 0;
    while seq != last {
        let n = sys::read(sock, &mut buf).map_err(nl_err)?;
        let Some((s, errno, text)) = rtnl::ack(&buf[..n]) else {
            continue;
        };
        seq = s as usize;
        if let (true, Ok(()), Some(&(op, obj, on))) =
            (errno != 0, &first, r.what.get(seq.wrapping_sub(1)))
        {
            let mut m = Msg::new();
            m.s(obj);
            if !on.is_empty() {
                m.s(b" on ").s(on);
            }
            first = Err(Error::new(op.as_bytes(), &m.0, errno, text.to_vec().leak()));
        }
    }
    first
}

fn socket() -> Result<RawFd> {
    net::rtnetlink().map(|s| s.leak()).map_err(nl_err)
}

fn index(sock: RawFd, name: &[u8]) -> Result<u32> {
    net::ifindex(sock, name).map_err(|e| Error::sys("find interface", name, e))
}

/// lo up, in our own namespace (the kernel gives it 127.0.0.1/8 and ::1 then).
pub fn lo_up() -> Result<()> {
    let mut r = Req::default();
    r.up(1, b"lo"); // lo is always interface 1
    talk(socket()?, &mut r)
}

/// What husk's side knows and made, from before clone to the end of setup.
pub struct Host {
    /// The host's rtnetlink socket; -1 without `--veth`.
    sock: RawFd,
    /// Where the peer goes, when not the child's new namespace: an existing `--netns`
    /// (which the child joins) or a `--join net=` one; -1 otherwise.
    ns_fd: RawFd,
    join: bool,
    /// `--netns NAME` is new: clone creates it, husk keeps it.
    create: bool,
    made: bool,
    veth_made: bool,
    name: &'static [u8],
    /// The bridge's index, once it exists.
    bridge: u32,
}

/// Reads what only the host can tell, before anything exists: whether `--netns` exists.
#[inline(never)]
pub fn prepare(spec: &Spec) -> Result<Host> {
    let n = &spec.net;
    let mut h = Host {
        sock: -1,
        ns_fd: -1,
        join: false,
        create: false,
        made: false,
        veth_made: false,
        name: b"",
        bridge: 0,
    };
    let open = |p: &CPath| fs::open(p.c(), g::O_RDONLY).map(|f| f.leak());
    if !n.netns.is_empty() {
        let p = netns::path(n.netns);
        match open(&p) {
            Ok(fd) => (h.ns_fd, h.join) = (fd, true),
            Err(Errno::ENOENT) => h.create = true,
            Err(e) => return Err(Error::sys("open netns", p.bytes(), e)),
        }
    }
    let Some((host, _)) = n.veth else {
        return Ok(h);
    };
    if let Some(j) = spec.joins.iter().find(|j| j.flag == NEWNET) {
        h.ns_fd =
            open(&CPath::new(&[&j.path])).map_err(|e| Error::sys("open namespace", &j.path, e))?;
    }
    h.name = if host.is_empty() {
        let mut m = Msg::new();
        m.s(b"hk").u(sys::getpid() as u64);
        m.0.leak()
    } else {
        host
    };
    h.sock = socket()?;
    Ok(h)
}

impl Host {
    /// Namespaces clone must create on top of the spec's: a new `--netns`.
    pub fn extra_ns(&self) -> u32 {
        self.create as u32 * NEWNET
    }

    /// The child must wait until husk has done its part.
    pub fn needs_go(&self) -> bool {
        self.create || self.sock >= 0
    }

    /// husk's side, once the child (`pid`) exists and waits: keeps a new `--netns`, makes
    /// sure of the bridge, creates the veth pair, addresses the host end (or the bridge).
    /// True when there was something to do.
    #[inline(never)]
    pub fn parent(&mut self, spec: &Spec, pid: Pid) -> Result<bool> {
        let n = &spec.net;
        if self.create {
            let mut src = Msg::new();
            src.s(b"/proc/").u(pid as u64).s(b"/ns/net");
            netns::persist(n.netns, CPath::new(&[&src.0]).c())?;
            self.made = true;
        }
        let Some((_, peer)) = n.veth else {
            return Ok(self.create);
        };
        let peer = if peer.is_empty() { b"eth0" } else { peer };
        let s = self.sock;
        let mut r = Req::default();
        if !n.bridge.is_empty() {
            // Created if missing, and kept: a segment other containers share.
            r.bridge(n.bridge);
            talk(s, &mut r).map_err(|e| match e.errno == Errno::EOPNOTSUPP.into_raw() {
                true => e.hint("exists and is not a bridge"),
                false => e,
            })?;
            self.bridge = index(s, n.bridge)?;
        }
        let ns = if self.ns_fd >= 0 {
            (IFLA_NET_NS_FD, self.ns_fd as u32)
        } else {
            (IFLA_NET_NS_PID, pid as u32)
        };
        let mut r = Req::default();
        let what = [self.name, b":", peer].concat().leak();
        r.veth(self.name, peer, ns, n.mtu, n.mac, self.bridge, what);
        talk(s, &mut r)?;
        self.veth_made = true;
        let (idx, on) = match self.bridge {
            0 => (index(s, self.name)?, self.name),
            b => (b, n.bridge),
        };
        let mut r = Req::default();
        for (role, c) in &n.addrs {
            if *role == HOST_IP {
                // On a bridge, another container may have put it there already.
                r.addr(idx, c, self.bridge != 0, on);
            }
        }
        talk(s, &mut r)?;
        Ok(true)
    }

    /// After a failure: removes a `--netns` this run created (its pair goes with it), or
    /// the pair this run put in a namespace that outlives it.
    pub fn undo(&self, spec: &Spec) {
        if self.made {
            let _ = netns::remove(spec.net.netns);
        } else if self.veth_made && self.ns_fd >= 0 {
            let mut r = Req::default();
            r.link(rtnl::DELLINK, 0, self.name, "");
            let _ = talk(self.sock, &mut r);
        }
    }

    /// The container's side, in its first process, once husk is done: joins an existing
    /// `--netns`, then in one batch brings lo up, brings its end of the pair up with its
    /// addresses, and adds the routes. True when there was something to do.
    pub fn child(&self, spec: &Spec) -> Result<bool> {
        let n = &spec.net;
        if self.join {
            ns::setns(self.ns_fd, NEWNET).map_err(|e| Error::sys("join netns", n.netns, e))?;
        }
        if spec.ns & NEWNET == 0 && !self.create && !self.join && n.veth.is_none() {
            return Ok(false);
        }
        let s = socket()?;
        let mut r = Req::default();
        r.up(1, b"lo"); // lo is always interface 1
        if let Some((_, peer)) = n.veth {
            let peer = if peer.is_empty() { b"eth0" } else { peer };
            let idx = index(s, peer)?;
            r.up(idx, peer);
            // Addresses first: a route's gateway must be on a subnet of one.
            for pass in [IP, ROUTE] {
                for (role, c) in &n.addrs {
                    match *role {
                        IP if pass == IP => r.addr(idx, c, false, peer),
                        ROUTE if pass == ROUTE => {
                            for v6 in [false, true] {
                                if let Some(gw) = n.gateway(c, v6) {
                                    r.route(c, gw, idx);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        talk(s, &mut r)?;
        Ok(true)
    }
}
