//! Build script: link flags for the `husk` binary, and the generated syscall tables.
//!
//! Link flags (the binary only; unit and integration tests link normally): husk brings
//! its own `_start` and links no C library: `-nostartfiles -nostdlib`. It must be
//! `-static -no-pie`: a static-PIE with our own `_start` would crash, because nothing
//! would apply its relocations (that is the C library's start-up code's job). `link.ld`
//! is the whole linker script (`-T`): `husk init`'s code and data in segments of their
//! own, the rest after them, no unwind tables; `-z noseparate-code` and `-z norelro` stop
//! the linker from padding segments to page boundaries.
//!
//! Syscall tables (`$OUT_DIR/sysnames.rs`, see src/sysnames.rs): seccomp profiles name
//! system calls, and a table of `&str` would cost 16 bytes per entry on top of ~3.5 KB of
//! text. So the names of the `syscalls` crate's tables are compressed here with byte-pair
//! encoding (~2 KB per architecture) and decoded on lookup. The default seccomp profile's
//! refusals are resolved to numbers here too, so the binary carries 2 bytes per refusal.
use std::fmt::Write as _;

#[path = "build/help.rs"]
mod help;

fn main() {
    link_flags();
    tables();
    help::generate();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link.ld");
}

fn link_flags() {
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
    if lld {
        println!("cargo:rustc-link-arg-bins=-T{script}");
    } else {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{script}");
    }
}

/// Every (name, number) of one architecture's table, by number.
macro_rules! arch_table {
    ($arch:ident) => {{
        use syscalls::$arch::Sysno;
        (0..=Sysno::last().id() as usize)
            .filter_map(Sysno::new)
            .map(|s| (s.name().to_string(), s.id() as u32))
            .collect::<Vec<_>>()
    }};
}

// Capability numbers (capabilities(7)) that lift a refusal of the default profile.
const DAC_READ_SEARCH: u8 = 2;
const SYS_MODULE: u8 = 16;
const SYS_RAWIO: u8 = 17;
const SYS_CHROOT: u8 = 18;
const SYS_PTRACE: u8 = 19;
const SYS_PACCT: u8 = 20;
const SYS_ADMIN: u8 = 21;
const SYS_BOOT: u8 = 22;
const SYS_NICE: u8 = 23;
const SYS_TIME: u8 = 25;
const SYS_TTY_CONFIG: u8 = 26;
const SYSLOG: u8 = 34;
const PERFMON: u8 = 38;
const BPF: u8 = 39;
const NONE: u8 = 0xff;

