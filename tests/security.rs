//! Security, live: the building blocks (src/security.rs, src/seccomp.rs, src/caps.rs),
//! each test forking and doing in the child what `husk run`'s child does just before
//! exec; then `husk run` itself. Each checks the kernel's view: /proc/PID/status of the
//! exec'd program, the errno of a refused call, /proc/PID/fd, mountinfo, /proc/1/exe.
mod common;
use common::*;
use husk::cli::security::{parse_opt, SecSpec};
use husk::cli::Lexer;
use husk::security::{self, Ident, Prepared};
use husk::sys::security as sys;
use std::ffi::CString;
use std::io::Read;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Instant;

fn prepared(args: &[&str]) -> Prepared {
    let args: Vec<&'static [u8]> = args
        .iter()
        .map(|a| String::from(*a).leak().as_bytes())
        .collect();
    let mut l = Lexer::new(&args, 0);
    let mut s = SecSpec::default();
    while let Some(a) = l.next_arg().unwrap() {
        assert!(parse_opt(a, &mut l, &mut s).unwrap(), "{a:?}");
    }
    s.resolve().unwrap()
}

#[derive(Debug, PartialEq)]
enum End {
    Code(i32),
    Signal(i32),
}

/// Forks; the child runs `f(out)` (out: the write end of a pipe) and exits with its
/// return value, unless it exec'd. Returns what was written to the pipe and how the
/// child ended.
fn in_child(f: impl FnOnce(i32) -> i32) -> (String, End) {
    let (rd, wr) = pipe();
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        unsafe { libc::close(rd) };
        let code = f(wr);
        unsafe { libc::_exit(code) };
    }
    unsafe { libc::close(wr) };
    let mut out = String::new();
    unsafe { std::fs::File::from_raw_fd(rd) }
        .read_to_string(&mut out)
        .unwrap();
    (out, reap(pid))
}

fn pipe() -> (i32, i32) {
    let mut p = [0; 2];
    assert_eq!(unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    (p[0], p[1])
}

fn reap(pid: i32) -> End {
    let mut st = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut st, 0) }, pid);
    if libc::WIFSIGNALED(st) {
        End::Signal(libc::WTERMSIG(st))
    } else {
        End::Code(libc::WEXITSTATUS(st))
    }
}

fn say(fd: i32, s: &str) {
    unsafe { libc::write(fd, s.as_ptr().cast(), s.len()) };
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

/// The result of a raw system call as "0", a value, or an errno name.
fn res(r: libc::c_long) -> String {
    if r < 0 {
        husk::error::errno_name(errno()).escape_ascii().to_string()
    } else {
        r.to_string()
    }
}

/// execv(path, argv) with stdout on `out`; returns only on failure.
fn exec_to(out: i32, argv: &[&str]) -> i32 {
    let c: Vec<CString> = argv.iter().map(|a| CString::new(*a).unwrap()).collect();
    let mut p: Vec<*const libc::c_char> = c.iter().map(|a| a.as_ptr()).collect();
    p.push(std::ptr::null());
    unsafe {
        libc::dup2(out, 1);
        libc::execv(p[0], p.as_ptr());
    }
    127
}

/// A field of a /proc/PID/status text.
fn field<'a>(status: &'a str, name: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in {status}"))
        .trim()
}

fn hex(status: &str, name: &str) -> u64 {
    u64::from_str_radix(field(status, name), 16).unwrap()
}

/// Docker's default capabilities as /proc/PID/status shows them.
const DOCKER_DEFAULT: u64 = 0xa80425fb;

/// In the child: no_new_privs and the filter, without touching capabilities (works
/// without root).
fn filter_only(p: &Prepared) -> Result<(), String> {
    sys::set_no_new_privs().map_err(|e| format!("nnp {e:?}"))?;
    security::install_filter(p).map_err(|e| String::from_utf8_lossy(&e.render().0).into())
}

#[test]
fn seed_case_seccomp_deny_kill() {
    let p = prepared(&["--seccomp", "unconfined", "--seccomp-deny", "kill"]);
    let (out, end) = in_child(|out| {
        if let Err(e) = filter_only(&p) {
            say(out, &e);
            return 1;
        }
        let me = unsafe { libc::getpid() };
        let kill = res(unsafe { libc::syscall(libc::SYS_kill, me, 0) });
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        let tgkill = res(unsafe { libc::syscall(libc::SYS_tgkill, me, tid, 0) });
        let st = std::fs::read_to_string("/proc/self/status").unwrap();
        say(
            out,
            &format!(
                "kill={kill} tgkill={tgkill} seccomp={} nnp={}\n",
                field(&st, "Seccomp"),
                field(&st, "NoNewPrivs")
            ),
        );
        // And a program exec'd under the filter: the shell's kill builtin.
        exec_to(out, &["/bin/sh", "-c", "kill -0 $$ 2>&1; echo rc=$?"])
    });
    assert_eq!(end, End::Code(0), "{out}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("kill=EPERM tgkill=0 seccomp=2 nnp=1"),
        "{out}"
    );
    let rest: Vec<&str> = lines.collect();
    assert!(rest.last() == Some(&"rc=1"), "{out}");
    assert!(out.contains("not permitted"), "{out}");
}

