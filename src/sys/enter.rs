//! What `husk exec` and the container records need beyond the rest of `sys`: entering a
//! root directory, reading links below a directory, renaming a file into place.
use super::{sc1, sc5, Result};
use core::ffi::CStr;
use linux_raw_sys::general as g;
use syscalls::Sysno;

/// fchdir(2)
pub fn fchdir(fd: super::RawFd) -> Result<()> {
    sc1(Sysno::fchdir, fd as usize).map(drop)
}

/// chroot(2)
pub fn chroot(path: &CStr) -> Result<()> {
    sc1(Sysno::chroot, path.as_ptr() as usize).map(drop)
}

/// renameat2(AT_FDCWD, from, AT_FDCWD, to, flags): with RENAME_NOREPLACE, EEXIST
/// instead of replacing `to`.
pub fn rename(from: &CStr, to: &CStr, noreplace: bool) -> Result<()> {
    let cwd = g::AT_FDCWD as isize as usize;
    sc5(
        Sysno::renameat2,
        cwd,
        from.as_ptr() as usize,
        cwd,
        to.as_ptr() as usize,
        noreplace as usize, // RENAME_NOREPLACE is 1
    )
    .map(drop)
}

/// readlinkat(dir, path): the link's target (up to PATH_MAX).
pub fn readlink_at(dir: super::RawFd, path: &CStr) -> Result<alloc::vec::Vec<u8>> {
    // PATH_MAX: a target that fills it may have been cut.
    let mut buf = [0u8; 4096];
    let n = super::sc4(
        Sysno::readlinkat,
        dir as isize as usize,
        path.as_ptr() as usize,
        buf.as_mut_ptr() as usize,
        buf.len(),
    )?;
    if n == buf.len() {
        return Err(super::Errno::ENAMETOOLONG);
    }
    Ok(buf.get(..n).unwrap_or_default().to_vec())
}
