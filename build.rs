//! Link flags for the `husk` binary only (unit and integration tests link normally).
//!
//! husk brings its own `_start` and links no C library: `-nostartfiles -nostdlib`.
//! It must be `-static -no-pie`: a static-PIE with our own `_start` would crash, because
//! nothing would apply its relocations (that is the C library's start-up code's job).
//! `link.ld` discards the unwind tables; `-z noseparate-code` and `-z norelro` stop the
//! linker from padding segments to page boundaries.
fn main() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/link.ld");
    let lld = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .contains("linker-flavor=ld.lld");
    let flags: &[&str] = if lld {
        &[
            "-static",
            "--no-pie",
            "--build-id=none",
            "-znorelro",
            "-znoseparate-code",
            "--no-eh-frame-hdr",
        ]
    } else {
        &[
            "-nostartfiles",
            "-nostdlib",
            "-static",
            "-no-pie",
            "-Wl,--build-id=none",
            "-Wl,-z,norelro",
            "-Wl,-z,noseparate-code",
            "-Wl,--no-eh-frame-hdr",
        ]
    };
    for f in flags {
        println!("cargo:rustc-link-arg-bins={f}");
    }
    println!("cargo:rustc-link-arg-bins={script}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link.ld");
}
