//! seccomp: classic BPF filters built by pure code, before anything is created.
//!
//! A filter is a [`Profile`] (a default action and rules: system call, action, argument
//! comparisons) compiled by [`build`] into instructions for seccomp(SECCOMP_SET_MODE_FILTER):
//!
//! 1. `arch` must be the build's AUDIT_ARCH, else the process is killed: a foreign ABI
//!    (i386 `int 0x80` on x86_64, arm32 on aarch64) numbers system calls differently and
//!    would walk past every rule.
//! 2. On x86_64, x32 system calls (number | 0x40000000, same AUDIT_ARCH) kill too.
//! 3. The rules, grouped by system call and found by a binary search on the number
//!    (`jge` nodes, then at most [`LEAF`] `jeq` per leaf), so an allowed call costs ~10
//!    instructions, not one per rule; consecutive calls answered alike by an
//!    unconditional rule are one range test. Within a system call, rules are tried in order and
//!    the first whose comparisons all hold decides; none: the default action.
//!
//! Arguments are 64-bit: each comparison checks the high and the low 32-bit halves (the
//! classic BPF accumulator is 32 bits), skipping the high half only when it is masked
//! out. `int` arguments arrive as whole registers: compare `arg0&0xffffffff==N` when the
//! caller may leave garbage in the upper half.
//!
//! Making the default profile and building it (~75 rules, 145 instructions on x86_64)
//! takes ~2 µs; libseccomp takes ~1.4 ms for Docker's. See the `build_time` test. The
//! kernel's attach costs more (~35-70 µs here, growing with the length, hence the
//! ranges), and an allowed call under it ~30 ns more than without.
use crate::error::{errno_parse, Error};
use crate::out::{cut, fmt_u64};
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
pub const JA: u16 = (p::BPF_JMP | p::BPF_JA) as u16;
pub const RET: u16 = (p::BPF_RET | p::BPF_K) as u16;

pub const ALLOW: u32 = p::SECCOMP_RET_ALLOW;
/// SECCOMP_RET_KILL_PROCESS (Linux 4.14): the whole process, not only the thread.
pub const KILL: u32 = p::SECCOMP_RET_KILL_PROCESS;
pub const fn errno(e: u32) -> u32 {
    p::SECCOMP_RET_ERRNO | (e & p::SECCOMP_RET_DATA)
}
pub const EPERM: u32 = errno(1);
/// The kernel refuses filters longer than this (BPF_MAXINSNS).
pub const MAX_INSNS: usize = p::BPF_MAXINSNS as usize;
/// Comparisons per rule: keeps every jump within a rule under the 8-bit offset limit.
pub const MAX_CONDS: usize = 8;
/// System calls per leaf of the search tree.
pub const LEAF: usize = 3;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

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
        Cond {
            arg,
            op,
            mask: u64::MAX,
            val,
        }
    }
    pub const fn masked(arg: u8, mask: u64, op: Op, val: u64) -> Cond {
        Cond { arg, op, mask, val }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rule {
    nr: u32,
    ret: u32,
    /// The comparisons are `conds[first..first + n]`.
    first: u32,
    n: u32,
}

/// A default action and rules, in the order they are tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub default: u32,
    rules: Vec<Rule>,
    conds: Vec<Cond>,
}

impl Profile {
    pub fn new(default: u32) -> Profile {
        Profile {
            default,
            rules: Vec::new(),
            conds: Vec::new(),
        }
    }

    /// Adds a rule: system call `nr` gets `ret` when all of `conds` hold.
    pub fn add(&mut self, nr: u32, ret: u32, conds: &[Cond]) {
        debug_assert!(conds.len() <= MAX_CONDS);
        let n = conds.len().min(MAX_CONDS);
        self.rules.push(Rule {
            nr,
            ret,
            first: self.conds.len() as u32,
            n: n as u32,
        });
        self.conds.extend_from_slice(&conds[..n]);
    }

    /// Appends `other`'s rules after ours (ours are tried first); takes its default.
    pub fn then(&mut self, other: &Profile) {
        for r in &other.rules {
            let c = &other.conds[r.first as usize..(r.first + r.n) as usize];
            self.add(r.nr, r.ret, c);
        }
        self.default = other.default;
    }

    /// Nothing to filter: no rule, and everything allowed.
    pub fn is_noop(&self) -> bool {
        self.rules.is_empty() && self.default == ALLOW
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

struct Emitter<'a> {
    p: &'a Profile,
    /// (number << 32 | rule index), sorted: file order kept within a call.
    order: Vec<u64>,
    prog: Vec<Insn>,
}

#[inline(never)]
fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

/// Jumps out of a rule when a comparison fails, patched once the rule's end is known:
/// (index << 1) | 1 for the true branch, | 0 for the false one.
struct Fails {
    at: [usize; 2 * MAX_CONDS],
    n: usize,
}

impl Fails {
    fn add(&mut self, at: usize, on_true: bool) {
        self.at[self.n] = at << 1 | on_true as usize;
        self.n += 1;
    }
}

impl Emitter<'_> {
    #[inline(never)]
    fn push(&mut self, code: u16, jt: u8, jf: u8, k: u32) -> usize {
        self.prog.push(insn(code, jt, jf, k));
        self.prog.len() - 1
    }

