//! `probe`: a small static program the tests run under husk (and later inside containers)
//! to report what it sees from inside, in plain lines on stdout.
//!
//!   probe signals          block every signal, print "ready", then "SIG <n>" for each one
//!                          received; exit 0 after SIGTERM
//!   probe mask             print "blk=<hex> ign=<hex>" from /proc/self/status
//!   probe pgrp             print "pid=<p> pgid=<g> fg=<tty foreground pgrp or -1>"
//!   probe orphans <n>      make n orphans (double fork), wait until each has been reaped
//!                          by someone else, print "reaped <n>" (or "zombie <pid>", exit 1)
//!   probe exit <n>         exit with status n
//!   probe hog <MiB>        allocate and touch MiB mebibytes, print "survived", exit 0
//!   probe lo               print lo as this process sees it first thing, from the kernel
//!                          (ioctls on a socket, /proc/self/net/if_inet6):
//!                          "lo <up|down> <running|-> <IPv4 address|-> <::1|->"
//!   probe launch <n> <ms> CMD [ARG]...
//!                          n isolated launches: sleep ms, then time CMD from spawn to
//!                          exit; print "median <us> min <us> max <us>" (exit 1 if any
//!                          launch failed). For the benchmarks in the VM, where there is
//!                          no hyperfine.
//!   probe uring            call io_uring_setup(1, params): print "io_uring_setup ok", or
//!                          "io_uring_setup errno <n>"
//!   probe inject <pid> <nr>
//!                          (x86_64) make process pid run system call nr (no arguments)
//!                          through ptrace, as an attacker in a container could: print
//!                          "nr <nr> = <result>" (a negative errno on failure), or
//!                          "attach <errno>" and exit 1
use std::io::Write;

fn out(line: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

fn signals() -> i32 {
    unsafe {
        let all: u64 = !0;
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &all,
            0usize,
            8usize,
        );
        out("ready");
        loop {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let r = libc::syscall(libc::SYS_rt_sigtimedwait, &all, &mut info, 0usize, 8usize);
            if r < 0 {
                continue;
            }
            out(&format!("SIG {r}"));
            if r == libc::SIGTERM as i64 {
                return 0;
            }
        }
    }
}

fn status_field(name: &str) -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        .unwrap_or_default()
}

fn orphans(n: usize) -> i32 {
    let mut pids = Vec::new();
    for _ in 0..n {
        let mut fds = [0i32; 2];
        unsafe {
            libc::pipe(fds.as_mut_ptr());
            let child = libc::fork();
            if child == 0 {
                let grandchild = libc::fork();
                if grandchild == 0 {
                    libc::usleep(100_000);
                    libc::_exit(0);
                }
                libc::write(fds[1], &grandchild as *const i32 as *const libc::c_void, 4);
                libc::_exit(0);
            }
            let mut gc = 0i32;
            libc::read(fds[0], &mut gc as *mut i32 as *mut libc::c_void, 4);
            libc::close(fds[0]);
            libc::close(fds[1]);
            libc::waitpid(child, std::ptr::null_mut(), 0);
            pids.push(gc);
        }
    }
    // Each orphan exits after 100 ms; whoever adopted it must reap it (its /proc entry
    // disappears). Give up after 10 s.
    for _ in 0..1000 {
        if pids
            .iter()
            .all(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
        {
            out(&format!("reaped {n}"));
            return 0;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for p in pids {
        if std::path::Path::new(&format!("/proc/{p}")).exists() {
            out(&format!("zombie {p}"));
        }
    }
    1
}

fn launch(n: usize, idle_ms: u64, cmd: &[String]) -> i32 {
    let mut us = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        std::thread::sleep(std::time::Duration::from_millis(idle_ms));
        let t = std::time::Instant::now();
        let ok = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .status()
            .is_ok_and(|s| s.success());
        us.push(t.elapsed().as_micros());
        if !ok {
            out(&format!("failed: {cmd:?}"));
            return 1;
        }
    }
    us.sort_unstable();
    let m = us.len() / 2;
    let median = if us.len() % 2 == 1 {
        us[m]
    } else {
        (us[m - 1] + us[m]) / 2
    };
    out(&format!(
        "median {median} min {} max {}",
        us[0],
        us[us.len() - 1]
    ));
    0
}

fn lo() -> i32 {
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(b"lo") {
        *d = *s as libc::c_char;
    }
    let (flags, v4) = unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        let f = match libc::ioctl(s, libc::SIOCGIFFLAGS as _, &mut ifr) {
            0 => ifr.ifr_ifru.ifru_flags as i32,
            _ => 0,
        };
        let a = match libc::ioctl(s, libc::SIOCGIFADDR as _, &mut ifr) {
            0 => {
                let sin = &*(&ifr.ifr_ifru.ifru_addr as *const _ as *const libc::sockaddr_in);
                std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)).to_string()
            }
            _ => "-".into(),
        };
        (f, a)
    };
    // if_inet6: "00000000000000000000000000000001 01 80 10 80       lo" for ::1.
    let v6 = std::fs::read_to_string("/proc/self/net/if_inet6")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("00000000000000000000000000000001") && l.ends_with(" lo"));
    out(&format!(
        "lo {} {} {v4} {}",
        if flags & libc::IFF_UP != 0 {
            "up"
        } else {
            "down"
        },
        if flags & libc::IFF_RUNNING != 0 {
            "running"
        } else {
            "-"
        },
        if v6 { "::1" } else { "-" }
    ));
    0
}

