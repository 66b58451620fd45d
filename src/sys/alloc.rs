//! The global allocator: a bump allocator over a static arena in `.bss`; an allocation
//! that does not fit gets pages of its own from mmap. husk is short-lived, so `dealloc`
//! does nothing — which also lets LLVM delete every drop glue that would only free memory
//! (kilobytes of code). The last block can grow in place (what `Vec` growth needs), and
//! the one thing that allocates in the long-running init loop, a diagnostic line, gives
//! its block back with [`free_last`] once written.
//!
//! husk is single-threaded, but the library's test programs link this allocator too, and
//! they have threads and fork: so every update of the arena's top is one compare-and-swap
//! (no lock a fork could leave held).
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use syscalls::Sysno;

const ARENA: usize = 256 * 1024;

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; ARENA]>);
// SAFETY: each byte of the arena is handed out once, by a compare-and-swap on TOP.
unsafe impl Sync for Arena {}

static HEAP: Arena = Arena(UnsafeCell::new([0; ARENA]));
/// Offset of the first free byte of the arena.
static TOP: AtomicUsize = AtomicUsize::new(0);

pub struct Bump;

fn base() -> usize {
    HEAP.0.get() as usize
}

/// Pages of its own for what the arena cannot hold (never returned); null on failure.
pub(super) fn mmap(size: usize) -> *mut u8 {
    let r = unsafe {
        syscalls::raw::syscall6(
            Sysno::mmap as usize,
            0,
            size.max(1),
            3,    // PROT_READ | PROT_WRITE
            0x22, // MAP_PRIVATE | MAP_ANONYMOUS
            usize::MAX,
            0,
        )
    };
    if r > usize::MAX - 4095 {
        core::ptr::null_mut()
    } else {
        r as *mut u8
    }
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        loop {
            let top = TOP.load(Relaxed);
            let p = (base() + top + l.align() - 1) & !(l.align() - 1);
            let end = p - base() + l.size();
            if end > ARENA {
                // Page alignment covers every alignment husk asks for.
                return mmap(l.size());
            }
            if TOP.compare_exchange(top, end, Relaxed, Relaxed).is_ok() {
                return p as *mut u8;
            }
        }
    }

    unsafe fn dealloc(&self, _p: *mut u8, _l: Layout) {}

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let at = (p as usize).wrapping_sub(base());
        if at + l.size() <= ARENA
            && at + new <= ARENA
            && TOP
                .compare_exchange(at + l.size(), at + new, Relaxed, Relaxed)
                .is_ok()
        {
            return p;
        }
        let q = self.alloc(Layout::from_size_align_unchecked(new, l.align()));
        if !q.is_null() {
            core::ptr::copy_nonoverlapping(p, q, l.size().min(new));
        }
        q
    }
}

/// Returns the most recent allocation (`size` bytes at `p`) to the arena, if it is still
/// the last one; otherwise does nothing.
pub fn free_last(p: *const u8, size: usize) {
    let at = (p as usize).wrapping_sub(base());
    if at + size <= ARENA {
        let _ = TOP.compare_exchange(at + size, at, Relaxed, Relaxed);
    }
}

#[global_allocator]
static A: Bump = Bump;
