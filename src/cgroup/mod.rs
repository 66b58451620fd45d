//! cgroups for `husk run`: where each controller lives (v1, v2 or a hybrid of both), what to
//! create and write for a [`CgroupSpec`], and (in [`act`]) doing it. husk needs Linux 5.14
//! for containers: CLONE_INTO_CGROUP (5.7), v1's oom_kill count (4.13), cgroup.kill (5.14).
//!
//! Everything in this file is pure: [`plan`] reads the text of /proc/self/mountinfo and
//! /proc/self/cgroup (a [`Layout`]) in one pass and turns a spec into the directories to
//! create and their [`Plan::write`]s, so it is unit-tested without root and a bad request
//! fails before anything exists.
//!
//! Decisions (the README's contract):
//! - The container's cgroup is `husk-<pid of husk>`, created in each hierarchy that carries a
//!   controller the spec limits (on this host's hybrid layout: the v1 memory, cpu and pids
//!   hierarchies, not the controller-less cgroup2 one). With `--cgroup-parent` alone (no
//!   limit), in every v1 hierarchy of memory, cpu and pids, plus the v2 one: grouping only.
//! - A controller no v1 hierarchy holds is taken to be on v2 (a controller is bound to one
//!   kind at a time): if the kernel lacks it, enabling it in the parent fails, naming it.
//! - Default parent: husk's own cgroup in that hierarchy, so whatever limits the caller
//!   still limits the container. `--cgroup-parent /a/b` starts from the hierarchy's root (the
//!   mount point: the root of a cgroup namespace or bind-mount), `--cgroup-parent a/b` from
//!   husk's own cgroup. The parent must exist; husk creates only `husk-<pid>`.
//! - v2: husk enables the needed controllers in the parent's `cgroup.subtree_control` (not
//!   above it), which the kernel refuses (EBUSY) when the parent has processes of its own
//!   (the no-internal-processes rule): then the error says so. So on v2 the default parent
//!   works where husk's own cgroup is the root (husk as PID 1 of a VM); under a systemd
//!   session or in a container's cgroup namespace it holds processes (husk's at least) and
//!   `--cgroup-parent` must name one that has none.
//! - Swap: `--memory-swap` is memory + swap (Docker); not given, swap may equal memory
//!   (Docker's default), silently skipped if the kernel does not account swap (it is not a
//!   limit the user asked for); given, a missing swap file is an error. `-1` writes nothing:
//!   a new cgroup's swap is unlimited.
//! - CPU: quota = cpus × 100 ms, per the period of a new cgroup, which is always 100 ms
//!   (the kernel's default_cfs_period): only the quota is written.
use crate::cli::cgroup::{CgroupSpec, SWAP, UNLIMITED};
use crate::error::{Error, Result};
use crate::out::{word, word_index, Msg};
use crate::state::cut;
use alloc::vec::Vec;
use core::ffi::CStr;

pub mod act;

/// Controllers, as bits: `1 << ` their index in [`NAMES`] (and in `CgroupSpec::lim`).
pub const MEMORY: u8 = 1;
pub const CPU: u8 = 2;
pub const PIDS: u8 = 4;
const NAMES: &str = "memory cpu pids";

/// The controllers named in a comma-separated list (`rw,cpu,cpuacct`).
#[inline(never)]
fn ctl_bits(mut list: &[u8]) -> u8 {
    let mut bits = 0;
    while !list.is_empty() {
        if let Some(i) = word_index(NAMES.as_bytes(), cut(&mut list, b','), false) {
            bits |= 1 << i;
        }
    }
    bits
}

/// The text of /proc/self/mountinfo and /proc/self/cgroup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub mountinfo: Vec<u8>,
    pub cgroup: Vec<u8>,
}

