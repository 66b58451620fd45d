//! Command-line parsing: a small POSIX-style lexer shared by every subcommand, and one
//! pure parser per subcommand that turns arguments into an immutable description.
//!
//! Short flags cluster (`-vvg`), take their value attached or separately (`-pKILL`,
//! `-p KILL`); long options take `--name=value` or `--name value`; `--` ends the options.
//! Options stop at the first operand, so a command's own flags are never taken for ours.
use crate::error::{Error, Result};
use crate::out::cut;

pub mod cgroup;
pub mod exec;
pub mod init;
pub mod net;
pub mod run;
pub mod security;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Arg<'a> {
    Short(u8),
    Long(&'a [u8]),
    /// An operand (not an option); the lexer has moved past it.
    Operand(&'a [u8]),
}

/// `--`, read by every parse (`husk init`'s too, see [`crate::hot!`]).
const DASHES: &[u8] = crate::hot!(b"--");

pub struct Lexer<'s, 'a> {
    args: &'s [&'a [u8]],
    next: usize,
    cluster: &'a [u8],
    pending: Option<&'a [u8]>,
    ended: bool,
}

impl<'s, 'a> Lexer<'s, 'a> {
    pub fn new(args: &'s [&'a [u8]], start: usize) -> Lexer<'s, 'a> {
        Lexer {
            args,
            next: start,
            cluster: b"",
            pending: None,
            ended: false,
        }
    }

    /// Index of the first argument not consumed yet.
    pub fn rest(&self) -> usize {
        self.next
    }

    /// The next option or operand; `None` after `--` or at the end.
    pub fn next_arg(&mut self) -> Result<Option<Arg<'a>>> {
        if self.pending.is_some() {
            return Err(Error::usage(
                "option",
                "a flag that takes no value was given one (--flag=value)",
            ));
        }
        if let Some((&c, rest)) = self.cluster.split_first() {
            self.cluster = rest;
            return Ok(Some(Arg::Short(c)));
        }
        if self.ended || self.next >= self.args.len() {
            return Ok(None);
        }
        let a = self.args[self.next];
        self.next += 1;
        if a == DASHES {
            self.ended = true;
            return Ok(None);
        }
        if let Some(long) = crate::out::strip_prefix(a, DASHES) {
            let (name, value) = cut(long, b'=');
            self.pending = value;
            return Ok(Some(Arg::Long(name)));
        }
        if let [b'-', c, ref rest @ ..] = *a {
            self.cluster = rest;
            return Ok(Some(Arg::Short(c)));
        }
        Ok(Some(Arg::Operand(a)))
    }

    /// Steps back over an operand just returned, so that it starts the rest.
    pub fn unread_operand(&mut self) {
        self.next -= 1;
    }

    /// The value of the option just returned by `next`.
    pub fn value(&mut self, opt: &'static str) -> Result<&'a [u8]> {
        if let Some(v) = self.pending.take() {
            return Ok(v);
        }
        if !self.cluster.is_empty() {
            return Ok(core::mem::take(&mut self.cluster));
        }
        if self.next < self.args.len() {
            self.next += 1;
            return Ok(self.args[self.next - 1]);
        }
        Err(Error::usage(opt, "needs a value"))
    }
}

/// Declares a command's option table: one packed string (entries `S long alias...`, `S`
/// the short letter or `-`, separated by `|`) and a constant per entry holding its
/// index, for `match find(TABLE, arg)`. A packed table and a match on small integers
/// compile to a fraction of what a `match` on byte strings does.
/// `hot` keeps the table beside `husk init`'s code (see [`crate::hot!`]).
#[macro_export]
macro_rules! options {
    ($table:ident { $($id:ident = $spec:literal,)* }) => {
        $crate::options!(@ids $($id)*);
        const $table: &str = concat!($($spec, "|",)*);
    };
    (hot $table:ident { $($id:ident = $spec:literal,)* }) => {
        $crate::options!(@ids $($id)*);
        const $table: &str = $crate::hot_str!(concat!($($spec, "|",)*));
    };
    (@ids $($id:ident)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u8)]
        enum Ids { $($id,)* }
        $(#[allow(dead_code)] const $id: usize = Ids::$id as usize;)*
    };
}

