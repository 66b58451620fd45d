//! Files and directories.
use super::{sc3, sc4, Fd, RawFd, Result};
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
    read_to_end(&fd)
}

pub fn read_to_end(fd: &Fd) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(512);
    loop {
        if v.len() == v.capacity() {
            v.reserve(v.len());
        }
        let spare = v.capacity() - v.len();
        let len = v.len();
        v.resize(len + spare, 0);
        let n = super::read(fd.raw(), &mut v[len..])?;
        v.truncate(len + n);
        if n == 0 {
            return Ok(v);
        }
    }
}

/// Calls `f` with the name of every entry of the directory `path` (without . and ..).
pub fn for_each_entry(path: &CStr, mut f: impl FnMut(&[u8])) -> Result<()> {
    entries(path, &mut f)
}

// One copy of the getdents loop for every caller of `for_each_entry`.
#[inline(never)]
fn entries(path: &CStr, f: &mut dyn FnMut(&[u8])) -> Result<()> {
    let fd = open(path, g::O_RDONLY | g::O_DIRECTORY)?;
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
            let reclen = u16::from_ne_bytes([buf[off + 16], buf[off + 17]]) as usize;
            let name = &buf[off + 19..off + reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if name != b"." && name != b".." {
                f(name);
            }
            off += reclen;
        }
    }
}

/// mount(2). `data` is the file system's option string (or empty).
pub fn mount(src: &CStr, target: &CStr, fstype: &CStr, flags: u32, data: &CStr) -> Result<()> {
    super::sc5(
        Sysno::mount,
        src.as_ptr() as usize,
        target.as_ptr() as usize,
        fstype.as_ptr() as usize,
        flags as usize,
        data.as_ptr() as usize,
    )
    .map(drop)
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

/// readlinkat(AT_FDCWD, path): the link's target, cut at `buf`'s size.
pub fn readlink<'b>(path: &CStr, buf: &'b mut [u8]) -> Result<&'b [u8]> {
    let n = super::sc4(
        Sysno::readlinkat,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        buf.as_mut_ptr() as usize,
        buf.len(),
    )?;
    Ok(&buf[..n])
}

/// statx(2) for STATX_ATTR_MOUNT_ROOT: whether `path` is where a file system is mounted.
/// False where the kernel cannot tell (before 5.8) or the path does not exist.
pub fn is_mount_root(path: &CStr) -> bool {
    // struct statx: u64 stx_attributes at byte 8, u64 stx_attributes_mask at byte 56.
    let mut stx = [0u64; 32];
    let r = super::sc5(
        Sysno::statx,
        g::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        (g::AT_SYMLINK_NOFOLLOW | g::AT_NO_AUTOMOUNT) as usize,
        0,
        stx.as_mut_ptr() as usize,
    );
    r.is_ok() && stx[1] & stx[7] & g::STATX_ATTR_MOUNT_ROOT as u64 != 0
}
