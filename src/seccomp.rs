//! seccomp: classic BPF filters, compiled by pure code before anything is created.
//!
//! A [`Profile`] is a default action and rules. Each rule is compiled when it is added,
//! into a block whose jumps stay inside it, so blocks simply follow each other and the
//! first rule that matches decides:
//!
//! ```text
//!      jeq NR, 0, out      (a run of calls answered alike: jge LO, 0, out; jgt HI, out, 0)
//!      <comparisons>       each one jumps to `out` when it does not hold
//!      ret ACTION
//! out: ld nr               only after comparisons: they left an argument in A
//! ```
//!
//! [`build`] puts in front what every filter starts with: `arch` must be the build's
//! AUDIT_ARCH, else the process is killed (a foreign ABI, i386's `int 0x80` on x86_64 or
//! arm32 on aarch64, numbers system calls differently and would slip past every rule);
//! on x86_64, x32 calls (number | 0x40000000, same AUDIT_ARCH) kill too. The default
//! action comes last.
//!
//! A list rather than a search tree: since Linux 5.11 the kernel runs a new filter once
//! per system call number when it is attached, and remembers in a bitmap every call it
//! allows whatever the arguments; those (all but a dozen under the default profile)
//! never run the filter again. Only calls whose answer depends on an argument, and
//! refused ones, walk the list, so the default profile puts its argument rules first
//! and its refusals in blocks behind a test of their range (which keeps that attach-time
//! run short). Measured here (C loop, medians, default profile of 110 instructions;
//! the search tree it replaced had 145): attach 70 µs (tree: 68); an argument rule
//! (personality(0xffffffff)) 296 ns (tree 292, no filter 238); getppid, answered by the
//! bitmap, 155 ns either way (no filter 121). Building the profile and the filter:
//! ~3 µs (`husk run --timings`, check phase, default against unconfined).
//!
//! Arguments are 64-bit: a comparison tests the high and then the low 32-bit half (the
//! classic BPF accumulator is 32 bits), the high one only when the mask or the value
//! has bits there. `int` arguments arrive as whole registers: compare
//! `arg0&0xffffffff==N` when the caller may leave garbage in the upper half.
use crate::error::{errno_parse, Error};
use crate::out::{cut, parse_u64, word_index, Msg};
use crate::sysnames::{self, Table};
use alloc::vec::Vec;
use linux_raw_sys::ptrace as p;

/// One classic BPF instruction: struct sock_filter.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

pub const LD: u16 = (p::BPF_LD | p::BPF_W | p::BPF_ABS) as u16;
pub const AND: u16 = (p::BPF_ALU | p::BPF_AND | p::BPF_K) as u16;
pub const JEQ: u16 = (p::BPF_JMP | p::BPF_JEQ | p::BPF_K) as u16;
pub const JGT: u16 = (p::BPF_JMP | p::BPF_JGT | p::BPF_K) as u16;
pub const JGE: u16 = (p::BPF_JMP | p::BPF_JGE | p::BPF_K) as u16;
pub const JSET: u16 = (p::BPF_JMP | p::BPF_JSET | p::BPF_K) as u16;
pub const RET: u16 = (p::BPF_RET | p::BPF_K) as u16;

pub const ALLOW: u32 = p::SECCOMP_RET_ALLOW;
/// SECCOMP_RET_KILL_PROCESS: the whole process, not only the thread.
pub const KILL: u32 = p::SECCOMP_RET_KILL_PROCESS;
pub const fn errno(e: u32) -> u32 {
    p::SECCOMP_RET_ERRNO | (e & p::SECCOMP_RET_DATA)
}
pub const EPERM: u32 = errno(1);
/// The kernel refuses filters longer than this (BPF_MAXINSNS).
pub const MAX_INSNS: usize = p::BPF_MAXINSNS as usize;
/// Comparisons per rule: a rule stays far below the 255 instructions a jump can skip.
pub const MAX_CONDS: usize = 8;

#[cfg(target_arch = "x86_64")]
pub const AUDIT_ARCH: u32 = p::AUDIT_ARCH_X86_64;
#[cfg(target_arch = "aarch64")]
pub const AUDIT_ARCH: u32 = p::AUDIT_ARCH_AARCH64;
/// x32 system calls enter with AUDIT_ARCH_X86_64 and this bit set in the number.
pub const X32_BIT: u32 = 0x4000_0000;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARGS: u32 = 16;
// Both targets are little-endian: an argument's high half is its second word.
const _: () = assert!(cfg!(target_endian = "little"));

/// A comparison, as the jump that tests it (its low byte) and whether the rule fails
/// when that jump's condition holds (0x80): != is "not ==", < "not >=", <= "not >".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    Eq = JEQ as u8,
    Ne = JEQ as u8 | NEG,
    Lt = JGE as u8 | NEG,
    Le = JGT as u8 | NEG,
    Gt = JGT as u8,
    Ge = JGE as u8,
}
const NEG: u8 = 0x80;

/// The operators of the file format, in [`Op`]'s order.
const OP_WORDS: &str = "== != < <= > >=";
const OPS: [Op; 6] = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];

/// `(args[arg] & mask) OP val` on 64-bit values (unsigned); `mask` is all ones unless
/// the rule says `argN&MASK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cond {
    pub arg: u8,
    pub op: Op,
    pub mask: u64,
    pub val: u64,
}

impl Cond {
    pub const fn new(arg: u8, op: Op, val: u64) -> Cond {
        Cond::masked(arg, u64::MAX, op, val)
    }
    pub const fn masked(arg: u8, mask: u64, op: Op, val: u64) -> Cond {
        Cond { arg, op, mask, val }
    }
}

