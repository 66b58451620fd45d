//! Mounts: mount(2), umount2(2), pivot_root(2), mount_setattr(2).
use super::{sc2, sc5, Errno, Result};
use core::ffi::CStr;
use syscalls::Sysno;

fn opt(s: Option<&CStr>) -> usize {
    s.map_or(0, |s| s.as_ptr() as usize)
}

/// mount(2)
pub fn mount(
    src: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: u32,
    data: Option<&CStr>,
) -> Result<()> {
    sc5(
        Sysno::mount,
        opt(src),
        target.as_ptr() as usize,
        opt(fstype),
        flags as usize,
        opt(data),
    )
    .map(drop)
}

/// umount2(2)
pub fn umount(target: &CStr, flags: u32) -> Result<()> {
    sc2(Sysno::umount2, target.as_ptr() as usize, flags as usize).map(drop)
}

/// pivot_root(2)
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<()> {
    sc2(
        Sysno::pivot_root,
        new_root.as_ptr() as usize,
        put_old.as_ptr() as usize,
    )
    .map(drop)
}

/// mount_setattr(AT_FDCWD, path, flags, {attr_set, attr_clr}): changes mount attributes
/// (e.g. read-only), recursively with AT_RECURSIVE, keeping every other (possibly locked)
/// flag as it is — which a MS_REMOUNT inside a user namespace cannot promise.
pub fn mount_setattr(path: &CStr, recursive: bool, set: u64, clear: u64) -> Result<()> {
    let attr = [set, clear, 0u64, 0u64]; // struct mount_attr: set, clr, propagation, userns_fd
    let flags = if recursive {
        linux_raw_sys::general::AT_RECURSIVE
    } else {
        0
    };
    let r = sc5(
        Sysno::mount_setattr,
        linux_raw_sys::general::AT_FDCWD as isize as usize,
        path.as_ptr() as usize,
        flags as usize,
        attr.as_ptr() as usize,
        32,
    );
    match r {
        Err(Errno::ENOSYS) => Err(Errno::ENOSYS),
        r => r.map(drop),
    }
}
