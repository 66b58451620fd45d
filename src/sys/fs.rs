//! Files and directories.
use super::{sc3, sc4, sc5, Errno, Fd, RawFd, Result};
use alloc::vec::Vec;
use core::ffi::CStr;
use linux_raw_sys::general as g;
use syscalls::Sysno;

/// openat(AT_FDCWD, path, flags | O_CLOEXEC)
pub fn open(path: &CStr, flags: u32) -> Result<Fd> {
    open_at(g::AT_FDCWD, path, flags, 0)
}

/// openat(dir, path, flags | O_CLOEXEC, mode)
pub fn open_at(dir: RawFd, path: &CStr, flags: u32, mode: u32) -> Result<Fd> {
    sc4(
        Sysno::openat,
        dir as isize as usize,
        path.as_ptr() as usize,
        (flags | g::O_CLOEXEC) as usize,
        mode as usize,
    )
    .map(Fd::own)
}

/// Reads a whole (small, procfs-like) file.
pub fn read_file(path: &CStr) -> Result<Vec<u8>> {
    let fd = open(path, g::O_RDONLY)?;
    read_to_end(&fd, usize::MAX)
}

/// Reads `fd` to its end; EFBIG past `max` bytes (a file the user names may be
/// /dev/zero or an endless pipe).
pub fn read_to_end(fd: &Fd, max: usize) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(512);
    loop {
        if v.len() > max {
            return Err(super::Errno::EFBIG);
        }
        if v.len() == v.capacity() {
            v.reserve(v.len());
        }
        let spare = v.capacity() - v.len();
        let len = v.len();
        v.resize(len + spare, 0);
        let n = super::read(fd.raw(), v.get_mut(len..).unwrap_or_default())?;
        v.truncate(len + n);
        if n == 0 {
            return Ok(v);
        }
    }
}

/// Calls `f` with the name of every entry of the directory `path` (without . and ..).
/// (One instance for every caller: the closure is called through a `dyn`.)
pub fn for_each_entry(path: &CStr, f: &mut dyn FnMut(&[u8])) -> Result<()> {
    let fd = open(path, g::O_RDONLY | g::O_DIRECTORY)?;
    for_each_entry_in(&fd, |name, _| f(name))
}

/// getdents64(2) over a directory opened for reading, from its current offset: calls `f`
/// with each name and its type (`DT_DIR`, ...; `DT_UNKNOWN` on some file systems).
pub fn for_each_entry_in(fd: &Fd, mut f: impl FnMut(&[u8], u8)) -> Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = sc3(
            Sysno::getdents64,
            fd.raw() as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
        )?;
        if n == 0 {
            return Ok(());
        }
        // struct linux_dirent64 { u64 ino; i64 off; u16 reclen; u8 type; char name[]; }
        let mut off = 0;
        while off + 19 < n {
            let Some(&[r0, r1, ty, ref rest @ ..]) = buf.get(off + 16..) else {
                break;
            };
            let reclen = u16::from_ne_bytes([r0, r1]) as usize;
            // A record shorter than its header, or past the buffer: none follows.
            let Some(name) = reclen.checked_sub(19).and_then(|l| rest.get(..l)) else {
                break;
            };
            let name = crate::out::cut(name, 0).0;
            if name != b"." && name != b".." {
                f(name, ty);
            }
            off += reclen;
        }
    }
}

/// mkdirat(AT_FDCWD, path, mode)
pub fn mkdir(path: &CStr, mode: u32) -> Result<()> {
    sc3(
        Sysno::mkdirat,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        mode as usize,
    )
    .map(drop)
}

/// mknodat(dir, name, mode, dev)
pub fn mknod_at(dir: RawFd, name: &CStr, mode: u32, major: u32, minor: u32) -> Result<()> {
    // The kernel's dev_t encoding: minor's low 8 bits, major, then minor's high bits.
    let dev = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12);
    sc4(
        Sysno::mknodat,
        dir as isize as usize,
        name.as_ptr() as usize,
        mode as usize,
        dev as usize,
    )
    .map(drop)
}

/// symlinkat(target, dir, name)
pub fn symlink_at(target: &CStr, dir: RawFd, name: &CStr) -> Result<()> {
    sc3(
        Sysno::symlinkat,
        target.as_ptr() as usize,
        dir as isize as usize,
        name.as_ptr() as usize,
    )
    .map(drop)
}

/// chdir(2)
pub fn chdir(path: &CStr) -> Result<()> {
    super::sc1(Sysno::chdir, path.as_ptr() as usize).map(drop)
}

/// readlinkat(AT_FDCWD, path): the link's target.
pub fn readlink(path: &CStr) -> Result<Vec<u8>> {
    let mut buf = [0u8; 256];
    let n = sc4(
        Sysno::readlinkat,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        buf.as_mut_ptr() as usize,
        buf.len(),
    )?;
    Ok(buf.get(..n).unwrap_or_default().to_vec())
}

