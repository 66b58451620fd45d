//! What `husk exec` and the container records need beyond the rest of `sys`: entering a
//! root directory, setting capabilities, renaming and removing files.
use super::{sc1, sc2, sc3, sc5, Result};
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

/// capset(2) with version 3 (64-bit) sets: effective, permitted, inheritable.
pub fn capset(eff: u64, prm: u64, inh: u64) -> Result<()> {
    let hdr = [g::_LINUX_CAPABILITY_VERSION_3, 0];
    // struct __user_cap_data_struct[2]: {effective, permitted, inheritable} per 32 bits.
    let lo = |v: u64| v as u32;
    let hi = |v: u64| (v >> 32) as u32;
    let data = [lo(eff), lo(prm), lo(inh), hi(eff), hi(prm), hi(inh)];
    sc2(Sysno::capset, hdr.as_ptr() as usize, data.as_ptr() as usize).map(drop)
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
