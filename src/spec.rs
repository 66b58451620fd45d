//! The immutable description of a container: what `husk run` was asked for, validated.
//! Built by `cli::run` from the arguments, before anything exists.
use crate::error::{Error, Result};
use alloc::vec::Vec;
use linux_raw_sys::general as g;

pub const NEWNS: u32 = g::CLONE_NEWNS;
pub const NEWUTS: u32 = g::CLONE_NEWUTS;
pub const NEWIPC: u32 = g::CLONE_NEWIPC;
pub const NEWUSER: u32 = g::CLONE_NEWUSER;
pub const NEWPID: u32 = g::CLONE_NEWPID;
pub const NEWNET: u32 = g::CLONE_NEWNET;
pub const NEWCGROUP: u32 = g::CLONE_NEWCGROUP;
/// Joined only (by `husk exec` and `--join time=`): clone(2) takes 0x80 as part of the
/// exit signal, and husk creates no time namespace.
pub const NEWTIME: u32 = g::CLONE_NEWTIME;
/// What `-a/--all` creates: every namespace but the user namespace, as unshare(1)'s list.
pub const ALL: u32 = NEWNS | NEWUTS | NEWIPC | NEWPID | NEWNET | NEWCGROUP;

/// Why a user namespace cannot have a new /proc for the pid namespace it does not own.
pub const PROC_NEEDS_PID: &str =
    "in a user namespace a new /proc needs a new pid namespace too (-p)";

/// Namespace types: the name in /proc/PID/ns, the clone flag.
pub const NS_TYPES: [(&str, u32); 8] = [
    ("user", NEWUSER),
    ("mnt", NEWNS),
    ("pid", NEWPID),
    ("net", NEWNET),
    ("uts", NEWUTS),
    ("ipc", NEWIPC),
    ("cgroup", NEWCGROUP),
    ("time", NEWTIME),
];

/// `mount` is accepted for `mnt`, as nsenter(1) does.
pub fn ns_type(name: &[u8]) -> Option<u32> {
    let name = if name == b"mount" { b"mnt" } else { name };
    NS_TYPES
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|&(_, f)| f)
}

pub fn ns_name(flag: u32) -> &'static str {
    NS_TYPES
        .iter()
        .find(|&&(_, f)| f == flag)
        .map_or("?", |&(n, _)| n)
}

/// The names of the namespace types in `flags`, in [`NS_TYPES`] order, joined by commas
/// (`user,mnt,net`): for the records and the errors of a setns or clone of several.
#[inline(never)]
pub fn ns_names(flags: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for (name, flag) in NS_TYPES {
        if flags & flag != 0 {
            if !v.is_empty() {
                v.push(b',');
            }
            v.extend_from_slice(name.as_bytes());
        }
    }
    v
}

/// One line of a uid_map or gid_map: ids `inside..inside+count` are `outside..` outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdMap {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// The kernel refuses maps whose ranges overlap, inside or outside.
pub fn check_maps(maps: &[IdMap], what: &'static str) -> Result<()> {
    if maps.len() > 340 {
        return Err(Error::usage(
            what,
            "more than 340 ranges (the kernel's limit)",
        ));
    }
    let overlap = |a: u32, an: u32, b: u32, bn: u32| {
        (a as u64) < b as u64 + bn as u64 && (b as u64) < a as u64 + an as u64
    };
    for (i, a) in maps.iter().enumerate() {
        for b in &maps[i + 1..] {
            if overlap(a.inside, a.count, b.inside, b.count)
                || overlap(a.outside, a.count, b.outside, b.count)
            {
                return Err(Error::usage(what, "ranges overlap"));
            }
        }
    }
    Ok(())
}

/// Renders maps as the kernel reads them from /proc/PID/uid_map: "IN OUT N\n" lines.
pub fn render_maps(maps: &[IdMap]) -> Vec<u8> {
    let mut m = crate::out::Msg::new();
    for x in maps {
        m.u(x.inside as u64)
            .c(b' ')
            .u(x.outside as u64)
            .c(b' ')
            .u(x.count as u64)
            .nl();
    }
    m.0
}

