//! Wait statuses and exit codes.
use crate::error::Error;
use crate::sys::Errno;

/// The shell's convention for a wait status: the exit code, or 128+N for signal N.
#[inline(never)]
pub fn exit_code(status: i32) -> u8 {
    match status & 0x7f {
        0 => (status >> 8) as u8,
        sig => 128 + sig as u8,
    }
}

/// The message for a failed exec of `name`, with the status to exit with: 127 when not
/// found, 126 when found but not runnable.
pub fn exec_error(name: &[u8], e: Errno) -> (Error, u8) {
    let mut err = Error::sys("exec", name, e);
    if e == Errno::ENOENT && !crate::out::has(name, b'/') {
        err = err.hint("not found in PATH");
    } else if e == Errno::EACCES {
        err = err.hint("not executable, or a directory on the way is not searchable");
    }
    let found = e != Errno::ENOENT && e != Errno::ENOTDIR;
    (err, 127 - found as u8)
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
        assert_eq!(exec_error(b"x", Errno::ENOTDIR).1, 127);
        assert_eq!(exec_error(b"x", Errno::ENOEXEC).1, 126);
    }

    #[test]
    fn exec_errors() {
        let (e, code) = exec_error(b"nope", Errno::ENOENT);
        assert_eq!(code, 127);
        assert_eq!(e.hint, b"not found in PATH");
        let (_, code) = exec_error(b"/etc/passwd", Errno::EACCES);
        assert_eq!(code, 126);
        let (e, code) = exec_error(b"/no/such", Errno::ENOENT);
        assert_eq!((code, e.hint), (127, &b""[..]));
    }
}
