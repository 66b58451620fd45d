//! The container's network, made over rtnetlink: on the host side by husk (after clone,
//! while the container's first process waits for GO) the bridge, the veth pair — its
//! peer born in the container's namespace — and the host's addresses; inside, by the
//! container's first process, lo, its addresses and routes.
//!
//! Nothing is deleted on the way out (RTM_DELLINK costs ~31 ms): the pair goes with the
//! container's namespace — except from a `--join net=` namespace, which outlives the
//! container without having been asked to keep anything: the pair is deleted there.
//! After a failure, what the run made is undone: a `--netns` it created, the pair it put
//! in a namespace that outlives it, a bridge it created.
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
    let e = match rtnl::ack(buf.get(..n).unwrap_or_default()) {
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

/// What husk's side knows and made, from before clone to the end of setup.
pub struct Host {
    /// The child brings lo up first thing, before it waits for GO: lo is all there is to
    /// do in a new namespace of its new user namespace, and needs no id map (its
    /// capabilities there come with the namespace). Beside husk writing the maps.
    ///
    /// (husk bringing lo up itself was tried and measured: without `-U`, husk made the
    /// namespace (unshare before clone), brought lo up in it after the clone, went back
    /// (setns through SIOCGSKNS on the sync socket), and the child waited for GO only
    /// before its security step, so that lo came up beside its mounts. But the kernel of
    /// the 2-vCPU dev VMs (booted with sched_vcpu_pack) runs a forked child on its parent's
    /// vCPU (96 times in 100, even with the parent busy): the two ran one after the other
    /// all the same, and the extra switches and calls made `run -a --proc` 5-25 µs slower.
    /// Forcing the other vCPU (sched_setaffinity) was slower still: waking it costs more
    /// than the ~60 µs that lo takes.)
    pub early: bool,
    /// The host's rtnetlink socket; -1 without `--veth`.
    sock: RawFd,
    /// Where the peer goes, when not the child's new namespace: an existing `--netns`
    /// (which the child joins) or a `--join net=` one; -1 otherwise.
    ns_fd: RawFd,
    /// `--netns NAME` is new: clone creates it, husk keeps it.
    create: bool,
    /// `ns_fd` is a `--join net=` namespace: the pair goes when the container ends.
    joined: bool,
    /// What this run made, for `undo`: the named namespace, the pair, the bridge.
    made: bool,
    veth_made: bool,
    bridge_made: bool,
    /// The host end's name; empty without `--veth`.
    name: &'static [u8],
}

/// Reads what only the host can tell, before anything exists: whether `--netns` exists.
#[inline(never)]
pub fn prepare(spec: &Spec) -> Result<Host> {
    let n = &spec.net;
    let mut h = Host {
        early: false,
        sock: -1,
        ns_fd: -1,
        create: false,
        joined: false,
        made: false,
        veth_made: false,
        bridge_made: false,
        name: b"",
    };
    // The namespace the peer is born in, when not a new one: a --join net= one, or the
    // container's --netns if it exists.
    let path = match spec.joins.iter().find(|j| j.flag == NEWNET) {
        Some(j) if !n.peer.is_empty() => {
            h.joined = true;
            CPath::new(&[&j.path])
        }
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
            // Random, or (no entropy yet, early at boot) the pid: unique enough there.
            let mut r = [0u8; 4];
            let n = match sys::getrandom(&mut r) {
                Ok(4) => u32::from_ne_bytes(r),
                _ => sys::getpid() as u32,
            };
            h.name = super::default_host(n).to_vec().leak();
        }
        h.sock = socket()?;
    }
    h.early = (spec.ns & NEWNET != 0 || h.create) && spec.ns & NEWUSER != 0 && n.peer.is_empty();
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
            // Created if missing, and kept: a segment other containers share (unless this
            // run fails: `undo` deletes it then). One that exists is used as it is.
            r.bridge(n.bridge, true);
            match talk(s, &mut r) {
                Ok(()) => self.bridge_made = true,
                Err(e) if e.errno == Errno::EEXIST.into_raw() => {
                    r.clear();
                    r.bridge(n.bridge, false);
                    talk(s, &mut r).map_err(|e| match e.errno == Errno::EOPNOTSUPP.into_raw() {
                        true => e.hint("exists and is not a bridge"),
                        false => e,
                    })?;
                }
                Err(e) => return Err(e),
            }
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
    /// the pair this run put in a namespace that outlives it; and a bridge it created.
    pub fn undo(&self, spec: &Spec) {
        let mut r = Req::new();
        if self.made {
            let _ = netns::remove(spec.net.netns);
        } else if self.veth_made && self.ns_fd >= 0 {
            r.link(DELLINK, 0, 0, self.name, &[]);
        }
        if self.bridge_made {
            r.link(DELLINK, 0, 0, spec.net.bridge, &[]);
        }
        let _ = talk(self.sock, &mut r);
    }

    /// After the container: deletes the pair it had in a `--join net=` namespace (one
    /// RTM_DELLINK takes both ends, ~31 ms): that namespace was there before and stays,
    /// and nothing of the container's network must outlive it.
    pub fn finish(&self) {
        if self.veth_made && self.joined {
            let mut r = Req::new();
            r.link(DELLINK, 0, 0, self.name, &[]);
            let _ = talk(self.sock, &mut r);
        }
    }

    /// The container's side, in its first process: before it waits for GO if `early` is
    /// [`Host::early`], else after GO and its joins. Joins an existing `--netns`, then in
    /// one batch brings lo up, brings its end of the pair up with its addresses, and adds
    /// the routes. True when there was something to do.
    #[inline(never)]
    pub fn child(&self, spec: &Spec, early: bool) -> Result<bool> {
        let n = &spec.net;
        if self.early != early {
            return Ok(false);
        }
        if !n.netns.is_empty() && !self.create {
            ns::setns(self.ns_fd, NEWNET).map_err(|e| Error::sys("join netns", n.netns, e))?;
        }
        if spec.ns & NEWNET == 0 && n.netns.is_empty() && n.peer.is_empty() {
            return Ok(false);
        }
        let s = socket()?;
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
        talk(s, &mut r)?;
        Ok(true)
    }
}
