//! The container's file system, set up by its first process inside its mount namespace:
//! private propagation, then either a new root (`--rootfs`: bind, /proc, /sys, /dev,
//! binds, tmpfs, pivot_root, old root detached) or changes in place (`--proc`, binds).
//! Without a rootfs the same code runs with an empty root: paths are the host's own.
use crate::error::{Error, Result};
use crate::path::{parent, under, CPath};
use crate::spec::{Spec, NEWNET, NEWPID};
use crate::sync::{P_MOUNTS, P_PIVOT};
use crate::sys::fs::{self, Kind};
use crate::sys::mount::{mount, mount_setattr, pivot_root, umount};
use crate::sys::Errno;
use core::ffi::CStr;
use linux_raw_sys::general as g;

const NOSUID_NODEV_NOEXEC: u32 = g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC;
const MOUNT_ATTR_RDONLY: u64 = 1;

/// The device nodes of a container's /dev (a word table) and their numbers (major << 8 |
/// minor), in the same order.
pub const DEVICES: &str = "null zero full random urandom tty";
const DEVNO: [u16; 6] = [0x103, 0x105, 0x107, 0x108, 0x109, 0x500];

/// /dev symlinks every program expects: `name=target` words.
const DEV_LINKS: &str =
    "fd=/proc/self/fd stdin=/proc/self/fd/0 stdout=/proc/self/fd/1 stderr=/proc/self/fd/2 ptmx=pts/ptmx";

/// mkdir -p: creates `p` and whatever parents it lacks (one mkdir when the parent exists).
pub fn mkdirs(p: &[u8]) -> Result<()> {
    let r = match fs::mkdir(CPath::new(&[p]).c(), 0o755) {
        Err(Errno::ENOENT) if parent(p) != p => {
            mkdirs(parent(p))?;
            fs::mkdir(CPath::new(&[p]).c(), 0o755)
        }
        r => r,
    };
    match r {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(
            Error::sys("create directory", p, e).hint(if e == Errno::EROFS {
                "read-only file system: create the mount point in it first"
            } else {
                ""
            }),
        ),
    }
}

/// mount(2) of a file system `fs` (also its source) on `dst`, made first if missing.
#[inline(never)]
fn fs_on(fs: &CStr, dst: &CPath, flags: u32, data: &[u8]) -> Result<()> {
    mkdirs(dst.bytes())?;
    let data = CPath::new(&[data]);
    mount(Some(fs), dst.c(), Some(fs), flags, Some(data.c()))
        .map_err(|e| Error::sys("mount", dst.bytes(), e))
}

fn tmpfs(dst: &CPath, mode: &[u8], size: u64, flags: u32) -> Result<()> {
    let mut data = crate::out::Msg::new();
    data.s(b"mode=").s(mode);
    if size > 0 {
        data.s(b",size=").u(size);
    }
    fs_on(c"tmpfs", dst, flags, &data.0)
}

/// Read-only with mount_setattr (Linux 5.12): the other, possibly locked, flags stay.
fn read_only(dst: &[u8], recursive: bool) -> Result<()> {
    let p = CPath::new(&[dst]);
    mount_setattr(p.c(), recursive, MOUNT_ATTR_RDONLY, 0)
        .map_err(|e| Error::sys("make read-only", dst, e))
}

/// A recursive bind mount of `src` on `dst` (a directory or an empty file, as `src` is).
#[inline(never)]
fn bind(src: &[u8], dst: &CPath, ro: bool) -> Result<()> {
    let s = CPath::new(&[src]);
    let (kind, _) = fs::stat(s.c()).map_err(|e| Error::sys("bind source", src, e))?;
    if kind == Kind::Dir {
        mkdirs(dst.bytes())?;
    } else {
        mkdirs(parent(dst.bytes()))?;
        fs::open_at(g::AT_FDCWD, dst.c(), g::O_WRONLY | g::O_CREAT, 0o644)
            .map_err(|e| Error::sys("create mount point", dst.bytes(), e))?;
    }
    mount(Some(s.c()), dst.c(), None, g::MS_BIND | g::MS_REC, None)
        .map_err(|e| Error::sys("bind mount on", dst.bytes(), e))?;
    if ro {
        read_only(dst.bytes(), true)?;
    }
    Ok(())
}

