//! cgroups for `husk run`: where each controller lives (v1, v2 or a hybrid of both), what to
//! create and write for a [`CgroupSpec`], and (in [`act`]) doing it.
//!
//! Everything in this file is pure: [`Layout::parse`] reads the text of /proc/self/mountinfo
//! and /proc/self/cgroup, [`plan`] turns a spec and a layout into directories and
//! `(file, value)` writes, so both are unit-tested without root and a bad request fails
//! before anything exists.
//!
//! Decisions (the README's contract):
//! - The container's cgroup is `husk-<pid of husk>`, created in each hierarchy that carries a
//!   controller the spec limits (on this host's hybrid layout: the v1 memory, cpu and pids
//!   hierarchies, not the controller-less cgroup2 one). With `--cgroup-parent` alone (no
//!   limit), in every hierarchy of memory, cpu and pids, plus the v2 one: grouping only.
//! - Default parent: husk's own cgroup in that hierarchy, so whatever limits the caller
//!   still limits the container. `--cgroup-parent /a/b` starts from the hierarchy's root (the
//!   mount point: the root of a cgroup namespace or bind-mount), `--cgroup-parent a/b` from
//!   husk's own cgroup. The parent must exist; husk creates only `husk-<pid>`.
//! - v2: the needed controllers must be listed in the parent's `cgroup.controllers` (husk does
//!   not reach above the parent to enable them); husk enables them in the parent's
//!   `cgroup.subtree_control`, which the kernel refuses (EBUSY) when the parent has processes
//!   of its own (the no-internal-processes rule): then the error says so.
//! - Swap: `--memory-swap` is memory + swap (Docker); not given, swap may equal memory
//!   (Docker's default), silently skipped if the kernel does not account swap (it is not a
//!   limit the user asked for); given, a missing swap file is an error. `-1` writes nothing:
//!   a new cgroup's swap is unlimited.
//! - CPU: quota = cpus × 100 ms per period of 100 ms (Docker's), v1 period written first.
use crate::cli::cgroup::{CgroupSpec, PERIOD_US, UNLIMITED};
use crate::error::{Error, Result};
use crate::out::{fmt_u64, Msg};
use alloc::vec::Vec;
use core::ffi::CStr;

pub mod act;

/// Controllers, as bits.
pub const MEMORY: u8 = 1;
pub const CPU: u8 = 2;
pub const PIDS: u8 = 4;
/// Usage accounting on v1 (on v2, cpu.stat always has it).
pub const CPUACCT: u8 = 8;

const NAMES: [&[u8]; 4] = [b"memory", b"cpu", b"pids", b"cpuacct"];

/// The controller bit for a name as the kernel spells it.
fn ctl_bit(name: &[u8]) -> u8 {
    NAMES.iter().position(|&n| n == name).map_or(0, |i| 1 << i)
}

/// The name of the lowest controller in `bits`.
pub fn ctl_name(bits: u8) -> &'static [u8] {
    NAMES[(bits.trailing_zeros() as usize).min(3)]
}

/// The controllers named in a comma- or space-separated list (`rw,cpu,cpuacct`).
fn ctl_bits(list: &[u8]) -> u8 {
    list.split(|&c| c == b',' || c == b' ' || c == b'\n')
        .fold(0, |b, n| b | ctl_bit(n))
}

/// One mounted cgroup hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hier {
    pub v2: bool,
    /// Controllers of husk's it carries (v2: those of the root's `cgroup.controllers` that
    /// no v1 hierarchy holds).
    pub ctls: u8,
    /// Its mount point.
    pub mount: Vec<u8>,
    /// husk's own cgroup, relative to the mount point: `""` (the root) or `/a/b`.
    pub own: Vec<u8>,
}

/// Where each cgroup hierarchy is mounted and where husk sits in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub hiers: Vec<Hier>,
}

impl Layout {
    /// From the text of /proc/self/mountinfo and /proc/self/cgroup. A hierarchy whose
    /// mounts do not show husk's own cgroup (a bind-mount of another subtree) is left out;
    /// so is each further mount of a hierarchy already seen.
    pub fn parse(mountinfo: &[u8], self_cgroup: &[u8]) -> Layout {
        let mut l = Layout::default();
        for line in mountinfo.split(|&c| c == b'\n') {
            // ID PARENT MAJ:MIN ROOT MOUNT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
            let mut f = line.split(|&c| c == b' ');
            let (Some(root), Some(mount)) = (f.nth(3), f.next()) else {
                continue;
            };
            let mut f = f.skip_while(|&x| x != b"-").skip(1);
            let (v2, ctls) = match (f.next(), f.nth(1)) {
                (Some(b"cgroup2"), _) => (true, 0),
                (Some(b"cgroup"), Some(opts)) => (false, ctl_bits(opts)),
                _ => continue,
            };
            if (!v2 && ctls == 0) || l.hiers.iter().any(|h| h.v2 == v2 && h.ctls & ctls == ctls) {
                continue; // a named hierarchy (name=systemd), or one seen already
            }
            // hierarchy-ID:controllers:path; v2 is 0::path.
            let own = self_cgroup.split(|&c| c == b'\n').find_map(|line| {
                let mut f = line.splitn(3, |&c| c == b':');
                let (id, list, path) = (f.next()?, f.next()?, f.next()?);
                let hit = if v2 {
                    id == b"0" && list.is_empty()
                } else {
                    ctl_bits(list) & ctls != 0
                };
                hit.then_some(path)
            });
            let Some(own) = own.and_then(|p| under(p, root)) else {
                continue;
            };
            l.hiers.push(Hier {
                v2,
                ctls,
                mount: unescape(mount),
                own: own.to_vec(),
            });
        }
        l
    }