#[test]
fn default_profile_refuses_mount_namespaces_and_more() {
    let p = prepared(&[]);
    let probe = |out: i32| {
        let none = std::ptr::null::<libc::c_char>();
        let tgt = c"/nonexistent-husk-test";
        let mount =
            res(
                unsafe { libc::mount(none, tgt.as_ptr(), c"tmpfs".as_ptr(), 0, none.cast()) }
                    as libc::c_long,
            );
        let userns = res(unsafe { libc::syscall(libc::SYS_unshare, libc::CLONE_NEWUSER) });
        let clone3 = res(unsafe { libc::syscall(libc::SYS_clone3, 0usize, 0usize) });
        let fs = res(unsafe { libc::syscall(libc::SYS_unshare, libc::CLONE_FS) });
        let vsock = res(unsafe { libc::syscall(libc::SYS_socket, libc::AF_VSOCK, 1, 0) });
        let pers = res(unsafe { libc::syscall(libc::SYS_personality, 0x0400000) });
        let keyctl = res(unsafe { libc::syscall(libc::SYS_keyctl, 0, -3, 0) });
        let query = unsafe { libc::syscall(libc::SYS_personality, 0xffffffffu64) } >= 0;
        // Threads: glibc tries clone3 first and falls back to clone on ENOSYS.
        let thread = std::thread::spawn(|| 7).join().unwrap_or(0);
        let child = unsafe { libc::fork() };
        if child == 0 {
            unsafe { libc::_exit(3) };
        }
        let fork = if child > 0 {
            format!("{:?}", reap(child))
        } else {
            res(-1)
        };
        say(
            out,
            &format!(
                "mount={mount} userns={userns} clone3={clone3} fs={fs} vsock={vsock} \
                 personality={pers} keyctl={keyctl} query={query} thread={thread} fork={fork}"
            ),
        );
        0
    };
    let (out, end) = in_child(|out| match filter_only(&p) {
        Ok(()) => probe(out),
        Err(e) => {
            say(out, &e);
            1
        }
    });
    assert_eq!(end, End::Code(0), "{out}");
    assert_eq!(
        out,
        "mount=EPERM userns=EPERM clone3=ENOSYS fs=0 vsock=EPERM personality=EPERM \
         keyctl=EPERM query=true thread=7 fork=Code(3)"
    );
    // The same calls without the filter answer otherwise: the filter made the difference.
    let (out, _) = in_child(probe);
    assert!(!out.contains("clone3=ENOSYS"), "{out}");
    if is_root() {
        assert!(
            out.contains("mount=ENOENT") && out.contains("userns=0"),
            "{out}"
        );
    }
}

