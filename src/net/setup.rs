//! The container's network, made over rtnetlink: on the host side by husk (after clone,
//! while the container's first process waits for GO) the bridge, the veth pair — its
//! peer born in the container's namespace — and the host's addresses; inside, lo, the
//! peer's addresses and routes, by husk too when it may enter the container's namespace
//! (see [`BY_HUSK`]), else by the container's first process.
//!
//! Nothing is deleted on the way out (RTM_DELLINK costs ~31 ms): the pair goes with the
//! container's namespace. Only after a failure is something undone: a `--netns` this run
//! created, or the pair it put in a namespace that outlives it.
use super::rtnl::{self, Req, DELLINK, IFLA_NET_NS_FD, IFLA_NET_NS_PID};
use super::{HOST_IP, IP, ROUTE};
use crate::error::{Error, Result};
use crate::netns;
use crate::out::Msg;
use crate::path::CPath;
use crate::spec::{Spec, NEWNET, NEWUSER};
use crate::sys::{self, fs, net, ns, Errno, Pid, RawFd};
use linux_raw_sys::general as g;

#[inline(never)]
fn nl_err(e: Errno) -> Error {
    Error::sys("netlink", b"", e)
}

/// Sends a batch in one write and reads its one answer: the last message's ack, or the
/// first refusal (the kernel goes on with the rest, and its answers are left unread: a
/// refusal ends the run), with the kernel's own text as the hint when it gave one.
/// Empties `r`.
#[inline(never)]
fn talk(sock: RawFd, r: &mut Req) -> Result<()> {
    let Some(batch) = r.finish() else {
        return Ok(());
    };
    sys::write(sock, batch).map_err(nl_err)?;
    let mut buf = [0u8; 512];
    let n = sys::read(sock, &mut buf).map_err(nl_err)?;
    let e = match rtnl::ack(&buf[..n]) {
        Some((seq, errno @ 1.., text)) => {
            let what = r.line(seq).to_vec().leak();
            Err(Error::new(what, b"", errno, text.to_vec().leak()))
        }
        _ => Ok(()),
    };
    r.clear();
    e
}

fn socket() -> Result<RawFd> {
    net::rtnetlink().map_err(nl_err)
}

/// ioctl(SIOCGIFINDEX): the interface's index in the socket's namespace.
#[inline(never)]
fn index(sock: RawFd, name: &[u8]) -> Result<u32> {
    net::ifindex(sock, name).map_err(|e| Error::sys("find interface", name, e))
}

/// Who does the work inside the container's network namespace ([`Host::by`]). husk, when
/// the namespace is new and owned by husk's own user namespace (no `-U`: setns back needs
/// CAP_SYS_ADMIN there, which a rootless husk lacks): husk makes it (unshare, just before
/// the clone: the child is born in it), and after the clone opens its netlink socket there
/// and brings lo up (50-100 µs of the kernel's work) while the child mounts; the child
/// waits for GO only before its security step. Where the scheduler runs the child on
/// another CPU, lo is then off the critical path; a kernel that packs both on one CPU (the
/// 2-vCPU VMs of the dev machines, booted with `sched_vcpu_pack`) runs them one after the
/// other as before, neither faster nor slower (measured).
pub const BY_HUSK: u8 = 0;
/// The child, first thing (before it waits for its id maps): only lo of a new namespace
/// that its new user namespace owns, which it may bring up before the maps exist.
pub const BY_CHILD_FIRST: u8 = 1;
/// The child, after GO and its joins: the peer must exist, a namespace must be joined.
pub const BY_CHILD: u8 = 2;

/// What husk's side knows and made, from before clone to the end of setup.
pub struct Host {
    /// [`BY_HUSK`], [`BY_CHILD_FIRST`] or [`BY_CHILD`].
    pub by: u8,
    /// The host's rtnetlink socket; -1 without `--veth`.
    sock: RawFd,
    /// Where the peer goes, when not the child's new namespace: an existing `--netns`
    /// (which the child joins) or a `--join net=` one; -1 otherwise.
    ns_fd: RawFd,
    /// `--netns NAME` is new: clone creates it, husk keeps it.
    create: bool,
    /// What this run made, for `undo`: the named namespace, the pair.
    made: bool,
    veth_made: bool,
    /// The host end's name; empty without `--veth`.
    name: &'static [u8],
}

