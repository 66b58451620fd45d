//! husk's one error type, printed as `husk: <op> <object>: <ERRNO> (<hint>)`.
//!
//! The same four fields cross the clone boundary as a frame (see `sync`), so an error in
//! the child prints in the parent exactly like one in the parent.
use crate::out::Msg;
use crate::sys::Errno;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// The four fields of an error. Boxed in [`Error`], so that a `Result` stays one word wide
/// and `?` moves a pointer, not the whole error (that alone saved kilobytes of code).
#[derive(Debug, PartialEq, Eq)]
pub struct Inner {
    /// What husk was doing: `mount`, `exec`, `--memory`.
    pub op: &'static [u8],
    /// What it was doing it to: a path, a value, a name (may be empty).
    pub obj: Vec<u8>,
    /// The kernel's refusal, or 0 for an error husk found itself (bad input).
    pub errno: i32,
    /// What the user should know or do; empty for the errno's own description.
    pub hint: &'static [u8],
}

#[derive(Debug, PartialEq, Eq)]
pub struct Error(pub Box<Inner>);

impl core::ops::Deref for Error {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    #[inline(never)]
    pub fn new(op: &'static [u8], obj: &[u8], errno: i32, hint: &'static [u8]) -> Error {
        Error(Box::new(Inner {
            op,
            obj: obj.to_vec(),
            errno,
            hint,
        }))
    }
    #[inline(never)]
    pub fn sys(op: &'static str, obj: &[u8], e: Errno) -> Error {
        Error::new(op.as_bytes(), obj, e.into_raw(), b"")
    }
    /// Bad input: `husk: <op> '<value>': <why>`.
    #[inline(never)]
    pub fn bad(op: &'static str, value: &[u8], why: &'static str) -> Error {
        let mut obj = Vec::with_capacity(value.len() + 2);
        obj.push(b'\'');
        obj.extend_from_slice(value);
        obj.push(b'\'');
        Error::new(op.as_bytes(), &obj, 0, why.as_bytes())
    }
    /// Bad input with nothing to quote: `husk: <op>: <why>`.
    #[inline(never)]
    pub fn usage(op: &'static str, why: &'static str) -> Error {
        Error::new(op.as_bytes(), b"", 0, why.as_bytes())
    }
    #[inline(never)]
    pub fn hint(mut self, hint: &'static str) -> Error {
        self.0.hint = hint.as_bytes();
        self
    }

    pub fn render(&self) -> Msg {
        let mut m = Msg::husk();
        m.s(self.op);
        if !self.obj.is_empty() {
            m.c(b' ').s(&self.obj);
        }
        m.s(b": ");
        if self.errno != 0 {
            m.s(errno_name(self.errno));
            if !self.hint.is_empty() {
                m.s(b" (").s(self.hint).c(b')');
            }
        } else {
            m.s(self.hint);
        }
        m.nl();
        m
    }

    pub fn print(&self) {
        self.render().err()
    }
}

/// Names of errno values 1..=133, in order (Linux generic numbering, as on x86_64 and
/// aarch64). Kept as one string: a table of `&str` would cost 16 bytes per entry more.
const NAMES: &str = "EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM \
EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY \
ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS \
ENOTEMPTY ELOOP E41 ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT \
EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT E58 EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG \
EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD \
EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK \
EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP \
EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET \
ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT \
ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL \
EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED \
EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON";

/// `ENOENT` for 2; `E<n>` style text for what the table lacks.
pub fn errno_name(e: i32) -> &'static [u8] {
    if e >= 1 {
        if let Some(n) = crate::out::word(NAMES, e as usize - 1) {
            return n;
        }
    }
    b"E?"
}

/// The errno named `name` (`EPERM` is 1); numbers missing from the table have no name.
pub fn errno_parse(name: &[u8]) -> Option<i32> {
    match crate::out::word_index(NAMES.as_bytes(), name, false) {
        Some(i) if !name.get(1).is_some_and(u8::is_ascii_digit) => Some(i as i32 + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(e: &Error) -> std::string::String {
        std::string::String::from_utf8(e.render().0).unwrap()
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(1), b"EPERM");
        assert_eq!(errno_name(2), b"ENOENT");
        assert_eq!(errno_name(13), b"EACCES");
        assert_eq!(errno_name(30), b"EROFS");
        assert_eq!(errno_name(38), b"ENOSYS");
        assert_eq!(errno_name(95), b"EOPNOTSUPP");
        assert_eq!(errno_name(110), b"ETIMEDOUT");
        assert_eq!(errno_name(133), b"EHWPOISON");
        assert_eq!(errno_name(134), b"E?");
        assert_eq!(errno_name(0), b"E?");
        assert_eq!(errno_parse(b"EPERM"), Some(1));
        assert_eq!(errno_parse(b"ENOSYS"), Some(38));
        assert_eq!(errno_parse(b"EHWPOISON"), Some(133));
        assert_eq!(errno_parse(b"E41"), None);
        assert_eq!(errno_parse(b"eperm"), None);
        assert_eq!(errno_parse(b""), None);
        // Every name agrees with the syscalls crate's table.
        for n in 1..=133 {
            if let Some(name) = Errno::new(n).name() {
                assert_eq!(errno_name(n), name.as_bytes(), "errno {n}");
            }
        }
    }

    #[test]
    fn rendering() {
        let e =
            Error::sys("mount /proc on", b"/root/proc", Errno::EPERM).hint("need CAP_SYS_ADMIN");
        assert_eq!(
            text(&e),
            "husk: mount /proc on /root/proc: EPERM (need CAP_SYS_ADMIN)\n"
        );
        let e = Error::sys("exec", b"nope", Errno::ENOENT);
        assert_eq!(text(&e), "husk: exec nope: ENOENT\n");
        let e = Error::sys("frob", b"", Errno::new(72));
        assert_eq!(text(&e), "husk: frob: EMULTIHOP\n");
        let e = Error::bad("-e", b"300", "not an exit code (0-255)");
        assert_eq!(text(&e), "husk: -e '300': not an exit code (0-255)\n");
        assert_eq!(
            text(&Error::usage("init", "no command")),
            "husk: init: no command\n"
        );
    }
}