/// A default action and rules, compiled in the order they are tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub default: u32,
    /// The rules' blocks (see the module's doc), without the arch check and the default.
    pub prog: Vec<Insn>,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile::new(ALLOW)
    }
}

/// A jump to the end of the rule being compiled, whose offset [`Profile::end`] fills in.
/// Never a real offset inside a rule (at most 3 + 7 * MAX_CONDS instructions).
const OUT: u8 = 0xff;

pub const fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

impl Profile {
    pub fn new(default: u32) -> Profile {
        Profile {
            default,
            prog: Vec::new(),
        }
    }

    #[inline(never)]
    fn push(&mut self, code: u16, jt: u8, jf: u8, k: u32) {
        self.prog.push(insn(code, jt, jf, k));
    }

    /// Adds a rule: system call `nr` gets `ret` when all of `conds` hold.
    pub fn add(&mut self, nr: u32, ret: u32, conds: &[Cond]) {
        let at = self.start(nr);
        for c in conds {
            self.cond(c);
        }
        self.end(at, ret);
    }

    /// Starts a rule for system call `nr`; returns where, for [`Profile::end`].
    fn start(&mut self, nr: u32) -> usize {
        self.push(JEQ, 0, OUT, nr);
        self.prog.len() - 1
    }

    /// Ends the rule started at `at` with its action, and points its `OUT` jumps past it.
    /// A rule without comparisons right after the last call of a run answered alike
    /// joins the run: the default profile's 63 refusals on x86_64 are 29 tests.
    fn end(&mut self, at: usize, ret: u32) {
        let p = &mut self.prog;
        let nr = p[at].k;
        // Ending in a `ret` is ending in a rule without comparisons; its test is
        // `jeq NR` or a run's `jgt HI`.
        if p.len() == at + 1
            && at >= 2
            && p[at - 1] == insn(RET, 0, 0, ret)
            && p[at - 2].k.wrapping_add(1) == nr
        {
            p.truncate(at);
            let j = &mut p[at - 2];
            if j.code == JGT {
                j.k = nr;
                return;
            }
            // jeq NR-1, 0, 1 becomes jge NR-1, 0, 2; jgt NR, 1, 0.
            (j.code, j.jf) = (JGE, 2);
            p[at - 1] = insn(JGT, 1, 0, nr);
            self.push(RET, 0, 0, ret);
            return;
        }
        let conds = p.len() > at + 1;
        self.push(RET, 0, 0, ret);
        let out = self.prog.len();
        if conds {
            self.push(LD, 0, 0, OFF_NR);
        }
        for (i, x) in self.prog[at..out].iter_mut().enumerate() {
            let skip = (out - at - i - 1) as u8;
            if x.jt == OUT {
                x.jt = skip;
            }
            if x.jf == OUT {
                x.jf = skip;
            }
        }
    }

    /// One comparison: falls through when it holds, jumps `OUT` when not.
    fn cond(&mut self, c: &Cond) {
        let (code, neg) = ((c.op as u8 & !NEG) as u16, c.op as u8 & NEG != 0);
        let (mhi, vhi) = ((c.mask >> 32) as u32, (c.val >> 32) as u32);
        // The low half's instructions: load, and (unless the mask keeps all), test.
        let low = 2 + (c.mask as u32 != u32::MAX) as u8;
        if mhi | vhi != 0 {
            // High halves differ: that settles an order (above: > holds, < fails) and
            // != (holds); == fails. Equal: the low halves decide.
            self.half(c.arg, 4, mhi);
            if code != JEQ {
                self.push(JGT, if neg { OUT } else { low + 1 }, 0, vhi);
            }
            self.push(JEQ, 0, if neg { low } else { OUT }, vhi);
        }
        self.half(c.arg, 0, c.mask as u32);
        let (jt, jf) = if neg { (OUT, 0) } else { (0, OUT) };
        self.push(code, jt, jf, c.val as u32);
    }

    /// Loads the low (`hi` 0) or high (`hi` 4) half of an argument into A, masked.
    fn half(&mut self, arg: u8, hi: u32, mask: u32) {
        self.push(LD, 0, 0, OFF_ARGS + 8 * arg as u32 + hi);
        if mask != u32::MAX {
            self.push(AND, 0, 0, mask);
        }
    }
}

/// What every filter starts with: the arch check, then the number in A (and on x86_64,
/// the x32 check).
const PRELUDE: [Insn; 4 + 2 * cfg!(target_arch = "x86_64") as usize] = [
    insn(LD, 0, 0, OFF_ARCH),
    insn(JEQ, 1, 0, AUDIT_ARCH),
    insn(RET, 0, 0, KILL),
    insn(LD, 0, 0, OFF_NR),
    #[cfg(target_arch = "x86_64")]
    insn(JSET, 0, 1, X32_BIT),
    #[cfg(target_arch = "x86_64")]
    insn(RET, 0, 0, KILL),
];

/// Compiles `parts`, whose rules are tried in this order, with the last one's default
/// action, into a filter for seccomp(SECCOMP_SET_MODE_FILTER); None when it would allow
/// everything.
pub fn build(parts: &[&Profile]) -> Result<Option<Vec<Insn>>, Error> {
    let default = parts.last().map_or(ALLOW, |p| p.default);
    let mut f = Vec::new();
    f.extend_from_slice(&PRELUDE);
    for p in parts {
        f.extend_from_slice(&p.prog);
    }
    if f.len() == PRELUDE.len() && default == ALLOW {
        return Ok(None);
    }
    f.push(insn(RET, 0, 0, default));
    if f.len() > MAX_INSNS {
        return Err(Error::usage("seccomp", "longer than 4096 instructions"));
    }
    Ok(Some(f))
}

