//! The global allocator: a bump allocator over a static arena, with mmap'd chunks when the
//! arena is full. husk is single-threaded and short-lived, so `dealloc` does nothing —
//! which also lets LLVM delete every drop glue that would only free memory (kilobytes of
//! code). The last block can grow in place (what `Vec` growth needs), and the one thing
//! that allocates in the long-running init loop, a diagnostic line, gives its block back
//! with [`free_last`] once written.
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use syscalls::Sysno;

const ARENA: usize = 256 * 1024;

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; ARENA]>);
// SAFETY: husk is single-threaded.
unsafe impl Sync for Arena {}

static HEAP: Arena = Arena(UnsafeCell::new([0; ARENA]));
static CUR: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);

pub struct Bump;

impl Bump {
    fn grow(size: usize) -> bool {
        let len = (size + 4095).max(ARENA) & !4095;
        let r = unsafe {
            syscalls::raw::syscall6(
                Sysno::mmap as usize,
                0,
                len,
                3,    // PROT_READ | PROT_WRITE
                0x22, // MAP_PRIVATE | MAP_ANONYMOUS
                usize::MAX,
                0,
            )
        };
        if r > usize::MAX - 4095 {
            return false;
        }
        CUR.store(r, Relaxed);
        END.store(r + len, Relaxed);
        true
    }
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if END.load(Relaxed) == 0 {
            let base = HEAP.0.get() as usize;
            CUR.store(base, Relaxed);
            END.store(base + ARENA, Relaxed);
        }
        let mut p = (CUR.load(Relaxed) + l.align() - 1) & !(l.align() - 1);
        if p + l.size() > END.load(Relaxed) {
            if !Self::grow(l.size() + l.align()) {
                return core::ptr::null_mut();
            }
            p = (CUR.load(Relaxed) + l.align() - 1) & !(l.align() - 1);
        }
        CUR.store(p + l.size(), Relaxed);
        p as *mut u8
    }

    unsafe fn dealloc(&self, _p: *mut u8, _l: Layout) {}

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if p as usize + l.size() == CUR.load(Relaxed) && p as usize + new <= END.load(Relaxed) {
            CUR.store(p as usize + new, Relaxed);
            return p;
        }
        let q = self.alloc(Layout::from_size_align_unchecked(new, l.align()));
        if !q.is_null() {
            core::ptr::copy_nonoverlapping(p, q, l.size().min(new));
        }
        q
    }
}

#[global_allocator]
static A: Bump = Bump;

/// Returns the most recent allocation (`size` bytes at `p`) to the arena, if it is still
/// the last one; otherwise does nothing.
pub fn free_last(p: *const u8, size: usize) {
    if p as usize + size == CUR.load(Relaxed) {
        CUR.store(p as usize, Relaxed);
    }
}