/// File types from statx's `stx_mode`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Dir,
    File,
    Other,
}

/// statx(dir, path, flags, STATX_TYPE | STATX_MODE): the file's kind and permission bits.
/// `dir` may be a directory fd; symlinks are followed.
pub fn stat_at(dir: RawFd, path: &CStr) -> Result<(Kind, u32)> {
    let mut buf = [0u64; 32]; // struct statx is 256 bytes
    sc5(
        Sysno::statx,
        dir as isize as usize,
        path.as_ptr() as usize,
        0,
        (g::STATX_TYPE | g::STATX_MODE) as usize,
        buf.as_mut_ptr() as usize,
    )?;
    // stx_mode is the u16 at byte offset 28.
    let mode = ((buf[3] >> 32) & 0xffff) as u32;
    let kind = match mode & g::S_IFMT {
        g::S_IFDIR => Kind::Dir,
        g::S_IFREG => Kind::File,
        _ => Kind::Other,
    };
    Ok((kind, mode & 0o7777))
}

pub fn stat(path: &CStr) -> Result<(Kind, u32)> {
    stat_at(g::AT_FDCWD, path)
}

/// openat2(dir, path, {flags, RESOLVE_IN_ROOT}): opens `path` as if `dir` were `/`,
/// so absolute symlinks inside a rootfs resolve inside it, not on the host.
pub fn open_in_root(dir: &Fd, path: &CStr, flags: u32) -> Result<Fd> {
    let how = [
        (flags | g::O_CLOEXEC) as u64,
        0u64,
        g::RESOLVE_IN_ROOT as u64,
    ];
    super::sc4(
        Sysno::openat2,
        dir.raw() as usize,
        path.as_ptr() as usize,
        how.as_ptr() as usize,
        24,
    )
    .map(Fd::own)
}

/// umask(2): sets the file mode creation mask, returns the previous one.
pub fn umask(mask: u32) -> u32 {
    super::sc1(Sysno::umask, mask as usize).unwrap_or(0o022) as u32
}

/// mkdirat(2)
pub fn mkdir_at(dir: RawFd, name: &CStr, mode: u32) -> Result<()> {
    sc3(
        Sysno::mkdirat,
        dir as isize as usize,
        name.as_ptr() as usize,
        mode as usize,
    )
    .map(drop)
}

/// unlinkat(dir, name, AT_REMOVEDIR): rmdir.
pub fn rmdir_at(dir: RawFd, name: &CStr) -> Result<()> {
    sc3(
        Sysno::unlinkat,
        dir as isize as usize,
        name.as_ptr() as usize,
        g::AT_REMOVEDIR as usize,
    )
    .map(drop)
}

/// Writes `data` to the existing file `dir/name` (with `create`, creates it if missing),
/// from offset 0. A control file (cgroup, /proc) takes the value in one write(2); its
/// refusal comes from that write, which is why a short write is an error too.
pub fn write_at(dir: RawFd, name: &CStr, data: &[u8], create: bool) -> Result<()> {
    let flags = g::O_WRONLY | if create { g::O_CREAT } else { 0 };
    let fd = open_at(dir, name, flags, 0o644)?;
    match super::write(fd.raw(), data)? {
        n if n == data.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// Reads the whole (small) file `dir/name`.
pub fn read_at(dir: RawFd, name: &CStr) -> Result<Vec<u8>> {
    read_to_end(&open_at(dir, name, g::O_RDONLY, 0)?, usize::MAX)
}

/// statx(2) for STATX_ATTR_MOUNT_ROOT: whether `path` is where a file system is mounted.
/// False where the kernel cannot tell (before 5.8) or the path does not exist.
pub fn is_mount_root(path: &CStr) -> bool {
    // struct statx: u64 stx_attributes at byte 8, u64 stx_attributes_mask at byte 56.
    let mut stx = [0u64; 32];
    let r = sc5(
        Sysno::statx,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        (g::AT_SYMLINK_NOFOLLOW | g::AT_NO_AUTOMOUNT) as usize,
        0,
        stx.as_mut_ptr() as usize,
    );
    r.is_ok() && stx[1] & stx[7] & g::STATX_ATTR_MOUNT_ROOT as u64 != 0
}

/// statfs(2): whether the file system at `path` is mounted read-only (ST_RDONLY in
/// f_flags). False when it cannot tell.
pub fn read_only(path: &CStr) -> bool {
    // struct statfs of 64-bit targets: u64 words, f_flags the eleventh.
    const _: () = assert!(core::mem::offset_of!(g::statfs, f_flags) == 80);
    let mut st = [0u64; 16];
    let r = super::sc2(
        Sysno::statfs,
        path.as_ptr() as usize,
        st.as_mut_ptr() as usize,
    );
    r.is_ok() && st[10] & 1 != 0
}

/// unlinkat(AT_FDCWD, path, 0)
pub fn unlink(path: &CStr) -> Result<()> {
    sc3(
        Sysno::unlinkat,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        0,
    )
    .map(drop)
}
