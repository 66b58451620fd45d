//! Capabilities: the names of capabilities(7), and the sets a container keeps, with
//! Docker's semantics for `--cap-add`, `--cap-drop` and `--privileged`. Pure code; the
//! kernel calls are in `security` and `sys::security`.
use crate::out::{cut, word, word_index};

/// Names of capabilities 0..=40, in order, without `CAP_` (one string: a table of `&str`
/// would cost 16 bytes per entry more).
const NAMES: &str = "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP \
LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE \
SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME \
SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG \
WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE";

/// The highest capability husk knows by name (CAP_CHECKPOINT_RESTORE, Linux 5.9).
pub const LAST: u32 = 40;

pub const CHOWN: u32 = 0;
pub const DAC_OVERRIDE: u32 = 1;
pub const FOWNER: u32 = 3;
pub const FSETID: u32 = 4;
pub const KILL: u32 = 5;
pub const SETGID: u32 = 6;
pub const SETUID: u32 = 7;
pub const SETPCAP: u32 = 8;
pub const NET_BIND_SERVICE: u32 = 10;
pub const NET_RAW: u32 = 13;
pub const SYS_CHROOT: u32 = 18;
pub const SYS_PTRACE: u32 = 19;
pub const SYS_ADMIN: u32 = 21;
pub const MKNOD: u32 = 27;
pub const AUDIT_WRITE: u32 = 29;
pub const SETFCAP: u32 = 31;

const fn bit(c: u32) -> u64 {
    1 << c
}

/// Docker's default set for a container: these 14, nothing else.
pub const DEFAULT: u64 = bit(CHOWN)
    | bit(DAC_OVERRIDE)
    | bit(FSETID)
    | bit(FOWNER)
    | bit(MKNOD)
    | bit(NET_RAW)
    | bit(SETGID)
    | bit(SETUID)
    | bit(SETFCAP)
    | bit(SETPCAP)
    | bit(NET_BIND_SERVICE)
    | bit(SYS_CHROOT)
    | bit(KILL)
    | bit(AUDIT_WRITE);

/// Every capability, including those of kernels newer than this table: `apply` clamps
/// it to the running kernel's last capability.
pub const ALL: u64 = u64::MAX;

/// `CHOWN` for 0.
pub fn name(c: u32) -> &'static [u8] {
    word(NAMES, c as usize).unwrap_or(b"?")
}

/// A capability number from its name: `CAP_` optional, any case (`net_admin`,
/// `CAP_NET_ADMIN`, `Net_Admin`).
pub fn parse(s: &[u8]) -> Option<u32> {
    let s = match s.split_at_checked(4) {
        Some((p, rest)) if word_index(b"CAP_", p, true).is_some() => rest,
        _ => s,
    };
    word_index(NAMES.as_bytes(), s, true).map(|i| i as u32)
}

/// What `--cap-add`/`--cap-drop` lists name: capabilities, or ALL.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CapList {
    pub caps: u64,
    pub all: bool,
}

/// Adds a comma-separated list (`NET_ADMIN,cap_sys_time` or `ALL`) to `into`.
/// On error, returns the name that is not a capability.
pub fn parse_list<'a>(list: &'a [u8], into: &mut CapList) -> Result<(), &'a [u8]> {
    let mut rest = Some(list);
    while let Some(r) = rest {
        let (item, next) = cut(r, b',');
        if word_index(b"ALL", item, true).is_some() {
            into.all = true;
        } else {
            into.caps |= bit(parse(item).ok_or(item)?);
        }
        rest = next;
    }
    Ok(())
}

/// The capabilities the container keeps, as Docker computes them (TweakCapabilities):
/// `--privileged` keeps all; `--cap-add ALL` keeps all but what `--cap-drop` names;
/// `--cap-drop ALL` keeps only what `--cap-add` names; otherwise the default 14, minus
/// the drops, plus the adds (an add wins over a drop of the same capability).
pub fn kept(add: CapList, drop: CapList, privileged: bool) -> u64 {
    if privileged {
        ALL
    } else if add.all {
        ALL & !drop.caps
    } else if drop.all {
        add.caps
    } else {
        (DEFAULT & !drop.caps) | add.caps
    }
}

/// The capability sets of the command, as masks (bit N = capability N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapSets {
    /// Bounding, permitted and effective: what the container keeps.
    pub keep: u64,
    /// Inheritable and ambient, used only when the command runs as a non-root uid:
    /// the capabilities `--cap-add` asked for by name. A root command gets `keep`
    /// through exec anyway (the kernel gives uid 0 its bounding set); a non-root one
    /// gets nothing through exec but its ambient set. Like Docker, the default set is
    /// not given to a non-root command (it would hold CAP_SETUID and could become root
    /// again); unlike Docker, and like Podman, what the user asked for by name is.
    /// The inheritable set is otherwise empty: Docker's non-empty one was CVE-2022-24769.
    pub ambient: u64,
    /// What `--cap-add` named one by one: husk must hold each of them (an error
    /// otherwise). `ALL` names none: like `--privileged`, it means all that husk holds.
    pub named: u64,
}

impl CapSets {
    pub fn new(add: CapList, drop: CapList, privileged: bool) -> CapSets {
        let keep = kept(add, drop, privileged);
        CapSets {
            keep,
            ambient: if add.all { keep } else { add.caps & keep },
            named: add.caps & keep,
        }
    }
}

