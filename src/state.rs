//! /run/husk/NAME: the records of containers started with `husk run --name NAME`, for
//! `husk exec NAME`, `husk list` and `--join TYPE=NAME`.
//!
//! A record is six lines, `PID START NAMESPACES ROOTFS CGROUP FILTER` (one field a line:
//! paths may hold spaces; `husk list` prints the first five in that order). FILTER is the
//! container command's seccomp filter, `default`, `custom` or empty for none: `husk exec
//! NAME` puts the default one on its command too (the container's PID 1, which it joins,
//! has none), and warns that a custom one is not reproduced. It is written once the
//! container is up, atomically (a temporary file renamed into place), and removed by husk
//! when the container ends. If husk is
//! killed (SIGKILL) the record stays behind, but its container is gone too (its first
//! process has the parent-death signal SIGKILL): a record is trusted only while
//! /proc/PID/stat shows a live process with the recorded start time — a pid the kernel
//! reused has another start time — so a stale record is never listed or entered, and the
//! next `run --name` with that name replaces it.
use crate::error::{Error, Result};
use crate::out::{parse_u64, Msg};
use crate::path::CPath;
use crate::spec::{ns_names, Join};
use crate::sys::enter::{readlink_at, rename};
use crate::sys::fs::unlink;
use crate::sys::{self, fs, ns, Errno, Fd, Pid};
use alloc::vec::Vec;
use linux_raw_sys::general as g;

pub const DIR: &[u8] = b"/run/husk/";

/// A NAME becomes a file name in [`DIR`]: 1 to 64 printable ASCII bytes (no space), no
/// `/`, not `.` or `..`.
pub fn check_name(name: &[u8]) -> Result<&[u8]> {
    if name.len() > 64
        || name.len() < 3 && name.iter().all(|&c| c == b'.')
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

/// The bytes of `rest` before the first `sep` (all of them if none); `rest` moves past it.
/// (`out::cut` returns both parts through memory: this one costs less at each call.)
#[inline(never)]
pub fn cut<'a>(rest: &mut &'a [u8], sep: u8) -> &'a [u8] {
    let b = *rest;
    let mut i = 0;
    while i < b.len() && b[i] != sep {
        i += 1;
    }
    *rest = b.get(i + 1..).unwrap_or_default();
    b.get(..i).unwrap_or_default()
}

/// A record's pid and start time.
#[inline(never)]
pub fn ids(mut b: &[u8]) -> Option<(Pid, u64)> {
    let pid = parse_u64(cut(&mut b, b'\n'))?;
    Some((pid as Pid, parse_u64(cut(&mut b, b'\n'))?))
}

/// The start time from /proc/PID/stat (`pid (comm) state ... starttime`; comm may hold
/// `)` or spaces), or None for a zombie: a container whose first process has exited is
/// over even before it is reaped.
pub fn parse_start(stat: &[u8]) -> Option<u64> {
    if matches!(stat_field(stat, 3), b"Z" | b"X") {
        return None;
    }
    parse_u64(stat_field(stat, 22))
}

/// Field `n` (from 3, the state) of /proc/PID/stat (`pid (comm) state ...`; comm may hold
/// `)` or spaces); empty if there is none.
#[inline(never)]
pub fn stat_field(stat: &[u8], n: usize) -> &[u8] {
    let close = stat.iter().rposition(|&c| c == b')').unwrap_or(stat.len());
    let mut f = stat.get(close + 2..).unwrap_or_default();
    for _ in 3..n {
        cut(&mut f, b' ');
    }
    cut(&mut f, b' ')
}

/// A number in decimal.
#[inline(never)]
pub fn num(n: u64) -> Vec<u8> {
    let mut m = Msg::new();
    m.u(n);
    m.0
}

fn path(name: &[u8]) -> CPath {
    CPath::new(&[DIR, name])
}

/// The record of NAME (empty if none).
#[inline(never)]
fn record(name: &[u8]) -> Vec<u8> {
    read(g::AT_FDCWD, path(name).c())
}

/// The file `dir/name`, or nothing if it cannot be read.
#[inline(never)]
pub fn read(dir: sys::RawFd, name: &core::ffi::CStr) -> Vec<u8> {
    fs::read_at(dir, name).unwrap_or_default()
}