/// Namespace flags of clone(2) that Docker's profile refuses without CAP_SYS_ADMIN:
/// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
pub const NS_FLAGS: u64 = 0x7e02_0000;
/// unshare(2) can also make a time namespace (clone(2) cannot: 0x80 is in CSIGNAL).
pub const UNSHARE_NS_FLAGS: u64 = NS_FLAGS | linux_raw_sys::general::CLONE_NEWTIME as u64;
/// personality(2) flags Docker allows on PER_LINUX: PER_LINUX32 (8), UNAME26 (0x20000);
/// and 0xffffffff, the query.
pub const PERSONALITY_FLAGS: u64 = 0x20008;
const AF_VSOCK: u64 = 40;
const INT: u64 = 0xffff_ffff;

/// `--seccomp default`: what Docker's default profile refuses for a container that keeps
/// the capabilities `keep` (refusals lifted by a kept capability are left out, as
/// Docker does: `--cap-add SYS_ADMIN` allows mount). EPERM for each, except clone3:
/// ENOSYS, so that the C library falls back to clone, whose flags a filter can see
/// (clone3's are in memory). The rules that look at arguments come first (see above).
pub fn default_profile(keep: u64) -> Profile {
    use syscalls::Sysno;
    // Bit 63 stands for "no capability" in DEFAULT_DENY: never held.
    let has = |c: u32| keep & !(1 << 63) & 1 << c != 0;
    let admin = has(crate::caps::SYS_ADMIN);
    let mut p = Profile::new(ALLOW);
    let ns = |p: &mut Profile, nr: Sysno, flags: u64| {
        p.add(nr as u32, EPERM, &[Cond::masked(0, flags, Op::Ne, 0)]);
    };
    if !admin {
        ns(&mut p, Sysno::clone, NS_FLAGS);
        ns(&mut p, Sysno::unshare, UNSHARE_NS_FLAGS);
        p.add(Sysno::clone3 as u32, errno(38), &[]);
    }
    // AF_VSOCK reaches the hypervisor's host. The domain and personality's argument are
    // ints: 32 bits are compared.
    p.add(
        Sysno::socket as u32,
        EPERM,
        &[Cond::masked(0, INT, Op::Eq, AF_VSOCK)],
    );
    let other_flags = Cond::masked(0, INT & !PERSONALITY_FLAGS, Op::Ne, 0);
    let not_query = Cond::masked(0, INT, Op::Ne, INT);
    p.add(Sysno::personality as u32, EPERM, &[other_flags, not_query]);
    // The refusals, by number, in blocks of ~7 tests behind a test of their range: the
    // kernel's attach-time run per number (above) skips most of them. Measured: ~12 µs
    // less per attach than one list. Nothing is added after them (a run extended past
    // a block would escape its range test).
    let mut rest = sysnames::DEFAULT_DENY;
    let mut block = Profile::new(ALLOW);
    while !rest.is_empty() {
        let (mut lo, mut hi) = (u32::MAX, 0);
        block.prog.clear();
        while let [e, r @ ..] = rest {
            if block.prog.len() >= 14 {
                break;
            }
            rest = r;
            let lifted = has(*e as u32 >> 9 & 63) || e >> 15 != 0 && admin;
            if !lifted {
                hi = *e as u32 & 511;
                lo = lo.min(hi);
                block.add(hi, EPERM, &[]);
            }
        }
        let n = block.prog.len() as u8;
        if n > 0 {
            p.push(JGE, 0, n + 1, lo);
            p.push(JGT, n, 0, hi);
            p.prog.extend_from_slice(&block.prog);
        }
    }
    p
}

/// A number: decimal, `0x` hexadecimal, or a negative decimal (two's complement, for
/// `int` arguments such as -1).
pub fn parse_num(s: &[u8]) -> Option<u64> {
    match s {
        [b'0', b'x', h @ ..] if !h.is_empty() && h.len() <= 16 => {
            let mut n = 0;
            for &c in h {
                let l = c | 0x20;
                let d = match c {
                    b'0'..=b'9' => c - b'0',
                    _ if (b'a'..=b'f').contains(&l) => l - b'a' + 10,
                    _ => return None,
                };
                n = n << 4 | d as u64;
            }
            Some(n)
        }
        [b'-', d @ ..] => parse_u64(d)
            .filter(|&n| n <= 1 << 63)
            .map(u64::wrapping_neg),
        _ => parse_u64(s),
    }
}

/// What is wrong with a comparison.
const SYNTAX: &str = "not argN[&MASK]OP VALUE (N 0-5, OP == != < <= > >=)";

/// `argN==V`, `argN&MASK==V`, with `==`, `!=`, `<`, `<=`, `>`, `>=`.
pub fn parse_cond(w: &[u8]) -> Result<Cond, &'static str> {
    let (Some(rest), Some(&d)) = (w.strip_prefix(b"arg"), w.get(3)) else {
        return Err(SYNTAX);
    };
    let (arg, rest) = (d.wrapping_sub(b'0'), &rest[1..]);
    if arg > 5 {
        return Err(SYNTAX);
    }
    let mut i = 0;
    while i < rest.len() && !b"=!<>".contains(&rest[i]) {
        i += 1;
    }
    let (m, rest) = rest.split_at(i);
    let mask = match m {
        [] => u64::MAX,
        [b'&', m @ ..] => parse_num(m).ok_or(SYNTAX)?,
        _ => return Err(SYNTAX),
    };
    let n = rest.len().min(1 + (rest.get(1) == Some(&b'=')) as usize);
    let op = word_index(OP_WORDS, &rest[..n], false).ok_or(SYNTAX)?;
    let val = parse_num(&rest[n..]).ok_or(SYNTAX)?;
    if op < 2 && val & !mask != 0 {
        return Err("the mask hides bits of the value");
    }
    Ok(Cond::masked(arg, mask, OPS[op], val))
}