/// /dev: a small tmpfs with the usual nodes (made, or bound from the host in a user
/// namespace, where mknod is refused), symlinks, devpts, /dev/shm and /dev/mqueue.
fn dev(root: &[u8], userns: bool) -> Result<()> {
    // Not nodev: its device nodes must open.
    tmpfs(
        &under(root, b"/dev"),
        b"755",
        64 << 10,
        g::MS_NOSUID | g::MS_NOEXEC,
    )?;
    for (i, name) in DEVICES.split(' ').enumerate() {
        let host = CPath::new(&[b"/dev/", name.as_bytes()]);
        let node = under(root, host.bytes());
        if userns {
            bind(host.bytes(), &node, false)?;
        } else {
            let d = DEVNO[i] as u32;
            fs::mknod(node.c(), g::S_IFCHR | 0o666, d >> 8, d & 0xff)
                .map_err(|e| Error::sys("mknod", node.bytes(), e))?;
        }
    }
    for link in DEV_LINKS.split(' ') {
        let (name, target) = link.split_once('=').unwrap_or(("", ""));
        let l = under(root, CPath::new(&[b"/dev/", name.as_bytes()]).bytes());
        fs::symlink(CPath::new(&[target.as_bytes()]).c(), l.c())
            .map_err(|e| Error::sys("symlink", l.bytes(), e))?;
    }
    let opts: &[u8] = if userns {
        b"newinstance,ptmxmode=0666,mode=620"
    } else {
        b"newinstance,ptmxmode=0666,mode=620,gid=5"
    };
    fs_on(
        c"devpts",
        &under(root, b"/dev/pts"),
        g::MS_NOSUID | g::MS_NOEXEC,
        opts,
    )?;
    tmpfs(
        &under(root, b"/dev/shm"),
        b"1777",
        0,
        g::MS_NOSUID | g::MS_NODEV,
    )?;
    match fs_on(
        c"mqueue",
        &under(root, b"/dev/mqueue"),
        NOSUID_NODEV_NOEXEC,
        b"",
    ) {
        // Only the owner of the IPC namespace may mount its mqueue; the directory stays.
        Err(e) if e.errno != Errno::EPERM.into_raw() => Err(e),
        _ => Ok(()),
    }
}

/// Sets up the container's mounts; `lap` marks the end of the mounts and of the pivot.
pub fn setup(spec: &Spec, lap: &mut dyn FnMut(u8)) -> Result<()> {
    // Nothing the container mounts may propagate back to the host.
    mount(None, c"/", None, g::MS_REC | g::MS_PRIVATE, None)
        .map_err(|e| Error::sys("make mounts private under", b"/", e))?;
    let root = spec.rootfs.unwrap_or(b"");
    let userns = spec.in_userns();
    if !root.is_empty() {
        // pivot_root needs the new root to be a mount point.
        bind(root, &CPath::new(&[root]), false)?;
    }
    if !root.is_empty() || spec.proc_ {
        fs_on(c"proc", &under(root, b"/proc"), NOSUID_NODEV_NOEXEC, b"").map_err(|e| {
            if e.errno == Errno::EPERM.into_raw() && userns && spec.ns & NEWPID == 0 {
                e.hint("in a user namespace a new /proc needs a new pid namespace too (-p)")
            } else {
                e
            }
        })?;
    }
    if !root.is_empty() {
        // /sys, read-only. Only the owner of the network namespace may mount sysfs;
        // otherwise the host's /sys is bound read-only.
        let sys = under(root, b"/sys");
        match fs_on(c"sysfs", &sys, NOSUID_NODEV_NOEXEC | g::MS_RDONLY, b"") {
            Err(e) if e.errno == Errno::EPERM.into_raw() && (spec.ns & NEWNET == 0 || userns) => {
                bind(b"/sys", &sys, true)?
            }
            r => r?,
        }
        // The nodes must be 0666 whatever umask we inherited.
        let old = fs::umask(0);
        let r = dev(root, userns);
        fs::umask(old);
        r?;
    }
    for b in &spec.binds {
        bind(b.src, &under(root, b.dst), b.ro)?;
    }
    for t in &spec.tmpfs {
        tmpfs(
            &under(root, t.dst),
            b"1777",
            t.size,
            g::MS_NOSUID | g::MS_NODEV,
        )?;
    }
    lap(P_MOUNTS);
    if !root.is_empty() {
        // pivot_root(".", "."): the old root ends up stacked on the new one, then detached.
        let r = CPath::new(&[root]);
        fs::chdir(r.c()).map_err(|e| Error::sys("chdir", root, e))?;
        pivot_root(c".", c".").map_err(|e| {
            Error::sys("pivot_root to", root, e).hint(if e == Errno::EINVAL {
                "the current root is an initramfs: switch_root to a real root file system first"
            } else {
                ""
            })
        })?;
        umount(c".", g::MNT_DETACH).map_err(|e| Error::sys("detach the old root", b"", e))?;
        fs::chdir(c"/").map_err(|e| Error::sys("chdir", b"/", e))?;
        lap(P_PIVOT);
    }
    if spec.read_only {
        read_only(b"/", false)?;
    }
    Ok(())
}
