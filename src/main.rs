//! The `husk` executable: the process entry point and the panic handler, nothing else.
#![no_std]
#![no_main]

extern crate husk_mem;

// The kernel starts us here with the stack holding argc, argv, envp: no C runtime.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov x29, xzr",
    "mov x30, xzr",
    "mov x0, sp",
    "bl {entry}",
    "brk #0",
    entry = sym entry,
);

extern "C" fn entry(sp: *const usize) -> ! {
    // SAFETY: `_start` passes the initial stack pointer, as `from_stack` requires.
    let (argv, envp) = unsafe { husk::sys::start::from_stack(sp) };
    husk::sys::exit(husk::main(argv, envp))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut m = husk::out::Msg::husk();
    m.s(b"internal error");
    if let Some(l) = info.location() {
        m.s(b" at ")
            .s(l.file().as_bytes())
            .c(b':')
            .u(l.line() as u64);
    }
    m.nl().err();
    husk::sys::exit(125)
}

// Debug builds of a panic=abort no_std binary still reference the unwinder's personality
// routine from the precompiled `core`; nothing ever calls it.
#[no_mangle]
extern "C" fn rust_eh_personality() {}

// ... and their landing pads (CString's, in the precompiled `alloc`) call _Unwind_Resume;
// with panic=abort nothing ever unwinds to one. Release builds (LTO) drop the references.
#[cfg(debug_assertions)]
#[no_mangle]
extern "C" fn _Unwind_Resume() -> ! {
    husk::sys::exit(125)
}