/// The words of a line (separated by spaces, tabs, CRs: any control character), and
/// the last one read, which an error quotes.
struct Words<'a> {
    rest: &'a [u8],
    word: &'a [u8],
}

impl<'a> Words<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let s = &mut self.rest;
        while let [b'\0'..=b' ', rest @ ..] = *s {
            *s = rest;
        }
        let n = s.iter().position(|&c| c <= b' ').unwrap_or(s.len());
        let (w, rest) = s.split_at(n);
        *s = rest;
        if n == 0 {
            return None;
        }
        self.word = w;
        Some(w)
    }
}

const ACTION: &str = "expected allow, kill or errno N|ENAME (N 0-4095)";

/// An action: `allow`, `kill`, `errno N` or `errno ENAME` (1 or 2 words).
fn parse_action(w: &mut Words) -> Result<u32, &'static str> {
    let e = match w.next().map(|a| word_index("allow kill errno", a, false)) {
        Some(Some(0)) => return Ok(ALLOW),
        Some(Some(1)) => return Ok(KILL),
        Some(Some(_)) => w.next().ok_or(ACTION)?,
        _ => return Err(ACTION),
    };
    let n = match errno_parse(e) {
        Some(n) => n as u64,
        None => parse_u64(e).filter(|&n| n <= 4095).ok_or(ACTION)?,
    };
    Ok(errno(n as u32))
}

/// Parses a `--seccomp FILE` profile; `file` names it in errors, with the line number.
///
/// ```text
/// # comments start with '#'; blank lines are ignored
/// default allow                  # the action when no rule matches (default: allow)
/// kill errno EPERM               # SYSCALL ACTION [COMPARISON...]
/// ptrace kill
/// personality allow arg0==0      # rules of one system call are tried in order,
/// personality errno 1            # the first whose comparisons all hold decides
/// socket errno EACCES arg0&0xffffffff==40 arg1>=2
/// ```
///
/// Actions: `allow`, `errno N` (0-4095) or `errno ENAME`, `kill` (the whole process).
/// Comparisons (up to 8, all must hold): `argN OP VALUE` or `argN&MASK OP VALUE`, N 0-5,
/// OP `==` `!=` `<` `<=` `>` `>=` (unsigned, 64-bit), VALUE decimal, `0x` hex or
/// negative decimal. System call names are the kernel's for the build's architecture.
/// The last `default` line wins.
pub fn parse_profile(text: &[u8], file: &[u8], names: &Table) -> Result<Profile, Error> {
    let mut p = Profile::new(ALLOW);
    let mut rest = Some(text);
    let mut n = 0;
    while let Some(r) = rest {
        let (line, next) = cut(r, b'\n');
        rest = next;
        n += 1;
        let mut w = Words {
            rest: cut(line, b'#').0,
            word: b"",
        };
        if let Err(why) = parse_line(&mut w, &mut p, names) {
            let mut obj = Msg::new();
            obj.s(file).c(b':').u(n).s(b" '").s(w.word).c(b'\'');
            return Err(Error::new(b"--seccomp", &obj.0, 0, why.as_bytes()));
        }
    }
    Ok(p)
}

