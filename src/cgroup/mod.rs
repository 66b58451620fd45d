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
//!   of its own (the no-internal-processes rule): then the error says so. So on v2 the
//!   default parent works where husk's own cgroup is the root (husk as PID 1 of a VM);
//!   under a systemd session or in a container's cgroup namespace it holds processes
//!   (husk's at least) and `--cgroup-parent` must name one that has none.
//! - Swap: `--memory-swap` is memory + swap (Docker); not given, swap may equal memory
//!   (Docker's default), silently skipped if the kernel does not account swap (it is not a
//!   limit the user asked for); given, a missing swap file is an error. `-1` writes nothing:
//!   a new cgroup's swap is unlimited.
//! - CPU: quota = cpus × 100 ms per period of 100 ms (Docker's), v1 period written first.
use crate::cli::cgroup::{CgroupSpec, PERIOD_US, UNLIMITED};
use crate::error::{Error, Result};
use crate::out::Msg;
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

/// The name of the lowest controller in `bits`.
pub fn ctl_name(bits: u8) -> &'static [u8] {
    NAMES[(bits.trailing_zeros() as usize).min(3)]
}

/// Splits `s` at its first `sep`: returns what comes before and keeps what follows.
#[inline(never)]
pub fn cut<'a>(s: &mut &'a [u8], sep: u8) -> &'a [u8] {
    let t: &'a [u8] = s;
    let i = t.iter().position(|&c| c == sep).unwrap_or(t.len());
    *s = t.get(i + 1..).unwrap_or_default();
    &t[..i]
}

/// The controllers named in a list separated by `sep` (`rw,cpu,cpuacct`; `cpu memory\n`).
#[inline(never)]
fn ctl_bits(mut list: &[u8], sep: u8) -> u8 {
    let mut bits = 0;
    while !list.is_empty() {
        let n = cut(&mut list, sep);
        let n = n.strip_suffix(b"\n").unwrap_or(n);
        for (i, name) in NAMES.iter().enumerate() {
            if n == *name {
                bits |= 1 << i;
            }
        }
    }
    bits
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
        let mut text = mountinfo;
        while !text.is_empty() {
            // ID PARENT MAJ:MIN ROOT MOUNT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
            let mut f = cut(&mut text, b'\n');
            for _ in 0..3 {
                cut(&mut f, b' ');
            }
            let root = cut(&mut f, b' ');
            let mount = cut(&mut f, b' ');
            while !f.is_empty() && cut(&mut f, b' ') != b"-" {}
            let fstype = cut(&mut f, b' ');
            cut(&mut f, b' ');
            let v2 = fstype == b"cgroup2";
            let ctls = if v2 {
                0
            } else {
                ctl_bits(cut(&mut f, b' '), b',')
            };
            // Not a cgroup file system, a named v1 hierarchy (name=systemd), or seen already.
            if !(v2 || fstype == b"cgroup" && ctls != 0)
                || l.hiers.iter().any(|h| h.v2 == v2 && h.ctls & ctls == ctls)
            {
                continue;
            }
            // hierarchy-ID:controllers:path; v2 is 0::path.
            let mut cg = self_cgroup;
            let mut own = None;
            while !cg.is_empty() {
                let mut line = cut(&mut cg, b'\n');
                let id = cut(&mut line, b':');
                let list = cut(&mut line, b':');
                if if v2 {
                    id == b"0"
                } else {
                    ctl_bits(list, b',') & ctls != 0
                } {
                    own = under(line, root);
                    break;
                }
            }
            if let Some(own) = own {
                l.hiers.push(Hier {
                    v2,
                    ctls,
                    mount: unescape(mount),
                    own: own.to_vec(),
                });
            }
        }
        l
    }

    /// Records the controllers the v2 root offers (its `cgroup.controllers`), minus those a
    /// v1 hierarchy holds (a controller is bound to one kind at a time).
    pub fn set_v2_controllers(&mut self, list: &[u8]) {
        let v1 = self.hiers.iter().fold(0, |b, h| b | h.ctls);
        if let Some(h) = self.hiers.iter_mut().find(|h| h.v2) {
            h.ctls = ctl_bits(list, b' ') & !v1;
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
        let mut c = s[i];
        if let Some(&[a, b, d]) = s.get(i + 1..i + 4) {
            if c == b'\\' && [a, b, d].iter().all(|c| (b'0'..b'8').contains(c)) {
                c = (a - b'0') << 6 | (b - b'0') << 3 | (d - b'0');
                i += 3;
            }
        }
        v.push(c);
        i += 1;
    }
    v
}

/// One control file to write, relative to the container's cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    pub file: &'static CStr,
    pub n: u64,
    /// Written as `n 100000` (cpu.max: quota and period).
    pub period: bool,
    /// Skip it when the kernel lacks the file (only for a default the user did not ask for).
    pub optional: bool,
}

impl Write {
    /// The text to write.
    pub fn value(&self) -> Msg {
        let mut m = Msg::new();
        m.u(self.n);
        if self.period {
            m.c(b' ').u(PERIOD_US);
        }
        m
    }
}

/// The container's cgroup in one hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dir {
    pub v2: bool,
    /// The controllers it is there for (v2: those to enable in the parent).
    pub ctls: u8,
    /// Its directory: the parent's, then `/husk-<id>`.
    pub path: Vec<u8>,
    /// Where the name starts in `path`.
    pub name: usize,
    pub writes: Vec<Write>,
}