/// Seizes `pid` (stopped in a system call: husk's PID 1 waits in read), runs system call
/// `nr` from the `syscall` instruction it stopped after, puts its registers back (the
/// kernel then restarts its read) and lets it go.
#[cfg(target_arch = "x86_64")]
fn inject(pid: i32, nr: u64) -> i32 {
    unsafe {
        let fail = |what: &str| {
            out(&format!("{what} {}", std::io::Error::last_os_error()));
            1
        };
        let p = libc::ptrace;
        if p(libc::PTRACE_SEIZE, pid, 0, 0) != 0 {
            return fail("attach");
        }
        let mut st = 0;
        if p(libc::PTRACE_INTERRUPT, pid, 0, 0) != 0
            || libc::waitpid(pid, &mut st, libc::__WALL) != pid
        {
            return fail("interrupt");
        }
        let mut saved: libc::user_regs_struct = std::mem::zeroed();
        p(libc::PTRACE_GETREGS, pid, 0, &mut saved as *mut _);
        let mut r = saved;
        // orig_rax -1: no system call to restart on the way back, ours runs instead.
        (r.rax, r.orig_rax, r.rip) = (nr, u64::MAX, saved.rip - 2);
        (r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9) = (0, 0, 0, 0, 0, 0);
        p(libc::PTRACE_SETREGS, pid, 0, &r as *const _);
        if p(libc::PTRACE_SINGLESTEP, pid, 0, 0) != 0
            || libc::waitpid(pid, &mut st, libc::__WALL) != pid
        {
            return fail("step");
        }
        p(libc::PTRACE_GETREGS, pid, 0, &mut r as *mut _);
        p(libc::PTRACE_SETREGS, pid, 0, &saved as *const _);
        p(libc::PTRACE_DETACH, pid, 0, 0);
        out(&format!("nr {nr} = {}", r.rax as i64));
        0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let code = match arg(1) {
        "signals" => signals(),
        "mask" => {
            out(&format!(
                "blk={} ign={}",
                status_field("SigBlk:"),
                status_field("SigIgn:")
            ));
            0
        }
        "pgrp" => unsafe {
            out(&format!(
                "pid={} pgid={} fg={}",
                libc::getpid(),
                libc::getpgrp(),
                libc::tcgetpgrp(0)
            ));
            0
        },
        "orphans" => orphans(arg(2).parse().unwrap_or(1)),
        "exit" => arg(2).parse().unwrap_or(0),
        "lo" => lo(),
        "hog" => {
            let mib: usize = arg(2).parse().unwrap_or(64);
            let mut v: Vec<Vec<u8>> = Vec::new();
            for _ in 0..mib {
                // Touch every page: untouched memory is not charged.
                v.push(vec![1u8; 1 << 20]);
            }
            out(&format!("survived {}", v.len()));
            0
        }
        "uring" => {
            let mut params = [0u32; 30]; // struct io_uring_params: 120 bytes
            let r = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1, params.as_mut_ptr()) };
            match r {
                r if r >= 0 => out("io_uring_setup ok"),
                _ => out(&format!(
                    "io_uring_setup errno {}",
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
                )),
            }
            0
        }
        "launch" if args.len() > 4 => launch(
            arg(2).parse().unwrap_or(1),
            arg(3).parse().unwrap_or(0),
            &args[4..],
        ),
        #[cfg(target_arch = "x86_64")]
        "inject" => inject(arg(2).parse().unwrap_or(0), arg(3).parse().unwrap_or(0)),
        other => {
            eprintln!("probe: unknown command {other:?}");
            2
        }
    };
    std::process::exit(code);
}