/// The default profile's plain refusals (EPERM), with the capabilities (up to two) whose
/// presence in the container lifts each one: Docker's default profile, a list of what it
/// allows, refuses everything else; this is the privileged part of that "else", written
/// as a deny list. Benign system calls newer than a profile are allowed here, not refused.
/// clone, clone3, unshare, personality and socket have argument-dependent rules in
/// src/seccomp.rs. Names absent from an architecture are skipped for it.
const DEFAULT_DENY: &[(&str, u8, u8)] = &[
    // Kernel images, modules, swap, the reboot button: the host's, not the container's.
    ("kexec_load", NONE, NONE),
    ("kexec_file_load", NONE, NONE),
    ("init_module", SYS_MODULE, NONE),
    ("finit_module", SYS_MODULE, NONE),
    ("delete_module", SYS_MODULE, NONE),
    ("create_module", NONE, NONE),
    ("get_kernel_syms", NONE, NONE),
    ("query_module", NONE, NONE),
    ("swapon", NONE, NONE),
    ("swapoff", NONE, NONE),
    ("reboot", SYS_BOOT, NONE),
    ("acct", SYS_PACCT, NONE),
    // Mounts and namespaces (clone/unshare with namespace flags: argument rules).
    ("mount", SYS_ADMIN, NONE),
    ("umount", SYS_ADMIN, NONE),
    ("umount2", SYS_ADMIN, NONE),
    ("pivot_root", NONE, NONE),
    ("chroot", SYS_CHROOT, NONE),
    ("open_tree", SYS_ADMIN, NONE),
    ("open_tree_attr", SYS_ADMIN, NONE),
    ("move_mount", SYS_ADMIN, NONE),
    ("mount_setattr", SYS_ADMIN, NONE),
    ("fsopen", SYS_ADMIN, NONE),
    ("fsconfig", SYS_ADMIN, NONE),
    ("fsmount", SYS_ADMIN, NONE),
    ("fspick", SYS_ADMIN, NONE),
    ("setns", SYS_ADMIN, NONE),
    ("sethostname", SYS_ADMIN, NONE),
    ("setdomainname", SYS_ADMIN, NONE),
    ("quotactl", SYS_ADMIN, NONE),
    ("quotactl_fd", SYS_ADMIN, NONE),
    ("lookup_dcookie", SYS_ADMIN, NONE),
    ("fanotify_init", SYS_ADMIN, NONE),
    ("open_by_handle_at", DAC_READ_SEARCH, NONE),
    // Kernel-wide observation and programs.
    ("bpf", SYS_ADMIN, BPF),
    ("perf_event_open", SYS_ADMIN, PERFMON),
    ("syslog", SYS_ADMIN, SYSLOG),
    ("userfaultfd", NONE, NONE),
    // The kernel keyring is not namespaced.
    ("keyctl", NONE, NONE),
    ("add_key", NONE, NONE),
    ("request_key", NONE, NONE),
    // io_uring: a wide kernel attack surface (60% of the exploits submitted to Google's
    // kCTF bounty in 2022 used it); Docker's default profile refuses it since 25.0.
    ("io_uring_setup", NONE, NONE),
    ("io_uring_enter", NONE, NONE),
    ("io_uring_register", NONE, NONE),
    // Other processes' memory and files.
    ("kcmp", SYS_PTRACE, NONE),
    ("pidfd_getfd", SYS_PTRACE, NONE),
    ("process_madvise", SYS_PTRACE, NONE),
    // Clocks are not namespaced (time namespaces only offset monotonic/boottime).
    ("settimeofday", SYS_TIME, NONE),
    ("clock_settime", SYS_TIME, NONE),
    ("stime", SYS_TIME, NONE),
    // Hardware and NUMA placement.
    ("iopl", SYS_RAWIO, NONE),
    ("ioperm", SYS_RAWIO, NONE),
    ("vhangup", SYS_TTY_CONFIG, NONE),
    ("mbind", SYS_NICE, NONE),
    ("get_mempolicy", SYS_NICE, NONE),
    ("set_mempolicy", SYS_NICE, NONE),
    ("set_mempolicy_home_node", SYS_NICE, NONE),
    ("move_pages", NONE, NONE),
    ("migrate_pages", NONE, NONE),
    // Obsolete or never implemented: nothing legitimate calls them.
    ("uselib", NONE, NONE),
    ("_sysctl", NONE, NONE),
    ("sysfs", NONE, NONE),
    ("ustat", NONE, NONE),
    ("nfsservctl", NONE, NONE),
    ("getpmsg", NONE, NONE),
    ("putpmsg", NONE, NONE),
    ("afs_syscall", NONE, NONE),
    ("tuxcall", NONE, NONE),
    ("security", NONE, NONE),
    ("vserver", NONE, NONE),
];

fn tables() {
    let x86_64 = arch_table!(x86_64);
    let aarch64 = arch_table!(aarch64);
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    let target = match arch.as_str() {
        "x86_64" => &x86_64,
        "aarch64" => &aarch64,
        a => panic!("husk supports x86_64 and aarch64, not {a}"),
    };
    // seccomp::NRS: the filter builder indexes calls by number.
    for (name, nr) in x86_64.iter().chain(&aarch64) {
        assert!(*nr < 512, "{name}: {nr}, past seccomp::NRS");
    }
    let mut out = String::new();
    out.push_str("// Generated by build.rs from the `syscalls` crate's tables. Do not edit.\n");
    emit_table(&mut out, "X86_64", &x86_64);
    emit_table(&mut out, "AARCH64", &aarch64);
    // The default refusals, for the target, by number (runs of them become range tests):
    // number | capability that lifts it << 9 (63: none) | 1 << 15 when CAP_SYS_ADMIN
    // lifts it too.
    let mut both = Vec::new();
    for &(name, a, b) in DEFAULT_DENY {
        if let Some(&(_, nr)) = target.iter().find(|(n, _)| n == name) {
            let (cap, admin) = match (a, b) {
                (NONE, _) => (63, 0),
                (a, NONE) => (a, 0),
                (SYS_ADMIN, b) => (b, 1),
                _ => panic!("{name}: a second capability other than SYS_ADMIN"),
            };
            both.push((nr as u16 | (cap as u16) << 9 | admin << 15, name));
        }
    }
    both.sort_by_key(|&(e, _)| e & 511);
    let (deny, names): (Vec<u16>, Vec<&str>) = both.into_iter().unzip();
    writeln!(out, "pub const DEFAULT_DENY: &[u16] = &{deny:?};").unwrap();
    writeln!(
        out,
        "#[cfg(test)]\npub const DEFAULT_DENY_NAMES: &[&str] = &{names:?};"
    )
    .unwrap();
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("sysnames.rs");
    std::fs::write(path, out).unwrap();
}

