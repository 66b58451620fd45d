//! The global allocator: a bump allocator over a static arena, with mmap'd chunks when the
//! arena is full. husk is single-threaded and short-lived, so `dealloc` does nothing —
//! which also lets LLVM delete every drop glue that would only free memory (kilobytes of
//! code). The last block can grow in place (what `Vec` growth needs), and the one thing
//! that allocates in the long-running init loop, a diagnostic line, gives its block back
//! with [`free_last`] once written.
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{
    AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use syscalls::Sysno;

const ARENA: usize = 256 * 1024;

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; ARENA]>);
// SAFETY: the arena is only handed out under LOCK, each byte once.
unsafe impl Sync for Arena {}

static HEAP: Arena = Arena(UnsafeCell::new([0; ARENA]));
static CUR: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
/// husk itself is single-threaded, but the library's tests link this allocator into
/// multi-threaded test programs: a spin lock keeps it correct there, for one uncontended
/// atomic exchange per allocation here.
static LOCK: AtomicBool = AtomicBool::new(false);

fn locked<T>(f: impl FnOnce() -> T) -> T {
    while LOCK.swap(true, Acquire) {
        core::hint::spin_loop();
    }
    let r = f();
    LOCK.store(false, Release);
    r
}

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
        locked(|| Self::alloc_locked(l))
    }

    unsafe fn dealloc(&self, _p: *mut u8, _l: Layout) {}

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let grown = locked(|| {
            let in_place =
                p as usize + l.size() == CUR.load(Relaxed) && p as usize + new <= END.load(Relaxed);
            if in_place {
                CUR.store(p as usize + new, Relaxed);
            }
            in_place
        });
        if grown {
            return p;
        }
        let q = self.alloc(Layout::from_size_align_unchecked(new, l.align()));
        if !q.is_null() {
            core::ptr::copy_nonoverlapping(p, q, l.size().min(new));
        }
        q
    }
}

impl Bump {
    fn alloc_locked(l: Layout) -> *mut u8 {
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
}

/// Returns the most recent allocation (`size` bytes at `p`) to the arena, if it is still
/// the last one; otherwise does nothing.
pub fn free_last(p: *const u8, size: usize) {
    locked(|| {
        if p as usize + size == CUR.load(Relaxed) {
            CUR.store(p as usize, Relaxed);
        }
    })
}

#[global_allocator]
static A: Bump = Bump;
