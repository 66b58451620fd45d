//! The process's initial stack: argc, argv, envp, as the kernel lays them out for `_start`.
use core::ffi::{c_char, CStr};

/// A NUL-pointer-terminated array of C strings (argv or envp) that lives for the whole
/// process: either the kernel's own (on the initial stack) or one husk leaked.
#[derive(Clone, Copy)]
pub struct CVec {
    ptrs: &'static [*const c_char],
}

impl CVec {
    /// Number of strings (without the terminating NULL).
    pub fn len(&self) -> usize {
        self.ptrs.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`th string, without its NUL.
    pub fn get(&self, i: usize) -> &'static [u8] {
        self.cstr(i).to_bytes()
    }
    pub fn cstr(&self, i: usize) -> &'static CStr {
        assert!(i < self.len());
        // SAFETY: every pointer before the terminating NULL points to a NUL-terminated
        // string that lives as long as the process (constructors guarantee it).
        unsafe { CStr::from_ptr(self.ptrs[i]) }
    }
    /// The strings from `i` on, still NULL-terminated: argv for a command, with no copy.
    pub fn tail(&self, i: usize) -> CVec {
        CVec {
            ptrs: &self.ptrs[i.min(self.len())..],
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &'static [u8]> + Clone + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
    pub(crate) fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }
    /// The pointers, the terminating NULL included.
    pub(crate) fn raw(&self) -> &'static [*const c_char] {
        self.ptrs
    }
    /// Builds a vector from strings that live for the whole process.
    pub fn from_static(strs: &[&'static CStr]) -> CVec {
        let mut v = alloc::vec::Vec::with_capacity(strs.len() + 1);
        v.extend(strs.iter().map(|s| s.as_ptr()));
        v.push(core::ptr::null());
        CVec { ptrs: v.leak() }
    }
}

/// Reads argc, argv and envp from the stack pointer the kernel handed to `_start`.
///
/// # Safety
/// `sp` must be the initial stack pointer of the process.
pub unsafe fn from_stack(sp: *const usize) -> (CVec, CVec) {
    let argc = *sp;
    let argv = sp.add(1) as *const *const c_char;
    let envp = argv.add(argc + 1);
    let mut envc = 0;
    while !(*envp.add(envc)).is_null() {
        envc += 1;
    }
    (
        CVec {
            ptrs: core::slice::from_raw_parts(argv, argc + 1),
        },
        CVec {
            ptrs: core::slice::from_raw_parts(envp, envc + 1),
        },
    )
}