/// Byte-pair encoding of the names, in number order, each ended by token 0.
///
/// Token codes: 0 ends a name; 1..=A are the alphabet's bytes; A+1.. stand for pairs of
/// tokens. Pairs may absorb the terminator (a pair is then "terminal": it ends a name),
/// and terminal pairs are numbered last, from `term` up, so that a reader can skip a name
/// without expanding anything: it ends at the first token that is 0 or >= term.
fn emit_table(out: &mut String, name: &str, table: &[(String, u32)]) {
    let mut alpha: Vec<u8> = table.iter().flat_map(|(n, _)| n.bytes()).collect();
    alpha.sort();
    alpha.dedup();
    let code = |c: u8| alpha.iter().position(|&a| a == c).unwrap() as u16 + 1;
    let mut seqs: Vec<Vec<u16>> = table
        .iter()
        .map(|(n, _)| n.bytes().map(code).chain([0]).collect())
        .collect();
    let mut pairs: Vec<(u16, u16)> = Vec::new();
    let mut terminal: Vec<bool> = (0..=alpha.len()).map(|i| i == 0).collect();
    let first_pair = alpha.len() as u16 + 1;
    while (first_pair as usize + pairs.len()) < 256 {
        let mut count = std::collections::BTreeMap::new();
        for s in &seqs {
            for w in s.windows(2) {
                *count.entry((w[0], w[1])).or_insert(0u32) += 1;
            }
        }
        // Most frequent first, then the smallest pair: deterministic output.
        let Some((&(a, b), &n)) = count.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
        else {
            break;
        };
        // A pair used twice saves 2 bytes of data and costs 2 in the pair table.
        if n < 3 {
            break;
        }
        let id = first_pair + pairs.len() as u16;
        pairs.push((a, b));
        terminal.push(terminal[b as usize]);
        for s in &mut seqs {
            let mut o = Vec::with_capacity(s.len());
            let mut i = 0;
            while i < s.len() {
                if i + 1 < s.len() && s[i] == a && s[i + 1] == b {
                    o.push(id);
                    i += 2;
                } else {
                    o.push(s[i]);
                    i += 1;
                }
            }
            *s = o;
        }
    }
    // Renumber: non-terminal pairs, then terminal ones.
    let mut order: Vec<u16> = (first_pair..first_pair + pairs.len() as u16).collect();
    order.sort_by_key(|&id| terminal[id as usize]);
    let mut map: Vec<u16> = (0..first_pair).collect();
    map.resize(first_pair as usize + pairs.len(), 0);
    for (i, &old) in order.iter().enumerate() {
        map[old as usize] = first_pair + i as u16;
    }
    let term = first_pair + order.iter().filter(|&&id| !terminal[id as usize]).count() as u16;
    let mut pair_bytes = Vec::new();
    for &old in &order {
        let (a, b) = pairs[(old - first_pair) as usize];
        pair_bytes.push(map[a as usize] as u8);
        pair_bytes.push(map[b as usize] as u8);
    }
    let data: Vec<u8> = seqs
        .iter()
        .flat_map(|s| s.iter().map(|&t| map[t as usize] as u8))
        .collect();
    // Depth check: the decoder expands with a fixed 32-entry stack.
    fn depth(t: u16, first: u16, pairs: &[(u16, u16)]) -> usize {
        if t < first {
            1
        } else {
            let (a, b) = pairs[(t - first) as usize];
            1 + depth(a, first, pairs).max(depth(b, first, pairs))
        }
    }
    let max_depth = (first_pair..first_pair + pairs.len() as u16)
        .map(|t| depth(t, first_pair, &pairs))
        .max()
        .unwrap_or(1);
    assert!(max_depth < 32, "pair nesting too deep: {max_depth}");
    // Runs of consecutive numbers: [first, end, first, end, ...], `end` excluded.
    let mut runs: Vec<u16> = Vec::new();
    for &(_, nr) in table {
        if runs.last() == Some(&(nr as u16)) {
            *runs.last_mut().unwrap() += 1;
        } else {
            runs.extend([nr as u16, nr as u16 + 1]);
        }
    }
    writeln!(
        out,
        "/// {} system calls: {} bytes of names in {} bytes of tokens and {} of pairs.\n\
         pub const {name}: Table = Table {{ alpha: b{:?}, term: {term}, pairs: &{pair_bytes:?}, \
         data: &{data:?}, runs: &{runs:?} }};",
        table.len(),
        table.iter().map(|(n, _)| n.len()).sum::<usize>(),
        data.len(),
        pair_bytes.len(),
        String::from_utf8(alpha.clone()).unwrap(),
    )
    .unwrap();
}
