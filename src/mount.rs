//! The container's file system, set up by its first process inside its mount namespace:
//! private propagation, then either a new root (`--rootfs`: bind, /proc, /sys, /dev,
//! binds, tmpfs, pivot_root, old root detached) or changes in place (`--proc`, binds).
//! With a rootfs every mount point is resolved inside it (made there if missing), never
//! through a symlink out of it; without one, mount points are the host's own paths, and
//! husk creates none.
use crate::error::{Error, Result};
use crate::path::{parent, CPath};
use crate::spec::{Spec, NEWNET, NEWPID};
use crate::sync::{P_MOUNTS, P_PIVOT};
use crate::sys::enter::readlink_at;
use crate::sys::fs::{self, Kind};
use crate::sys::mount::{mount, mount_setattr, pivot_root, umount};
use crate::sys::{self, Errno, Fd};
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

/// Where the container's mounts go: below the rootfs, held by a descriptor, or (none) on
/// the host's own paths, which must exist (`launch` checks them before clone): husk
/// creates nothing on the host.
type Root = Option<Fd>;

/// A mount point: `/proc/self/fd/N` of a descriptor resolved in the rootfs (open while
/// the point is), or the path itself without a rootfs.
struct Point(CPath, Option<Fd>);

/// The mount point `dst` (absolute, in the container). In a rootfs it is resolved there,
/// made if missing (directories, and with `file` an empty file last).
#[inline(never)]
fn point(root: &Root, dst: &[u8], file: bool) -> Result<Point> {
    let Some(r) = root else {
        return Ok(Point(CPath::new(&[dst]), None));
    };
    let fd = resolve(r, dst, file).map_err(|e| {
        Error::sys("create mount point", dst, e).hint(if e == Errno::EROFS {
            "read-only file system: create the mount point in it first"
        } else {
            ""
        })
    })?;
    let mut m = crate::out::Msg::new();
    m.s(b"/proc/self/fd/").u(fd.raw() as u64);
    Ok(Point(CPath::new(&[&m.0]), Some(fd)))
}

