//! Signal names and numbers (the generic Linux numbering of x86_64 and aarch64).
use crate::out::{parse_u64, word, word_index, Msg};

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
/// What releases a held CMD (`process::spawn`): a real-time signal, queued, so that one
/// of the same number forwarded to CMD is not merged with it.
pub const RELEASE: u32 = 64;
pub const NSIG: u32 = 64;

/// Names 1..=31 in order, then the aliases IOT, CLD, POLL and the real-time names (with
/// the sign of their offset): one packed string (a `&[u8]` table would cost 16 bytes per
/// entry more). Beside `husk init`'s code, which parses `-p`/`-r` (see [`crate::hot!`]).
const NAMES: &str = crate::hot_str!(
    "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT \
CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS IOT CLD POLL RTMIN RTMAX \
RTMIN+ RTMAX-"
);
/// The numbers of the names after SYS.
const MORE: [u8; 7] = [6, 17, 29, 32, 64, 32, 64];

/// Parses `15`, `TERM`, `SIGTERM`, `sigterm`, `RTMIN+3`, `SIGRTMAX-1`, `IOT`, `CLD`, `POLL`.
pub fn parse(s: &[u8]) -> Option<u32> {
    let (mut n, mut low) = (parse_u64(s), 1);
    if n.is_none() {
        let s = match s.split_at_checked(3) {
            Some((p, rest)) if word_index(crate::hot!(b"SIG"), p, true).is_some() => rest,
            _ => s,
        };
        // The name, with the sign of an offset, and the offset's digits.
        let i = s.iter().position(|&c| c == b'+' || c == b'-');
        let (name, digits) = s.split_at(i.map_or(s.len(), |i| i + 1));
        let w = word_index(NAMES.as_bytes(), name, true)?;
        let base = if w < 31 {
            w as u64 + 1
        } else {
            *MORE.get(w - 31)? as u64
        };
        n = Some(match w {
            // RTMIN+N and RTMAX-N stay within the real-time range.
            36 => base.wrapping_add(parse_u64(digits)?),
            37 => base.wrapping_sub(parse_u64(digits)?),
            _ => base,
        });
        low = if w > 35 { 32 } else { 1 };
    }
    n.filter(|n| (low..=NSIG as u64).contains(n))
        .map(|n| n as u32)
}

/// Appends `SIGTERM`, `SIGRTMIN+3`, or the number for what has no name.
#[inline(never)]
pub fn name(m: &mut Msg, sig: u32) {
    if sig == 0 || sig > NSIG {
        m.u(sig as u64);
        return;
    }
    m.s(b"SIG");
    if sig < SIGRTMIN {
        m.s(word(NAMES, sig as usize - 1).unwrap_or(b""));
    } else {
        m.s(b"RTMIN");
        if sig > SIGRTMIN {
            m.c(b'+').u((sig - SIGRTMIN) as u64);
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
        assert_eq!(parse(b"rtmax-32"), Some(32));
        assert_eq!(parse(b"SIGRTMIN+32"), Some(64));
        assert_eq!(parse(b"cld"), Some(17));
        assert_eq!(parse(b"SIGPOLL"), Some(29));
        assert_eq!(parse(b"64"), Some(64));
        for bad in [
            &b"0"[..],
            b"65",
            b"SIGFOO",
            b"",
            b"RTMIN+40",
            b"RTMAX-40",
            b"RTMIN-1",
            b"RTMIN+",
            b"RTMAX-33",
            b"RTMIN+33",
            b"TERM+1",
            b"SIG",
            b"SIGSIGTERM",
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
