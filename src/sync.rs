//! Frames between husk and the container's first process, over one SOCK_SEQPACKET pair.
//!
//! The parent tells the child to go on once it has done its part (id maps, network) with
//! GO, one byte. The child reports, in fixed-size frames encoded and decoded by pure code,
//! either a failure (`{op, errno, object, hint}` plus the exit status it implies) or, just
//! before exec, its phase timings. A clean exec closes the child's end (it is
//! close-on-exec): the parent reads end-of-file.
use crate::error::Error;
use alloc::vec::Vec;

pub const FRAME: usize = 512;
pub const GO: u8 = 1;
pub const ERR: u8 = 2;
pub const TIMES: u8 = 3;

/// Names of the phases `--timings` reports (a word table, see `out::word`); a frame
/// carries indexes into it. `net` is husk's side of the network (bridge, pair, host
/// address), `ifup` the child's (lo, its end, routes), `wait` the child waiting for
/// husk's GO (for its id maps, its end of the pair), `cgroup` husk creating the cgroups,
/// `cgjoin` the child moving itself into them (or husk moving it, without clone3).
pub const PHASES: &str = "parse check clone maps join hostname mounts pivot setup security exec \
net ifup cgroup wait cgjoin";
pub const P_PARSE: u8 = 0;
pub const P_CHECK: u8 = 1;
pub const P_CLONE: u8 = 2;
pub const P_MAPS: u8 = 3;
pub const P_JOIN: u8 = 4;
pub const P_HOSTNAME: u8 = 5;
pub const P_MOUNTS: u8 = 6;
pub const P_PIVOT: u8 = 7;
pub const P_SETUP: u8 = 8;
pub const P_SECURITY: u8 = 9;
pub const P_EXEC: u8 = 10;
pub const P_NET: u8 = 11;
pub const P_IFUP: u8 = 12;
pub const P_CGROUP: u8 = 13;
pub const P_WAIT: u8 = 14;
pub const P_CGJOIN: u8 = 15;

fn put(f: &mut [u8; FRAME], at: usize, len_at: usize, s: &[u8], max: usize) -> usize {
    let n = s.len().min(max);
    // `err` keeps at + n within the frame: the checks never fail, and cost no panic.
    if let Some(l) = f.get_mut(len_at..len_at + 2) {
        l.copy_from_slice(&(n as u16).to_le_bytes());
    }
    if let Some(d) = f.get_mut(at..at + n) {
        d.copy_from_slice(&s[..n]);
    }
    at + n
}

/// An error frame: `[ERR, code, op_len u16, obj_len u16, hint_len u16, errno i32, ...]`.
pub fn err(e: &Error, code: u8) -> [u8; FRAME] {
    let mut f = [0u8; FRAME];
    f[0] = ERR;
    f[1] = code;
    f[8..12].copy_from_slice(&e.errno.to_le_bytes());
    let at = put(&mut f, 12, 2, e.op, 64);
    let at = put(&mut f, at, 4, &e.obj, 300);
    put(&mut f, at, 6, e.hint, FRAME - at);
    f
}

/// Decodes an error frame into the error and the exit status it asks for.
pub fn decode_err(f: &[u8]) -> Option<(Error, u8)> {
    if f.len() != FRAME || f[0] != ERR {
        return None;
    }
    let len = |at: usize| u16::from_le_bytes([f[at], f[at + 1]]) as usize;
    let (op_n, obj_n, hint_n) = (len(2), len(4), len(6));
    // None when the lengths add up to more than the frame.
    let (op, rest) = f.get(12..)?.split_at_checked(op_n)?;
    let (obj, rest) = rest.split_at_checked(obj_n)?;
    let hint = rest.get(..hint_n)?;
    let errno = i32::from_le_bytes([f[8], f[9], f[10], f[11]]);
    Some((
        Error::new(op.to_vec().leak(), obj, errno, hint.to_vec().leak()),
        f[1],
    ))
}

/// A timings frame: `[TIMES, n, (phase u8, µs u32) × n]`.
pub fn times(t: &[(u8, u32)]) -> [u8; FRAME] {
    let mut f = [0u8; FRAME];
    f[0] = TIMES;
    let n = t.len().min((FRAME - 2) / 5);
    f[1] = n as u8;
    // (FRAME - 2) / 5 slots: zip stops at n.
    for (c, &(p, us)) in f[2..].chunks_exact_mut(5).zip(t) {
        c[0] = p;
        c[1..].copy_from_slice(&us.to_le_bytes());
    }
    f
}

pub fn decode_times(f: &[u8]) -> Vec<(u8, u32)> {
    if f.len() != FRAME || f[0] != TIMES {
        return Vec::new();
    }
    (0..f[1] as usize)
        .map(|i| {
            (
                f[2 + i * 5],
                u32::from_le_bytes([f[3 + i * 5], f[4 + i * 5], f[5 + i * 5], f[6 + i * 5]]),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::Errno;

    #[test]
    fn error_round_trip() {
        let e = Error::sys("mount proc on", b"/r/proc", Errno::EPERM).hint("needs a pid namespace");
        let f = err(&e, 125);
        assert_eq!(&f[..2], &[ERR, 125]);
        assert_eq!(&f[8..12], &1i32.to_le_bytes());
        assert_eq!(&f[12..25], b"mount proc on");
        let (d, code) = decode_err(&f).unwrap();
        assert_eq!((d, code), (e, 125));
    }

    #[test]
    fn long_objects_are_truncated_not_lost() {
        let long = [b'x'; 1000];
        let e = Error::sys("bind", &long, Errno::ENOENT).hint("h");
        let (d, _) = decode_err(&err(&e, 125)).unwrap();
        assert_eq!(d.obj.len(), 300);
        assert_eq!(d.hint, b"h");
        let e = Error::new(b"op", &long, 2, &[b'h'; 1000]);
        let (d, _) = decode_err(&err(&e, 125)).unwrap();
        assert_eq!((d.obj.len(), d.hint.len()), (300, FRAME - 12 - 2 - 300));
        assert!(decode_err(&[GO]).is_none());
        let mut bad = err(&e, 1);
        bad[4] = 0xff;
        bad[5] = 0xff;
        assert!(
            decode_err(&bad).is_none(),
            "lengths past the frame are rejected"
        );
    }

    #[test]
    fn timings_round_trip() {
        let t = [(P_MOUNTS, 120), (P_PIVOT, 7), (P_EXEC, 4_000_000_000)];
        assert_eq!(decode_times(&times(&t)), t);
        assert_eq!(times(&t)[..7], [TIMES, 3, P_MOUNTS, 120, 0, 0, 0]);
        let many = [(P_EXEC, 9); 200];
        assert_eq!(decode_times(&times(&many)), many[..(FRAME - 2) / 5]);
    }
}