fn parse_line(w: &mut Words, p: &mut Profile, names: &Table) -> Result<(), &'static str> {
    let Some(first) = w.next() else {
        return Ok(());
    };
    let default = first == b"default";
    let nr = if default {
        0
    } else {
        names.lookup(first).ok_or(sysnames::UNKNOWN)?
    };
    let ret = parse_action(w)?;
    // A default line compiles nothing: what `start` pushed goes again below.
    let at = p.start(nr);
    let mut n = 0;
    while let Some(c) = w.next() {
        if default || n == MAX_CONDS {
            return Err("too many comparisons (8 a rule, none on default)");
        }
        p.cond(&parse_cond(c)?);
        n += 1;
    }
    if default {
        p.prog.truncate(at);
        p.default = ret;
    } else {
        p.end(at, ret);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn i(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        insn(code, jt, jf, k)
    }

    /// The arch check and the load of the number that every filter starts with.
    fn prelude() -> Vec<Insn> {
        let mut v = vec![
            i(LD, 0, 0, 4),
            i(JEQ, 1, 0, AUDIT_ARCH),
            i(RET, 0, 0, KILL),
            i(LD, 0, 0, 0),
        ];
        if cfg!(target_arch = "x86_64") {
            v.extend([i(JSET, 0, 1, 0x4000_0000), i(RET, 0, 0, KILL)]);
        }
        v
    }

    fn whole(p: &Profile) -> Vec<Insn> {
        build(&[p]).unwrap().unwrap()
    }

    /// The filter without its prelude.
    fn built(p: &Profile) -> Vec<Insn> {
        let prog = whole(p);
        let pre = prelude();
        assert_eq!(prog[..pre.len()], pre[..]);
        prog[pre.len()..].to_vec()
    }

    // Offsets of the argument halves in struct seccomp_data (little-endian).
    const A0LO: u32 = 16;
    const A0HI: u32 = 20;
    const A1LO: u32 = 24;
    const A1HI: u32 = 28;

    #[test]
    fn insn_is_struct_sock_filter() {
        assert_eq!(core::mem::size_of::<Insn>(), 8);
        assert_eq!(
            core::mem::size_of::<Insn>(),
            core::mem::size_of::<linux_raw_sys::ptrace::sock_filter>()
        );
        assert_eq!(
            (LD, AND, JEQ, JGT, JGE, JSET, RET),
            (0x20, 0x54, 0x15, 0x25, 0x35, 0x45, 0x06)
        );
        assert_eq!(
            (ALLOW, KILL, EPERM),
            (0x7fff_0000, 0x8000_0000, 0x0005_0001)
        );
    }

    #[test]
    fn empty_profiles() {
        assert_eq!(build(&[&Profile::new(ALLOW)]).unwrap(), None);
        assert_eq!(build(&[]).unwrap(), None);
        assert_eq!(built(&Profile::new(KILL)), [i(RET, 0, 0, KILL)]);
        // The last part's default wins; an empty first part adds nothing.
        let p = build(&[&Profile::new(ALLOW), &Profile::new(EPERM)]);
        assert_eq!(
            p.unwrap().unwrap()[prelude().len()..],
            [i(RET, 0, 0, EPERM)]
        );
    }

    #[test]
    fn one_denied_call() {
        let mut p = Profile::new(ALLOW);
        p.add(62, EPERM, &[]);
        assert_eq!(
            built(&p),
            [i(JEQ, 0, 1, 62), i(RET, 0, 0, EPERM), i(RET, 0, 0, ALLOW)]
        );
    }

    #[test]
    fn runs_of_calls_answered_alike_are_ranges() {
        let mut p = Profile::new(ALLOW);
        for nr in [3, 4, 5] {
            p.add(nr, EPERM, &[]);
        }
        p.add(6, KILL, &[]); // another action: not merged
        p.add(7, EPERM, &[]);
        p.add(9, EPERM, &[]); // not adjacent
        p.add(10, EPERM, &[Cond::new(0, Op::Eq, 1)]); // conditional: not merged
        p.add(11, EPERM, &[]); // after a conditional rule
        p.add(2, EPERM, &[]); // below, not above
        assert_eq!(
            built(&p),
            [
                i(JGE, 0, 2, 3),
                i(JGT, 1, 0, 5),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 6),
                i(RET, 0, 0, KILL),
                i(JEQ, 0, 1, 7),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 9),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 5, 10),
                i(LD, 0, 0, A0HI),
                i(JEQ, 0, 3, 0),
                i(LD, 0, 0, A0LO),
                i(JEQ, 0, 1, 1),
                i(RET, 0, 0, EPERM),
                i(LD, 0, 0, 0),
                i(JEQ, 0, 1, 11),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 2),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
            ]
        );
    }

    #[test]
    fn comparisons_check_both_halves() {
        let cases = [
            // arg0 == 0x1_0000_0005
            (
                Cond::new(0, Op::Eq, 0x1_0000_0005),
                vec![
                    i(LD, 0, 0, A0HI),
                    i(JEQ, 0, 3, 1),
                    i(LD, 0, 0, A0LO),
                    i(JEQ, 0, 1, 5),
                ],
            ),
            // arg0 != 5: a high half other than 0 settles it (jump over the low test).
            (
                Cond::new(0, Op::Ne, 5),
                vec![
                    i(LD, 0, 0, A0HI),
                    i(JEQ, 0, 2, 0),
                    i(LD, 0, 0, A0LO),
                    i(JEQ, 1, 0, 5),
                ],
            ),
            // arg1 > 0x2_0000_0000: high > 2 holds, high < 2 fails, high == 2 asks low.
            (
                Cond::new(1, Op::Gt, 0x2_0000_0000),
                vec![
                    i(LD, 0, 0, A1HI),
                    i(JGT, 3, 0, 2),
                    i(JEQ, 0, 3, 2),
                    i(LD, 0, 0, A1LO),
                    i(JGT, 0, 1, 0),
                ],
            ),
            // arg1 <= 7: high > 0 fails, high < 0 cannot be, high == 0 asks low.
            (
                Cond::new(1, Op::Le, 7),
                vec![
                    i(LD, 0, 0, A1HI),
                    i(JGT, 4, 0, 0),
                    i(JEQ, 0, 2, 0),
                    i(LD, 0, 0, A1LO),
                    i(JGT, 1, 0, 7),
                ],
            ),
            // A mask without a high half: only the low half is loaded.
            (
                Cond::masked(0, 0xffff_ffff, Op::Eq, 40),
                vec![i(LD, 0, 0, A0LO), i(JEQ, 0, 1, 40)],
            ),
            (
                Cond::masked(0, 0x7e02_0000, Op::Ne, 0),
                vec![
                    i(LD, 0, 0, A0LO),
                    i(AND, 0, 0, 0x7e02_0000),
                    i(JEQ, 1, 0, 0),
                ],
            ),
            // A masked high half: and on both.
            (
                Cond::masked(0, 0xff_0000_00ff, Op::Ge, 0x1_0000_0000),
                vec![
                    i(LD, 0, 0, A0HI),
                    i(AND, 0, 0, 0xff),
                    i(JGT, 4, 0, 1),
                    i(JEQ, 0, 4, 1),
                    i(LD, 0, 0, A0LO),
                    i(AND, 0, 0, 0xff),
                    i(JGE, 0, 1, 0),
                ],
            ),
        ];
        for (c, want) in cases {
            let mut p = Profile::new(ALLOW);
            p.add(1, EPERM, &[c]);
            let mut full = vec![i(JEQ, 0, want.len() as u8 + 1, 1)];
            full.extend(want);
            full.extend([i(RET, 0, 0, EPERM), i(LD, 0, 0, 0), i(RET, 0, 0, ALLOW)]);
            assert_eq!(built(&p), full, "{c:?}");
        }
    }

    #[test]
    fn rules_of_one_call_are_tried_in_order() {
        let mut p = Profile::new(KILL);
        p.add(
            135,
            ALLOW,
            &[Cond::new(0, Op::Eq, 0), Cond::new(1, Op::Eq, 2)],
        );
        p.add(135, EPERM, &[]);
        assert_eq!(
            built(&p),
            [
                i(JEQ, 0, 9, 135),
                // arg0 == 0 && arg1 == 2 → allow
                i(LD, 0, 0, A0HI),
                i(JEQ, 0, 7, 0),
                i(LD, 0, 0, A0LO),
                i(JEQ, 0, 5, 0),
                i(LD, 0, 0, A1HI),
                i(JEQ, 0, 3, 0),
                i(LD, 0, 0, A1LO),
                i(JEQ, 0, 1, 2),
                i(RET, 0, 0, ALLOW),
                // else EPERM
                i(LD, 0, 0, 0),
                i(JEQ, 0, 1, 135),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, KILL),
            ]
        );
    }

    #[test]
    fn too_long_is_refused() {
        let mut p = Profile::new(ALLOW);
        for nr in 0..2100 {
            p.add(2 * nr, EPERM, &[]);
        }
        assert!(build(&[&p]).is_err());
        p.prog.truncate(4000);
        assert!(build(&[&p]).is_ok());
    }

    /// A classic BPF interpreter over `struct seccomp_data`, to check whole filters.
    fn run(prog: &[Insn], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
        let word = |off: u32| -> u32 {
            match off {
                0 => nr,
                4 => arch,
                o if o >= 16 => {
                    let a = args[((o - 16) / 8) as usize];
                    if o % 8 == 0 {
                        a as u32
                    } else {
                        (a >> 32) as u32
                    }
                }
                _ => 0,
            }
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let x = prog[pc];
            pc += 1;
            let cond = |t: bool| if t { x.jt as usize } else { x.jf as usize };
            match x.code {
                LD => acc = word(x.k),
                AND => acc &= x.k,
                JEQ => pc += cond(acc == x.k),
                JGT => pc += cond(acc > x.k),
                JGE => pc += cond(acc >= x.k),
                JSET => pc += cond(acc & x.k != 0),
                RET => return x.k,
                c => panic!("opcode {c:#x}"),
            }
        }
    }

    /// Rules as plain data, and what they mean, evaluated directly.
    type Rule = (u32, u32, Vec<Cond>);
    fn eval(rules: &[Rule], default: u32, nr: u32, args: [u64; 6]) -> u32 {
        for (n, ret, conds) in rules {
            if *n == nr
                && conds.iter().all(|c| {
                    let a = args[c.arg as usize] & c.mask;
                    match c.op {
                        Op::Eq => a == c.val,
                        Op::Ne => a != c.val,
                        Op::Lt => a < c.val,
                        Op::Le => a <= c.val,
                        Op::Gt => a > c.val,
                        Op::Ge => a >= c.val,
                    }
                })
            {
                return *ret;
            }
        }
        default
    }

    /// Compiles `rules` and checks the filter against [`eval`] over many arguments.
    fn check_by_interpreting(rules: &[Rule], default: u32) {
        let mut p = Profile::new(default);
        for (nr, ret, conds) in rules {
            p.add(*nr, *ret, conds);
        }
        let prog = whole(&p);
        let values = [
            0,
            1,
            5,
            7,
            8,
            40,
            0x20000,
            0xffff_ffff,
            0x1_0000_0000,
            0x1_0000_0005,
            0x2_0000_0000,
            0x2_0000_0001,
            0xffff_ffff_0000_0028,
            0x7e02_0000,
            0x1000_0000,
            u64::MAX,
        ];
        let mut nrs: Vec<u32> = rules.iter().map(|r| r.0).collect();
        nrs.extend([0, 1, 500, 1000]);
        for &nr in &nrs {
            for &a in &values {
                for &b in &values[..6] {
                    let args = [a, b, a ^ b, 0, 0, 0];
                    assert_eq!(
                        run(&prog, AUDIT_ARCH, nr, args),
                        eval(rules, default, nr, args),
                        "nr {nr} args {args:x?}"
                    );
                }
            }
        }
        assert_eq!(run(&prog, 0x4000_0003, 1, [0; 6]), KILL, "i386 is killed");
        if cfg!(target_arch = "x86_64") {
            let x32 = run(&prog, AUDIT_ARCH, X32_BIT | 1, [0; 6]);
            assert_eq!(x32, KILL, "x32 killed");
        }
    }

    #[test]
    fn every_comparison_means_what_it_says() {
        // Each operator against values around both halves, by interpretation.
        let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];
        let vals = [0, 5, 0xffff_ffff, 0x1_0000_0005, 0x2_0000_0000];
        let mut rules = Vec::new();
        let mut nr = 100;
        for op in ops {
            for v in vals {
                let m = 0xffff_0000_ffff_fff0;
                rules.push((nr, errno(nr), vec![Cond::new(0, op, v)]));
                rules.push((nr + 1, errno(nr), vec![Cond::masked(1, m, op, v & m)]));
                rules.push((nr + 2, errno(nr), vec![Cond::masked(0, 0xff, op, v & 0xff)]));
                nr += 3;
            }
        }
        check_by_interpreting(&rules, ALLOW);
    }

    #[test]
    fn mixed_rules_mean_what_they_say() {
        let c = |arg, op, v| Cond::new(arg, op, v);
        let rules: Vec<Rule> = vec![
            (7, ALLOW, vec![c(0, Op::Eq, 0), c(1, Op::Eq, 5)]),
            (7, errno(3), vec![c(0, Op::Gt, 0x1_0000_0000)]),
            (8, EPERM, vec![]),
            (9, EPERM, vec![]),
            (7, errno(4), vec![]),
            (10, ALLOW, vec![c(1, Op::Lt, 8)]),
            (11, EPERM, vec![]),
            (12, EPERM, vec![]),
            (10, KILL, vec![]),
            (9, ALLOW, vec![]), // never reached: 9 is refused above
        ];
        check_by_interpreting(&rules, errno(13));
    }

    #[test]
    fn default_profile_refuses_what_docker_refuses() {
        use syscalls::Sysno;
        let prog = whole(&default_profile(crate::caps::DEFAULT));
        let r = |s: Sysno, args: [u64; 6]| run(&prog, AUDIT_ARCH, s as u32, args);
        let z = [0; 6];
        // Without arguments: the refusals, and nothing else.
        let lifted = [Sysno::chroot as u32]; // CAP_SYS_CHROOT is a default capability
        let special = [Sysno::clone3, Sysno::personality].map(|s| s as u32);
        for nr in 0..512 {
            let denied = sysnames::DEFAULT_DENY.iter().any(|&e| e as u32 & 511 == nr);
            if !special.contains(&nr) {
                let want = if denied && !lifted.contains(&nr) {
                    EPERM
                } else {
                    ALLOW
                };
                assert_eq!(run(&prog, AUDIT_ARCH, nr, z), want, "{nr}");
            }
        }
        for s in [
            Sysno::mount,
            Sysno::umount2,
            Sysno::pivot_root,
            Sysno::kexec_load,
            Sysno::init_module,
            Sysno::bpf,
            Sysno::keyctl,
            Sysno::setns,
            Sysno::reboot,
            Sysno::open_by_handle_at,
            Sysno::swapon,
            Sysno::perf_event_open,
            Sysno::userfaultfd,
        ] {
            assert_eq!(r(s, z), EPERM, "{s:?}");
        }
        for s in [
            Sysno::read,
            Sysno::kill,
            Sysno::ptrace,
            Sysno::chroot,
            Sysno::execve,
        ] {
            assert_eq!(r(s, z), ALLOW, "{s:?}");
        }
        // Namespaces: clone with a namespace flag, unshare(CLONE_NEWUSER), clone3.
        let a0 = |v| [v, 0, 0, 0, 0, 0];
        assert_eq!(r(Sysno::clone, a0(0x1200011)), ALLOW, "fork's flags");
        assert_eq!(r(Sysno::clone, a0(0x1000_0000 | 17)), EPERM);
        assert_eq!(r(Sysno::unshare, a0(0x1000_0000)), EPERM);
        assert_eq!(r(Sysno::unshare, a0(0x80)), EPERM, "time ns");
        assert_eq!(r(Sysno::unshare, a0(0x200)), ALLOW, "CLONE_FS");
        assert_eq!(r(Sysno::clone3, z), errno(38));
        for v in [0, 8, 0x20000, 0x20008, 0xffff_ffff, 0x1_0000_0008] {
            assert_eq!(r(Sysno::personality, a0(v)), ALLOW, "{v:#x}");
        }
        for v in [0x0040000, 0x10, 0xffff_fffe] {
            assert_eq!(r(Sysno::personality, a0(v)), EPERM, "{v:#x}");
        }
        assert_eq!(r(Sysno::socket, a0(40)), EPERM, "AF_VSOCK");
        assert_eq!(r(Sysno::socket, a0(0xffff_ffff_0000_0028)), EPERM);
        assert_eq!(r(Sysno::socket, a0(2)), ALLOW);
        // A kept capability lifts its refusals, as in Docker.
        let admin = default_profile(crate::caps::DEFAULT | 1 << crate::caps::SYS_ADMIN);
        let prog = whole(&admin);
        for s in [Sysno::mount, Sysno::setns, Sysno::bpf, Sysno::clone3] {
            assert_eq!(run(&prog, AUDIT_ARCH, s as u32, z), ALLOW, "{s:?}");
        }
        let unshare = run(&prog, AUDIT_ARCH, Sysno::unshare as u32, a0(0x1000_0000));
        assert_eq!(unshare, ALLOW);
        assert_eq!(run(&prog, AUDIT_ARCH, Sysno::kexec_load as u32, z), EPERM);
        // --cap-drop ALL: chroot is refused too (Docker allows it only with SYS_CHROOT).
        let none = whole(&default_profile(0));
        assert_eq!(run(&none, AUDIT_ARCH, Sysno::chroot as u32, z), EPERM);
        // --privileged --seccomp default: what no capability lifts stays refused.
        let all = whole(&default_profile(u64::MAX));
        assert_eq!(run(&all, AUDIT_ARCH, Sysno::kexec_load as u32, z), EPERM);
        assert_eq!(run(&all, AUDIT_ARCH, Sysno::mount as u32, z), ALLOW);
    }

    #[test]
    fn default_refusals_resolve_on_this_arch() {
        let t = crate::sysnames::TARGET;
        let (deny, names) = (sysnames::DEFAULT_DENY, sysnames::DEFAULT_DENY_NAMES);
        assert_eq!(deny.len(), names.len());
        for (&e, name) in deny.iter().zip(names) {
            assert_eq!(t.lookup(name.as_bytes()), Some(e as u32 & 511), "{name}");
        }
        assert!(names.contains(&"kexec_load"));
        // Sorted by number: the runs merge.
        assert!(deny.windows(2).all(|w| w[0] & 511 < w[1] & 511));
    }

    #[test]
    fn build_time() {
        // Not a threshold: prints the figure quoted in the module's doc comment.
        let t = std::time::Instant::now();
        let n = 2000;
        let mut len = 0;
        for _ in 0..n {
            let p = default_profile(crate::caps::DEFAULT);
            len = whole(&p).len();
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        std::eprintln!("default profile: {len} instructions, built in {us:.2} µs");
    }

    fn parse(s: &str) -> Result<Profile, std::string::String> {
        parse_profile(s.as_bytes(), b"prof", crate::sysnames::TARGET)
            .map_err(|e| std::string::String::from_utf8(e.render().0).unwrap())
    }

    #[test]
    fn file_format() {
        let p = parse(
            "# a profile\n\
             default errno EACCES\n\
             \n\
             read allow   # reads\n\
             kill errno 1\n\
             \tpersonality allow arg0==0\r\n\
             personality kill\n\
             socket errno EPERM arg0&0xffffffff==40 arg1>=0x2 arg2<=-1\n",
        )
        .unwrap();
        use syscalls::Sysno;
        let mut want = Profile::new(errno(13));
        want.add(Sysno::read as u32, ALLOW, &[]);
        want.add(Sysno::kill as u32, EPERM, &[]);
        let pers = Sysno::personality as u32;
        want.add(pers, ALLOW, &[Cond::new(0, Op::Eq, 0)]);
        want.add(pers, KILL, &[]);
        want.add(
            Sysno::socket as u32,
            EPERM,
            &[
                Cond::masked(0, 0xffff_ffff, Op::Eq, 40),
                Cond::new(1, Op::Ge, 2),
                Cond::new(2, Op::Le, u64::MAX),
            ],
        );
        assert_eq!(p, want);
        assert_eq!(parse("").unwrap(), Profile::new(ALLOW));
        assert_eq!(
            parse("default kill\ndefault allow").unwrap(),
            Profile::new(ALLOW)
        );
    }

    #[test]
    fn comparisons_parse() {
        for (s, c) in [
            ("arg0==5", Cond::new(0, Op::Eq, 5)),
            ("arg5!=0x10", Cond::new(5, Op::Ne, 16)),
            ("arg1<3", Cond::new(1, Op::Lt, 3)),
            ("arg1<=3", Cond::new(1, Op::Le, 3)),
            ("arg2>18446744073709551615", Cond::new(2, Op::Gt, u64::MAX)),
            ("arg2>=-2", Cond::new(2, Op::Ge, u64::MAX - 1)),
            ("arg1&0x10==0x10", Cond::masked(1, 0x10, Op::Eq, 0x10)),
            ("arg1&7>3", Cond::masked(1, 7, Op::Gt, 3)),
            ("arg0==0xFfFFffFFffffFFFf", Cond::new(0, Op::Eq, u64::MAX)),
            ("arg0==-9223372036854775808", Cond::new(0, Op::Eq, 1 << 63)),
        ] {
            assert_eq!(parse_cond(s.as_bytes()), Ok(c), "{s}");
        }
        for s in [
            "arg6==1",
            "arg==1",
            "argx==1",
            "arg0=1",
            "arg0!1",
            "arg0==",
            "arg0==x",
            "arg0&==1",
            "arg0&0x10==0x11",
            "arg0 ==1",
            "arg0===1",
            "arg0==0x",
            "arg0==0xg",
            "arg0==0x12345678123456789",
            "arg0==-9223372036854775809",
            "arg0==--1",
            "arg0&1x==1",
            "0==arg0",
            "arg0",
            "",
        ] {
            assert!(parse_cond(s.as_bytes()).is_err(), "{s}");
        }
    }

    #[test]
    fn file_errors_carry_the_line_number() {
        let action = "expected allow, kill or errno N|ENAME (N 0-4095)";
        let syntax = "not argN[&MASK]OP VALUE (N 0-5, OP == != < <= > >=)";
        let many = "too many comparisons (8 a rule, none on default)";
        for (text, word, why) in [
            ("\n\nread\n", "3 'read'", action),
            ("read deny\n", "1 'deny'", action),
            ("read errno\n", "1 'errno'", action),
            ("read errno 4096\n", "1 '4096'", action),
            ("read errno ENOPE\n", "1 'ENOPE'", action),
            ("# x\nread allow arg9==1\n", "2 'arg9==1'", syntax),
            ("read allow arg0&1==2\n", "1 'arg0&1==2'", "the mask hides bits of the value"),
            ("default kill arg0==1\n", "1 'arg0==1'", many),
            ("read allow a b c d e f g h i\n", "1 'a'", syntax),
            ("read allow arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg1==1\n", "1 'arg1==1'", many),
            ("default\n", "1 'default'", action),
            ("read allow\nfrob allow\n", "2 'frob'", sysnames::UNKNOWN),
        ] {
            let want = std::format!("husk: --seccomp prof:{word}: {why}\n");
            assert_eq!(parse(text).unwrap_err(), want, "{text:?}");
        }
    }
}