    /// Makes the jump at `at` skip everything emitted after it, on its true (`on_true`) or
    /// false branch: an 8-bit offset, or, when it is too far, a `ja` with a 32-bit one.
    #[inline(never)]
    fn skip_from(&mut self, at: usize, on_true: bool) {
        let skip = self.prog.len() - at - 1;
        let i = &mut self.prog[at];
        if skip <= 255 {
            if on_true {
                i.jt = skip as u8
            } else {
                i.jf = skip as u8
            }
        } else {
            // The branch that skips falls into the `ja`; the other steps over it.
            (i.jt, i.jf) = if on_true { (0, 1) } else { (1, 0) };
            self.prog.insert(at + 1, insn(JA, 0, 0, skip as u32));
        }
    }

    /// Loads one 32-bit half of an argument into the accumulator, masked.
    fn half(&mut self, arg: u8, hi: bool, mask: u32) {
        // Little-endian: the low half comes first.
        let second = hi == cfg!(target_endian = "little");
        let off = OFF_ARGS + 8 * arg as u32 + if second { 4 } else { 0 };
        self.push(LD, 0, 0, off);
        if mask != u32::MAX {
            self.push(AND, 0, 0, mask);
        }
    }

    /// Emits one comparison: falls through when it holds, jumps to the rule's end (a
    /// `Fails` entry) when not. "OK" offsets skip the rest of the comparison.
    fn cond(&mut self, c: &Cond, f: &mut Fails) {
        let (mhi, mlo) = ((c.mask >> 32) as u32, c.mask as u32);
        let (vhi, vlo) = ((c.val >> 32) as u32, c.val as u32);
        // Instructions after a high-half test that settles the comparison: the low
        // half's load (+ and) and its test.
        let ok = 1 + (mlo != u32::MAX) as u8 + 1;
        // (x & 0) == 0: the high half cannot change the outcome.
        let lo_only = mhi == 0 && vhi == 0;
        if !lo_only {
            self.half(c.arg, true, mhi);
            match c.op {
                Op::Eq => {
                    let j = self.push(JEQ, 0, 0, vhi);
                    f.add(j, false);
                }
                Op::Ne => {
                    self.push(JEQ, 0, ok, vhi);
                }
                Op::Gt | Op::Ge => {
                    self.push(JGT, ok + 1, 0, vhi);
                    let j = self.push(JEQ, 0, 0, vhi);
                    f.add(j, false);
                }
                Op::Lt | Op::Le => {
                    let j = self.push(JGT, 0, 0, vhi);
                    f.add(j, true);
                    self.push(JEQ, 0, ok, vhi);
                }
            }
        }
        self.half(c.arg, false, mlo);
        let (code, fail_on_true) = match c.op {
            Op::Eq => (JEQ, false),
            Op::Ne => (JEQ, true),
            Op::Gt => (JGT, false),
            Op::Ge => (JGE, false),
            Op::Lt => (JGE, true),
            Op::Le => (JGT, true),
        };
        let j = self.push(code, 0, 0, vlo);
        f.add(j, fail_on_true);
    }

    /// The rules of one system call (`order[from..to]`), then the default action.
    fn body(&mut self, from: usize, to: usize) {
        let p = self.p;
        // Not reset per rule: zeroing it each time cost ~1 µs of the build.
        let mut f = Fails {
            at: [0; 2 * MAX_CONDS],
            n: 0,
        };
        for i in from..to {
            let r = p.rules[self.order[i] as u32 as usize];
            f.n = 0;
            for c in &p.conds[r.first as usize..(r.first + r.n) as usize] {
                self.cond(c, &mut f);
            }
            self.push(RET, 0, 0, r.ret);
            if r.n == 0 {
                // Unconditional: later rules for this call can never be reached.
                return;
            }
            let end = self.prog.len();
            for &a in &f.at[..f.n] {
                let (at, on_true) = (a >> 1, a & 1 == 1);
                let off = (end - at - 1) as u8;
                let i = &mut self.prog[at];
                if on_true {
                    i.jt = off
                } else {
                    i.jf = off
                }
            }
        }
        self.push(RET, 0, 0, p.default);
    }