    /// Records the controllers the v2 root offers (its `cgroup.controllers`), minus those a
    /// v1 hierarchy holds (a controller is bound to one kind at a time).
    pub fn set_v2_controllers(&mut self, list: &[u8]) {
        let v1 = self.hiers.iter().fold(0, |b, h| b | h.ctls);
        if let Some(h) = self.hiers.iter_mut().find(|h| h.v2) {
            h.ctls = ctl_bits(list) & !v1;
        }
    }

    pub fn v2(&self) -> Option<&Hier> {
        self.hiers.iter().find(|h| h.v2)
    }

    /// The hierarchy that carries controller `ctl`.
    pub fn find(&self, ctl: u8) -> Option<&Hier> {
        self.hiers.iter().find(|h| h.ctls & ctl != 0)
    }
}

/// `path` (a cgroup path from /proc/self/cgroup) relative to a mount whose root is `root`:
/// `""` or `/x/y`, or `None` when the mount does not show it.
fn under<'a>(path: &'a [u8], root: &[u8]) -> Option<&'a [u8]> {
    let root = root.strip_suffix(b"/").unwrap_or(root);
    let rest = path.strip_prefix(root)?;
    let rest = rest.strip_suffix(b"/").unwrap_or(rest);
    (rest.is_empty() || rest[0] == b'/').then_some(rest)
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let o = s
            .get(i + 1..i + 4)
            .filter(|o| s[i] == b'\\' && o.iter().all(|c| (b'0'..b'8').contains(c)));
        match o {
            Some(o) => {
                v.push(o.iter().fold(0u8, |n, c| n.wrapping_mul(8) + (c - b'0')));
                i += 4;
            }
            None => {
                v.push(s[i]);
                i += 1;
            }
        }
    }
    v
}

/// One control file to write, relative to the container's cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub file: &'static CStr,
    pub value: Vec<u8>,
    /// Skip it when the kernel lacks the file (only for a default the user did not ask for).
    pub optional: bool,
}

/// The container's cgroup in one hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dir {
    pub v2: bool,
    /// The controllers it is there for.
    pub ctls: u8,
    /// The parent cgroup's directory (absolute, no trailing `/`).
    pub parent: Vec<u8>,
    /// `husk-<id>`.
    pub name: Vec<u8>,
    /// v2: what to write to the parent's `cgroup.subtree_control` (`+memory +pids`).
    pub enable: Vec<u8>,
    pub writes: Vec<Write>,
}

impl Dir {
    /// `parent/name`.
    pub fn path(&self) -> Vec<u8> {
        let mut p = self.parent.clone();
        p.push(b'/');
        p.extend_from_slice(&self.name);
        p
    }
}

/// Everything to create, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub dirs: Vec<Dir>,
    /// The memory limit, for the OOM message (0: none).
    pub memory: u64,
    /// Create the control files the kernel would provide: only for tests on a plain
    /// directory standing in for a cgroup file system.
    pub fixture: bool,
}

#[inline(never)]
fn num(n: u64) -> Vec<u8> {
    let mut b = [0u8; 20];
    fmt_u64(n, &mut b).to_vec()
}

#[inline(never)]
fn put(w: &mut Vec<Write>, file: &'static CStr, value: Vec<u8>, optional: bool) {
    w.push(Write {
        file,
        value,
        optional,
    });
}