impl Dir {
    pub fn parent(&self) -> &[u8] {
        &self.path[..self.name - 1]
    }
    pub fn name(&self) -> &[u8] {
        &self.path[self.name..]
    }
    /// v2: what to write to the parent's `cgroup.subtree_control`: `+memory +pids`.
    pub fn enable(&self) -> Vec<u8> {
        let mut m = Msg::new();
        for (i, name) in NAMES[..3].iter().enumerate() {
            if self.ctls & 1 << i != 0 {
                if !m.0.is_empty() {
                    m.c(b' ');
                }
                m.c(b'+').s(name);
            }
        }
        m.0
    }
}

/// Everything to create, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub dirs: Vec<Dir>,
    /// The memory limit, for the OOM message (0: none).
    pub memory: u64,
    /// Create the control files the kernel would provide (not the optional ones): only
    /// for tests on a plain directory standing in for a cgroup file system.
    pub fixture: bool,
}

#[inline(never)]
fn put(w: &mut Vec<Write>, file: &'static CStr, n: u64, period: bool, optional: bool) {
    w.push(Write {
        file,
        n,
        period,
        optional,
    });
}

/// What to create and write for `spec` on `layout`; `id` names the cgroup (`husk-<id>`).
/// Fails, naming it, when the host lacks a controller the spec needs.
pub fn plan(spec: &CgroupSpec, layout: &Layout, id: u32) -> Result<Plan> {
    let s = spec;
    let need = ((s.memory != 0) as u8 * MEMORY)
        | ((s.cpus_milli != 0) as u8 * CPU)
        | ((s.pids != 0) as u8 * PIDS);
    for bit in [MEMORY, CPU, PIDS] {
        if need & bit != 0 && layout.find(bit).is_none() {
            return Err(Error::bad(
                "cgroup controller",
                ctl_name(bit),
                "not mounted on this host (see /proc/self/mountinfo); limit not applied",
            ));
        }
    }
    let mut p = Plan {
        memory: s.memory,
        ..Plan::default()
    };
    for h in &layout.hiers {
        // No limit (a parent alone): a cgroup in each v1 hierarchy of memory, cpu or pids,
        // and in the v2 one with no controller: grouping only.
        let ctls = h.ctls
            & match (need, h.v2) {
                (0, true) => 0,
                (0, false) => MEMORY | CPU | PIDS,
                _ => need,
            };
        if ctls == 0 && (need != 0 || !h.v2) {
            continue;
        }
        let mut m = Msg(h.mount.clone());
        let mut rel = s.parent.as_deref().unwrap_or_default();
        if rel.first() != Some(&b'/') {
            m.s(&h.own);
        }
        while !rel.is_empty() {
            let c = cut(&mut rel, b'/');
            if !c.is_empty() {
                m.c(b'/').s(c);
            }
        }
        let name = m.0.len() + 1;
        m.s(b"/husk-").u(id as u64);
        let mut w = Vec::new();
        let (v2, lim) = (h.v2, ctls & need);
        if lim & MEMORY != 0 {
            let mem = if v2 {
                c"memory.max"
            } else {
                c"memory.limit_in_bytes"
            };
            put(&mut w, mem, s.memory, false, false);
            // Docker's default: as much swap as memory.
            let total = match s.memory_swap {
                UNLIMITED => 0,
                0 => 2 * s.memory,
                t => t,
            };
            if total != 0 {
                // v1 limits memory + swap, v2 swap alone.
                let (swap, n) = if v2 {
                    (c"memory.swap.max", total - s.memory)
                } else {
                    (c"memory.memsw.limit_in_bytes", total)
                };
                put(&mut w, swap, n, false, s.memory_swap == 0);
            }
        }
        if lim & CPU != 0 {
            if !v2 {
                put(&mut w, c"cpu.cfs_period_us", PERIOD_US, false, false);
            }
            let quota = if v2 { c"cpu.max" } else { c"cpu.cfs_quota_us" };
            put(&mut w, quota, s.quota_us(), v2, false);
        }
        if lim & PIDS != 0 {
            put(&mut w, c"pids.max", s.pids, false, false);
        }
        p.dirs.push(Dir {
            v2,
            // cpuacct comes free when mounted with cpu.
            ctls: ctls | h.ctls & CPUACCT,
            path: m.0,
            name,
            writes: w,
        });
    }
    Ok(p)
}

/// The controller of `need` (bits) missing from a `cgroup.controllers` list, if any.
pub fn missing(list: &[u8], need: u8) -> Option<u8> {
    let lacking = need & (MEMORY | CPU | PIDS) & !ctl_bits(list, b' ');
    (lacking != 0).then(|| 1 << lacking.trailing_zeros())
}

/// The `oom_kill` count of v2 `memory.events` or v1 `memory.oom_control` (kernel 4.13+).
pub fn oom_kills(text: &[u8]) -> Option<u64> {
    text.split(|&c| c == b'\n')
        .find_map(|l| l.strip_prefix(b"oom_kill "))
        .and_then(crate::out::parse_u64)
}

/// A size for people: `4 MiB`, `1.5 GiB`, `512 KiB`, `100 B` (tenths truncated).
pub fn human(m: &mut Msg, n: u64) {
    let mut u = 0;
    while u < 5 && n >> (10 * u + 10) != 0 {
        u += 1;
    }
    // In tenths of the unit; up to 16 PiB, times ten fits.
    let t = n.saturating_mul(10) >> (10 * u);
    m.u(t / 10);
    if !t.is_multiple_of(10) {
        m.c(b'.').u(t % 10);
    }
    m.c(b' ');
    if u > 0 {
        m.c(b"KMGTP"[u - 1]).c(b'i');
    }
    m.c(b'B');
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