    /// A binary search over `groups`, the accumulator holding the system call number.
    fn tree(&mut self, groups: &[Group]) {
        if groups.len() > LEAF {
            let mid = groups.len() / 2;
            let at = self.push(JGE, 0, 0, groups[mid].lo);
            self.tree(&groups[..mid]);
            self.skip_from(at, true);
            self.tree(&groups[mid..]);
        } else {
            for g in groups {
                if g.lo == g.hi {
                    let at = self.push(JEQ, 0, 0, g.lo);
                    self.body(g.from, g.to);
                    self.skip_from(at, false);
                } else {
                    let below = self.push(JGE, 0, 0, g.lo);
                    let above = self.push(JGT, 0, 0, g.hi);
                    self.body(g.from, g.to);
                    self.skip_from(above, true);
                    self.skip_from(below, false);
                }
            }
            self.push(RET, 0, 0, self.p.default);
        }
    }
}

/// System calls lo..=hi, whose rules are `order[from..to]`. A range of more than one
/// call is answered by its first rule, unconditional (`plain`: its action).
#[derive(Clone, Copy)]
struct Group {
    lo: u32,
    hi: u32,
    from: usize,
    to: usize,
    plain: u32,
}

/// `Group::plain` of a call whose first rule has comparisons (no action is all ones).
const NOT_PLAIN: u32 = u32::MAX;

/// Compiles `p` into a filter for seccomp(SECCOMP_SET_MODE_FILTER).
pub fn build(p: &Profile) -> Result<Vec<Insn>, Error> {
    // (number, rule index), sorted: binary insertion, so stable and small; the memmove
    // per insert is cheap at these sizes (~75 rules for the default profile).
    let mut order: Vec<u64> = Vec::with_capacity(p.rules.len());
    for (i, r) in p.rules.iter().enumerate() {
        let key = (r.nr as u64) << 32 | i as u64;
        // Appending is the common case: the default profile comes sorted.
        match order.last() {
            Some(&last) if last > key => order.insert(order.partition_point(|&k| k < key), key),
            _ => order.push(key),
        }
    }
    // A call whose first rule is unconditional is answered by that rule alone; runs of
    // consecutive calls answered alike become one range test (x86_64's 163..=185 in the
    // default profile: 23 calls). Measured: the kernel's attach time grows with the
    // filter's length (~0.15 µs an instruction here), and this halves the default's.
    let mut groups: Vec<Group> = Vec::new();
    for (i, &k) in order.iter().enumerate() {
        let r = &p.rules[k as u32 as usize];
        let plain = if r.n == 0 { r.ret } else { NOT_PLAIN };
        match groups.last_mut() {
            // More rules for the last call (unreachable after a range's).
            Some(g) if r.nr <= g.hi => g.to = i + 1,
            Some(g) if g.hi + 1 == r.nr && plain != NOT_PLAIN && g.plain == plain => g.hi += 1,
            _ => groups.push(Group {
                lo: r.nr,
                hi: r.nr,
                from: i,
                to: i + 1,
                plain,
            }),
        }
    }
    let mut e = Emitter {
        p,
        order,
        prog: Vec::with_capacity(8 + 3 * groups.len() + 6 * p.conds.len()),
    };
    e.push(LD, 0, 0, OFF_ARCH);
    e.push(JEQ, 1, 0, AUDIT_ARCH);
    e.push(RET, 0, 0, KILL);
    e.push(LD, 0, 0, OFF_NR);
    if cfg!(target_arch = "x86_64") {
        e.push(JSET, 0, 1, X32_BIT);
        e.push(RET, 0, 0, KILL);
    }
    e.tree(&groups);
    if e.prog.len() > MAX_INSNS {
        return Err(Error::usage(
            "seccomp",
            "the filter is longer than the kernel's 4096 instructions",
        ));
    }
    Ok(e.prog)
}

/// Namespace flags of clone(2) that Docker's profile refuses without CAP_SYS_ADMIN:
/// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
pub const NS_FLAGS: u64 = 0x7e02_0000;
/// unshare(2) can also make a time namespace (clone(2) cannot: 0x80 is in CSIGNAL).
pub const UNSHARE_NS_FLAGS: u64 = NS_FLAGS | linux_raw_sys::general::CLONE_NEWTIME as u64;
/// personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, both, and
/// 0xffffffff (the query).
pub const PERSONALITIES: [u64; 5] = [0, 8, 0x20000, 0x20008, 0xffff_ffff];
const AF_VSOCK: u64 = 40;