/// What to create and write for `spec` on `layout`; `id` names the cgroup (`husk-<id>`).
/// Fails, naming it, when the host lacks a controller the spec needs.
pub fn plan(spec: &CgroupSpec, layout: &Layout, id: u32) -> Result<Plan> {
    let mut need = 0;
    if spec.memory != 0 {
        need |= MEMORY;
    }
    if spec.cpus_milli != 0 {
        need |= CPU;
    }
    if spec.pids != 0 {
        need |= PIDS;
    }
    let limits = need != 0;
    for bit in [MEMORY, CPU, PIDS] {
        if need & bit != 0 && layout.find(bit).is_none() {
            return Err(Error::bad(
                "cgroup controller",
                ctl_name(bit),
                "not mounted on this host (see /proc/self/mountinfo); limit not applied",
            ));
        }
    }
    let mut name = b"husk-".to_vec();
    name.extend_from_slice(&num(id as u64));
    let mut p = Plan {
        memory: spec.memory,
        ..Plan::default()
    };
    for h in &layout.hiers {
        let ctls = if limits {
            h.ctls & need
        } else {
            h.ctls & (MEMORY | CPU | PIDS)
        };
        if ctls == 0 && (limits || !h.v2) {
            continue;
        }
        let mut parent = h.mount.clone();
        let rel = spec.parent.as_deref().unwrap_or(b"");
        if !rel.starts_with(b"/") {
            parent.extend_from_slice(&h.own);
        }
        for c in rel.split(|&c| c == b'/').filter(|c| !c.is_empty()) {
            parent.push(b'/');
            parent.extend_from_slice(c);
        }
        let mut d = Dir {
            v2: h.v2,
            // cpuacct comes free when mounted with cpu.
            ctls: ctls | (h.ctls & CPUACCT),
            parent,
            name: name.clone(),
            enable: Vec::new(),
            writes: Vec::new(),
        };
        if h.v2 {
            for bit in [MEMORY, CPU, PIDS] {
                if ctls & bit != 0 {
                    if !d.enable.is_empty() {
                        d.enable.push(b' ');
                    }
                    d.enable.push(b'+');
                    d.enable.extend_from_slice(ctl_name(bit));
                }
            }
        }
        limit_writes(spec, h.v2, ctls, &mut d.writes);
        p.dirs.push(d);
    }
    Ok(p)
}

fn limit_writes(s: &CgroupSpec, v2: bool, ctls: u8, w: &mut Vec<Write>) {
    if ctls & MEMORY != 0 && s.memory != 0 {
        let (mem, swap) = if v2 {
            (c"memory.max", c"memory.swap.max")
        } else {
            (c"memory.limit_in_bytes", c"memory.memsw.limit_in_bytes")
        };
        put(w, mem, num(s.memory), false);
        // v1 limits memory + swap, v2 swap alone.
        let total = match s.memory_swap {
            UNLIMITED => 0,
            0 => 2 * s.memory,
            t => t,
        };
        if total != 0 {
            let v = if v2 { total - s.memory } else { total };
            put(w, swap, num(v), s.memory_swap == 0);
        }
    }
    if ctls & CPU != 0 && s.cpus_milli != 0 {
        if v2 {
            let mut v = num(s.quota_us());
            v.push(b' ');
            v.extend_from_slice(&num(PERIOD_US));
            put(w, c"cpu.max", v, false);
        } else {
            put(w, c"cpu.cfs_period_us", num(PERIOD_US), false);
            put(w, c"cpu.cfs_quota_us", num(s.quota_us()), false);
        }
    }
    if ctls & PIDS != 0 && s.pids != 0 {
        put(w, c"pids.max", num(s.pids), false);
    }
}

/// The controller of `need` (bits) missing from a `cgroup.controllers` list, if any.
pub fn missing(list: &[u8], need: u8) -> Option<u8> {
    let lacking = need & (MEMORY | CPU | PIDS) & !ctl_bits(list);
    (lacking != 0).then(|| 1 << lacking.trailing_zeros())
}

/// The `oom_kill` count of v2 `memory.events` or v1 `memory.oom_control` (kernel 4.13+).
pub fn oom_kills(text: &[u8]) -> Option<u64> {
    text.split(|&c| c == b'\n')
        .find_map(|l| l.strip_prefix(b"oom_kill "))
        .and_then(crate::out::parse_u64)
}

/// A size for people: `4 MiB`, `1.5 GiB`, `512 KiB`, `100 bytes` (one decimal, rounded).
pub fn human(m: &mut Msg, n: u64) {
    let mut u = 0;
    while u < 5 && n >> (10 * (u + 1)) != 0 {
        u += 1;
    }
    if u == 0 {
        m.u(n).s(b" bytes");
        return;
    }
    let (whole, tenth) = loop {
        let sh = 10 * u;
        // The remainder is below 2^50: times ten it still fits.
        let t = ((n & ((1 << sh) - 1)) * 10 + (1 << (sh - 1))) >> sh;
        let whole = (n >> sh) + t / 10;
        // Rounded up to 1024 of a unit: one of the next.
        if whole < 1024 || u == 5 {
            break (whole, t % 10);
        }
        u += 1;
    };
    m.u(whole);
    if tenth != 0 {
        m.c(b'.').u(tenth);
    }
    m.c(b' ').c(b"KMGTP"[u as usize - 1]).s(b"iB");
}

/// `husk: CMD was killed by the OOM killer (memory limit 4 MiB)`.
pub fn oom_message(cmd: &[u8], limit: u64) -> Msg {
    let mut m = Msg::husk();
    m.s(cmd).s(b" was killed by the OOM killer");
    if limit != 0 {
        m.s(b" (memory limit ");
        human(&mut m, limit);
        m.c(b')');
    }
    m.nl();
    m
}

#[cfg(test)]
mod tests;
