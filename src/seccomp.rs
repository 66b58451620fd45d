//! seccomp: classic BPF filters, compiled by pure code before anything is created.
//!
//! A [`Profile`] is a default action and rules. Each rule is compiled when it is added,
//! into a block that names its system call and ends in its action:
//!
//! ```text
//!      jeq NR, 0, N        the header: the call, and the length of the rest (never run)
//!      <comparisons>       each one jumps to `out` when it does not hold
//!      ret ACTION
//! out:                     the next rule of the same call, or the default
//! ```
//!
//! [`build`] turns rules into a search tree over the number of the call:
//!
//! ```text
//!      ld arch
//!      jeq AUDIT_ARCH, 0, kill   another ABI (i386's int 0x80 on x86_64, arm32 on aarch64)
//!      ld nr                     numbers calls differently and would slip past every rule
//!      jset 0x40000000, kill, 0  x32 calls (x86_64): same AUDIT_ARCH, this bit in the number
//!      jge 135, r, 0             a binary search over runs of numbers answered alike, down
//!      jge 41, q, 0              to a `ret` (one per action where jumps reach it) or to the
//!      ...                       blocks of that call's rules, in their order, and the default
//! ```
//!
//! Why a tree: since Linux 5.11, attaching a filter runs it (emulated, in C) for each
//! number of the native and of the compat ABI (~940 runs on x86_64) to find the calls
//! it allows whatever the arguments; a bitmap spares those the filter from then on.
//! Measured here (C, attach in a fresh child): ~12 µs to attach any filter, plus ~1.8 ns
//! per instruction run in those runs, plus ~0.1 µs per instruction of the filter
//! (conversion to eBPF, JIT). So the compat ABI stops after 3 instructions, and the
//! search is weighted by how many numbers each run holds: the long runs of allowed calls
//! are found in few tests. The default profile: 91 instructions, 10 on an average native
//! path, 14 at most; attached in 30 µs (medians of 400), against 43 µs for the list of
//! rule blocks it replaced (110 instructions, 26 on a path); an unweighted search: 33 µs.
//! Calls answered by an argument (personality(0xffffffff): ~300 ns) and refused ones run
//! the filter each time; allowed ones cost the bitmap's ~30 ns (getppid: 145 ns, 116
//! without a filter). Building the default profile and its filter: ~6 µs in `husk run`
//! (check phase of --timings, against 1 µs unconfined; the list took ~5 µs), mostly
//! the first run of code and data in a fresh process.
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
pub const JA: u16 = (p::BPF_JMP | p::BPF_JA) as u16;
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