/// `--seccomp default`: what Docker's default profile refuses for a container that keeps
/// the capabilities `keep` (refusals lifted by a kept capability are left out, as
/// Docker does: `--cap-add SYS_ADMIN` allows mount). EPERM for each, except clone3:
/// ENOSYS, so that the C library falls back to clone, whose flags a filter can see
/// (clone3's are in memory).
pub fn default_profile(keep: u64) -> Profile {
    use syscalls::Sysno;
    let has = |c: u32| c < 64 && keep & (1 << c) != 0;
    let mut p = Profile::new(ALLOW);
    for &e in sysnames::DEFAULT_DENY {
        if !has((e >> 16) & 0xff) && !has(e >> 24) {
            p.add(e & 0xffff, EPERM, &[]);
        }
    }
    if !has(crate::caps::SYS_ADMIN) {
        let clone = Sysno::clone as u32;
        p.add(clone, ALLOW, &[Cond::masked(0, NS_FLAGS, Op::Eq, 0)]);
        p.add(clone, EPERM, &[]);
        p.add(Sysno::clone3 as u32, errno(38), &[]);
        let unshare = Sysno::unshare as u32;
        p.add(
            unshare,
            ALLOW,
            &[Cond::masked(0, UNSHARE_NS_FLAGS, Op::Eq, 0)],
        );
        p.add(unshare, EPERM, &[]);
    }
    let pers = Sysno::personality as u32;
    for v in PERSONALITIES {
        p.add(pers, ALLOW, &[Cond::new(0, Op::Eq, v)]);
    }
    p.add(pers, EPERM, &[]);
    // AF_VSOCK reaches the hypervisor's host; the domain is an int: compare 32 bits.
    p.add(
        Sysno::socket as u32,
        EPERM,
        &[Cond::masked(0, 0xffff_ffff, Op::Eq, AF_VSOCK)],
    );
    p
}

/// A number: decimal, `0x` hexadecimal, or a negative decimal (two's complement, for
/// `int` arguments such as -1).
pub fn parse_num(s: &[u8]) -> Option<u64> {
    if let Some(h) = s.strip_prefix(b"0x") {
        if h.is_empty() || h.len() > 16 {
            return None;
        }
        return h.iter().try_fold(0u64, |acc, &c| {
            let d = (c as char).to_digit(16)?;
            Some(acc << 4 | d as u64)
        });
    }
    if let Some(d) = s.strip_prefix(b"-") {
        let n = crate::out::parse_u64(d)?;
        return (n <= 1 << 63).then(|| n.wrapping_neg());
    }
    crate::out::parse_u64(s)
}

/// `argN==V`, `argN&MASK==V`, with `==`, `!=`, `<`, `<=`, `>`, `>=`.
pub fn parse_cond(w: &[u8]) -> Result<Cond, &'static str> {
    const SYNTAX: &str = "not a comparison: argN OP VALUE or argN&MASK OP VALUE, \
                          N 0-5, OP == != < <= > >=";
    let rest = w.strip_prefix(b"arg").ok_or(SYNTAX)?;
    let arg = match rest.first() {
        Some(&d @ b'0'..=b'5') => d - b'0',
        _ => return Err(SYNTAX),
    };
    let rest = &rest[1..];
    let op_at = rest
        .iter()
        .position(|c| b"=!<>".contains(c))
        .ok_or(SYNTAX)?;
    let mask = match rest[..op_at].strip_prefix(b"&") {
        Some(m) => parse_num(m).ok_or("the mask is not a number")?,
        None if op_at == 0 => u64::MAX,
        None => return Err(SYNTAX),
    };
    let rest = &rest[op_at..];
    let (op, len) = match rest {
        [b'=', b'=', ..] => (Op::Eq, 2),
        [b'!', b'=', ..] => (Op::Ne, 2),
        [b'<', b'=', ..] => (Op::Le, 2),
        [b'>', b'=', ..] => (Op::Ge, 2),
        [b'<', ..] => (Op::Lt, 1),
        [b'>', ..] => (Op::Gt, 1),
        _ => return Err(SYNTAX),
    };
    let val = parse_num(&rest[len..]).ok_or("the value is not a number")?;
    if val & !mask != 0 && matches!(op, Op::Eq | Op::Ne) {
        return Err("the value has bits outside the mask: the comparison would never change");
    }
    Ok(Cond::masked(arg, mask, op, val))
}

/// The next word of `s` (separated by spaces, tabs or CRs), advancing `s` past it.
fn next_word<'a>(s: &mut &'a [u8]) -> Option<&'a [u8]> {
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\r');
    let mut i = 0;
    while i < s.len() && blank(s[i]) {
        i += 1;
    }
    let start = i;
    while i < s.len() && !blank(s[i]) {
        i += 1;
    }
    let w = &s[start..i];
    *s = &s[i..];
    (!w.is_empty()).then_some(w)
}

/// A parse error: the word to quote, and why.
type Bad<'a> = (&'a [u8], &'static str);