/// The first mount in `mountinfo` of the hierarchy of `bits` (its controllers; v2: none)
/// that shows husk's cgroup `path` (a bind-mount may show a subtree): the mount point, and
/// the path relative to it (`""` or `/x/y`).
fn mount_of<'a>(
    mut mi: &'a [u8],
    v2: bool,
    bits: u8,
    path: &'a [u8],
) -> Option<(&'a [u8], &'a [u8])> {
    while !mi.is_empty() {
        // ID PARENT MAJ:MIN ROOT MOUNT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
        let mut f = cut(&mut mi, b'\n');
        for _ in 0..3 {
            cut(&mut f, b' ');
        }
        let root = cut(&mut f, b' ');
        let mount = cut(&mut f, b' ');
        while !f.is_empty() && cut(&mut f, b' ') != b"-" {}
        let fstype = cut(&mut f, b' ');
        cut(&mut f, b' ');
        // (No cgroup2 option is named like a controller.)
        if word_index(b"cgroup cgroup2", fstype, false) != Some(v2 as usize) || ctl_bits(f) != bits
        {
            continue;
        }
        let root = crate::out::strip_suffix(root, b"/").unwrap_or(root);
        let path = crate::out::strip_suffix(path, b"/").unwrap_or(path);
        if let Some(rest) = crate::out::strip_prefix(path, root) {
            if rest.is_empty() || rest[0] == b'/' {
                return Some((mount, rest));
            }
        }
    }
    None
}

/// Appends the components of `path` to `m`, each after a `/`; false if one is `.` or `..`.
#[inline(never)]
pub fn tidy(mut path: &[u8], m: &mut Msg) -> bool {
    let mut ok = true;
    while !path.is_empty() {
        let c = cut(&mut path, b'/');
        ok &= c != b"." && c != b"..";
        if !c.is_empty() {
            m.c(b'/').s(c);
        }
    }
    ok
}

/// The container's cgroup in one hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dir {
    pub v2: bool,
    /// The controllers it is there for (v2: those to enable in the parent).
    pub ctls: u8,
    /// Its directory, NUL-terminated: the parent's, then `/husk-<id>`.
    pub path: Vec<u8>,
}

impl Dir {
    /// The path, without its NUL.
    #[inline(never)]
    pub fn shown(&self) -> &[u8] {
        self.path.split_last().map_or(&[], |(_, p)| p)
    }
}

/// Everything to create, in order (that of /proc/self/cgroup).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub dirs: Vec<Dir>,
    /// The spec's limits (see [`CgroupSpec::lim`]), for [`Plan::write`].
    pub lim: [u64; 4],
    /// Create the control files the kernel would provide (not the optional ones): only
    /// for tests on a plain directory standing in for a cgroup file system.
    pub fixture: bool,
}

/// The control files, by `2 * index + v2`.
const FILES: &[u8] = b"memory.limit_in_bytes\0memory.max\0cpu.cfs_quota_us\0cpu.max\0\
pids.max\0pids.max\0memory.memsw.limit_in_bytes\0memory.swap.max\0";

impl Plan {
    /// Write `k` (0..4: memory, CPU quota, pids, swap) for `d`, if it has one: the control
    /// file, the value, and whether the file may be missing (a swap limit not asked for,
    /// where swap is not accounted). Swap comes last: on v1 the memory + swap limit cannot
    /// be set below the memory limit.
    pub fn write(&self, d: &Dir, k: usize) -> Option<(&'static CStr, u64, bool)> {
        let [mem, cpus, pids, swap] = self.lim;
        // CPU: per the period of a new cgroup, always 100 ms (the kernel's default).
        // Swap: Docker's default is as much swap as memory.
        let total = match swap {
            0 => 2 * mem,
            UNLIMITED => 0,
            t => t,
        };
        let (n, bit) = [
            (mem, MEMORY),
            (cpus * 100, CPU),
            (pids, PIDS),
            (total, MEMORY),
        ][k];
        if d.ctls & bit == 0 || n == 0 {
            return None;
        }
        let mut t = FILES;
        for _ in 0..2 * k + d.v2 as usize {
            cut(&mut t, 0);
        }
        let file = crate::sys::c_str(t).unwrap_or(c"");
        // v1 limits memory + swap, v2 swap alone.
        let v2swap = k == SWAP && d.v2;
        Some((file, n - v2swap as u64 * mem, k == SWAP && swap == 0))
    }
}