/// Reads what only the host can tell, before anything exists: whether `--netns` exists.
#[inline(never)]
pub fn prepare(spec: &Spec) -> Result<Host> {
    let n = &spec.net;
    let mut h = Host {
        by: BY_CHILD,
        sock: -1,
        ns_fd: -1,
        create: false,
        made: false,
        veth_made: false,
        name: b"",
    };
    // The namespace the peer is born in, when not a new one: a --join net= one, or the
    // container's --netns if it exists.
    let path = match spec.joins.iter().find(|j| j.flag == NEWNET) {
        Some(j) if !n.peer.is_empty() => CPath::new(&[&j.path]),
        _ if !n.netns.is_empty() => netns::path(n.netns),
        _ => CPath::new(&[]),
    };
    if !path.bytes().is_empty() {
        match fs::open(path.c(), g::O_RDONLY) {
            Ok(fd) => h.ns_fd = fd.leak(),
            Err(Errno::ENOENT) if !n.netns.is_empty() => h.create = true,
            Err(e) => return Err(Error::sys("open", path.bytes(), e)),
        }
    }
    if !n.peer.is_empty() {
        h.name = n.host;
        if h.name.is_empty() {
            let mut m = Msg::new();
            m.s(b"hk").u(sys::getpid() as u64);
            h.name = m.0.leak();
        }
        h.sock = socket()?;
    }
    if spec.ns & NEWNET != 0 || h.create {
        h.by = match spec.ns & NEWUSER != 0 {
            false => BY_HUSK,
            true if n.peer.is_empty() => BY_CHILD_FIRST,
            true => BY_CHILD,
        };
    }
    Ok(h)
}

impl Host {
    /// Just before clone: the namespaces clone must make, of `flags` (the spec's) and a new
    /// `--netns`. [`BY_HUSK`]: husk makes the network namespace itself, and is in it until
    /// [`home`](Host::home); if it cannot, the clone makes it (and says why it cannot
    /// either), and the child does the work inside.
    pub fn unshare(&mut self, flags: u32) -> u32 {
        let flags = flags | (self.create as u32 * NEWNET);
        if self.by == BY_HUSK {
            if ns::unshare(NEWNET).is_ok() {
                return flags & !NEWNET;
            }
            self.by = BY_CHILD;
        }
        flags
    }

    /// The child must wait until husk has done its part on the host's side.
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
            src.s(b"/proc/").u(pid as u64).s(b"/ns/net\0");
            netns::persist(n.netns, sys::cstr(&src.0))?;
            self.made = true;
        }
        if n.peer.is_empty() {
            return Ok(self.create);
        }
        let s = self.sock;
        let mut r = Req::new();
        let (mut on, mut bridge) = (self.name, 0);
        if !n.bridge.is_empty() {
            // Created if missing, and kept: a segment other containers share.
            r.bridge(n.bridge);
            talk(s, &mut r).map_err(|e| match e.errno == Errno::EOPNOTSUPP.into_raw() {
                true => e.hint("exists and is not a bridge"),
                false => e,
            })?;
            on = n.bridge;
            bridge = index(s, on)?;
        }
        let ns = if self.ns_fd >= 0 {
            (IFLA_NET_NS_FD, self.ns_fd as u32)
        } else {
            (IFLA_NET_NS_PID, pid as u32)
        };
        r.veth(self.name, n, ns, bridge);
        talk(s, &mut r)?;
        self.veth_made = true;
        let idx = index(s, on)?;
        for c in &n.addrs {
            if c.role == HOST_IP {
                // On a bridge, another container may have put it there already.
                r.addr(idx, c, bridge != 0, on);
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
            let mut r = Req::new();
            r.link(DELLINK, 0, 0, self.name, &[]);
            let _ = talk(self.sock, &mut r);
        }
    }

    /// [`BY_HUSK`], once GO is sent: back to husk's own network namespace, the one the
    /// sync socket `sync` was made in. Nothing husk does afterwards depends on it (its
    /// sockets keep theirs), so a failure is ignored: husk would only hold the container's
    /// namespace until it exits, which it does when the container ends.
    pub fn home(&self, sync: RawFd) {
        if self.by == BY_HUSK {
            let _ = net::setns_of(sync);
        }
    }

    /// The work inside the container's namespace, if it is `when`'s ([`Host::by`]): husk
    /// after [`parent`](Host::parent), still in the namespace; the child before or after
    /// its GO. Joins an existing `--netns`, then in one batch brings lo up, brings the peer
    /// up with its addresses, and adds the routes. True when there was something to do.
    #[inline(never)]
    pub fn inside(&self, spec: &Spec, when: u8) -> Result<bool> {
        let n = &spec.net;
        if self.by != when {
            return Ok(false);
        }
        if !n.netns.is_empty() && !self.create {
            ns::setns(self.ns_fd, NEWNET).map_err(|e| Error::sys("join netns", n.netns, e))?;
        }
        if spec.ns & NEWNET == 0 && n.netns.is_empty() && n.peer.is_empty() {
            return Ok(false);
        }
        // Closed at the end: in husk it would keep the namespace alive as long as husk.
        let fd = sys::Fd::own(socket()? as usize);
        let s = fd.raw();
        let mut r = Req::new();
        r.up(1, b"lo"); // lo is always interface 1
        let peer = n.peer;
        if !peer.is_empty() {
            let idx = index(s, peer)?;
            r.up(idx, peer);
            // Addresses first: a route's gateway must be on a subnet of one.
            for c in &n.addrs {
                if c.role == IP {
                    r.addr(idx, c, false, peer);
                }
            }
            for c in &n.addrs {
                for v6 in [false, true] {
                    match n.gateway(c, v6) {
                        Some(gw) if c.role == ROUTE => r.route(c, gw, idx),
                        _ => {}
                    }
                }
            }
        }
        talk(s, &mut r).map(|_| true)
    }
}