/// The index of `arg` in an option table made by [`options!`].
pub fn find(table: &str, arg: Arg) -> Option<usize> {
    let mut rest = Some(table.as_bytes());
    let mut i = 0;
    while let Some(r) = rest {
        let (e, next) = cut(r, b'|');
        let hit = match arg {
            Arg::Short(c) => e.first() == Some(&c) && c != b'-',
            Arg::Long(l) => {
                let mut names = e.get(2..).filter(|n| !n.is_empty());
                let mut hit = false;
                while let Some(ns) = names {
                    let (n, more) = cut(ns, b' ');
                    hit |= n == l || crate::out::strip_prefix(n, DASHES) == Some(l);
                    names = more;
                }
                hit
            }
            Arg::Operand(_) => false,
        };
        if hit {
            return Some(i);
        }
        rest = next;
        i += 1;
    }
    None
}

/// The first long name of entry `id` of an option table, as written there (`--uid-map`
/// when the table spells it so): what errors about that option call it.
pub fn opt_name(table: &'static str, id: usize) -> &'static str {
    let e = crate::out::field(table, b'|', id).unwrap_or("");
    e.get(2..)
        .and_then(|n| crate::out::field(n, b' ', 0))
        .unwrap_or(e)
}

/// The error for an option no parser knows.
pub fn unknown(arg: Arg, cmd: &'static str) -> Error {
    let mut obj = alloc::vec::Vec::new();
    match arg {
        Arg::Short(c) => obj.extend_from_slice(&[b'\'', b'-', c, b'\'']),
        Arg::Long(l) => {
            obj.extend_from_slice(b"'--");
            obj.extend_from_slice(l);
            obj.push(b'\'');
        }
        Arg::Operand(o) => {
            obj.push(b'\'');
            obj.extend_from_slice(o);
            obj.push(b'\'');
        }
    }
    Error::new(b"unknown option", &obj, 0, cmd.as_bytes())
}

/// `VAR` from an environment given as `KEY=VALUE` strings.
pub fn getenv<'a>(env: impl Iterator<Item = &'a [u8]>, key: &[u8]) -> Option<&'a [u8]> {
    env.filter_map(|e| match crate::out::strip_prefix(e, key)? {
        [b'=', v @ ..] => Some(v),
        _ => None,
    })
    .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_clusters_values_and_operands() {
        let args: &[&[u8]] = &[
            b"husk",
            b"-vvpKILL",
            b"--grace=5",
            b"-e",
            b"3",
            b"--x",
            b"cmd",
            b"-v",
        ];
        let mut l = Lexer::new(args, 1);
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Short(b'v')));
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Short(b'v')));
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Short(b'p')));
        assert_eq!(l.value("-p").unwrap(), b"KILL");
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Long(b"grace")));
        assert_eq!(l.value("--grace").unwrap(), b"5");
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Short(b'e')));
        assert_eq!(l.value("-e").unwrap(), b"3");
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Long(b"x")));
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Operand(b"cmd")));
        l.unread_operand();
        assert_eq!(l.rest(), 6);
    }

    #[test]
    fn option_tables() {
        options!(T { A = "a all", B = "- beta b2", C = "C cgroupns cgroup", });
        assert_eq!(find(T, Arg::Short(b'a')), Some(A));
        assert_eq!(find(T, Arg::Long(b"all")), Some(A));
        assert_eq!(find(T, Arg::Long(b"b2")), Some(B));
        assert_eq!(find(T, Arg::Short(b'-')), None);
        assert_eq!(find(T, Arg::Long(b"cgroup")), Some(C));
        assert_eq!(find(T, Arg::Short(b'C')), Some(C));
        assert_eq!(find(T, Arg::Long(b"cgroupn")), None);
        assert_eq!(find(T, Arg::Long(b"")), None);
        assert_eq!(find(T, Arg::Operand(b"a")), None);
    }

    #[test]
    fn double_dash_ends_options() {
        let args: &[&[u8]] = &[b"-g", b"--", b"-v"];
        let mut l = Lexer::new(args, 0);
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Short(b'g')));
        assert_eq!(l.next_arg().unwrap(), None);
        assert_eq!(l.rest(), 2);
    }

    #[test]
    fn value_errors() {
        let args: &[&[u8]] = &[b"-p"];
        let mut l = Lexer::new(args, 0);
        l.next_arg().unwrap();
        assert!(l.value("-p").is_err());
        let args: &[&[u8]] = &[b"--flag=1", b"x"];
        let mut l = Lexer::new(args, 0);
        assert_eq!(l.next_arg().unwrap(), Some(Arg::Long(b"flag")));
        assert!(l.next_arg().is_err(), "an unconsumed =value is an error");
        assert_eq!(
            getenv([&b"A=1"[..], b"PATH=/bin", b"PATHX=2"].into_iter(), b"PATH"),
            Some(&b"/bin"[..])
        );
        assert_eq!(getenv([&b"PATHX=2"[..]].into_iter(), b"PATH"), None);
    }
}
