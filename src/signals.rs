//! Signal names and numbers (the generic Linux numbering of x86_64 and aarch64).
use crate::out::{parse_u64, Msg};

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGUSR2: u32 = 12;
pub const SIGTERM: u32 = 15;
pub const SIGCHLD: u32 = 17;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGRTMIN: u32 = 32;
pub const NSIG: u32 = 64;

const NAMES: [&[u8]; 31] = [
    b"HUP", b"INT", b"QUIT", b"ILL", b"TRAP", b"ABRT", b"BUS", b"FPE", b"KILL", b"USR1", b"SEGV",
    b"USR2", b"PIPE", b"ALRM", b"TERM", b"STKFLT", b"CHLD", b"CONT", b"STOP", b"TSTP", b"TTIN",
    b"TTOU", b"URG", b"XCPU", b"XFSZ", b"VTALRM", b"PROF", b"WINCH", b"IO", b"PWR", b"SYS",
];

/// Parses `15`, `TERM`, `SIGTERM`, `sigterm`, `RTMIN+3`, `SIGRTMAX-1`, `IOT`, `CLD`, `POLL`.
pub fn parse(s: &[u8]) -> Option<u32> {
    if let Some(n) = parse_u64(s) {
        return (1..=NSIG as u64).contains(&n).then_some(n as u32);
    }
    let mut up = [0u8; 16];
    if s.len() > up.len() {
        return None;
    }
    for (d, c) in up.iter_mut().zip(s) {
        *d = c.to_ascii_uppercase();
    }
    let mut name = &up[..s.len()];
    if name.starts_with(b"SIG") {
        name = &name[3..];
    }
    if let Some(i) = NAMES.iter().position(|n| *n == name) {
        return Some(i as u32 + 1);
    }
    let rt = |rest: &[u8], base: u32, up: bool| -> Option<u32> {
        let off = match rest {
            [] => 0,
            [sign, digits @ ..] if *sign == if up { b'+' } else { b'-' } => parse_u64(digits)?,
            _ => return None,
        };
        let n = if up {
            base as u64 + off
        } else {
            (base as u64).checked_sub(off)?
        };
        (SIGRTMIN as u64..=NSIG as u64)
            .contains(&n)
            .then_some(n as u32)
    };
    match name {
        b"IOT" => Some(6),
        b"CLD" => Some(SIGCHLD),
        b"POLL" => Some(29),
        _ if name.starts_with(b"RTMIN") => rt(&name[5..], SIGRTMIN, true),
        _ if name.starts_with(b"RTMAX") => rt(&name[5..], NSIG, false),
        _ => None,
    }
}

/// Appends `SIGTERM`, `SIGRTMIN+3`, or the number for what has no name.
pub fn name(m: &mut Msg, sig: u32) {
    match sig {
        1..=31 => {
            m.s(b"SIG").s(NAMES[sig as usize - 1]);
        }
        SIGRTMIN => {
            m.s(b"SIGRTMIN");
        }
        33..=64 => {
            m.s(b"SIGRTMIN+").u((sig - SIGRTMIN) as u64);
        }
        _ => {
            m.u(sig as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_numbers() {
        assert_eq!(parse(b"15"), Some(15));
        assert_eq!(parse(b"TERM"), Some(15));
        assert_eq!(parse(b"SIGTERM"), Some(15));
        assert_eq!(parse(b"sigkill"), Some(9));
        assert_eq!(parse(b"SIGSYS"), Some(31));
        assert_eq!(parse(b"IOT"), Some(6));
        assert_eq!(parse(b"RTMIN"), Some(32));
        assert_eq!(parse(b"SIGRTMIN+3"), Some(35));
        assert_eq!(parse(b"RTMAX"), Some(64));
        assert_eq!(parse(b"RTMAX-2"), Some(62));
        assert_eq!(parse(b"64"), Some(64));
        for bad in [
            &b"0"[..],
            b"65",
            b"SIGFOO",
            b"",
            b"RTMIN+40",
            b"RTMAX-40",
            b"RTMIN-1",
            b"-9",
        ] {
            assert_eq!(parse(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn names_round_trip() {
        for sig in 1..=64 {
            let mut m = Msg::new();
            name(&mut m, sig);
            assert_eq!(parse(&m.0), Some(sig));
        }
    }
}