/// An O_PATH descriptor of `path` inside `root`, made if missing, one component at a time.
/// Each prefix is opened with openat2 RESOLVE_IN_ROOT (symlinks, absolute or not, and `..`
/// resolve as if `root` were `/`), and a missing component is made in its parent opened
/// that way (mkdirat, or an O_EXCL file, which follows no symlink). A dangling symlink is
/// followed by hand, its target taken inside the root again. So nothing is ever created
/// outside the root, as a plain `root + path` would (CVE-2021-30465 is runc's own take).
fn resolve(root: &Fd, path: &[u8], file: bool) -> sys::Result<Fd> {
    let open = |p: &[u8]| open_in(root, p);
    let mut p = path.to_vec();
    // p[..done] exists; `links` dangling symlinks were followed.
    let (mut done, mut links) = (0, 0);
    loop {
        // The next component: p[start..end].
        let mut start = done;
        while p.get(start) == Some(&b'/') {
            start += 1;
        }
        let mut end = start;
        while end < p.len() && p[end] != b'/' {
            end += 1;
        }
        // p[..end], what is resolved so far and the next component, and what follows.
        let (head, tail) = p.split_at_checked(end).unwrap_or((&p, &[]));
        let last = tail.iter().all(|&c| c == b'/');
        match open(head) {
            Ok(fd) if last => return Ok(fd),
            Ok(_) => {
                done = end;
                continue;
            }
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        let (up, name) = head.split_at_checked(start).unwrap_or((head, &[]));
        let parent = open(up)?;
        let name = CPath::new(&[name]);
        let made = if last && file {
            fs::open_at(
                parent.raw(),
                name.c(),
                g::O_WRONLY | g::O_CREAT | g::O_EXCL,
                0o644,
            )
            .map(drop)
        } else {
            fs::mkdir_at(parent.raw(), name.c(), 0o755)
        };
        match made {
            // Made: opened on the next round.
            Ok(()) => {}
            // A dangling symlink: its target, then the rest of the path, from the root.
            Err(Errno::EEXIST) if links < 40 => {
                let t = readlink_at(parent.raw(), name.c())?;
                let keep = if t.first() == Some(&b'/') {
                    &[][..]
                } else {
                    up
                };
                p = CPath::new(&[keep, &t, tail]).bytes().to_vec();
                done = 0;
                links += 1;
            }
            Err(Errno::EEXIST) => return Err(Errno::ELOOP),
            Err(e) => return Err(e),
        }
    }
}

/// An O_PATH descriptor of `p` resolved in `root` (openat2 RESOLVE_IN_ROOT).
#[inline(never)]
fn open_in(root: &Fd, p: &[u8]) -> sys::Result<Fd> {
    fs::open_in_root(root, CPath::new(&[b"/", p]).c(), g::O_PATH)
}

/// mount(2) of a file system `fs` (also its source) on `dst`, made first if missing.
#[inline(never)]
fn fs_on(fs: &CStr, root: &Root, dst: &[u8], flags: u32, data: &[u8]) -> Result<()> {
    let at = point(root, dst, false)?;
    let data = CPath::new(&[data]);
    mount(Some(fs), at.0.c(), Some(fs), flags, Some(data.c()))
        .map_err(|e| Error::sys("mount", dst, e))
}

fn tmpfs(root: &Root, dst: &[u8], mode: &[u8], size: u64, flags: u32) -> Result<()> {
    let mut data = crate::out::Msg::new();
    data.s(b"mode=").s(mode);
    if size > 0 {
        data.s(b",size=").u(size);
    }
    fs_on(c"tmpfs", root, dst, flags, &data.0)
}

/// Read-only with mount_setattr (Linux 5.12): the other, possibly locked, flags stay.
/// (`dst` is resolved again: a descriptor opened before the mount is of what it covers.)
fn read_only(root: &Root, dst: &[u8], recursive: bool) -> Result<()> {
    let at = point(root, dst, false)?;
    mount_setattr(at.0.c(), recursive, MOUNT_ATTR_RDONLY, 0)
        .map_err(|e| Error::sys("make read-only", dst, e))
}

/// A recursive bind mount of `src` on `dst` (a directory or an empty file, as `src` is).
#[inline(never)]
fn bind(src: &[u8], root: &Root, dst: &[u8], ro: bool) -> Result<()> {
    let s = CPath::new(&[src]);
    let (kind, _) = fs::stat(s.c()).map_err(|e| Error::sys("bind source", src, e))?;
    let at = point(root, dst, kind != Kind::Dir)?;
    mount(Some(s.c()), at.0.c(), None, g::MS_BIND | g::MS_REC, None)
        .map_err(|e| Error::sys("bind mount on", dst, e))?;
    if ro {
        read_only(root, dst, true)?;
    }
    Ok(())
}

/// /dev: a small tmpfs with the usual nodes (made, or bound from the host in a user
/// namespace, where mknod is refused), symlinks, devpts, /dev/shm and /dev/mqueue.
fn dev(root: &Root, userns: bool) -> Result<()> {
    // Not nodev: its device nodes must open.
    tmpfs(root, b"/dev", b"755", 64 << 10, g::MS_NOSUID | g::MS_NOEXEC)?;
    // The new tmpfs (resolved again), where nodes and links are made by name.
    let d = point(root, b"/dev", false)?;
    let d = d.1.as_ref().map_or(-1, Fd::raw);
    for (i, &n) in DEVNO.iter().enumerate() {
        let name = crate::out::word(DEVICES, i).unwrap_or_default();
        let host = CPath::new(&[b"/dev/", name]);
        if userns {
            bind(host.bytes(), root, host.bytes(), false)?;
        } else {
            let n = n as u32;
            fs::mknod_at(
                d,
                CPath::new(&[name]).c(),
                g::S_IFCHR | 0o666,
                n >> 8,
                n & 0xff,
            )
            .map_err(|e| Error::sys("mknod", host.bytes(), e))?;
        }
    }
    let mut i = 0;
    while let Some(link) = crate::out::word(DEV_LINKS, i) {
        let (name, target) = match crate::out::cut(link, b'=') {
            (name, Some(target)) => (name, target),
            _ => (&b""[..], &b""[..]),
        };
        fs::symlink_at(CPath::new(&[target]).c(), d, CPath::new(&[name]).c())
            .map_err(|e| Error::sys("symlink", name, e))?;
        i += 1;
    }
    // In a user namespace, without gid=5: one string, cut before it.
    const DEVPTS: &[u8] = b"newinstance,ptmxmode=0666,mode=620,gid=5";
    let opts = if userns {
        DEVPTS.split_at(34).0
    } else {
        DEVPTS
    };
    fs_on(
        c"devpts",
        root,
        b"/dev/pts",
        g::MS_NOSUID | g::MS_NOEXEC,
        opts,
    )?;
    tmpfs(root, b"/dev/shm", b"1777", 0, g::MS_NOSUID | g::MS_NODEV)?;
    match fs_on(c"mqueue", root, b"/dev/mqueue", NOSUID_NODEV_NOEXEC, b"") {
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
    let userns = spec.in_userns();
    let root: Root = match spec.rootfs {
        Some(r) => {
            // pivot_root needs the new root to be a mount point; its descriptor is taken
            // on that mount, where everything else is mounted.
            bind(r, &None, r, false)?;
            let p = CPath::new(&[r]);
            Some(
                fs::open(p.c(), g::O_PATH | g::O_DIRECTORY)
                    .map_err(|e| Error::sys("rootfs", r, e))?,
            )
        }
        None => None,
    };
    if root.is_some() || spec.proc_ {
        fs_on(c"proc", &root, b"/proc", NOSUID_NODEV_NOEXEC, b"").map_err(|e| {
            if e.errno == Errno::EPERM.into_raw() && userns && spec.ns & NEWPID == 0 {
                e.hint(crate::spec::PROC_NEEDS_PID)
            } else {
                e
            }
        })?;
    }
    if root.is_some() {
        // /sys, read-only. Only the owner of the network namespace may mount sysfs;
        // otherwise the host's /sys is bound read-only.
        match fs_on(
            c"sysfs",
            &root,
            b"/sys",
            NOSUID_NODEV_NOEXEC | g::MS_RDONLY,
            b"",
        ) {
            Err(e) if e.errno == Errno::EPERM.into_raw() && (spec.ns & NEWNET == 0 || userns) => {
                bind(b"/sys", &root, b"/sys", true)?
            }
            r => r?,
        }
        // The nodes must be 0666 whatever umask we inherited.
        let old = fs::umask(0);
        let r = dev(&root, userns);
        fs::umask(old);
        r?;
    }
    for b in &spec.binds {
        bind(b.src, &root, b.dst, b.ro)?;
    }
    for t in &spec.tmpfs {
        tmpfs(&root, t.dst, b"1777", t.size, g::MS_NOSUID | g::MS_NODEV)?;
    }
    lap(P_MOUNTS);
    if let Some(root) = spec.rootfs {
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
        read_only(&None, b"/", false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_number_for_each_device() {
        assert_eq!(DEVICES.split(' ').count(), DEVNO.len());
    }

    /// No root needed: a directory with symlinks out of it, made missing points resolved
    /// in it.
    #[test]
    fn mount_points_resolve_inside_the_root() {
        let base = std::env::temp_dir().join(std::format!("husk-resolve-{}", std::process::id()));
        let (root, out) = (base.join("root"), base.join("out"));
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let out_s = out.to_str().unwrap();
        symlink(out_s, root.join("abs")).unwrap();
        symlink(
            std::format!("../../../../../..{out_s}/x"),
            root.join("etc/up"),
        )
        .unwrap();
        symlink("etc", root.join("rel")).unwrap();
        let r = CPath::new(&[root.to_str().unwrap().as_bytes()]);
        let fd = fs::open(r.c(), g::O_PATH | g::O_DIRECTORY).unwrap();
        resolve(&fd, b"/abs/a/b", false).unwrap();
        resolve(&fd, b"/etc/up/f", true).unwrap();
        resolve(&fd, b"/rel//d/", false).unwrap();
        resolve(&fd, b"/etc", false).unwrap();
        assert!(root.join(&out_s[1..]).join("a/b").is_dir());
        assert!(root.join(&out_s[1..]).join("x/f").is_file());
        assert!(root.join("etc/d").is_dir());
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "nothing outside"
        );
        symlink("loop", root.join("loop")).unwrap();
        assert_eq!(resolve(&fd, b"/loop/x", false).err(), Some(Errno::ELOOP));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