/// A namespace to join instead of creating: its type and the path of a namespace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    pub flag: u32,
    pub path: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub src: &'static [u8],
    pub dst: &'static [u8],
    pub ro: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tmpfs {
    pub dst: &'static [u8],
    /// Bytes; 0 for the kernel's default (half of RAM).
    pub size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub resource: u32,
    pub soft: u64,
    pub hard: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// CLONE_NEW* flags of the namespaces to create.
    pub ns: u32,
    pub joins: Vec<Join>,
    pub map_root: bool,
    pub uid_maps: Vec<IdMap>,
    pub gid_maps: Vec<IdMap>,
    pub hostname: Option<&'static [u8]>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub env: Vec<&'static [u8]>,
    pub env_clear: bool,
    pub cwd: Option<&'static [u8]>,
    pub rlimits: Vec<Rlimit>,
    pub rootfs: Option<&'static [u8]>,
    pub binds: Vec<Bind>,
    pub tmpfs: Vec<Tmpfs>,
    pub read_only: bool,
    pub proc_: bool,
    /// husk stays PID 1 in a new pid namespace (false: --no-init).
    pub init: bool,
    pub timings: bool,
    /// An option that `husk exec` refuses was given (see `cli::run::options`).
    pub run_only: bool,
    pub verbosity: u8,
    /// Capabilities, no_new_privs, seccomp, descriptors (cli::security).
    pub sec: crate::cli::security::SecSpec,
    /// Memory, swap, cpu and pids limits (cli::cgroup).
    pub cg: crate::cli::cgroup::CgroupSpec,
    /// --name: recorded in /run/husk/NAME (`state`); for exec, the target container.
    pub name: Option<&'static [u8]>,
    /// `husk exec`: what to take from the target besides the namespaces in `joins`.
    pub enter: Option<crate::exec::Enter>,
    /// Index of CMD in the argument vector.
    pub cmd: usize,
    pub net: crate::net::Net,
}

impl Spec {
    pub fn joins_type(&self, flag: u32) -> bool {
        self.joins.iter().any(|j| j.flag == flag)
    }
    /// A user namespace is created or joined: ids and capabilities are the namespace's.
    pub fn in_userns(&self) -> bool {
        self.ns & NEWUSER != 0 || self.joins_type(NEWUSER)
    }
    pub fn has_mount_ns(&self) -> bool {
        self.ns & NEWNS != 0
    }
    /// The container's root may be the host's root: no new user namespace, or one whose
    /// map (or --map-root by root) includes outside uid 0. Only such a container could
    /// write the host's husk binary through /proc/PID/exe (runc's CVE-2019-5736), so only
    /// then are the husk processes it can see made non-dumpable — which also hides their
    /// /proc/PID/ns and exe from anyone without CAP_SYS_PTRACE, a rootless owner included.
    pub fn root_may_be_host_root(&self, caller_uid: u32) -> bool {
        if self.ns & NEWUSER == 0 {
            return true;
        }
        if self.map_root {
            return caller_uid == 0;
        }
        self.uid_maps.iter().any(|m| m.outside == 0)
    }
}

/// Refuses a kernel `release` (uname's: `6.1.0-57-amd64`) older than the 5.14 that
/// `husk run` and `husk exec` need. One that does not parse as MAJOR.MINOR is given the
/// benefit of the doubt: husk refuses only what it knows is too old.
pub fn check_release(release: &[u8]) -> Result<()> {
    // seen: 1 digits of MAJOR, 2 its dot, 3 digits of MINOR.
    let (mut v, mut seen) = ([0u32; 2], 0);
    for &c in release {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            let n = &mut v[seen as usize >> 1];
            *n = (*n * 10 + d as u32).min(1 << 20);
            seen |= 1;
        } else if c == b'.' && seen == 1 {
            seen = 2;
        } else {
            break;
        }
    }
    if seen == 3 && (v[0], v[1]) < (5, 14) {
        return Err(Error::new(
            b"Linux",
            release,
            0,
            b"husk run and exec need 5.14 or later",
        ));
    }
    Ok(())
}

