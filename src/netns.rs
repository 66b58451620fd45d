//! Named network namespaces, as `ip netns` keeps them: bind mounts under /var/run/netns.
use crate::error::{Error, Result};

/// Where `ip netns` (and husk) keep named network namespaces.
pub const DIR: &[u8] = b"/var/run/netns";

/// A namespace name becomes a file name in [`DIR`]: no `/`, not `.` or `..`, no NUL,
/// no whitespace, at most 255 bytes.
pub fn check_name(name: &[u8]) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != b"."
        && name != b".."
        && !name
            .iter()
            .any(|&c| c == b'/' || c.is_ascii_whitespace() || c == 0);
    if ok {
        Ok(())
    } else {
        Err(Error::bad(
            "netns name",
            name,
            "must be a file name: no '/', no spaces, not . or ..",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name(b"blue").is_ok());
        assert!(check_name(b"ns-1.a_b").is_ok());
        for bad in [&b""[..], b".", b"..", b"a/b", b"a b", b"a\tb"] {
            assert!(check_name(bad).is_err());
        }
    }
}