/// A process held by a pidfd and its /proc/PID directory (whose files stay that process's
/// even once its pid is reused: they fail instead).
pub struct Proc {
    pub pid: Pid,
    pub fd: Fd,
    pub dir: Fd,
    /// Its start time, /proc/PID/stat field 22 (clock ticks since boot): with the pid, an
    /// identity that a reused pid does not have.
    pub start: u64,
}

/// Opens the live process `pid`, which must have started at `want` (unless 0). The start
/// time is read once both descriptors are open, through the directory: if the pidfd's
/// process were another one, the directory's would have exited (and its stat be gone).
#[inline(never)]
pub fn open(pid: Pid, want: u64) -> sys::Result<Proc> {
    let p = CPath::new(&[b"/proc/", &num(pid as u64)]);
    let dir = fs::open(p.c(), g::O_PATH | g::O_DIRECTORY).map_err(|_| Errno::ESRCH)?;
    let fd = ns::pidfd_open(pid)?;
    match parse_start(&read(dir.raw(), c"stat")) {
        Some(start) if want == 0 || start == want => Ok(Proc {
            pid,
            fd,
            dir,
            start,
        }),
        _ => Err(Errno::ESRCH),
    }
}

/// The live container NAME.
pub fn lookup(name: &[u8]) -> Result<Proc> {
    lookup_filter(name).map(|r| r.0)
}

/// The first byte of a record's FILTER line: `d`efault, `c`ustom, `-` for none.
fn filter(rec: &[u8]) -> u8 {
    let mut rest = rec;
    for _ in 0..5 {
        cut(&mut rest, b'\n');
    }
    rest.first().copied().unwrap_or(b'-')
}

/// The FILTER byte of the container whose first process is `p` ([`filter`]), or 0 when
/// no record names it.
pub fn filter_of(p: &Proc) -> u8 {
    let mut found = 0;
    let _ = fs::for_each_entry(c"/run/husk", &mut |name: &[u8]| {
        let rec = record(name);
        if !name.starts_with(b".") && ids(&rec) == Some((p.pid, p.start)) {
            found = filter(&rec);
        }
    });
    found
}

/// The live container NAME and the first byte of its record's FILTER line ([`filter`]).
#[inline(never)]
pub fn lookup_filter(name: &[u8]) -> Result<(Proc, u8)> {
    let b = record(name);
    let why = match ids(&b) {
        Some((pid, t)) => match open(pid, t) {
            Ok(p) => {
                return Ok((p, filter(&b)));
            }
            Err(Errno::ESRCH) => "not running any more",
            Err(e) => return Err(Error::sys("pidfd_open", name, e)),
        },
        None => "no such container (see husk list)",
    };
    Err(Error::bad("container", name, why))
}

/// Opens the namespace of a `--join`: a file, or for a container NAME a pidfd of its first
/// process (setns takes one for a single namespace type too).
#[inline(never)]
pub fn open_ns(j: &Join) -> Result<Fd> {
    match crate::out::strip_prefix(&j.path, DIR) {
        Some(name) => lookup(name).map(|p| p.fd),
        None => {
            let fd = fs::open(CPath::new(&[&j.path]).c(), g::O_RDONLY)
                .map_err(|e| Error::sys("open namespace", &j.path, e))?;
            // Before clone, not as setns's EINVAL in the child: a file of the wrong type.
            if ns::ns_type(fd.raw()) != Ok(j.flag) {
                let name = crate::spec::ns_name(j.flag).as_bytes();
                let mut m = Msg::new();
                m.s(name).c(b'=').s(&j.path);
                let mut why = Msg::new();
                why.s(b"not a ").s(name).s(b" namespace");
                return Err(Error::new(b"--join", &m.0, 0, why.0.leak()));
            }
            Ok(fd)
        }
    }
}

