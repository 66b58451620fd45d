//! Wait statuses and exit codes.

/// The shell's convention for a wait status: the exit code, or 128+N for signal N.
pub fn exit_code(status: i32) -> u8 {
    let sig = status & 0x7f;
    if sig == 0 {
        ((status >> 8) & 0xff) as u8
    } else {
        128u8.wrapping_add(sig as u8)
    }
}

/// The signal that ended the process, if any (not a stop: 0x7f).
pub fn term_signal(status: i32) -> Option<u32> {
    let sig = (status & 0x7f) as u32;
    (sig != 0 && sig != 0x7f).then_some(sig)
}

/// Exit codes for a failed exec: 127 when not found, 126 when found but not runnable.
pub fn exec_failure_code(e: crate::sys::Errno) -> u8 {
    if e == crate::sys::Errno::ENOENT || e == crate::sys::Errno::ENOTDIR {
        127
    } else {
        126
    }
}

/// The message for a failed exec of `name`, with the status to exit with.
pub fn exec_error(name: &[u8], e: crate::sys::Errno) -> (crate::error::Error, u8) {
    use crate::sys::Errno;
    let mut err = crate::error::Error::sys("exec", name, e);
    if e == Errno::ENOENT && !name.contains(&b'/') {
        err = err.hint("not found in PATH");
    } else if e == Errno::EACCES {
        err = err.hint("not executable, or a directory on the way is not searchable");
    }
    (err, exec_failure_code(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for c in 0..=255 {
            assert_eq!(exit_code(c << 8), c as u8);
        }
        assert_eq!(exit_code(9), 137);
        assert_eq!(exit_code(15 | 0x80), 143); // core dumped
        assert_eq!(term_signal(9), Some(9));
        assert_eq!(term_signal(3 << 8), None);
        assert_eq!(exec_failure_code(crate::sys::Errno::ENOENT), 127);
        assert_eq!(exec_failure_code(crate::sys::Errno::EACCES), 126);
    }

    #[test]
    fn exec_errors() {
        use crate::sys::Errno;
        let (e, code) = exec_error(b"nope", Errno::ENOENT);
        assert_eq!(code, 127);
        assert_eq!(e.hint, b"not found in PATH");
        let (_, code) = exec_error(b"/etc/passwd", Errno::EACCES);
        assert_eq!(code, 126);
        let (e, code) = exec_error(b"/no/such", Errno::ENOENT);
        assert_eq!((code, e.hint), (127, &b""[..]));
    }
}