/// A default action and rules, tried in the order they were added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub default: u32,
    /// The rules' blocks (see the module's doc), in that order.
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

    /// Adds a rule: system call `nr` (below [`NRS`]) gets `ret` when all of `conds` hold.
    pub fn add(&mut self, nr: u32, ret: u32, conds: &[Cond]) {
        debug_assert!((nr as usize) < NRS);
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

    /// Ends the rule started at `at` with its action: its `OUT` jumps, and its header's,
    /// now point past it.
    fn end(&mut self, at: usize, ret: u32) {
        self.push(RET, 0, 0, ret);
        let n = self.prog.len() - at - 1;
        for (i, x) in self.prog.iter_mut().skip(at).enumerate() {
            let skip = (n - i) as u8;
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

/// System call numbers are below this on both architectures (build.rs checks the
/// tables): the numbers rules name.
pub const NRS: usize = 512;

/// What answers a run of numbers: an action (`ret`), or `RULES | i`: the rules of one
/// call, from its first block at `i`.
const RULES: u64 = 1 << 32;

/// The filter being compiled, last instruction first: every jump (forward, at most 255
/// instructions) is pushed after its targets, and knows how far they are.
struct Tree<'a> {
    out: Vec<Insn>,
    /// The rules' blocks, and what answers each call (u64::MAX: the default).
    all: &'a [Insn],
    what: &'a [u64; NRS],
    default: u32,
    /// Runs of numbers answered alike: their first numbers. The last run goes on past
    /// the last number of the tables.
    runs: Vec<u32>,
}

impl Tree<'_> {
    #[inline(never)]
    fn push(&mut self, x: Insn) -> usize {
        self.out.push(x);
        self.out.len() - 1
    }

    /// `ret action`: the nearest among the last 32 instructions (a longer look-back
    /// costs more time than the few instructions it saves), or a new one.
    #[inline(never)]
    fn ret(&mut self, action: u32) -> usize {
        let from = self.out.len().saturating_sub(32);
        match self.out[from..]
            .iter()
            .rposition(|y| y.code == RET && y.k == action)
        {
            Some(i) => from + i,
            None => self.push(insn(RET, 0, 0, action)),
        }
    }

    /// Where a jump pushed next (or the one after) can go for `t`: `t`, or past the
    /// reach of a jump, a `ja` to it.
    fn near(&mut self, t: usize) -> usize {
        let d = self.out.len() - t;
        if d <= 255 {
            return t;
        }
        self.push(insn(JA, 0, 0, d as u32 - 1))
    }

    /// A test of A, going to `t` when it holds, else to `f`.
    fn jump(&mut self, code: u16, k: u32, t: usize, f: usize) -> usize {
        let (t, f) = (self.near(t), self.near(f));
        let p = self.out.len() - 1;
        self.push(insn(code, (p - t) as u8, (p - f) as u8, k))
    }

    /// What answers `nr`: an action, or `RULES | i`.
    fn what(&self, nr: u32) -> u64 {
        match self.what.get(nr as usize) {
            Some(&w) if w != u64::MAX => w,
            _ => self.default as u64,
        }
    }

    /// The code of run `a`.
    fn leaf(&mut self, a: usize) -> usize {
        let (all, default) = (self.all, self.default);
        // a < runs.len() (see `tree`); past it, `what` answers the default.
        let what = self.what(self.runs.get(a).map_or(u32::MAX, |&r| r));
        if what < RULES {
            return self.ret(what as u32);
        }
        // The call's blocks, up to the first without comparisons, else the default;
        // pushed last first.
        let mut i = what as u32 as usize;
        let nr = all.get(i).map_or(0, |h| h.k);
        let s = self.out.len();
        while let Some(h) = all.get(i) {
            let next = i + 1 + h.jf as usize;
            if h.k == nr {
                self.out
                    .extend_from_slice(all.get(i + 1..next).unwrap_or_default());
                if h.jf == 1 {
                    break;
                }
            }
            i = next;
        }
        if all.get(i).is_none() {
            self.push(insn(RET, 0, 0, default));
        }
        flip(self.out.get_mut(s..).unwrap_or_default());
        self.out.len() - 1
    }

    /// The search among runs `a..b`; returns where it starts. It splits them where the
    /// numbers on each side are closest in count (`c`: the first of a run).
    fn tree(&mut self, a: usize, b: usize) -> usize {
        if b - a == 1 {
            return self.leaf(a);
        }
        let r = &self.runs;
        let c = |i: usize| r.get(i).map_or(NRS as u32 + 1, |&x| x);
        let mut k = a + 1;
        while k + 1 < b && c(k) + c(k + 1) < c(a) + c(b) {
            k += 1;
        }
        let lo = c(k);
        let t = self.tree(k, b);
        let f = self.tree(a, k);
        self.jump(JGE, lo, t, f)
    }
}

/// Reverses `v` (smaller than the library's).
#[inline(never)]
fn flip(v: &mut [Insn]) {
    let (l, r) = v.split_at_mut(v.len() / 2);
    for (x, y) in l.iter_mut().zip(r.iter_mut().rev()) {
        core::mem::swap(x, y);
    }
}

/// Compiles a profile into a filter for seccomp(SECCOMP_SET_MODE_FILTER) (see the
/// module's doc); None when it would allow everything.
pub fn build(p: &Profile) -> Result<Option<Vec<Insn>>, Error> {
    let (all, default) = (&p.prog[..], p.default);
    if all.is_empty() && default == ALLOW {
        return Ok(None);
    }
    // What answers each call: its first rule, alone or with the rest.
    let mut what = [u64::MAX; NRS];
    let mut i = 0;
    while let Some(h) = all.get(i) {
        match what.get_mut(h.k as usize) {
            Some(w) if *w == u64::MAX => {
                *w = match all.get(i + 1) {
                    Some(r) if h.jf == 1 => r.k as u64,
                    _ => RULES | i as u64,
                }
            }
            _ => {}
        }
        i += 1 + h.jf as usize;
    }
    // Allocated in this order, each vector grows in place (the allocator bumps a
    // pointer, and a fresh page costs a fault: ~1.3 µs here).
    let mut t = Tree {
        runs: Vec::new(),
        out: Vec::new(),
        all,
        what: &what,
        default,
    };
    let mut last = u64::MAX;
    for nr in 0..=NRS {
        let w = match what.get(nr) {
            Some(&w) if w != u64::MAX => w,
            _ => default as u64,
        };
        if w != last {
            t.runs.push(nr as u32);
            last = w;
        }
    }
    t.out.reserve(all.len() + 2 * t.runs.len() + 8);
    // `ld nr` falls into what was pushed last: the search, or on x86_64 the x32 test.
    let top = t.tree(0, t.runs.len());
    if cfg!(target_arch = "x86_64") {
        let kill = t.ret(KILL);
        t.jump(JSET, X32_BIT, kill, top);
    }
    let nr = t.push(insn(LD, 0, 0, OFF_NR));
    let kill = t.ret(KILL);
    t.jump(JEQ, AUDIT_ARCH, nr, kill);
    t.push(insn(LD, 0, 0, OFF_ARCH));
    if t.out.len() > MAX_INSNS {
        return Err(Error::usage("seccomp", "longer than 4096 instructions"));
    }
    flip(&mut t.out);
    Ok(Some(t.out))
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
/// (clone3's are in memory).
pub fn default_profile(keep: u64) -> Profile {
    use syscalls::Sysno;
    // Bit 63 stands for "no capability" in DEFAULT_DENY: never held.
    let has = |c: u32| keep & !(1 << 63) & 1 << c != 0;
    let admin = has(crate::caps::SYS_ADMIN);
    let mut p = Profile::new(ALLOW);
    for &e in sysnames::DEFAULT_DENY {
        if !(has(e as u32 >> 9 & 63) || e >> 15 != 0 && admin) {
            p.add(e as u32 & 511, EPERM, &[]);
        }
    }
    // The rules that look at arguments come last: build() looks for a call's rules
    // from its first one on.
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
    p
}

impl Profile {
    /// The profile may refuse `nr` (a call without a rule gets the default; a rule with
    /// conditions counts as refusing unless it allows).
    pub fn may_refuse(&self, nr: u32) -> bool {
        let mut i = 0;
        while let Some(h) = self.prog.get(i) {
            // A rule: its header (`jeq nr, 0, len`), `len` more, the last one its `ret`.
            let end = i + h.jf as usize;
            if h.k == nr {
                return self.prog.get(end).is_none_or(|r| r.k != ALLOW);
            }
            i = end + 1;
        }
        self.default != ALLOW
    }
}

/// What husk as PID 1 of a container keeps once CMD runs, when CMD has a filter: the
/// calls of its loop (read its signalfd, forward with kill, reap with wait4, write a
/// message, grow its heap, exit); EPERM for every other. A container process that can
/// ptrace PID 1 (same uid, dumpable, or CAP_SYS_PTRACE) could otherwise make it run what
/// CMD's filter refuses.
pub fn init_profile() -> Profile {
    use syscalls::Sysno::*;
    let mut p = Profile::new(EPERM);
    for nr in [
        read,
        write,
        kill,
        wait4,
        mmap,
        munmap,
        exit,
        exit_group,
        restart_syscall,
    ] {
        p.add(nr as u32, ALLOW, &[]);
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
    let Some(&[d, ref rest @ ..]) = crate::out::strip_prefix(w, b"arg") else {
        return Err(SYNTAX);
    };
    let arg = d.wrapping_sub(b'0');
    if arg > 5 {
        return Err(SYNTAX);
    }
    let mut i = 0;
    while i < rest.len() && !crate::out::has(b"=!<>", rest[i]) {
        i += 1;
    }
    let (m, rest) = rest.split_at_checked(i).unwrap_or((rest, &[]));
    let mask = match m {
        [] => u64::MAX,
        [b'&', m @ ..] => parse_num(m).ok_or(SYNTAX)?,
        _ => return Err(SYNTAX),
    };
    let n = rest.len().min(1 + (rest.get(1) == Some(&b'=')) as usize);
    let (op, val) = rest.split_at_checked(n).unwrap_or((rest, &[]));
    let i = word_index(OP_WORDS.as_bytes(), op, false).ok_or(SYNTAX)?;
    let op = *OPS.get(i).ok_or(SYNTAX)?;
    let val = parse_num(val).ok_or(SYNTAX)?;
    if i < 2 && val & !mask != 0 {
        return Err("the mask hides bits of the value");
    }
    Ok(Cond::masked(arg, mask, op, val))
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
        let (w, rest) = s.split_at_checked(n).unwrap_or((s, &[]));
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
    let e = match w.next().map(|a| word_index(b"allow kill errno", a, false)) {
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

    fn whole(p: &Profile) -> Vec<Insn> {
        let prog = build(p).unwrap().unwrap();
        // Every filter starts with the arch check.
        assert_eq!(prog[0], i(LD, 0, 0, 4));
        assert_eq!((prog[1].code, prog[1].k), (JEQ, AUDIT_ARCH));
        prog
    }

    /// A profile's rules as added: the header, then the rest of each block.
    fn block(nr: u32, rest: &[Insn]) -> Vec<Insn> {
        let mut v = vec![i(JEQ, 0, rest.len() as u8, nr)];
        v.extend_from_slice(rest);
        v
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
        assert_eq!(build(&Profile::new(ALLOW)).unwrap(), None);
        // Nothing to search: every number of every ABI is killed.
        let prog = whole(&Profile::new(KILL));
        assert!(prog.len() <= 5, "{prog:?}");
        for nr in [0, 1, 511, 512, X32_BIT, u32::MAX] {
            assert_eq!(run(&prog, AUDIT_ARCH, nr, [0; 6]), KILL);
            assert_eq!(run(&prog, 0x4000_0003, nr, [0; 6]), KILL);
        }
    }

    /// One refusal, byte for byte: the arch check and the number (0-2), x32 (3), a
    /// search over the runs 0-61, 62 and 63 on (5-6), one `ret` per action, shared.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn one_denied_call() {
        let mut p = Profile::new(ALLOW);
        p.add(62, EPERM, &[]);
        assert_eq!(p.prog, block(62, &[i(RET, 0, 0, EPERM)]));
        assert_eq!(
            whole(&p),
            [
                i(LD, 0, 0, 4),
                i(JEQ, 0, 2, AUDIT_ARCH),
                i(LD, 0, 0, 0),
                i(JSET, 0, 1, X32_BIT),
                i(RET, 0, 0, KILL),
                i(JGE, 2, 0, 63),
                i(JGE, 0, 1, 62),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
            ]
        );
    }

    #[test]
    fn runs_of_calls_answered_alike_are_ranges() {
        let mut rules: Vec<Rule> = vec![];
        for nr in [3, 4, 5] {
            rules.push((nr, EPERM, vec![]));
        }
        rules.push((6, KILL, vec![])); // another action: not merged
        rules.push((7, EPERM, vec![]));
        rules.push((9, EPERM, vec![])); // not adjacent
        rules.push((10, EPERM, vec![Cond::new(0, Op::Eq, 1)])); // conditional: not merged
        rules.push((11, EPERM, vec![])); // after a conditional rule
        rules.push((2, EPERM, vec![])); // below, added last
        rules.push((13, ALLOW, vec![])); // what the default does: nothing to test
        let prog = check_by_interpreting(&rules, ALLOW);
        // Runs from 0, 2, 6, 7, 8, 9, 10, 11 and 12 on: 8 tests of the number.
        let mut tests: Vec<u32> = prog.iter().filter(|x| x.code == JGE).map(|x| x.k).collect();
        tests.sort();
        assert_eq!(tests, [2, 6, 7, 8, 9, 10, 11, 12]);
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
            let mut rest = want;
            rest.push(i(RET, 0, 0, EPERM));
            assert_eq!(p.prog, block(1, &rest), "{c:?}");
        }
    }

    #[test]
    fn rules_of_one_call_are_tried_in_order() {
        let mut p = Profile::new(KILL);
        p.add(7, ALLOW, &[]); // another call, in between
        p.add(
            135,
            ALLOW,
            &[Cond::new(0, Op::Eq, 0), Cond::new(1, Op::Eq, 2)],
        );
        p.add(135, EPERM, &[]);
        p.add(135, ALLOW, &[]); // never reached
        let first = [
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
        ];
        let mut want = block(7, &[i(RET, 0, 0, ALLOW)]);
        want.extend(block(135, &first));
        want.extend(block(135, &[i(RET, 0, 0, EPERM)]));
        want.extend(block(135, &[i(RET, 0, 0, ALLOW)]));
        assert_eq!(p.prog, want);
        // The leaf of 135: its blocks in order, up to the first without comparisons.
        let prog = whole(&p);
        let mut leaf = first.to_vec();
        leaf.push(i(RET, 0, 0, EPERM));
        assert!(prog.windows(leaf.len()).any(|w| w == leaf), "{prog:?}");
        let r = |nr, a0, a1| run(&prog, AUDIT_ARCH, nr, [a0, a1, 0, 0, 0, 0]);
        assert_eq!(r(135, 0, 2), ALLOW);
        assert_eq!(r(135, 0, 3), EPERM);
        assert_eq!(r(7, 5, 5), ALLOW);
        assert_eq!(r(8, 0, 2), KILL);
    }

    #[test]
    fn long_filters_jump_far_or_are_refused() {
        // Two rules with a comparison on each number: 12 instructions a number; the
        // tree's jumps reach past 255 instructions through `ja`.
        let rules = |n: u32| -> Vec<Rule> {
            (0..n)
                .flat_map(|nr| {
                    [
                        (nr, EPERM, vec![Cond::new(0, Op::Eq, nr as u64)]),
                        (nr, errno(nr), vec![Cond::new(1, Op::Eq, 1)]),
                    ]
                })
                .collect()
        };
        let prog = check_by_interpreting(&rules(300), ALLOW);
        assert!(prog.len() > 3000 && prog.iter().any(|x| x.code == JA));
        let mut p = Profile::new(ALLOW);
        for (nr, ret, conds) in rules(500) {
            p.add(nr, ret, &conds);
        }
        assert!(build(&p).is_err());
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
                JA => pc += x.k as usize,
                RET => return x.k,
                c => panic!("opcode {c:#x}"),
            }
        }
    }

    /// Rules as plain data, and what they mean, evaluated directly.
    type Rule = (u32, u32, Vec<Cond>);
    fn eval(rules: &[Rule], default: u32, nr: u32, args: [u64; 6]) -> u32 {
        if cfg!(target_arch = "x86_64") && nr & X32_BIT != 0 {
            return KILL;
        }
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
    fn check_by_interpreting(rules: &[Rule], default: u32) -> Vec<Insn> {
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
        let mut nrs: Vec<u32> = rules.iter().flat_map(|r| [r.0, r.0 + 1]).collect();
        nrs.extend([0, 1, 500, 511, 512, 1000, X32_BIT - 1, X32_BIT | 1]);
        nrs.extend([0x8000_0001, 0xc000_0001, u32::MAX]);
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
        prog
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
            Sysno::io_uring_setup,
            Sysno::io_uring_enter,
            Sysno::io_uring_register,
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
        assert_eq!(
            run(&all, AUDIT_ARCH, Sysno::io_uring_setup as u32, z),
            EPERM
        );
        assert_eq!(run(&all, AUDIT_ARCH, Sysno::mount as u32, z), ALLOW);
    }

    /// What the kernel does with a filter as it attaches it (seccomp_cache_prepare): it
    /// runs it for each number of each ABI without arguments, and stops at a `ret` or at
    /// the load of an argument. Returns the instructions run, and the action (None when
    /// it loaded an argument: the call runs the filter each time).
    fn walk(prog: &[Insn], arch: u32, nr: u32) -> (usize, Option<u32>) {
        let (mut pc, mut acc, mut n) = (0, 0, 0);
        loop {
            let x = prog[pc];
            (pc, n) = (pc + 1, n + 1);
            let cond = |t: bool| if t { x.jt as usize } else { x.jf as usize };
            match x.code {
                LD if x.k == 0 => acc = nr,
                LD if x.k == 4 => acc = arch,
                LD => return (n, None),
                JEQ => pc += cond(acc == x.k),
                JGT => pc += cond(acc > x.k),
                JGE => pc += cond(acc >= x.k),
                JSET => pc += cond(acc & x.k != 0),
                JA => pc += x.k as usize,
                RET => return (n, Some(x.k)),
                c => panic!("opcode {c:#x}"),
            }
        }
    }

    #[test]
    fn what_a_profile_may_refuse() {
        let mut p = Profile::new(ALLOW);
        p.add(1, EPERM, &[]);
        p.add(2, ALLOW, &[]);
        p.add(3, EPERM, &[Cond::new(0, Op::Eq, 7)]);
        p.add(2, EPERM, &[]);
        let may = |p: &Profile| (0..5).filter(|&n| p.may_refuse(n)).collect::<Vec<u32>>();
        // 2: its first rule allows; 3: refused for one argument value.
        assert_eq!(may(&p), [1, 3]);
        p.default = KILL;
        assert_eq!(may(&p), [0, 1, 3, 4]);
        let d = default_profile(crate::caps::DEFAULT);
        use syscalls::Sysno;
        assert!(!d.may_refuse(Sysno::wait4 as u32) && d.may_refuse(Sysno::mount as u32));
    }

    #[test]
    fn the_init_keeps_only_its_loop() {
        use syscalls::Sysno;
        let prog = whole(&init_profile());
        let keep = [
            Sysno::read,
            Sysno::write,
            Sysno::kill,
            Sysno::wait4,
            Sysno::mmap,
            Sysno::munmap,
            Sysno::exit,
            Sysno::exit_group,
            Sysno::restart_syscall,
        ]
        .map(|s| s as u32);
        for nr in 0..512 {
            let want = if keep.contains(&nr) { ALLOW } else { EPERM };
            assert_eq!(run(&prog, AUDIT_ARCH, nr, [0; 6]), want, "{nr}");
        }
        assert_eq!(run(&prog, AUDIT_ARCH ^ 1, Sysno::read as u32, [0; 6]), KILL);
    }

    #[test]
    fn paths_are_short() {
        use syscalls::Sysno;
        let prog = whole(&default_profile(crate::caps::DEFAULT));
        let args = [
            Sysno::clone,
            Sysno::unshare,
            Sysno::socket,
            Sysno::personality,
        ];
        let (mut total, mut longest) = (0, 0);
        for nr in 0..NRS as u32 {
            // Another ABI: killed after the arch check.
            assert_eq!(walk(&prog, 0x4000_0003, nr), (3, Some(KILL)));
            let (n, action) = walk(&prog, AUDIT_ARCH, nr);
            (total, longest) = (total + n, longest.max(n));
            // Every call that no argument decides is answered without loading one: the
            // kernel never runs the filter again for those it allows.
            assert_eq!(
                action.is_none(),
                args.iter().any(|&s| s as u32 == nr),
                "{nr}"
            );
        }
        let average = total as f64 / NRS as f64;
        std::eprintln!(
            "default profile: {} instructions; native paths {average:.1} on average, {longest} at most",
            prog.len()
        );
        // The list it replaced: 110 instructions, 26 on an average path, 32 at most.
        assert!(prog.len() <= 96 && average < 10.5 && longest <= 14);
        // Any profile: about log2(runs) tests of the number, plus the rest of the path.
        let mut p = Profile::new(errno(1));
        for nr in (0..NRS as u32).filter(|n| n % 3 != 0) {
            p.add(nr, if nr % 2 == 0 { ALLOW } else { EPERM }, &[]);
        }
        let prog = whole(&p);
        let longest = (0..NRS as u32)
            .map(|nr| walk(&prog, AUDIT_ARCH, nr).0)
            .max();
        assert!(longest <= Some(3 + 12 + 2), "{longest:?}");
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
        // Not a threshold: the work alone, warm (a fresh `husk run` spends ~6 µs, see
        // the module's doc). Few rounds: husk's allocator never frees, and past its
        // arena each allocation is an mmap.
        let t = std::time::Instant::now();
        let n = 20;
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