/// Appends the names of the capabilities in `mask` (`CHOWN,KILL`), for messages.
pub fn names_of(mask: u64, out: &mut alloc::vec::Vec<u8>) {
    let mut sep = false;
    for c in 0..=LAST {
        if mask & bit(c) != 0 {
            if sep {
                out.push(b',');
            }
            out.extend_from_slice(name(c));
            sep = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> CapList {
        let mut l = CapList::default();
        parse_list(s.as_bytes(), &mut l).unwrap();
        l
    }

    #[test]
    fn names_follow_the_kernel_numbering() {
        assert_eq!(NAMES.split(' ').count(), LAST as usize + 1);
        assert_eq!(
            linux_raw_sys::general::CAP_LAST_CAP,
            LAST,
            "new capabilities: extend NAMES"
        );
        use linux_raw_sys::general as g;
        for (n, want) in [
            ("CHOWN", g::CAP_CHOWN),
            ("SETPCAP", g::CAP_SETPCAP),
            ("NET_RAW", g::CAP_NET_RAW),
            ("SYS_ADMIN", g::CAP_SYS_ADMIN),
            ("MKNOD", g::CAP_MKNOD),
            ("AUDIT_WRITE", g::CAP_AUDIT_WRITE),
            ("SETFCAP", g::CAP_SETFCAP),
            ("SYSLOG", g::CAP_SYSLOG),
            ("AUDIT_READ", g::CAP_AUDIT_READ),
            ("PERFMON", g::CAP_PERFMON),
            ("BPF", g::CAP_BPF),
            ("CHECKPOINT_RESTORE", g::CAP_CHECKPOINT_RESTORE),
        ] {
            assert_eq!(parse(n.as_bytes()), Some(want), "{n}");
            assert_eq!(name(want), n.as_bytes());
        }
        assert_eq!(name(41), b"?");
    }

    #[test]
    fn parsing_is_case_insensitive_and_prefix_optional() {
        for s in ["net_admin", "CAP_NET_ADMIN", "cap_net_admin", "Net_Admin"] {
            assert_eq!(parse(s.as_bytes()), Some(12), "{s}");
        }
        for s in ["", "CAP_", "NET", "CAP_CAP_NET_ADMIN", "NET_ADMIN ", "ALL"] {
            assert_eq!(parse(s.as_bytes()), None, "{s:?}");
        }
        let mut l = CapList::default();
        assert_eq!(parse_list(b"chown,FROB", &mut l), Err(&b"FROB"[..]));
        assert_eq!(parse_list(b"chown,", &mut l), Err(&b""[..]));
        assert_eq!(list("kill,CAP_CHOWN").caps, bit(KILL) | bit(CHOWN));
        assert!(list("all").all);
    }

    #[test]
    fn docker_semantics() {
        let none = CapList::default();
        assert_eq!(DEFAULT.count_ones(), 14);
        assert_eq!(kept(none, none, false), DEFAULT);
        // Drops, then adds.
        assert_eq!(
            kept(list("SYS_ADMIN"), list("NET_RAW,MKNOD"), false),
            (DEFAULT & !bit(NET_RAW) & !bit(MKNOD)) | bit(SYS_ADMIN)
        );
        assert_eq!(kept(list("KILL"), list("KILL"), false), DEFAULT);
        // --cap-drop ALL --cap-add X keeps only X.
        assert_eq!(
            kept(list("NET_BIND_SERVICE"), list("ALL"), false),
            bit(NET_BIND_SERVICE)
        );
        assert_eq!(kept(none, list("ALL"), false), 0);
        // --cap-add ALL keeps all but the drops; --privileged keeps all.
        assert_eq!(kept(list("ALL"), list("SYS_ADMIN"), false), !bit(SYS_ADMIN));
        assert_eq!(kept(none, list("ALL"), true), ALL);
    }

    #[test]
    fn ambient_only_for_what_was_asked_by_name() {
        let none = CapList::default();
        let s = CapSets::new(none, none, false);
        assert_eq!((s.keep, s.ambient), (DEFAULT, 0));
        let s = CapSets::new(list("NET_BIND_SERVICE"), list("ALL"), false);
        assert_eq!((s.keep, s.ambient), (bit(10), bit(10)));
        // An add wins over a drop of the same capability, and is raised too.
        let s = CapSets::new(list("KILL,SYS_TIME"), list("SYS_TIME"), false);
        assert_eq!(s.ambient, bit(KILL) | bit(25));
        let s = CapSets::new(list("ALL"), list("SYS_ADMIN"), false);
        assert_eq!((s.ambient, s.named), (!bit(SYS_ADMIN), 0));
        // Named beside ALL: husk must hold it.
        let s = CapSets::new(list("ALL,SYS_TIME"), list("SYS_ADMIN"), false);
        assert_eq!((s.ambient, s.named), (!bit(SYS_ADMIN), bit(25)));
        let mut v = alloc::vec::Vec::new();
        names_of(bit(CHOWN) | bit(KILL) | bit(40), &mut v);
        assert_eq!(v, b"CHOWN,KILL,CHECKPOINT_RESTORE");
    }
}