/// Before `husk run` or `husk exec` does anything: on a kernel older than 5.14 the first
/// missing call (CLONE_INTO_CGROUP, pidfds, close_range's CLOSE_RANGE_CLOEXEC,
/// mount_setattr, cgroup.kill) would fail midway with a bare errno; say why instead.
/// (`husk init` has no such needs and never calls this.)
pub fn check_kernel() -> Result<()> {
    let mut u = [0; 390];
    let _ = crate::sys::ns::uname(&mut u);
    let r = &u[130..195];
    check_release(&r[..r.iter().position(|&c| c == 0).unwrap_or(r.len())])
}

/// Resource names of setrlimit(2), in the order of their numbers (RLIMIT_CPU is 0, ...;
/// the same on x86_64 and aarch64): a word table for `out::word`.
pub const RLIMIT_NAMES: &str = RLIMIT_UNKNOWN
    .split_at(RLIMIT_UNKNOWN.len() - 1)
    .0
    .split_at(15)
    .1;

/// The error for a name not in [`RLIMIT_NAMES`], which is a part of it: one copy of the
/// names in the binary.
pub const RLIMIT_UNKNOWN: &str = "unknown limit (cpu fsize data stack core rss nproc nofile memlock as locks sigpending msgqueue nice rtprio rttime)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rlimit_names_are_in_their_error() {
        assert!(RLIMIT_NAMES.starts_with("cpu ") && RLIMIT_NAMES.ends_with(" rttime"));
        assert_eq!(RLIMIT_NAMES.split(' ').count(), 16);
    }

    #[test]
    fn map_overlaps() {
        let m = |i, o, n| IdMap {
            inside: i,
            outside: o,
            count: n,
        };
        assert!(check_maps(&[m(0, 1000, 1), m(1, 100000, 65536)], "--uid-map").is_ok());
        assert!(
            check_maps(&[m(0, 1000, 10), m(5, 100000, 10)], "--uid-map").is_err(),
            "inside overlap"
        );
        assert!(
            check_maps(&[m(0, 1000, 10), m(100, 1005, 10)], "--uid-map").is_err(),
            "outside overlap"
        );
        assert!(check_maps(&[m(0, 4294967290, 5), m(5, 0, 1)], "--uid-map").is_ok());
        assert_eq!(
            render_maps(&[m(0, 1000, 1), m(1, 100000, 65536)]),
            b"0 1000 1\n1 100000 65536\n"
        );
    }

    #[test]
    fn kernel_releases() {
        for (r, old) in [
            ("5.14.0", false),
            ("5.14", false),
            ("6.1.0-57-amd64", false),
            ("6.18.44-fc-v657", false),
            ("10.0.0", false),
            ("5.13.19-2-pve", true),
            ("5.4.0", true),
            ("5.10.0-21-amd64", true),
            ("4.19.0-xyz", true),
            ("3.10.0-1160.el7.x86_64", true),
            // What does not parse is not refused.
            ("", false),
            ("garbage", false),
            ("5", false),
            ("5.", false),
            (".14", false),
            ("v5.4", false),
            ("99999999999999999999.1", false),
        ] {
            assert_eq!(check_release(r.as_bytes()).is_err(), old, "{r}");
        }
        assert!(
            check_kernel().is_ok(),
            "the kernel running the tests is new enough"
        );
        assert_eq!(
            check_release(b"5.10.0-21-amd64").unwrap_err().render().0,
            b"husk: Linux 5.10.0-21-amd64: husk run and exec need 5.14 or later\n"
        );
    }

    #[test]
    fn namespace_types_and_names() {
        assert_eq!(ns_type(b"net"), Some(NEWNET));
        assert_eq!(ns_type(b"mount"), Some(NEWNS));
        assert_eq!(ns_type(b"mnt"), Some(NEWNS));
        assert_eq!(ns_type(b"time"), Some(NEWTIME));
        assert_eq!(ns_type(b"time_for_children"), None);
        assert_eq!(ns_name(NEWCGROUP), "cgroup");
        assert_eq!(super::ns_names(NEWCGROUP), b"cgroup");
        assert_eq!(
            super::ns_names(NEWNET | NEWUSER | NEWNS | NEWTIME),
            b"user,mnt,net,time"
        );
        assert_eq!(super::ns_names(0), b"");
    }
}
