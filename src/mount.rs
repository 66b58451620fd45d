//! The container's file system, set up by its first process inside its mount namespace:
//! private propagation, then either a new root (`--rootfs`: bind, /proc, /sys, /dev,
//! binds, tmpfs, pivot_root, old root detached) or changes in place (`--proc`, binds).
use crate::error::{Error, Result};
use crate::path::{parent, under, CPath};
use crate::spec::{Spec, NEWNET, NEWPID};
use crate::sys::fs::{self, Kind};
use crate::sys::mount::{mount, mount_setattr, pivot_root, umount};
use crate::sys::Errno;
use core::ffi::CStr;
use linux_raw_sys::general as g;

const NOSUID_NODEV_NOEXEC: u32 = g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC;
const MOUNT_ATTR_RDONLY: u64 = 1;

/// The device nodes of a container's /dev: name, major, minor.
pub const DEVICES: [(&str, u32, u32); 6] = [
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// /dev symlinks every program expects.
const DEV_LINKS: [(&CStr, &[u8]); 5] = [
    (c"/proc/self/fd", b"/dev/fd"),
    (c"/proc/self/fd/0", b"/dev/stdin"),
    (c"/proc/self/fd/1", b"/dev/stdout"),
    (c"/proc/self/fd/2", b"/dev/stderr"),
    (c"pts/ptmx", b"/dev/ptmx"),
];

fn mnt(
    src: Option<&CStr>,
    dst: &CPath,
    fstype: Option<&CStr>,
    flags: u32,
    data: Option<&CStr>,
    what: &'static str,
) -> Result<()> {
    mount(src, dst.c(), fstype, flags, data).map_err(|e| Error::sys(what, dst.bytes(), e))
}

/// mkdir -p: creates `p` and whatever parents it lacks (one mkdir when the parent exists).
pub fn mkdirs(p: &[u8]) -> Result<()> {
    match fs::mkdir(CPath::new(&[p]).c(), 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(Errno::ENOENT) if parent(p) != p && !p.is_empty() => {
            mkdirs(parent(p))?;
            mkdirs_one(p)
        }
        Err(e) => Err(mkdir_error(p, e)),
    }
}

fn mkdirs_one(p: &[u8]) -> Result<()> {
    match fs::mkdir(CPath::new(&[p]).c(), 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(mkdir_error(p, e)),
    }
}

fn mkdir_error(p: &[u8], e: Errno) -> Error {
    let hint = if e == Errno::EROFS {
        "read-only file system: create the mount point in it first"
    } else {
        ""
    };
    Error::sys("create directory", p, e).hint(hint)
}

/// Makes a mount point at `dst` of the same kind as `src` (directory or empty file).
fn mount_point(dst: &CPath, dir: bool) -> Result<()> {
    if dir {
        return mkdirs(dst.bytes());
    }
    mkdirs(parent(dst.bytes()))?;
    match fs::open_at(g::AT_FDCWD, dst.c(), g::O_WRONLY | g::O_CREAT, 0o644) {
        Ok(_) | Err(Errno::EISDIR) => Ok(()),
        Err(e) => Err(Error::sys("create mount point", dst.bytes(), e)),
    }
}

fn read_only(dst: &CPath, recursive: bool) -> Result<()> {
    match mount_setattr(dst.c(), recursive, MOUNT_ATTR_RDONLY, 0) {
        // Before Linux 5.12: a remount, which covers only the top mount.
        Err(Errno::ENOSYS) => mount(
            None,
            dst.c(),
            None,
            g::MS_REMOUNT | g::MS_BIND | g::MS_RDONLY,
            None,
        ),
        r => r,
    }
    .map_err(|e| Error::sys("make read-only", dst.bytes(), e))
}

fn bind(src: &[u8], dst: &CPath, ro: bool) -> Result<()> {
    let s = CPath::new(&[src]);
    let (kind, _) = fs::stat(s.c()).map_err(|e| Error::sys("bind source", src, e))?;
    mount_point(dst, kind == Kind::Dir)?;
    mnt(
        Some(s.c()),
        dst,
        None,
        g::MS_BIND | g::MS_REC,
        None,
        "bind mount on",
    )?;
    if ro {
        read_only(dst, true)?;
    }
    Ok(())
}

fn tmpfs(dst: &CPath, mode: &[u8], size: u64) -> Result<()> {
    tmpfs_flags(dst, mode, size, g::MS_NOSUID | g::MS_NODEV)
}

fn tmpfs_flags(dst: &CPath, mode: &[u8], size: u64, flags: u32) -> Result<()> {
    mkdirs(dst.bytes())?;
    let mut data = crate::out::Msg::new();
    data.s(b"mode=").s(mode);
    if size > 0 {
        data.s(b",size=").u(size);
    }
    let data = CPath::new(&[&data.0]);
    mnt(
        Some(c"tmpfs"),
        dst,
        Some(c"tmpfs"),
        flags,
        Some(data.c()),
        "mount tmpfs on",
    )
}

fn proc_at(dst: &CPath, spec: &Spec) -> Result<()> {
    mkdirs(dst.bytes())?;
    mnt(
        Some(c"proc"),
        dst,
        Some(c"proc"),
        NOSUID_NODEV_NOEXEC,
        None,
        "mount proc on",
    )
    .map_err(|e| {
        if e.errno == Errno::EPERM.into_raw() && spec.in_userns() && spec.ns & NEWPID == 0 {
            e.hint("in a user namespace a new /proc needs a new pid namespace too (-p)")
        } else {
            e
        }
    })
}

/// /sys, read-only. sysfs itself can only be mounted by the owner of the network
/// namespace; otherwise the host's /sys is bound read-only.
fn sys_at(root: &[u8], spec: &Spec) -> Result<()> {
    let dst = under(root, b"/sys");
    mkdirs(dst.bytes())?;
    let flags = NOSUID_NODEV_NOEXEC | g::MS_RDONLY;
    match mount(Some(c"sysfs"), dst.c(), Some(c"sysfs"), flags, None) {
        Ok(()) => Ok(()),
        Err(Errno::EPERM) if spec.ns & NEWNET == 0 || spec.in_userns() => bind(b"/sys", &dst, true),
        Err(e) => Err(Error::sys("mount sysfs on", dst.bytes(), e)),
    }
}

fn dev_at(root: &[u8], spec: &Spec) -> Result<()> {
    // The nodes must be 0666 whatever umask we inherited.
    let old = fs::umask(0);
    let r = dev_nodes(root, spec);
    fs::umask(old);
    r
}

fn dev_nodes(root: &[u8], spec: &Spec) -> Result<()> {
    let dev = under(root, b"/dev");
    // Not nodev: its device nodes must open.
    tmpfs_flags(&dev, b"755", 64 << 10, g::MS_NOSUID | g::MS_NOEXEC)?;
    for (name, major, minor) in DEVICES {
        let host = CPath::new(&[b"/dev/", name.as_bytes()]);
        let node = under(root, host.bytes());
        if spec.in_userns() {
            // mknod is not allowed in a user namespace: bind the host's node instead.
            bind(host.bytes(), &node, false)?;
        } else {
            fs::mknod(node.c(), g::S_IFCHR | 0o666, major, minor)
                .map_err(|e| Error::sys("mknod", node.bytes(), e))?;
        }
    }
    for (target, link) in DEV_LINKS {
        let l = under(root, link);
        fs::symlink(target, l.c()).map_err(|e| Error::sys("symlink", l.bytes(), e))?;
    }
    let pts = under(root, b"/dev/pts");
    mkdirs(pts.bytes())?;
    let opts: &CStr = if spec.in_userns() {
        c"newinstance,ptmxmode=0666,mode=620"
    } else {
        c"newinstance,ptmxmode=0666,mode=620,gid=5"
    };
    mnt(
        Some(c"devpts"),
        &pts,
        Some(c"devpts"),
        g::MS_NOSUID | g::MS_NOEXEC,
        Some(opts),
        "mount devpts on",
    )?;
    tmpfs(&under(root, b"/dev/shm"), b"1777", 0)?;
    let mq = under(root, b"/dev/mqueue");
    mkdirs(mq.bytes())?;
    match mount(
        Some(c"mqueue"),
        mq.c(),
        Some(c"mqueue"),
        NOSUID_NODEV_NOEXEC,
        None,
    ) {
        // Only the owner of the IPC namespace may mount its mqueue; the directory stays.
        Ok(()) | Err(Errno::EPERM) => Ok(()),
        Err(e) => Err(Error::sys("mount mqueue on", mq.bytes(), e)),
    }
}

/// Sets up the container's mounts. Returns the microseconds spent before and in the pivot.
pub fn setup(spec: &Spec) -> Result<(u32, u32)> {
    let t0 = crate::sys::time::now_us();
    // Nothing the container mounts may propagate back to the host.
    mount(None, c"/", None, g::MS_REC | g::MS_PRIVATE, None)
        .map_err(|e| Error::sys("make mounts private under", b"/", e))?;
    let Some(root) = spec.rootfs else {
        if spec.proc_ {
            proc_at(&CPath::new(&[b"/proc"]), spec)?;
        }
        for b in &spec.binds {
            bind(b.src, &CPath::new(&[b.dst]), b.ro)?;
        }
        for t in &spec.tmpfs {
            tmpfs(&CPath::new(&[t.dst]), b"1777", t.size)?;
        }
        if spec.read_only {
            read_only(&CPath::new(&[b"/"]), false)?;
        }
        return Ok(((crate::sys::time::now_us() - t0) as u32, 0));
    };
    let r = CPath::new(&[root]);
    // pivot_root needs the new root to be a mount point.
    mnt(
        Some(r.c()),
        &r,
        None,
        g::MS_BIND | g::MS_REC,
        None,
        "bind the root file system",
    )?;
    proc_at(&under(root, b"/proc"), spec)?;
    sys_at(root, spec)?;
    dev_at(root, spec)?;
    for b in &spec.binds {
        bind(b.src, &under(root, b.dst), b.ro)?;
    }
    for t in &spec.tmpfs {
        tmpfs(&under(root, t.dst), b"1777", t.size)?;
    }
    let t1 = crate::sys::time::now_us();
    // pivot_root(".", "."): the old root ends up stacked on the new one, then detached.
    fs::chdir(r.c()).map_err(|e| Error::sys("chdir", root, e))?;
    pivot_root(c".", c".").map_err(|e| Error::sys("pivot_root to", root, e))?;
    umount(c".", g::MNT_DETACH).map_err(|e| Error::sys("detach the old root", b"", e))?;
    fs::chdir(c"/").map_err(|e| Error::sys("chdir", b"/", e))?;
    if spec.read_only {
        read_only(&CPath::new(&[b"/"]), false)?;
    }
    Ok(((t1 - t0) as u32, (crate::sys::time::now_us() - t1) as u32))
}
