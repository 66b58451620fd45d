//! /run/husk/NAME: the records of containers started with `husk run --name NAME`, for
//! `husk exec NAME`, `husk list` and `--join TYPE=NAME`.
//!
//! A record is a few `key=value` lines (pid, start, ns, cgroup, rootfs). It is written
//! once the container is up, atomically (a temporary file renamed into place), and
//! removed by husk when the container ends. If husk is killed (SIGKILL) the record stays
//! behind, but its container is gone too (its first process has the parent-death signal
//! SIGKILL): a record is trusted only while /proc/PID/stat shows a live process with the
//! recorded start time — a pid the kernel reused has another start time — so a stale
//! record is never listed or entered, and the next `run --name` with that name replaces it.
use crate::error::{Error, Result};
use crate::out::{parse_fixed, parse_u64, Msg};
use crate::path::CPath;
use crate::spec::{Join, NS_TYPES};
use crate::sys::enter::{rename, unlink};
use crate::sys::{self, fs, Errno, Fd, Pid};
use alloc::vec::Vec;
use linux_raw_sys::general as g;

pub const DIR: &[u8] = b"/run/husk/";

/// A NAME becomes a file name in [`DIR`]: 1 to 64 printable ASCII bytes (no space), no
/// `/`, not `.` or `..`.
pub fn check_name(name: &[u8]) -> Result<&[u8]> {
    if name.len() > 64
        || name.is_empty()
        || name == b"."
        || name == b".."
        || name.iter().any(|&c| !c.is_ascii_graphic() || c == b'/')
    {
        return Err(Error::bad(
            "container name",
            name,
            "must be 1-64 printable bytes, no '/' or space, not . or ..",
        ));
    }
    Ok(name)
}

/// A record: `PID START NS\nCGROUP\nROOTFS\n`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Record<'a> {
    /// The container's first process (husk as its PID 1, or CMD), as the host sees it.
    pub pid: Pid,
    /// Its start time, /proc/PID/stat field 22 (clock ticks since boot): with the pid, an
    /// identity that a reused pid does not have.
    pub start: u64,
    /// CLONE_NEW* flags of the namespaces the container created.
    pub ns: u32,
    /// The container's cgroup when husk made one (the cgroup options), else empty.
    pub cgroup: &'a [u8],
    pub rootfs: &'a [u8],
}

pub fn encode(r: &Record) -> Vec<u8> {
    let mut m = Msg::new();
    m.u(r.pid as u64)
        .c(b' ')
        .u(r.start)
        .c(b' ')
        .u(r.ns as u64)
        .nl();
    m.s(r.cgroup).nl().s(r.rootfs).nl();
    m.0
}

/// The bytes of `rest` before the first `sep` (all of them if none); `rest` moves past it.
/// (One small function instead of an iterator adaptor per call site.)
#[inline(never)]
pub fn cut<'a>(rest: &mut &'a [u8], sep: u8) -> &'a [u8] {
    let b = *rest;
    let mut i = 0;
    while i < b.len() && b[i] != sep {
        i += 1;
    }
    *rest = &b[(i + 1).min(b.len())..];
    &b[..i]
}

#[inline(never)]
pub fn decode(mut b: &[u8]) -> Option<Record<'_>> {
    let mut nums = cut(&mut b, b'\n');
    let mut num = || parse_u64(cut(&mut nums, b' '));
    Some(Record {
        pid: num()? as Pid,
        start: num()?,
        ns: num()? as u32,
        cgroup: cut(&mut b, b'\n'),
        rootfs: cut(&mut b, b'\n'),
    })
}

/// The start time from /proc/PID/stat (`pid (comm) state ... starttime`; comm may hold
/// `)` or spaces), or None for a zombie: a container whose first process has exited is
/// over even before it is reaped.
pub fn parse_start(stat: &[u8]) -> Option<u64> {
    let close = stat.iter().rposition(|&c| c == b')')?;
    let mut f = stat.get(close + 2..)?;
    if matches!(cut(&mut f, b' '), b"Z" | b"X") {
        return None;
    }
    for _ in 0..18 {
        cut(&mut f, b' ');
    }
    parse_u64(cut(&mut f, b' '))
}

/// A number in decimal.
pub fn num(n: u64) -> Vec<u8> {
    let mut m = Msg::new();
    m.u(n);
    m.0
}

/// /proc/PID/A/B
#[inline(never)]
pub fn proc(pid: Pid, a: &[u8], b: &[u8]) -> CPath {
    CPath::new(&[b"/proc/", &num(pid as u64), b"/", a, b])
}

/// The start time of a live process.
#[inline(never)]
pub fn start(pid: Pid) -> Option<u64> {
    parse_start(&fs::read_file(proc(pid, b"stat", b"").c()).ok()?)
}

/// Whether `pid` is a live process that started at `start`.
pub fn live(pid: Pid, t: u64) -> bool {
    start(pid) == Some(t)
}

fn path(name: &[u8]) -> CPath {
    CPath::new(&[DIR, name])
}

#[inline(never)]
pub fn ended(name: &[u8]) -> Error {
    Error::bad("container", name, "not running any more")
}