#[test]
fn file_rule_with_argument_comparisons() {
    let dir = std::env::temp_dir().join(format!("husk-sec-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profile");
    std::fs::write(
        &file,
        "# signal 0 probes are refused; so is a signal number with its high half set\n\
         kill errno EACCES arg1==0\n\
         kill errno EDOM arg1&0x100000000==0x100000000\n",
    )
    .unwrap();
    let p = prepared(&["--seccomp", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let (out, end) = in_child(|out| {
        if let Err(e) = filter_only(&p) {
            say(out, &e);
            return 1;
        }
        let me = unsafe { libc::getpid() } as libc::c_long;
        let zero = res(unsafe { libc::syscall(libc::SYS_kill, me, 0) });
        // The kernel reads an int: this is signal 0 to it, but not to a 64-bit filter.
        let high = res(unsafe { libc::syscall(libc::SYS_kill, me, 0x1_0000_0000u64) });
        let cont = res(unsafe { libc::syscall(libc::SYS_kill, me, libc::SIGCONT) });
        say(out, &format!("zero={zero} high={high} cont={cont}"));
        0
    });
    assert_eq!(end, End::Code(0), "{out}");
    assert_eq!(out, "zero=EACCES high=EDOM cont=0");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn foreign_arch_and_x32_calls_kill_the_process() {
    let p = prepared(&["--seccomp", "unconfined", "--seccomp-deny", "kill"]);
    // i386's getpid through int 0x80: the filter sees AUDIT_ARCH_I386.
    let int80 = |_| {
        let mut r: i64 = 20;
        unsafe { std::arch::asm!("int 0x80", inlateout("rax") r) };
        if r > 0 {
            0
        } else {
            2
        }
    };
    // x32's getpid: the x86_64 arch with bit 30 in the number.
    let x32 = |_| {
        let r = unsafe { libc::syscall(39 | 0x4000_0000) };
        if r > 0 {
            0
        } else {
            2
        }
    };
    let filtered = |f: &dyn Fn(i32) -> i32| {
        in_child(|out| {
            filter_only(&p).unwrap();
            f(out)
        })
        .1
    };
    match in_child(int80).1 {
        End::Code(0) => assert_eq!(filtered(&int80), End::Signal(libc::SIGSYS)),
        other => eprintln!("SKIP int 0x80 part: this kernel runs no i386 code ({other:?})"),
    }
    // Unfiltered, x32 is ENOSYS (not enabled) or works; filtered, it kills.
    assert_ne!(in_child(x32).1, End::Signal(libc::SIGSYS));
    assert_eq!(filtered(&x32), End::Signal(libc::SIGSYS));
}

/// apply() as the child will, then exec cat /proc/self/status: the exec'd view.
fn status_after_apply(args: &[&str], id: Ident) -> String {
    let p = prepared(args);
    let (out, end) = in_child(|out| {
        if let Err(e) = security::apply(&p, &id) {
            say(out, &String::from_utf8_lossy(&e.render().0));
            return 1;
        }
        exec_to(out, &["/bin/cat", "/proc/self/status"])
    });
    assert_eq!(end, End::Code(0), "{args:?}: {out}");
    out
}

fn caps_of(st: &str) -> [u64; 5] {
    ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"].map(|f| hex(st, f))
}

/// Every capability this kernel has.
fn all_caps() -> u64 {
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (1u64 << (last + 1)) - 1
}

#[test]
fn capabilities_as_the_exec_d_command_holds_them() {
    if skip_unless_root("capabilities_as_the_exec_d_command_holds_them") {
        return;
    }
    let user = Ident {
        uid: Some(1000),
        gid: Some(1000),
        groups: Some(&[]),
    };
    let d = DOCKER_DEFAULT;
    // (options, identity, [inh, prm, eff, bnd, amb], NoNewPrivs, Seccomp)
    let nbs = 1 << 10;
    let admin = (d & !1 & !(1 << 13)) | 1 << 21;
    // --privileged keeps all that the test itself holds (a VM may withhold some).
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let (prm, bnd) = (hex(&own, "CapPrm"), hex(&own, "CapBnd"));
    assert_eq!(bnd & !all_caps(), 0);
    type Case<'a> = (&'a [&'a str], Ident<'a>, [u64; 5], &'a str, &'a str);
    let cases: &[Case] = &[
        (&[], Ident::default(), [0, d, d, d, 0], "1", "2"),
        // A non-root command: nothing effective from the default set (as Docker)...
        (&[], user, [0, 0, 0, d, 0], "1", "2"),
        // ...but what --cap-add names survives exec, as ambient.
        (
            &["--cap-drop", "ALL", "--cap-add", "NET_BIND_SERVICE"],
            user,
            [nbs, nbs, nbs, nbs, nbs],
            "1",
            "2",
        ),
        (
            &["--cap-drop", "chown,CAP_NET_RAW", "--cap-add", "sys_admin"],
            Ident::default(),
            [0, admin, admin, admin, 0],
            "1",
            "2",
        ),
        (&["--cap-drop", "ALL"], Ident::default(), [0; 5], "1", "2"),
        (
            &["--privileged"],
            Ident::default(),
            [0, prm, prm, bnd, 0],
            "1",
            "0",
        ),
        // Without no_new_privs the filter goes on first, while CAP_SYS_ADMIN is held.
        (
            &["--allow-new-privs"],
            Ident::default(),
            [0, d, d, d, 0],
            "0",
            "2",
        ),
        (&["--allow-new-privs"], user, [0, 0, 0, d, 0], "0", "2"),
    ];
    for (args, id, caps, nnp, seccomp) in cases {
        let st = status_after_apply(args, *id);
        assert_eq!(caps_of(&st), *caps, "{args:?} {id:?}:\n{st}");
        assert_eq!(field(&st, "NoNewPrivs"), *nnp, "{args:?}");
        assert_eq!(field(&st, "Seccomp"), *seccomp, "{args:?}");
        if id.uid.is_some() {
            assert_eq!(field(&st, "Uid"), "1000\t1000\t1000\t1000");
            assert_eq!(field(&st, "Gid"), "1000\t1000\t1000\t1000");
            assert_eq!(field(&st, "Groups"), "");
        }
    }
}

#[test]
fn bounding_set_probe_finds_the_kernel_s_last_capability() {
    if skip_unless_root("bounding_set_probe_finds_the_kernel_s_last_capability") {
        return;
    }
    let (out, end) = in_child(|out| {
        let known = security::drop_bounding(u64::MAX).unwrap();
        let left = security::drop_bounding(1 << 5).unwrap();
        let st = std::fs::read_to_string("/proc/self/status").unwrap();
        say(out, &format!("{known:x} {left:x} {:x}", hex(&st, "CapBnd")));
        0
    });
    assert_eq!(end, End::Code(0));
    let all = all_caps();
    assert_eq!(out, format!("{all:x} {all:x} 20"));
}

#[test]
fn only_0_1_2_and_preserved_fds_reach_the_command() {
    let (feed_rd, feed_wr) = pipe();
    let (out_rd, out_wr) = pipe();
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        unsafe {
            libc::dup2(feed_rd, 0);
            libc::dup2(out_wr, 1);
            // The preserved one, with FD_CLOEXEC that must be cleared.
            libc::dup3(out_wr, 3, libc::O_CLOEXEC);
            // Leaks husk must stop: descriptors without FD_CLOEXEC.
            let leak = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            libc::dup2(leak, 7);
            libc::dup(leak);
            if security::close_fds(1).is_err() {
                libc::_exit(1);
            }
        }
        exec_to(1, &["/bin/cat"]);
        unsafe { libc::_exit(127) };
    }
    unsafe {
        libc::close(feed_rd);
        libc::close(out_wr);
    }
    // Wait for cat to be running: it echoes a line. (Its comm says cat a little before
    // the kernel closes the close-on-exec descriptors.)
    let line = b"x\n";
    assert_eq!(unsafe { libc::write(feed_wr, line.as_ptr().cast(), 2) }, 2);
    let mut echo = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        let n = unsafe { libc::read(out_rd, echo[got..].as_mut_ptr().cast(), 2 - got) };
        assert!(n > 0, "cat never ran");
        got += n as usize;
    }
    let mut fds: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect();
    fds.sort();
    let fd3 = std::fs::read_link(format!("/proc/{pid}/fd/3")).unwrap();
    unsafe { libc::close(feed_wr) };
    assert_eq!(reap(pid), End::Code(0));
    unsafe { libc::close(out_rd) };
    assert_eq!(fds, [0, 1, 2, 3]);
    assert!(fd3.to_str().unwrap().starts_with("pipe:"), "{fd3:?}");
}

#[test]
fn close_all_but_keeps_0_1_2_and_what_it_is_told() {
    let (out, end) = in_child(|out| {
        let out = unsafe {
            let out = libc::dup2(out, 20);
            for fd in 3..=12 {
                libc::dup2(0, fd);
            }
            out
        };
        // In any order; 4 is below `from` (kept), 12 the last open one.
        security::close_all_but(5, &[20, 12, 7, 8]);
        let fds: Vec<String> = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        let mut fds: Vec<u32> = fds.iter().map(|f| f.parse().unwrap()).collect();
        fds.sort();
        say(out, &format!("{fds:?}"));
        0
    });
    assert_eq!(end, End::Code(0));
    // (read_dir's own descriptor: the lowest free, 5.)
    assert_eq!(out, "[0, 1, 2, 3, 4, 5, 7, 8, 12, 20]");
}

#[test]
fn preserved_fds_must_be_open() {
    let (out, end) = in_child(|out| {
        // The output pipe moves to 9, out of the way of 3 and 4, whatever number it got.
        let out = unsafe {
            libc::dup2(out, 9);
            for fd in 3..9 {
                libc::close(fd);
            }
            libc::dup2(0, 3);
            9
        };
        let one = security::check_preserved_fds(1).is_ok();
        let two = security::check_preserved_fds(2).map_err(|e| e.render().0);
        let none = security::check_preserved_fds(0).is_ok();
        let text = String::from_utf8_lossy(&two.unwrap_err()).into_owned();
        say(out, &format!("{one} {none} {text}"));
        0
    });
    assert_eq!(end, End::Code(0));
    assert_eq!(
        out,
        "true true husk: --preserve-fds fd 4: EBADF (not open)\n"
    );
}

/// Runs `f` in a child whose effective set lacks `drop_eff`; its error as husk prints it.
fn failure(drop_eff: u64, f: &dyn Fn() -> Result<(), husk::error::Error>) -> String {
    in_child(|out| {
        let c = sys::capget().unwrap();
        let c = sys::Caps {
            effective: c.effective & !drop_eff,
            ..c
        };
        sys::capset(c).unwrap();
        match f() {
            Ok(()) => say(out, "ok"),
            Err(e) => say(out, &String::from_utf8_lossy(&e.render().0)),
        }
        0
    })
    .0
}

#[test]
fn failures_render_as_husk_errors() {
    if skip_unless_root("failures_render_as_husk_errors") {
        return;
    }
    // Real failures: each step without the capability it needs.
    let p = prepared(&["--cap-drop", "ALL"]);
    let user = Ident {
        uid: Some(1000),
        ..Ident::default()
    };
    // CAP_SETUID (7) gone from the effective set: setresuid fails.
    assert_eq!(
        failure(1 << 7, &|| security::drop_privileges(&p, &user)),
        "husk: setuid 1000: EPERM\n"
    );
    // CAP_SETPCAP (8): the bounding set stays.
    assert_eq!(
        failure(1 << 8, &|| security::drop_bounding(0).map(drop)),
        "husk: drop bounding capability CHOWN: EPERM (needs CAP_SETPCAP)\n"
    );
    // CAP_SYS_ADMIN (21) and no no_new_privs: no filter.
    let f = prepared(&["--allow-new-privs"]);
    assert_eq!(
        failure(1 << 21, &|| security::install_filter(&f)),
        "husk: install seccomp filter: EACCES (needs no_new_privs or CAP_SYS_ADMIN)\n"
    );
    // --cap-add of a capability husk does not hold (CAP_SYS_TIME, 25, dropped first).
    let p = prepared(&["--cap-add", "SYS_TIME"]);
    let no_time = || {
        security::drop_bounding(!(1 << 25))?;
        let c = sys::capget().unwrap();
        let c = sys::Caps {
            permitted: c.permitted & !(1 << 25),
            effective: c.effective & !(1 << 25),
            ..c
        };
        sys::capset(c).unwrap();
        security::drop_privileges(&p, &Ident::default())
    };
    assert_eq!(
        failure(0, &no_time),
        "husk: --cap-add SYS_TIME: EPERM (husk itself does not hold this capability)\n"
    );
}

#[test]
fn masked_and_read_only_paths() {
    if skip_unless_root("masked_and_read_only_paths") {
        return;
    }
    let mounts_before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let dir = std::env::temp_dir().join(format!("husk-mask-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("proc")).unwrap();
    let root = dir.to_str().unwrap().to_string();
    let (out, end) = in_child(|out| {
        let none = std::ptr::null::<libc::c_char>();
        unsafe {
            assert_eq!(libc::unshare(libc::CLONE_NEWNS), 0);
            let flags = libc::MS_REC | libc::MS_PRIVATE;
            assert_eq!(
                libc::mount(none, c"/".as_ptr(), none, flags, none.cast()),
                0
            );
        }
        let mut r = Vec::new();
        let check = |r: &mut Vec<String>, prefix: &str| {
            let read = |p: &str| match std::fs::read(format!("{prefix}{p}")) {
                Ok(b) => b.len().to_string(),
                Err(e) => format!("{:?}", e.kind()),
            };
            let list = |p: &str| match std::fs::read_dir(format!("{prefix}{p}")) {
                Ok(d) => d.count().to_string(),
                Err(e) => format!("{:?}", e.kind()),
            };
            let write = |p: &str| {
                let c = CString::new(format!("{prefix}{p}")).unwrap();
                let fd = unsafe { libc::open(c.as_ptr(), libc::O_WRONLY) };
                if fd >= 0 {
                    unsafe { libc::close(fd) };
                    "writable".to_string()
                } else {
                    husk::error::errno_name(errno()).escape_ascii().to_string()
                }
            };
            r.push(format!(
                "kcore={} keys={} timer_list={} acpi={} sys={} sysrq={}",
                read("/proc/kcore"),
                read("/proc/keys"),
                read("/proc/timer_list"),
                list("/proc/acpi"),
                write("/proc/sys/kernel/hostname"),
                write("/proc/sysrq-trigger"),
            ));
        };
        if let Err(e) = security::mask_paths(b"") {
            say(out, &String::from_utf8_lossy(&e.render().0));
            return 1;
        }
        check(&mut r, "");
        r.push(format!(
            "firmware={}",
            std::fs::read_dir("/sys/firmware").map_or(-1, |d| d.count() as i64)
        ));
        // Before pivot_root: the same under a new root (its /sys is missing: skipped).
        let proc = CString::new(format!("{root}/proc")).unwrap();
        let rc = unsafe {
            libc::mount(
                c"proc".as_ptr(),
                proc.as_ptr(),
                c"proc".as_ptr(),
                0,
                none.cast(),
            )
        };
        assert_eq!(rc, 0);
        if let Err(e) = security::mask_paths(root.as_bytes()) {
            say(out, &String::from_utf8_lossy(&e.render().0));
            return 1;
        }
        check(&mut r, &root);
        say(out, &r.join("\n"));
        0
    });
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(end, End::Code(0), "{out}");
    // Paths this kernel lacks are skipped (this VM's has no /proc/kcore, no SysRq).
    let has = |p: &str| std::path::Path::new(p).exists();
    let file = |p: &str| if has(p) { "0" } else { "NotFound" };
    let want = format!(
        "kcore={} keys={} timer_list=0 acpi={} sys=EROFS sysrq={}",
        file("/proc/kcore"),
        file("/proc/keys"),
        file("/proc/acpi"),
        if has("/proc/sysrq-trigger") {
            "EROFS"
        } else {
            "ENOENT"
        }
    );
    // What the masks hid is really there on the host.
    assert!(!std::fs::read("/proc/timer_list").unwrap().is_empty());
    assert!(std::fs::read_dir("/sys/firmware").unwrap().count() > 0);
    assert_eq!(out, format!("{want}\nfirmware=0\n{want}"));
    // The child's mount namespace is gone with it: nothing left behind.
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        mounts_before
    );
}

#[test]
fn figures() {
    // Printed, not asserted: the cost of each piece on this machine.
    let p = prepared(&[]);
    let us = |t: Instant| t.elapsed().as_secs_f64() * 1e6;
    let (out, end) = in_child(|out| {
        // ns per call: getppid is answered by the kernel's per-number bitmap once the
        // filter is attached, personality(0xffffffff) runs the filter (an argument rule).
        let per_call = |f: &dyn Fn()| {
            let t = Instant::now();
            for _ in 0..100_000 {
                f();
            }
            us(t) / 100.0
        };
        let getppid = || unsafe {
            libc::getppid();
        };
        let query = || unsafe {
            libc::syscall(libc::SYS_personality, 0xffff_ffffu64);
        };
        let (g0, q0) = (per_call(&getppid), per_call(&query));
        let mut r = String::new();
        if is_root() {
            let t = Instant::now();
            security::drop_privileges(&p, &Ident::default()).unwrap();
            let caps = us(t);
            let t = Instant::now();
            security::close_fds(0).unwrap();
            r += &format!(
                "capabilities and no_new_privs {caps:.1} µs, fds {:.1} µs; ",
                us(t)
            );
        } else {
            sys::set_no_new_privs().unwrap();
        }
        let t = Instant::now();
        security::install_filter(&p).unwrap();
        let attach = us(t);
        let (g1, q1) = (per_call(&getppid), per_call(&query));
        let len = p.filter.as_ref().unwrap().len();
        r += &format!(
            "default filter ({len} insns) attach {attach:.1} µs; getppid {g0:.0} → {g1:.0} ns, \
             personality query {q0:.0} → {q1:.0} ns"
        );
        say(out, &r);
        0
    });
    assert_eq!(end, End::Code(0));
    eprintln!("figures: {out}");
    if !is_root() {
        return;
    }
    // On a launch: `husk run --timings`, median of 11, with and without the filter.
    let phases = |args: &[&str]| {
        let mut v: Vec<(u64, u64)> = (0..11)
            .map(|_| {
                let o = run(Command::new(husk())
                    .args(["run", "--timings"])
                    .args(args)
                    .args(["--", "true"]));
                let e = stderr(&o);
                let get = |name: &str| -> u64 {
                    e.lines()
                        .find_map(|l| l.trim().strip_prefix(name))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or_else(|| panic!("no {name} in {e}"))
                };
                (get("check"), get("security"))
            })
            .collect();
        v.sort_by_key(|p| p.1);
        v[5]
    };
    let (c0, s0) = phases(&["--seccomp", "unconfined"]);
    let (c1, s1) = phases(&[]);
    eprintln!(
        "figures: husk run, phases check/security (µs): unconfined {c0}/{s0}, default {c1}/{s1}"
    );
}

/// `husk run ARGS -- sh -c SCRIPT`: (status, stdout, stderr).
fn husk_run(args: &[&str], script: &str) -> (i32, String, String) {
    let o = run(Command::new(husk())
        .arg("run")
        .args(args)
        .args(["--", "/bin/sh", "-c", script]));
    (code(&o), stdout(&o), stderr(&o))
}

#[test]
fn husk_run_holds_what_the_options_say() {
    if skip_unless_root("husk_run_holds_what_the_options_say") {
        return;
    }
    let d = DOCKER_DEFAULT;
    let nbs = 1 << 10;
    // (options, [inh, prm, eff, bnd, amb], NoNewPrivs, Seccomp)
    let cases: &[(&[&str], [u64; 5], &str, &str)] = &[
        (&[], [0, d, d, d, 0], "1", "2"),
        (&["-U", "--map-root"], [0, d, d, d, 0], "1", "2"),
        (
            &[
                "--uid",
                "1000",
                "--cap-drop",
                "ALL",
                "--cap-add",
                "net_bind_service",
            ],
            [nbs; 5],
            "1",
            "2",
        ),
        (
            &["--cap-drop", "ALL", "--allow-new-privs"],
            [0; 5],
            "0",
            "2",
        ),
        (&["--seccomp", "unconfined"], [0, d, d, d, 0], "1", "0"),
    ];
    for (args, caps, nnp, seccomp) in cases {
        let (c, st, err) = husk_run(args, "cat /proc/self/status");
        assert_eq!(c, 0, "{args:?}: {err}");
        assert_eq!(caps_of(&st), *caps, "{args:?}:\n{st}");
        assert_eq!(field(&st, "NoNewPrivs"), *nnp, "{args:?}");
        assert_eq!(field(&st, "Seccomp"), *seccomp, "{args:?}");
    }
    // The seed's case, and the default profile: from the shell's view.
    let (c, out, _) = husk_run(
        &["--seccomp-deny", "kill"],
        "kill -0 $$ 2>&1; echo rc=$?; unshare -U true 2>&1; echo rc=$?",
    );
    assert_eq!(c, 0);
    let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].contains("not permitted") && lines[1] == "rc=1",
        "{out}"
    );
    assert!(
        lines[2].contains("not permitted") && lines[3] == "rc=1",
        "{out}"
    );
}

#[test]
fn husk_run_passes_only_0_1_2_and_preserved_fds() {
    if skip_unless_root("husk_run_passes_only_0_1_2_and_preserved_fds") {
        return;
    }
    let list = |preserve: &str| {
        let mut c = Command::new(husk());
        c.args(["run", "--preserve-fds", preserve, "--", "/bin/sh", "-c"]);
        // `ls` is a child of the shell: it lists the shell's descriptors (no pipeline:
        // the shell would hold the pipe's descriptors for a while).
        c.arg("ls /proc/$$/fd");
        unsafe {
            // 3 for --preserve-fds, 7 a leak: neither has FD_CLOEXEC.
            c.pre_exec(|| {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
                libc::dup2(null, 3);
                libc::dup2(null, 7);
                Ok(())
            });
        }
        let o = run(&mut c);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o).replace('\n', " ")
    };
    assert_eq!(list("0"), "0 1 2 ");
    assert_eq!(list("1"), "0 1 2 3 ");
    let (c, _, err) = husk_run(&["--preserve-fds", "9"], "true");
    assert_eq!(
        (c, err.as_str()),
        (125, "husk: --preserve-fds fd 3: EBADF (not open)\n")
    );
}

