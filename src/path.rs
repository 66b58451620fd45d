//! NUL-terminated paths built from parts, for the system calls that take `&CStr`.
use alloc::vec::Vec;
use core::ffi::CStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CPath(Vec<u8>);

impl CPath {
    /// Concatenates `parts` and appends the NUL. Parts come from C strings (argv, the
    /// kernel), so they hold no NUL themselves; if one did, the path would end there.
    pub fn new(parts: &[&[u8]]) -> CPath {
        let mut v = Vec::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 1);
        for p in parts {
            v.extend_from_slice(p);
        }
        v.push(0);
        CPath(v)
    }
    pub fn c(&self) -> &CStr {
        crate::sys::c_str(&self.0).unwrap_or(c"")
    }
    /// The path without its NUL.
    pub fn bytes(&self) -> &[u8] {
        self.0.split_last().map_or(&[], |(_, p)| p)
    }
    /// Leaks the path for the life of the process (exec arguments, environment).
    pub fn leak(self) -> &'static CStr {
        crate::sys::c_str(self.0.leak()).unwrap_or(c"")
    }
}

/// The parent directory of a path (`/a/b` → `/a`, `/a` → `/`, `a` → `.`).
pub fn parent(p: &[u8]) -> &[u8] {
    if p == b"/" {
        return p;
    }
    let p = crate::out::strip_suffix(p, b"/").unwrap_or(p);
    match p.iter().rposition(|&c| c == b'/') {
        Some(0) => b"/",
        None => b".",
        Some(i) => &p[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(CPath::new(&[b"/a", b"/b"]).c(), c"/a/b");
        assert_eq!(CPath::new(&[b"/a\0", b"/b"]).c(), c"/a");
        assert_eq!(CPath::new(&[b""]).c(), c"");
        assert_eq!(crate::sys::c_str(b"ab"), None);
        assert_eq!(parent(b"/a/b/c"), b"/a/b");
        assert_eq!(parent(b"/a"), b"/");
        assert_eq!(parent(b"/a/"), b"/");
        assert_eq!(parent(b"a"), b".");
        assert_eq!(parent(b"a/b"), b"a");
    }
}