/// The pid and start time recorded for NAME.
fn ids(name: &[u8]) -> Option<(Pid, u64)> {
    let b = fs::read_file(path(name).c()).ok()?;
    decode(&b).map(|r| (r.pid, r.start))
}

/// The pid and start time of the live container NAME.
#[inline(never)]
pub fn lookup(name: &[u8]) -> Result<(Pid, u64)> {
    match ids(name) {
        Some((pid, start)) if live(pid, start) => Ok((pid, start)),
        Some(_) => Err(ended(name)),
        None => Err(Error::bad(
            "container",
            name,
            "no such container (see husk list)",
        )),
    }
}

/// Opens the namespace file of a `--join`: a path, or for a container NAME its first
/// process's, checked to be the recorded process once open.
#[inline(never)]
pub fn open_ns(j: &Join) -> Result<Fd> {
    let Some(name) = j.path.strip_prefix(DIR) else {
        return fs::open(CPath::new(&[&j.path]).c(), g::O_RDONLY)
            .map_err(|e| Error::sys("open namespace", &j.path, e));
    };
    let (pid, start) = lookup(name)?;
    let ty = crate::spec::ns_name(j.flag).as_bytes();
    match fs::open(proc(pid, b"ns/", ty).c(), g::O_RDONLY) {
        Ok(fd) if live(pid, start) => Ok(fd),
        _ => Err(ended(name)),
    }
}

/// A name being claimed by `husk run --name`: checked free and its temporary file created
/// before the container exists, recorded once it runs ([`Claim::commit`]); dropping the
/// claim removes the temporary file and, once committed, the record if it is still ours.
pub struct Claim {
    name: &'static [u8],
    tmp: CPath,
    fd: Fd,
    pid: Pid,
    start: u64,
}

fn in_use(name: &[u8]) -> Error {
    Error::bad(
        "--name",
        name,
        "in use by a running container (see husk list)",
    )
}

/// Before anything exists: refuses a name a live container holds; creates the temporary
/// file (so a caller who may not write /run/husk learns it now).
#[inline(never)]
pub fn prepare(name: &'static [u8]) -> Result<Claim> {
    let _ = fs::mkdir(c"/run/husk", 0o755);
    if lookup(name).is_ok() {
        return Err(in_use(name));
    }
    let tmp = CPath::new(&[DIR, b".", name, b".", &num(sys::getpid() as u64)]);
    let flags = g::O_WRONLY | g::O_CREAT | g::O_EXCL;
    let fd = fs::open_at(g::AT_FDCWD, tmp.c(), flags, 0o644)
        .map_err(|e| Error::sys("create", tmp.bytes(), e))?;
    Ok(Claim {
        name,
        tmp,
        fd,
        pid: 0,
        start: 0,
    })
}

impl Claim {
    /// Records the running container: first process `pid`, namespaces `ns`, `cgroup` (its
    /// path when husk made one). A live container's record that appeared since `prepare`
    /// wins (the caller then stops ours); a stale one is replaced.
    #[inline(never)]
    pub fn commit(&mut self, pid: Pid, ns: u32, cgroup: &[u8]) -> Result<()> {
        let Some(start) = start(pid) else {
            return Ok(()); // Already over: nothing to record.
        };
        let root = fs::readlink(proc(pid, b"root", b"").c()).unwrap_or_default();
        let rec = encode(&Record {
            pid,
            start,
            ns,
            cgroup,
            rootfs: &root,
        });
        let dst = path(self.name);
        let mut r = sys::write_all(self.fd.raw(), &rec);
        if r.is_ok() {
            r = rename(self.tmp.c(), dst.c(), true);
            if r == Err(Errno::EEXIST) {
                if lookup(self.name).is_ok() {
                    return Err(in_use(self.name));
                }
                r = rename(self.tmp.c(), dst.c(), false);
            }
        }
        r.map_err(|e| Error::sys("write", dst.bytes(), e))?;
        self.pid = pid;
        self.start = start;
        Ok(())
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = unlink(self.tmp.c());
        if self.pid != 0 && ids(self.name) == Some((self.pid, self.start)) {
            let _ = unlink(path(self.name).c());
        }
    }
}

/// `"..."` with `"`, `\` and control bytes escaped. Other bytes pass as they are: names
/// are ASCII; a path that is not UTF-8 stays as the kernel gave it.
pub fn json_str(m: &mut Msg, s: &[u8]) {
    m.c(b'"');
    for &c in s {
        if c == b'"' || c == b'\\' {
            m.c(b'\\');
        }
        if c < 0x20 {
            m.s(b"\\u00")
                .c(b'0' + (c >> 4))
                .c(b"0123456789abcdef"[c as usize & 15]);
        } else {
            m.c(c);
        }
    }
    m.c(b'"');
}

/// `user,mnt,pid`
pub fn ns_names(ns: u32) -> Vec<u8> {
    let mut m = Msg::new();
    for (name, flag) in NS_TYPES {
        if ns & flag != 0 {
            if !m.0.is_empty() {
                m.c(b',');
            }
            m.s(name.as_bytes());
        }
    }
    m.0
}