/// What to create and write for `spec` on `layout`; `id` names the cgroup (`husk-<id>`).
/// Fails, naming it, when the host lacks a controller the spec needs.
///
/// A cgroup mount whose root does not show husk's own cgroup (a bind-mount of another
/// subtree) is left out, so is each further mount of a hierarchy already seen.
pub fn plan(spec: &CgroupSpec, layout: &Layout, id: u32) -> Result<Plan> {
    let need = spec.lim[..3]
        .iter()
        .enumerate()
        .fold(0, |b, (i, &n)| b | ((n != 0) as u8) << i);
    let mut p = Plan {
        dirs: Vec::new(),
        lim: spec.lim,
        fixture: false,
    };
    let parent = spec.parent.unwrap_or_default();
    // The controllers of v1 hierarchies (first pass): the others are v2's.
    let (mut v1, mut have) = (0, 0);
    for pass in 0..2 {
        let mut cg = &layout.cgroup[..];
        while !cg.is_empty() {
            // ID:CONTROLLERS:PATH, v2's is 0::PATH.
            let mut own = cut(&mut cg, b'\n');
            let is2 = cut(&mut own, b':') == b"0";
            let bits = ctl_bits(cut(&mut own, b':'));
            if pass == 0 {
                v1 |= bits;
                continue;
            }
            // A hierarchy with a controller of ours (not cpuset, name=systemd...), and a
            // mount of it that shows our cgroup.
            let Some((mount, own)) =
                mount_of(&layout.mountinfo, is2, bits, own).filter(|_| is2 || bits != 0)
            else {
                continue;
            };
            let ctls = if is2 {
                (MEMORY | CPU | PIDS) & !v1
            } else {
                bits
            };
            have |= ctls;
            // mountinfo escapes space, tab, newline and backslash as `\ooo` (so every
            // backslash starts one).
            let mut m = Msg::new();
            let mut i = 0;
            while i < mount.len() {
                let mut c = mount[i];
                if let (b'\\', Some(&[a, b, d])) = (c, mount.get(i + 1..i + 4)) {
                    c = (a & 7) << 6 | (b & 7) << 3 | d & 7;
                    i += 3;
                }
                m.c(c);
                i += 1;
            }
            // `--cgroup-parent /a` starts from the root, `a` (and the default) from our own.
            if parent.first() != Some(&b'/') {
                m.s(own);
            }
            tidy(parent, &mut m);
            m.s(b"/husk-").u(id as u64).c(0);
            // No limit (a parent alone): in every v1 hierarchy and in the v2 one with no
            // controller, for grouping.
            let ctls = if need != 0 {
                ctls & need
            } else if is2 {
                0
            } else {
                ctls
            };
            if need == 0 || ctls != 0 {
                p.dirs.push(Dir {
                    v2: is2,
                    ctls,
                    path: m.0,
                });
            }
        }
    }
    let lacking = need & !have;
    if lacking != 0 {
        return Err(Error::bad(
            "cgroup controller",
            word(NAMES, lacking.trailing_zeros() as usize).unwrap_or_default(),
            "not mounted on this host (see /proc/self/mountinfo); limit not applied",
        ));
    }
    Ok(p)
}

/// Whether a v2 `memory.events` or v1 `memory.oom_control` counts an OOM kill.
pub fn oom_kill(text: &[u8]) -> bool {
    // `oom_kill N` is never their first line; a count has no leading zero.
    text.windows(11)
        .any(|w| w.starts_with(b"\noom_kill ") && w[10] != b'0')
}

/// `husk: CMD was killed by the OOM killer (memory limit 4 MiB)`: in the largest unit that
/// divides the limit.
pub fn oom_message(cmd: &[u8], limit: u64) -> Msg {
    let mut m = Msg::husk();
    m.s(cmd).s(b" was killed by the OOM killer");
    if limit != 0 {
        let (mut n, mut u) = (limit, 0);
        while n & 1023 == 0 && u < 5 {
            n >>= 10;
            u += 1;
        }
        m.s(b" (memory limit ")
            .u(n)
            .c(b' ')
            .s(word("B KiB MiB GiB TiB PiB", u).unwrap_or_default())
            .c(b')');
    }
    m.nl();
    m
}

#[cfg(test)]
mod tests;
