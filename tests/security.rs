//! The security building blocks, live (src/security.rs, src/seccomp.rs, src/caps.rs):
//! each test forks, does in the child what `husk run`'s child will do just before exec,
//! and checks the kernel's view: /proc/PID/status of the exec'd program, the errno of a
//! refused call, /proc/PID/fd, mountinfo. `husk run` does not exist yet, so these call
//! the library; once it does, the same checks belong on the real binary too.
mod common;
use common::*;
use husk::cli::security::{parse_opt, SecSpec};
use husk::cli::Lexer;
use husk::security::{self, Ident, Prepared};
use husk::sys::security as sys;
use std::ffi::CString;
use std::io::Read;
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

fn prepared(args: &[&str]) -> Prepared {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
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
    security::install_filter(p).map_err(|e| String::from_utf8_lossy(&e.error().render().0).into())
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
            say(out, &String::from_utf8_lossy(&e.error().render().0));
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
    // Wait for cat to be running (its blocking read on the pipe).
    let t = Instant::now();
    while std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default() != "cat\n" {
        assert!(t.elapsed() < Duration::from_secs(10), "cat never ran");
        std::thread::sleep(Duration::from_millis(2));
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
fn fd_helpers_and_their_fallbacks() {
    let (out, end) = in_child(|out| {
        let flags = |fd| sys::get_fd_flags(fd).map_err(|e| e.into_raw());
        // The output pipe moves to 8, out of the way of the descriptors the test uses
        // (3, 4 and 10 up), whatever number the parent's pipe happened to get.
        let out = unsafe {
            if out != 8 {
                libc::dup2(out, 8);
                libc::close(out);
            }
            8
        };
        unsafe {
            for fd in 3..20 {
                if fd != out {
                    libc::close(fd);
                }
            }
            libc::dup2(0, 10);
            libc::dup2(0, 11);
            libc::dup2(0, 12);
        }
        let mut r = Vec::new();
        // Without close_range's help: through /proc/self/fd.
        security::cloexec_by_proc(11).unwrap();
        r.push(format!("{:?} {:?} {:?}", flags(10), flags(11), flags(12)));
        security::close_by_proc(12).unwrap();
        r.push(format!("{:?} {:?}", flags(11), flags(12)));
        security::close_from(11).unwrap();
        r.push(format!("{:?} {:?}", flags(10), flags(11)));
        // --preserve-fds N needs 3..3+N open.
        unsafe { libc::dup2(0, 3) };
        let one = security::check_preserved_fds(1).is_ok();
        let two = security::check_preserved_fds(2).map_err(|e| e.render().0);
        r.push(format!(
            "{one} {}",
            String::from_utf8_lossy(&two.unwrap_err())
        ));
        say(out, &r.join("\n"));
        0
    });
    assert_eq!(end, End::Code(0));
    assert_eq!(
        out,
        "Ok(0) Ok(1) Ok(1)\nOk(1) Err(9)\nOk(0) Err(9)\n\
         true husk: --preserve-fds fd 4: EBADF (not open)\n"
    );
}

#[test]
fn failures_render_as_husk_errors() {
    use husk::security::{Fail, Step};
    use husk::sys::Errno;
    let text =
        |step, obj, errno| String::from_utf8(Fail { step, obj, errno }.error().render().0).unwrap();
    assert_eq!(
        text(Step::Bounding, 21, Errno::EPERM),
        "husk: drop bounding capability SYS_ADMIN: EPERM (needs CAP_SETPCAP)\n"
    );
    assert_eq!(
        text(Step::Setuid, 1000, Errno::EINVAL),
        "husk: setuid 1000: EINVAL\n"
    );
    assert_eq!(
        text(Step::Mask, 3, Errno::EPERM),
        "husk: mask /proc/kcore: EPERM\n"
    );
    assert_eq!(
        text(Step::Filter, 0, Errno::EACCES),
        "husk: install seccomp filter: EACCES (needs no_new_privs or CAP_SYS_ADMIN)\n"
    );
    // A failing step in a real child: setuid without CAP_SETUID.
    if is_root() {
        let p = prepared(&["--cap-drop", "ALL"]);
        let (out, _) = in_child(|out| {
            sys::set_keepcaps(false).unwrap();
            // Drop CAP_SETUID from the effective set only: setresuid must then fail.
            let c = sys::capget().unwrap();
            let c = husk::sys::security::Caps {
                effective: c.effective & !(1 << 7),
                ..c
            };
            sys::capset(c).unwrap();
            let id = Ident {
                uid: Some(1000),
                ..Ident::default()
            };
            match security::apply(&p, &id) {
                Ok(()) => say(out, "applied"),
                Err(e) => say(out, &format!("{:?} {} {:?}", e.step, e.obj, e.errno)),
            }
            0
        });
        assert_eq!(out, "Setuid 1000 EPERM");
    }
}

#[test]
fn sealed_copy_cannot_be_written_grown_or_unsealed() {
    let fd = security::sealed_self_copy().unwrap();
    let raw = fd.raw();
    assert_eq!(sys::get_seals(raw), Ok(security::SEALS));
    let me = std::fs::read("/proc/self/exe").unwrap();
    let copy = std::fs::read(format!("/proc/self/fd/{raw}")).unwrap();
    assert!(me == copy, "the copy differs from /proc/self/exe");
    unsafe {
        assert_eq!(libc::pwrite(raw, b"x".as_ptr().cast(), 1, 0), -1);
        assert_eq!(errno(), libc::EPERM);
        assert_eq!(libc::ftruncate(raw, 10), -1);
        assert_eq!(errno(), libc::EPERM);
        assert_eq!(libc::ftruncate(raw, me.len() as i64 + 4096), -1);
        assert_eq!(errno(), libc::EPERM);
        let rw = libc::open(
            format!("/proc/self/fd/{raw}\0").as_ptr().cast(),
            libc::O_WRONLY,
        );
        if rw >= 0 {
            assert_eq!(libc::write(rw, b"x".as_ptr().cast(), 1), -1);
            assert_eq!(errno(), libc::EPERM);
            libc::close(rw);
        }
        assert_eq!(libc::fcntl(raw, libc::F_ADD_SEALS, 0), -1, "sealed seals");
        assert_eq!(errno(), libc::EPERM);
    }
}

#[test]
fn husk_run_from_its_sealed_copy_exposes_no_writable_exe() {
    let bin = husk();
    let before = std::fs::read(&bin).unwrap();
    let path = CString::new(bin.to_str().unwrap()).unwrap();
    let (feed_rd, feed_wr) = pipe();
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        unsafe { libc::dup2(feed_rd, 0) };
        let fd = security::sealed_copy(&path).unwrap();
        // husk's init, running cat: the PID 1 a container would have.
        let argv = husk::sys::start::CVec::from_static(&[c"husk", c"--", c"/bin/cat"]);
        let env = husk::sys::start::CVec::from_static(&[]);
        security::exec_sealed(&fd, argv, env).print();
        unsafe { libc::_exit(126) };
    }
    unsafe { libc::close(feed_rd) };
    let exe = format!("/proc/{pid}/exe");
    let t = Instant::now();
    let link = loop {
        let l = std::fs::read_link(&exe).map(|l| l.to_string_lossy().into_owned());
        match l {
            Ok(ref l) if l.starts_with("/memfd:") => break l.clone(),
            _ => {}
        }
        assert!(t.elapsed() < Duration::from_secs(10), "never exec'd: {l:?}");
        std::thread::sleep(Duration::from_millis(2));
    };
    // What a container process would try (CVE-2019-5736): write through /proc/PID/exe.
    let wrote = std::fs::OpenOptions::new()
        .write(true)
        .open(&exe)
        .and_then(|mut f| std::io::Write::write(&mut f, b"\x7fELF-pwned"));
    unsafe { libc::close(feed_wr) };
    assert_eq!(reap(pid), End::Code(0));
    assert!(link.starts_with("/memfd:husk"), "{link}");
    let e = wrote.expect_err("a write through /proc/PID/exe succeeded");
    assert!(
        [libc::EPERM, libc::ETXTBSY].contains(&e.raw_os_error().unwrap()),
        "{e}"
    );
    assert!(
        std::fs::read(&bin).unwrap() == before,
        "husk's binary changed"
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
            say(out, &String::from_utf8_lossy(&e.error().render().0));
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
            say(out, &String::from_utf8_lossy(&e.error().render().0));
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
    let bin = CString::new(husk().to_str().unwrap()).unwrap();
    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        drop(security::sealed_copy(&bin).unwrap());
    }
    let copy = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let size = std::fs::metadata(husk()).unwrap().len();
    let t = Instant::now();
    for _ in 0..n {
        prepared(&[]);
    }
    let resolve = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    eprintln!(
        "figures: sealed copy of husk ({size} bytes) {copy:.1} µs; \
         resolve() of the default options (caps + default filter) {resolve:.1} µs"
    );
    let p = prepared(&[]);
    let us = |t: Instant| t.elapsed().as_secs_f64() * 1e6;
    let (out, end) = in_child(|out| {
        let getppid = || {
            let t = Instant::now();
            for _ in 0..100_000 {
                unsafe { libc::getppid() };
            }
            us(t) / 100.0 // ns per call
        };
        let bare = getppid();
        let mut r = format!("getppid {bare:.0} ns");
        if is_root() {
            let t = Instant::now();
            security::drop_privileges(&p, &Ident::default()).unwrap();
            let caps = us(t);
            let t = Instant::now();
            security::close_fds(0).unwrap();
            r += &format!(
                "; capabilities and no_new_privs {caps:.1} µs, fds {:.1} µs",
                us(t)
            );
        } else {
            sys::set_no_new_privs().unwrap();
        }
        let t = Instant::now();
        security::install_filter(&p).unwrap();
        let attach = us(t);
        let filtered = getppid();
        let len = p.filter.as_ref().unwrap().len();
        r += &format!(
            "; default filter ({len} insns) attach {attach:.1} µs, getppid under it {filtered:.0} ns"
        );
        say(out, &r);
        0
    });
    assert_eq!(end, End::Code(0));
    eprintln!("figures: {out}");
}