/// The lines of /proc/PID/cgroup (`ID:CONTROLLERS:PATH\n`, PID's directory `dir`) that
/// differ from ours: the cgroups PID is in and we are not. (Both files list the same
/// hierarchies in the same order: the kernel's.)
#[inline(never)]
pub fn foreign_cgroups(dir: sys::RawFd) -> Vec<u8> {
    let theirs = read(dir, c"cgroup");
    let ours = read(g::AT_FDCWD, c"/proc/self/cgroup");
    let (mut out, mut a, mut b) = (Vec::new(), &theirs[..], &ours[..]);
    while !a.is_empty() {
        let line = cut(&mut a, b'\n');
        if line != cut(&mut b, b'\n') {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

/// A name being claimed by `husk run --name`: checked free and its temporary file created
/// before the container exists, recorded once it runs ([`Claim::commit`]); dropping the
/// claim (once the container has ended) removes the temporary file, and the record unless
/// it is a live container's: ours is over, another's is left alone.
pub struct Claim {
    name: &'static [u8],
    tmp: CPath,
    fd: Fd,
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
    Ok(Claim { name, tmp, fd })
}

impl Claim {
    /// Records the running container: first process `pid`, namespaces `ns`, the first of
    /// its cgroups that husk is not in (one husk made), else its own (v2, or the first v1
    /// hierarchy's), its root: `rootfs` as the host names it, or if empty /proc/PID/root
    /// (which shows `/` for a root pivoted in another mount namespace). A live container's record that appeared since `prepare` wins (the
    /// caller then stops ours); a stale one is replaced.
    #[inline(never)]
    pub fn commit(&mut self, pid: Pid, ns: u32, rootfs: &[u8], filter: &[u8]) -> Result<()> {
        let Ok(p) = open(pid, 0) else {
            return Ok(()); // Already over: nothing to record.
        };
        let mut m = Msg::new();
        m.u(pid as u64).nl().u(p.start).nl();
        m.s(&ns_names(ns));
        // The first cgroup husk made for it, or else its own: the v2 one (`0::PATH`),
        // or the first v1 hierarchy's.
        let cg = foreign_cgroups(p.dir.raw());
        let own = read(p.dir.raw(), c"cgroup");
        let mut line = &cg[..];
        if cg.is_empty() {
            line = &own[..];
            let mut rest = line;
            while !rest.is_empty() {
                let l = cut(&mut rest, b'\n');
                if l.starts_with(b"0::") {
                    line = l;
                }
            }
        }
        cut(&mut line, b':');
        cut(&mut line, b':');
        let root = readlink_at(p.dir.raw(), c"root").unwrap_or_default();
        m.nl()
            .s(if rootfs.is_empty() { &root } else { rootfs })
            .nl()
            .s(cut(&mut line, b'\n'))
            .nl()
            .s(filter)
            .nl();
        let (tmp, dst) = (self.tmp.c(), path(self.name));
        let mut r = sys::write_all(self.fd.raw(), &m.0).and_then(|_| rename(tmp, dst.c(), true));
        if r == Err(Errno::EEXIST) {
            if lookup(self.name).is_ok() {
                return Err(in_use(self.name));
            }
            r = rename(tmp, dst.c(), false);
        }
        r.map_err(|e| Error::sys("write", dst.bytes(), e))?;
        Ok(())
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = unlink(self.tmp.c());
        if lookup(self.name).is_err() {
            let _ = unlink(path(self.name).c());
        }
    }
}

/// What comes before each value of `husk list --json` (with the quotes around strings),
/// and after the last; the columns' widths in text.
const KEYS: &[u8] = b"{\"name\":\" \",\"pid\": ,\"uptime\": ,\"namespaces\":\" \",\"rootfs\":\" \",\"cgroup\":\" \"},";
const WIDTHS: &[u8; 6] = b"\x10\x08\x08\x1b\x06\x00";
/// The text header, as a record to print (between NAME and UPTIME).
const HEADER: &[u8] = b"PID\n\nNAMESPACES\nROOTFS\nCGROUP";

/// One container of `husk list`, NAME, up `up`, recorded as `rec`: a JSON object and a
/// comma, or a line of text columns. In JSON, `"`, `\` and control bytes are escaped;
/// other bytes pass as they are (names are ASCII; a path that is not UTF-8 stays as the
/// kernel gave it).
#[inline(never)]
fn row(m: &mut Msg, json: bool, name: &[u8], up: &[u8], mut rec: &[u8]) {
    let mut keys = KEYS;
    for (i, &width) in WIDTHS.iter().enumerate() {
        let key = cut(&mut keys, b' ');
        let mut val = name;
        if i > 0 {
            val = cut(&mut rec, b'\n'); // the pid, then the start time (replaced), ...
        }
        if i == 2 {
            val = up;
        }
        if json {
            m.s(key);
        } else if i > 0 {
            m.c(b' ');
        }
        let end = m.0.len() + width as usize;
        for &c in val {
            let mut c = c;
            if json && (c == b'"' || c == b'\\') {
                m.c(b'\\');
            }
            if json && c < 0x20 {
                m.s(b"\\u00").c(b'0' + (c >> 4));
                c = b"0123456789abcdef"[c as usize & 15];
            }
            m.c(c);
        }
        while !json && m.0.len() < end {
            m.c(b' ');
        }
    }
    m.s(if json { keys } else { b"\n" });
}

/// `husk list [--json]`: the live containers, in directory order (on a tmpfs /run, the
/// newest first).
pub fn list(json: bool) -> i32 {
    // /proc/uptime is in seconds since boot; start times in clock ticks (USER_HZ, 100).
    let up = read(g::AT_FDCWD, c"/proc/uptime");
    let now = parse_u64(cut(&mut &up[..], b'.')).unwrap_or(0);
    let mut m = Msg::new();
    if json {
        m.c(b'[');
    } else {
        row(&mut m, false, b"NAME", b"UPTIME", HEADER);
    }
    let _ = fs::for_each_entry(c"/run/husk", &mut |name: &[u8]| {
        let rec = record(name);
        let Some((pid, t)) = ids(&rec) else {
            return;
        };
        if !name.starts_with(b".") && open(pid, t).is_ok() {
            let mut u = num(now.saturating_sub(t / 100));
            if !json {
                u.push(b's');
            }
            row(&mut m, json, name, &u, &rec);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [&b"web"[..], b"a.b-c_d", b"...", b"0", &[b'x'; 64]] {
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
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn records() {
        assert_eq!(
            ids(b"4242\n123456\nmnt,pid\n/srv/root fs\n/husk\n"),
            Some((4242, 123456))
        );
        assert_eq!(ids(b"1\n2"), Some((1, 2)));
        for bad in [&b""[..], b"1 2\n", b"1\n", b"x\n2\n", b"1\n2x\n"] {
            assert_eq!(ids(bad), None, "{bad:?}");
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
        assert_eq!(parse_start(b""), None);
        let stat = std::format!("42 (a) b) {fields}");
        assert_eq!(stat_field(stat.as_bytes(), 3), b"S");
        assert_eq!(stat_field(stat.as_bytes(), 9), b"9");
        assert_eq!(stat_field(stat.as_bytes(), 25), b"");
        // Our own start time, as the kernel writes it.
        let me = std::process::id() as Pid;
        let stat = std::fs::read(std::format!("/proc/{me}/stat")).unwrap();
        let t = parse_start(&stat).unwrap();
        assert_eq!(open(me, 0).unwrap().start, t);
        assert_eq!(open(me, t).unwrap().pid, me);
        assert!(open(me, 1).is_err(), "another start time");
    }

    #[test]
    fn list_rows() {
        let mut m = Msg::new();
        row(&mut m, false, b"NAME", b"UPTIME", HEADER);
        let rec = b"42\n99\nmnt,pid\n/\n/husk-1\n";
        row(&mut m, false, b"web", b"7s", rec);
        assert_eq!(
            std::str::from_utf8(&m.0).unwrap(),
            "NAME             PID      UPTIME   NAMESPACES                  ROOTFS CGROUP\n\
             web              42       7s       mnt,pid                     /      /husk-1\n"
        );
        let mut m = Msg::new();
        row(&mut m, true, b"a\"b", b"7", b"42\n99\n\n/r\n");
        assert_eq!(
            m.0,
            b"{\"name\":\"a\\\"b\",\"pid\":42,\"uptime\":7,\"namespaces\":\"\",\
              \"rootfs\":\"/r\",\"cgroup\":\"\"},"
        );
    }

    #[test]
    fn json_escaping() {
        let mut m = Msg::new();
        row(
            &mut m,
            true,
            b"a\"b\\c\nd\x01\x1f/\xc3\xa9",
            b"0",
            b"1\n2\n",
        );
        assert_eq!(
            m.0,
            b"{\"name\":\"a\\\"b\\\\c\\u000ad\\u0001\\u001f/\xc3\xa9\",\"pid\":1,\"uptime\":0,\
              \"namespaces\":\"\",\"rootfs\":\"\",\"cgroup\":\"\"},"
        );
    }
}