/// io_uring is refused by the default profile (as by Docker's since 25.0), whatever the
/// capabilities; the probe calls io_uring_setup from inside.
#[test]
fn default_profile_refuses_io_uring() {
    if skip_unless_root("default_profile_refuses_io_uring") {
        return;
    }
    let r = rootfs().display().to_string();
    for (args, want) in [
        (&[][..], "errno 1"),
        (&["--privileged", "--seccomp", "default"], "errno 1"),
        (&["--seccomp", "unconfined"], "ok"),
    ] {
        let o = run(Command::new(husk())
            .args(["run", "-a", "--rootfs", &r])
            .args(args)
            .args(["--", "probe", "uring"]));
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("io_uring_setup {want}\n"), "{args:?}");
    }
}

/// husk as PID 1 never execs, so close-on-exec does not clear what it inherited: it must
/// close it (runc's CVE-2024-21626 reached the host through a leaked cgroup directory).
/// From inside, /proc/1/fd holds 0, 1, 2 and the signalfd: with the cgroup directories
/// and files of --memory (on this v1 host, under our own cgroup), the record of --name,
/// a descriptor inherited from the caller (9: a directory of the host), and a CMD that
/// may read PID 1's descriptors (root with SYS_PTRACE; rootless, PID 1 is dumpable).
#[test]
fn container_pid1_holds_only_0_1_2_and_its_signalfd() {
    if skip_unless_root("container_pid1_holds_only_0_1_2_and_its_signalfd") {
        return;
    }
    let r = rootfs().display().to_string();
    let name = format!("fds-{}", std::process::id());
    // Each descriptor of PID 1, then each name it links to but for 0-2 (the caller's).
    let script = "cd /proc/1/fd && echo *; for f in *; do                   case $f in 0|1|2) ;; *) readlink $f || echo unreadable;; esac; done";
    let root: &[&str] = &["-a", "--rootfs", &r, "--memory", "64M", "--name", &name];
    for (nobody, args, extra) in [
        (
            false,
            &["--cap-add", "SYS_PTRACE"][..],
            "anon_inode:[signalfd]",
        ),
        // Without SYS_PTRACE PID 1 is not dumpable: its links are not readable.
        (false, &[], "unreadable"),
        (true, &["-a", "--rootfs", &r], "anon_inode:[signalfd]"),
    ] {
        let mut c = Command::new(husk());
        c.arg("run");
        if nobody {
            c.uid(65534).gid(65534);
        } else {
            c.args(root);
        }
        c.args(args).args(["--", "/bin/sh", "-c", script]);
        unsafe {
            c.pre_exec(|| {
                let d = libc::open(c"/".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
                libc::dup2(d, 9);
                Ok(())
            });
        }
        let o = run(&mut c);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        let mut l = out.lines();
        let mut fds: Vec<u32> = l
            .next()
            .unwrap()
            .split(' ')
            .map(|f| f.parse().unwrap())
            .collect();
        fds.sort();
        assert_eq!(fds.len(), 4, "{nobody} {args:?}: {out}");
        assert_eq!(fds[..3], [0, 1, 2], "{out}");
        assert_eq!(l.collect::<Vec<_>>(), [extra], "{nobody} {args:?}");
    }
}

/// What a container process would try (CVE-2019-5736): write the runtime's binary
/// through /proc/1/exe, PID 1 being husk. What holds, from inside (see README, "The
/// host's husk binary"): as root, PID 1 is not dumpable, so its exe cannot even be
/// opened; but `--cap-add SYS_PTRACE` (CAP_SYS_PTRACE over the host's user namespace,
/// the one husk was exec'd in) lifts that, and rootless PID 1 is dumpable: the binary can
/// be read, and only ETXTBSY stops the write (the kernel refuses to write a file that a
/// process executes: husk's PID 1 does). With a user namespace, the container's
/// SYS_PTRACE is not over the host's: it does not open a non-dumpable PID 1. Run from a
/// copy of husk (owned by the rootless user for the rootless case: only ETXTBSY then
/// stands in the way); the copy must be unchanged.
#[test]
fn container_pid1_exposes_no_writable_exe_and_masks_paths() {
    if skip_unless_root("container_pid1_exposes_no_writable_exe_and_masks_paths") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("husk-cve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("husk");
    // Copied by cp, not by this (threaded) process: a write descriptor of ours could leak
    // into a process another test forks meanwhile, and exec would fail with ETXTBSY.
    let cp = run(Command::new("cp").arg(husk()).arg(&bin));
    assert_eq!(code(&cp), 0, "{}", stderr(&cp));
    let before = std::fs::read(&bin).unwrap();
    let r = rootfs().display().to_string();
    // `>>` opens for writing without truncating.
    let script = "cat /proc/1/comm; readlink /proc/1/exe >/dev/null && echo link || echo no-link; \
                  (echo pwned >> /proc/1/exe) 2>&1 | sed 's/.*: //'; \
                  (exec 7</proc/1/exe) 2>/dev/null && echo read || echo no-read; \
                  wc -c < /proc/timer_list; ls /sys/firmware | wc -l; \
                  (echo x > /proc/sys/kernel/hostname) 2>&1 | grep -c Read-only";
    let closed = "no-link\nPermission denied\nno-read";
    let open = "link\nText file busy\nread";
    for (nobody, args, want) in [
        (false, &[][..], closed),
        (false, &["--cap-add", "SYS_PTRACE"], open),
        (
            false,
            &["-U", "--map-root", "--cap-add", "SYS_PTRACE"],
            closed,
        ),
        (true, &[], open),
    ] {
        let mut c = Command::new(&bin);
        if nobody {
            std::os::unix::fs::chown(&bin, Some(65534), Some(65534)).unwrap();
            c.uid(65534).gid(65534);
        }
        c.args(["run", "-a", "--rootfs", &r]).args(args);
        let o = run(c.args(["--", "sh", "-c", script]));
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("husk\n{want}\n0\n0\n1\n"),
            "{nobody} {args:?}"
        );
    }
    let after = std::fs::read(&bin).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(after == before, "the husk binary changed");
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    let dir = std::env::temp_dir().join(format!("husk-secbad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profile");
    std::fs::write(&file, "read allow\n# fine\nwrite allow arg0=1\n").unwrap();
    let marker = dir.join("ran");
    let touch = format!("touch {}", marker.display());
    let f = file.display().to_string();
    for (args, want) in [
        (vec!["--cap-add", "NET_FROB"], "husk: --cap-add 'NET_FROB': not a capability (see capabilities(7))\n".to_string()),
        (vec!["--seccomp-deny", "kill,frob"], "husk: --seccomp-deny 'frob': not a system call on x86_64\n".to_string()),
        (vec!["--seccomp", &f], format!("husk: --seccomp {f}:3 'arg0=1': not argN[&MASK]OP VALUE (N 0-5, OP == != < <= > >=)\n")),
        // An endless file: read up to 1 MiB, no further.
        (vec!["--seccomp", "/dev/zero"], "husk: --seccomp /dev/zero: larger than 1 MiB\n".to_string()),
    ] {
        if cfg!(not(target_arch = "x86_64")) && args[0] == "--seccomp-deny" {
            continue;
        }
        let (c, _, err) = husk_run(&args, &touch);
        assert_eq!((c, err), (125, want));
    }
    assert!(!marker.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--cap-add ALL` under a parent that took some capabilities away (here SYS_RESOURCE and
/// SYS_TIME, from the bounding set, so from husk's permitted set at exec) means all that
/// husk holds, as `--privileged` does; naming one that husk lacks is an error, beside ALL
/// too.
#[test]
fn cap_add_all_is_all_that_husk_holds() {
    if skip_unless_root("cap_add_all_is_all_that_husk_holds") {
        return;
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("SKIP cap_add_all_is_all_that_husk_holds: no setpriv");
        return;
    }
    let gone = 1u64 << 24 | 1 << 25;
    let bnd = hex(
        &std::fs::read_to_string("/proc/self/status").unwrap(),
        "CapBnd",
    );
    let husk = husk().display().to_string();
    let under = |args: &[&str]| {
        run(Command::new("setpriv")
            .args(["--bounding-set", "-sys_resource,-sys_time", &husk, "run"])
            .args(args)
            .args(["--", "cat", "/proc/self/status"]))
    };
    for args in [&["--cap-add", "ALL"][..], &["--privileged"]] {
        let o = under(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let st = stdout(&o);
        assert_eq!(hex(&st, "CapEff"), bnd & !gone, "{args:?}");
        assert_eq!(hex(&st, "CapBnd"), bnd & !gone, "{args:?}");
    }
    for list in ["SYS_TIME", "ALL,SYS_TIME"] {
        let o = under(&["--cap-add", list]);
        assert_eq!(
            (code(&o), stderr(&o).as_str()),
            (
                125,
                "husk: --cap-add SYS_TIME: EPERM (husk itself does not hold this capability)\n"
            ),
            "{list}"
        );
    }
}

/// A container process that can ptrace husk's PID 1 cannot make it run what CMD's filter
/// refuses. Rootless, PID 1 has CMD's uid and stays dumpable; as root, `--cap-add
/// SYS_PTRACE` opens it. CMD is the probe itself, which seizes PID 1 first thing and makes
/// it call getpid (39): PID 1 keeps only an init's calls once CMD runs under a filter
/// (EPERM: -1), and CMD is held back until then, so no run finds it unconfined (20 runs
/// each). Without a filter there is nothing to escape (1, PID 1's own pid). PID 1 goes on
/// reaping and passes CMD's status out (0) after it.
#[cfg(target_arch = "x86_64")]
#[test]
fn pid1_cannot_be_made_to_escape_the_filter() {
    if skip_unless_root("pid1_cannot_be_made_to_escape_the_filter") {
        return;
    }
    let probe = probe();
    for (nobody, args, want) in [
        (true, &["-p", "--proc"][..], "nr 39 = -1\n"),
        (
            true,
            &["-p", "--proc", "--seccomp", "unconfined"],
            "nr 39 = 1\n",
        ),
        (
            false,
            &["-a", "--proc", "--cap-add", "SYS_PTRACE"],
            "nr 39 = -1\n",
        ),
        (false, &["-a", "--proc", "--privileged"], "nr 39 = 1\n"),
    ] {
        for _ in 0..20 {
            let mut c = Command::new(husk());
            if nobody {
                c.uid(65534).gid(65534);
            }
            let o = run(c
                .arg("run")
                .args(args)
                .arg("--")
                .arg(&probe)
                .args(["inject", "1", "39"]));
            assert_eq!(
                (code(&o), stdout(&o).as_str()),
                (0, want),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
}

/// With --allow-new-privs the filter goes on first, on husk's PID 1 too: one that refuses
/// what PID 1 needs (here wait4: it could reap nothing, and hang) is refused up front;
/// --no-init (no PID 1 husk) takes it.
#[test]
fn allow_new_privs_refuses_a_filter_that_would_hang_pid1() {
    if skip_unless_root("allow_new_privs_refuses_a_filter_that_would_hang_pid1") {
        return;
    }
    let run_with = |extra: &[&str]| {
        let mut c = Command::new(husk());
        c.args([
            "run",
            "-a",
            "--proc",
            "--allow-new-privs",
            "--seccomp-deny",
            "wait4",
        ]);
        run(c.args(extra).args(["--", "true"]))
    };
    let o = run_with(&[]);
    assert_eq!(
        (code(&o), stderr(&o).as_str()),
        (
            125,
            "husk: --allow-new-privs: the filter then goes on husk's PID 1 too, which needs \
             read, write, kill, wait4 and exit_group: allow them, or add --no-init\n"
        )
    );
    let o = run_with(&["--no-init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// A profile that refuses everything, exit and exit_group included: CMD's exec fails
/// (EPERM) and its process still ends (husk allows those two whatever a profile says), with
/// 126, as or without husk as PID 1; it used to spin, and husk with it.
#[test]
fn a_profile_refusing_everything_ends_with_126() {
    if skip_unless_root("a_profile_refusing_everything_ends_with_126") {
        return;
    }
    let f = std::env::temp_dir().join(format!("husk-deny-all-{}", std::process::id()));
    std::fs::write(&f, "default errno EPERM\nexit_group errno EPERM\n").unwrap();
    for pidns in [true, false] {
        let mut c = Command::new(husk());
        c.args(["run", "--seccomp", f.to_str().unwrap()]);
        if pidns {
            c.args(["-p", "--proc"]);
        }
        let o = run(c.args(["--", "true"]));
        assert_eq!(code(&o), 126, "{}", stderr(&o));
    }
    std::fs::remove_file(&f).unwrap();
}