/// An action: `allow`, `kill`, `errno N` or `errno ENAME` (consumes 1 or 2 words);
/// a missing one is blamed on `after`.
fn parse_action<'a>(after: &'a [u8], line: &mut &'a [u8]) -> Result<u32, Bad<'a>> {
    const WHAT: &str = "expected an action: allow, errno N (or a name like EPERM), kill";
    let w = next_word(line).ok_or((after, WHAT))?;
    match crate::out::word_index("allow kill errno", w, false) {
        Some(0) => Ok(ALLOW),
        Some(1) => Ok(KILL),
        Some(_) => {
            let v = next_word(line).ok_or((w, "errno needs a number or a name"))?;
            let e = match errno_parse(v) {
                Some(e) => e as u64,
                None => crate::out::parse_u64(v)
                    .filter(|&e| e <= 4095)
                    .ok_or((v, "not an errno: 0-4095 or a name like EPERM"))?,
            };
            Ok(errno(e as u32))
        }
        None => Err((w, WHAT)),
    }
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
pub fn parse_profile(text: &[u8], file: &[u8], names: &Table) -> Result<Profile, Error> {
    let mut p = Profile::new(ALLOW);
    let mut seen_default = false;
    let mut rest = Some(text);
    let mut n = 0;
    while let Some(r) = rest {
        let (line, next) = cut(r, b'\n');
        rest = next;
        n += 1;
        if let Err((tok, why)) = parse_line(cut(line, b'#').0, &mut p, names, &mut seen_default) {
            let mut obj = Vec::with_capacity(file.len() + tok.len() + 12);
            obj.extend_from_slice(file);
            obj.push(b':');
            obj.extend_from_slice(fmt_u64(n, &mut [0; 20]));
            if !tok.is_empty() {
                obj.extend_from_slice(b" '");
                obj.extend_from_slice(tok);
                obj.push(b'\'');
            }
            return Err(Error::new(b"--seccomp", &obj, 0, why.as_bytes()));
        }
    }
    Ok(p)
}

fn parse_line<'a>(
    mut line: &'a [u8],
    p: &mut Profile,
    names: &Table,
    seen_default: &mut bool,
) -> Result<(), Bad<'a>> {
    let Some(first) = next_word(&mut line) else {
        return Ok(());
    };
    let default = first == b"default";
    let nr = if default {
        if *seen_default {
            return Err((first, "a second default line"));
        }
        *seen_default = true;
        0
    } else {
        names.lookup(first).ok_or((first, sysnames::UNKNOWN))?
    };
    let ret = parse_action(first, &mut line)?;
    let mut conds = [Cond::new(0, Op::Eq, 0); MAX_CONDS];
    let mut n = 0;
    while let Some(w) = next_word(&mut line) {
        if default {
            return Err((w, "the default action takes no comparison"));
        }
        if n == MAX_CONDS {
            return Err((w, "more than 8 comparisons in one rule"));
        }
        conds[n] = parse_cond(w).map_err(|why| (w, why))?;
        n += 1;
    }
    if default {
        p.default = ret;
    } else {
        p.add(nr, ret, &conds[..n]);
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

    fn built(p: &Profile) -> Vec<Insn> {
        let prog = build(p).unwrap();
        let pre = prelude();
        assert_eq!(prog[..pre.len()], pre[..]);
        prog[pre.len()..].to_vec()
    }

    // Offsets of args[0] halves in struct seccomp_data (little-endian).
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
            (LD, AND, JEQ, JGT, JGE, JSET, JA, RET),
            (0x20, 0x54, 0x15, 0x25, 0x35, 0x45, 0x05, 0x06)
        );
        assert_eq!(
            (ALLOW, KILL, EPERM),
            (0x7fff_0000, 0x8000_0000, 0x0005_0001)
        );
    }

    #[test]
    fn empty_profile_is_the_prelude_and_the_default() {
        assert_eq!(built(&Profile::new(ALLOW)), [i(RET, 0, 0, ALLOW)]);
        assert!(Profile::new(ALLOW).is_noop());
        assert!(!Profile::new(EPERM).is_noop());
        assert_eq!(built(&Profile::new(KILL)), [i(RET, 0, 0, KILL)]);
    }

    #[test]
    fn one_denied_call() {
        let mut p = Profile::new(ALLOW);
        p.add(62, EPERM, &[]);
        assert_eq!(
            built(&p),
            [i(JEQ, 0, 1, 62), i(RET, 0, 0, EPERM), i(RET, 0, 0, ALLOW),]
        );
    }

    #[test]
    fn a_leaf_is_a_row_of_jeq_in_number_order() {
        let mut p = Profile::new(ALLOW);
        p.add(9, EPERM, &[]);
        p.add(3, KILL, &[]);
        p.add(5, errno(13), &[]);
        p.add(3, EPERM, &[]); // unreachable after an unconditional rule: not emitted
        assert_eq!(
            built(&p),
            [
                i(JEQ, 0, 1, 3),
                i(RET, 0, 0, KILL),
                i(JEQ, 0, 1, 5),
                i(RET, 0, 0, errno(13)),
                i(JEQ, 0, 1, 9),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
            ]
        );
    }

    #[test]
    fn more_calls_make_a_search_tree() {
        let mut p = Profile::new(ALLOW);
        for nr in [10, 20, 30, 40, 50, 60, 70] {
            p.add(nr, EPERM, &[]);
        }
        // 7 calls: split at index 3 (40): [10 20 30] and [40 50 60 70], which splits
        // again at 60: [40 50] and [60 70].
        assert_eq!(
            built(&p),
            [
                i(JGE, 7, 0, 40),
                i(JEQ, 0, 1, 10),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 20),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 30),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
                i(JGE, 5, 0, 60),
                i(JEQ, 0, 1, 40),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 50),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
                i(JEQ, 0, 1, 60),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 70),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
            ]
        );
    }

    #[test]
    fn runs_of_calls_answered_alike_are_ranges() {
        let mut p = Profile::new(ALLOW);
        for nr in [3, 4, 5, 7, 9] {
            p.add(nr, EPERM, &[]);
        }
        p.add(6, KILL, &[]);
        p.add(10, EPERM, &[Cond::new(0, Op::Eq, 1)]); // conditional: not merged with 9
        assert_eq!(
            built(&p),
            [
                i(JGE, 6, 0, 7),
                i(JGE, 0, 2, 3),
                i(JGT, 1, 0, 5),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 6),
                i(RET, 0, 0, KILL),
                i(RET, 0, 0, ALLOW),
                i(JEQ, 0, 1, 7),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 1, 9),
                i(RET, 0, 0, EPERM),
                i(JEQ, 0, 6, 10),
                i(LD, 0, 0, A0HI),
                i(JEQ, 0, 3, 0),
                i(LD, 0, 0, A0LO),
                i(JEQ, 0, 1, 1),
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
                i(RET, 0, 0, ALLOW),
            ]
        );
        check_by_interpreting(&p, &build(&p).unwrap());
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
            (
                Cond::new(1, Op::Ge, 7),
                vec![
                    i(LD, 0, 0, A1HI),
                    i(JGT, 3, 0, 0),
                    i(JEQ, 0, 3, 0),
                    i(LD, 0, 0, A1LO),
                    i(JGE, 0, 1, 7),
                ],
            ),
            // arg0 < 7: high > 0 fails, high < 0 (never) holds, low >= 7 fails.
            (
                Cond::new(0, Op::Lt, 7),
                vec![
                    i(LD, 0, 0, A0HI),
                    i(JGT, 4, 0, 0),
                    i(JEQ, 0, 2, 0),
                    i(LD, 0, 0, A0LO),
                    i(JGE, 1, 0, 7),
                ],
            ),
            (
                Cond::new(0, Op::Le, 7),
                vec![
                    i(LD, 0, 0, A0HI),
                    i(JGT, 4, 0, 0),
                    i(JEQ, 0, 2, 0),
                    i(LD, 0, 0, A0LO),
                    i(JGT, 1, 0, 7),
                ],
            ),
            // Masked: the high half masked out entirely is not tested.
            (
                Cond::masked(0, 0x7e02_0000, Op::Eq, 0),
                vec![
                    i(LD, 0, 0, A0LO),
                    i(AND, 0, 0, 0x7e02_0000),
                    i(JEQ, 0, 1, 0),
                ],
            ),
            (
                Cond::masked(1, 0xff_0000_00ff, Op::Eq, 0x10_0000_0010),
                vec![
                    i(LD, 0, 0, A1HI),
                    i(AND, 0, 0, 0xff),
                    i(JEQ, 0, 4, 0x10),
                    i(LD, 0, 0, A1LO),
                    i(AND, 0, 0, 0xff),
                    i(JEQ, 0, 1, 0x10),
                ],
            ),
            (
                Cond::masked(0, 0xffff_ffff, Op::Ne, 40),
                vec![i(LD, 0, 0, A0LO), i(JEQ, 1, 0, 40)],
            ),
        ];
        for (c, want) in cases {
            let mut p = Profile::new(ALLOW);
            p.add(1, EPERM, &[c]);
            let mut full = vec![i(JEQ, 0, want.len() as u8 + 2, 1)];
            full.extend(want);
            full.extend([
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, ALLOW),
                i(RET, 0, 0, ALLOW),
            ]);
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
                i(JEQ, 0, 10, 135),
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
                i(RET, 0, 0, EPERM),
                i(RET, 0, 0, KILL),
            ]
        );
    }

    #[test]
    fn far_jumps_go_through_ja() {
        // 60 rules with comparisons on one call: its body is longer than 255.
        let mut p = Profile::new(ALLOW);
        for v in 0..60 {
            p.add(7, errno(v + 1), &[Cond::new(0, Op::Eq, v as u64 + 100)]);
        }
        let prog = built(&p);
        assert_eq!(prog[0], i(JEQ, 1, 0, 7));
        let body = 60 * 5 + 1;
        assert_eq!(prog[1], i(JA, 0, 0, body));
        assert_eq!(prog[2 + body as usize], i(RET, 0, 0, ALLOW));
        assert_eq!(prog.len(), 3 + body as usize);
        // The same far jump in the tree: a left subtree longer than 255.
        let mut p = Profile::new(ALLOW);
        for nr in 0..200 {
            p.add(2 * nr, EPERM, &[]);
        }
        let prog = built(&p);
        assert_eq!((prog[0].code, prog[0].jt, prog[0].jf), (JGE, 0, 1));
        assert_eq!(prog[1].code, JA);
        let right = 2 + prog[1].k as usize;
        assert_eq!((prog[right].code, prog[right].k), (JGE, 300));
        check_by_interpreting(&p, &build(&p).unwrap());
    }

    #[test]
    fn too_long_is_refused() {
        let mut p = Profile::new(ALLOW);
        for nr in 0..2100 {
            p.add(2 * nr, EPERM, &[]);
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

    /// What a profile means, evaluated directly.
    fn eval(p: &Profile, nr: u32, args: [u64; 6]) -> u32 {
        for r in p.rules.iter().filter(|r| r.nr == nr) {
            let conds = &p.conds[r.first as usize..(r.first + r.n) as usize];
            if conds.iter().all(|c| {
                let a = args[c.arg as usize] & c.mask;
                match c.op {
                    Op::Eq => a == c.val,
                    Op::Ne => a != c.val,
                    Op::Lt => a < c.val,
                    Op::Le => a <= c.val,
                    Op::Gt => a > c.val,
                    Op::Ge => a >= c.val,
                }
            }) {
                return r.ret;
            }
        }
        p.default
    }

    fn check_by_interpreting(p: &Profile, prog: &[Insn]) {
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
        let mut nrs: Vec<u32> = p.rules.iter().map(|r| r.nr).collect();
        nrs.extend([0, 1, 500, 1000]);
        for &nr in &nrs {
            for &a in &values {
                for &b in &values[..6] {
                    let args = [a, b, a ^ b, 0, 0, 0];
                    assert_eq!(
                        run(prog, AUDIT_ARCH, nr, args),
                        eval(p, nr, args),
                        "nr {nr} args {args:x?}"
                    );
                }
            }
        }
        assert_eq!(run(prog, 0x4000_0003, 1, [0; 6]), KILL, "i386 is killed");
        if cfg!(target_arch = "x86_64") {
            assert_eq!(
                run(prog, AUDIT_ARCH, X32_BIT | 1, [0; 6]),
                KILL,
                "x32 killed"
            );
        }
    }

    #[test]
    fn every_comparison_means_what_it_says() {
        // Each operator against values around both halves, by interpretation.
        let mut p = Profile::new(ALLOW);
        let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];
        let vals = [0, 5, 0xffff_ffff, 0x1_0000_0005, 0x2_0000_0000];
        let mut nr = 100;
        for op in ops {
            for v in vals {
                p.add(nr, errno(nr), &[Cond::new(0, op, v)]);
                p.add(
                    nr + 1,
                    errno(nr),
                    &[Cond::masked(
                        1,
                        0xffff_0000_ffff_fff0,
                        op,
                        v & 0xffff_0000_ffff_fff0,
                    )],
                );
                p.add(nr + 2, errno(nr), &[Cond::masked(0, 0xff, op, v & 0xff)]);
                nr += 3;
            }
        }
        check_by_interpreting(&p, &build(&p).unwrap());
    }

    #[test]
    fn default_profile_refuses_what_docker_refuses() {
        use syscalls::Sysno;
        let p = default_profile(crate::caps::DEFAULT);
        let prog = build(&p).unwrap();
        check_by_interpreting(&p, &prog);
        let r = |s: Sysno, args: [u64; 6]| run(&prog, AUDIT_ARCH, s as u32, args);
        let z = [0; 6];
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
        assert_eq!(
            r(Sysno::clone, [0x1200011, 0, 0, 0, 0, 0]),
            ALLOW,
            "fork's flags"
        );
        assert_eq!(r(Sysno::clone, [0x1000_0000 | 17, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(r(Sysno::unshare, [0x1000_0000, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(r(Sysno::unshare, [0x80, 0, 0, 0, 0, 0]), EPERM, "time ns");
        assert_eq!(r(Sysno::unshare, [0x200, 0, 0, 0, 0, 0]), ALLOW, "CLONE_FS");
        assert_eq!(r(Sysno::clone3, z), errno(38));
        assert_eq!(r(Sysno::personality, [0xffff_ffff, 0, 0, 0, 0, 0]), ALLOW);
        assert_eq!(
            r(Sysno::personality, [0x0040000, 0, 0, 0, 0, 0]),
            EPERM,
            "READ_IMPLIES_EXEC"
        );
        assert_eq!(r(Sysno::socket, [40, 1, 0, 0, 0, 0]), EPERM, "AF_VSOCK");
        assert_eq!(
            r(Sysno::socket, [0xffff_ffff_0000_0028, 1, 0, 0, 0, 0]),
            EPERM
        );
        assert_eq!(r(Sysno::socket, [2, 1, 0, 0, 0, 0]), ALLOW);
        // A kept capability lifts its refusals, as in Docker.
        let admin = default_profile(crate::caps::DEFAULT | 1 << crate::caps::SYS_ADMIN);
        let prog = build(&admin).unwrap();
        for s in [Sysno::mount, Sysno::setns, Sysno::bpf, Sysno::clone3] {
            assert_eq!(run(&prog, AUDIT_ARCH, s as u32, z), ALLOW, "{s:?}");
        }
        assert_eq!(
            run(
                &prog,
                AUDIT_ARCH,
                Sysno::unshare as u32,
                [0x1000_0000, 0, 0, 0, 0, 0]
            ),
            ALLOW
        );
        assert_eq!(run(&prog, AUDIT_ARCH, Sysno::kexec_load as u32, z), EPERM);
        // --cap-drop ALL: chroot is refused too (Docker allows it only with SYS_CHROOT).
        let none = build(&default_profile(0)).unwrap();
        assert_eq!(run(&none, AUDIT_ARCH, Sysno::chroot as u32, z), EPERM);
    }

    #[test]
    fn default_refusals_resolve_on_this_arch() {
        let t = crate::sysnames::TARGET;
        assert_eq!(
            sysnames::DEFAULT_DENY.len(),
            sysnames::DEFAULT_DENY_NAMES.len()
        );
        for (&e, name) in sysnames::DEFAULT_DENY
            .iter()
            .zip(sysnames::DEFAULT_DENY_NAMES)
        {
            assert_eq!(t.lookup(name.as_bytes()), Some(e & 0xffff), "{name}");
        }
        assert!(sysnames::DEFAULT_DENY_NAMES.contains(&"kexec_load"));
    }

    #[test]
    fn build_time() {
        // Not a threshold: prints the figure quoted in the module's doc comment.
        let t = std::time::Instant::now();
        let n = 2000;
        let mut len = 0;
        for _ in 0..n {
            let p = default_profile(crate::caps::DEFAULT);
            len = build(&p).unwrap().len();
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
        ] {
            assert_eq!(parse_cond(s.as_bytes()), Ok(c), "{s}");
        }
        for s in [
            "arg6==1",
            "arg==1",
            "argx==1",
            "arg0=1",
            "arg0==",
            "arg0==x",
            "arg0&==1",
            "arg0&0x10==0x11",
            "arg0 ==1",
            "arg0===1",
            "arg0==0x",
            "arg0==0x12345678123456789",
            "arg0==--1",
            "arg0&1x==1",
            "0==arg0",
        ] {
            assert!(parse_cond(s.as_bytes()).is_err(), "{s}");
        }
    }

    #[test]
    fn file_errors_carry_the_line_number() {
        for (text, want) in [
            ("\n\nread\n", "husk: --seccomp prof:3 'read': expected an action: allow, errno N (or a name like EPERM), kill\n"),
            ("read deny\n", "husk: --seccomp prof:1 'deny': expected an action: allow, errno N (or a name like EPERM), kill\n"),
            ("read errno\n", "husk: --seccomp prof:1 'errno': errno needs a number or a name\n"),
            ("read errno 4096\n", "husk: --seccomp prof:1 '4096': not an errno: 0-4095 or a name like EPERM\n"),
            ("read errno ENOPE\n", "husk: --seccomp prof:1 'ENOPE': not an errno: 0-4095 or a name like EPERM\n"),
            ("# x\nread allow arg9==1\n", "husk: --seccomp prof:2 'arg9==1': not a comparison: argN OP VALUE or argN&MASK OP VALUE, N 0-5, OP == != < <= > >=\n"),
            ("default allow\ndefault kill\n", "husk: --seccomp prof:2 'default': a second default line\n"),
            ("default kill arg0==1\n", "husk: --seccomp prof:1 'arg0==1': the default action takes no comparison\n"),
            ("read allow a b c d e f g h i\n", "husk: --seccomp prof:1 'a': not a comparison: argN OP VALUE or argN&MASK OP VALUE, N 0-5, OP == != < <= > >=\n"),
            ("read allow arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1 arg0==1\n", "husk: --seccomp prof:1 'arg0==1': more than 8 comparisons in one rule\n"),
            ("default\n", "husk: --seccomp prof:1 'default': expected an action: allow, errno N (or a name like EPERM), kill\n"),
        ] {
            assert_eq!(parse(text).unwrap_err(), want, "{text:?}");
        }
        assert_eq!(
            parse("read allow\nfrob allow\n").unwrap_err(),
            std::format!("husk: --seccomp prof:2 'frob': {}\n", sysnames::UNKNOWN)
        );
    }
}