/// `husk list [--json]`: the live containers, in directory order (on a tmpfs /run, the
/// newest first).
pub fn list(json: bool) -> i32 {
    // /proc/uptime is in seconds since boot with two decimals: in the clock ticks
    // (USER_HZ, 100) that start times count.
    let up = fs::read_file(c"/proc/uptime").unwrap_or_default();
    let now = parse_fixed(cut(&mut &up[..], b' '), 2).unwrap_or(0);
    let mut m = Msg::new();
    m.s(if json {
        b"["
    } else {
        b"NAME             PID      UPTIME   NAMESPACES                  ROOTFS  CGROUP\n"
    });
    let _ = fs::for_each_entry(c"/run/husk", &mut |name: &[u8]| {
        let b = fs::read_file(path(name).c()).unwrap_or_default();
        let Some(r) = decode(&b).filter(|r| name[0] != b'.' && live(r.pid, r.start)) else {
            return;
        };
        let up = now.saturating_sub(r.start) / 100;
        let ns = ns_names(r.ns);
        if json {
            m.s(b"{\"name\":");
            json_str(&mut m, name);
            m.s(b",\"pid\":").u(r.pid as u64).s(b",\"uptime\":").u(up);
            m.s(b",\"namespaces\":");
            json_str(&mut m, &ns);
            m.s(b",\"rootfs\":");
            json_str(&mut m, r.rootfs);
            m.s(b",\"cgroup\":");
            json_str(&mut m, r.cgroup);
            m.s(b"},");
        } else {
            col(&mut m, name, 16);
            col(&mut m, &num(r.pid as u64), 8);
            col(&mut m, Msg::new().u(up).c(b's').0.as_slice(), 8);
            col(&mut m, &ns, 27);
            col(&mut m, r.rootfs, 6);
            m.s(r.cgroup).nl();
        }
    });
    if json {
        if m.0.len() > 1 {
            m.0.pop();
        }
        m.s(b"]\n");
    }
    m.out();
    0
}

/// `s` left-aligned in a column of `width` bytes, and a space.
#[inline(never)]
fn col(m: &mut Msg, s: &[u8], width: usize) {
    m.s(s);
    for _ in s.len()..width {
        m.c(b' ');
    }
    m.c(b' ');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::*;

    #[test]
    fn names() {
        for ok in [&b"web"[..], b"a.b-c_d", b"...", b"0", &[b'x'; 64]] {
            let ok: &'static [u8] = std::boxed::Box::leak(ok.to_vec().into_boxed_slice());
            assert!(check_name(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"a/b",
            b"/",
            b"a b",
            b"a\nb",
            b"\x7f",
            b"caf\xc3\xa9",
            &[b'x'; 65],
        ] {
            let bad: &'static [u8] = std::boxed::Box::leak(bad.to_vec().into_boxed_slice());
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn records_round_trip() {
        let r = Record {
            pid: 4242,
            start: 123456,
            ns: NEWUSER | NEWNS,
            cgroup: b"/husk/web",
            rootfs: b"/srv/root fs",
        };
        let b = encode(&r);
        let ns = NEWUSER | NEWNS;
        assert_eq!(
            b,
            std::format!("4242 123456 {ns}\n/husk/web\n/srv/root fs\n").as_bytes()
        );
        assert_eq!(decode(&b), Some(r));
        let empty = Record {
            pid: 1,
            start: 2,
            ..Record::default()
        };
        assert_eq!(encode(&empty), b"1 2 0\n\n\n");
        assert_eq!(decode(&encode(&empty)).as_ref(), Some(&empty));
        // Missing lines are empty fields; the three numbers are required.
        assert_eq!(decode(b"1 2 0"), Some(empty));
        for bad in [&b""[..], b"1 2\n\n\n", b"x 2 0\n\n\n", b"1 2 0x\n\n\n"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stat_start_times() {
        // Field 22 after pid (1), comm (2), state (3) and fields 4..=21.
        let fields = "S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 987654 23 24";
        assert_eq!(
            parse_start(std::format!("42 (a) b) {fields}").as_bytes()),
            Some(987654)
        );
        assert_eq!(
            parse_start(std::format!("42 (sh) {}", fields.replacen('S', "Z", 1)).as_bytes()),
            None,
            "a zombie is not running"
        );
        assert_eq!(parse_start(b"42 (sh) S 1 2"), None);
        // Our own start time, as the kernel writes it.
        let me = std::process::id() as Pid;
        let stat = std::fs::read(std::format!("/proc/{me}/stat")).unwrap();
        assert!(live(me, parse_start(&stat).unwrap()));
        assert!(!live(me, 1));
    }

    #[test]
    fn json_escaping() {
        let mut m = Msg::new();
        json_str(&mut m, b"a\"b\\c\nd\x01\x1f/\xc3\xa9");
        assert_eq!(m.0, b"\"a\\\"b\\\\c\\u000ad\\u0001\\u001f/\xc3\xa9\"");
        assert_eq!(ns_names(NEWNET | NEWUTS | NEWUSER), b"user,net,uts");
    }
}
