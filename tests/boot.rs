//! `husk init --kernel-init` on the host, as PID 1 of new pid, mount, uts and net
//! namespaces, with fds 0-2 closed and a file bind-mounted on /dev/console: what a kernel
//! boot gives husk, minus the kernel (scripts/vm-test.sh boots a real one). reboot(2) in a
//! pid namespace other than the first ends the namespace: its init dies "of" SIGINT for a
//! power-off or a halt and of SIGHUP for a restart, which is how these tests see which
//! command husk gave. Nothing leaks: every mount is in the namespace's private copy.
mod common;
use common::*;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};

struct Boot {
    dir: std::path::PathBuf,
}

impl Boot {
    fn new(name: &str) -> Boot {
        let dir = std::env::temp_dir().join(format!("husk-boot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("console"), "").unwrap();
        Boot { dir }
    }

    /// `unshare` running `husk --kernel-init ARGS` with its console on a file.
    fn command(&self, args: &[&str]) -> Command {
        let script = format!(
            "umount -l /run 2>/dev/null; mount --bind {}/console /dev/console && \
             exec \"$0\" --kernel-init \"$@\" <&- >&- 2>&-",
            self.dir.display()
        );
        let mut c = Command::new("unshare");
        c.args([
            "--pid",
            "--fork",
            "--mount",
            "--uts",
            "--net",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .arg(husk())
        .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> (Output, String) {
        let o = run(&mut self.command(args));
        (o, self.console())
    }

    fn console(&self) -> String {
        std::fs::read_to_string(self.dir.join("console")).unwrap()
    }
}

impl Drop for Boot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn boots_runs_the_command_and_powers_off() {
    if skip_unless_root("boots_runs_the_command_and_powers_off") {
        return;
    }
    let b = Boot::new("poweroff");
    let host = format!("hk-{}", std::process::id());
    std::fs::write(b.dir.join("bogus.ko"), "not a module").unwrap();
    let modules = b.dir.display().to_string();
    let (o, con) = b.run(&[
        "--hostname",
        &host,
        "--modules",
        &modules,
        "--timings",
        "--grace",
        "0.2",
        "--",
        "sh",
        "-c",
        "hostname; readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; \
         awk '{print $5, $(NF-2)}' /proc/self/mountinfo; ip -o addr show dev lo; exit 5",
    ]);
    assert_eq!(o.status.signal(), Some(libc::SIGINT), "power-off: {con}");
    let lines: Vec<&str> = con.lines().collect();
    assert!(lines.contains(&host.as_str()), "hostname: {con}");
    assert_eq!(
        con.matches("/dev/console\n").count(),
        3,
        "fds 0-2 are the console: {con}"
    );
    assert!(lines.contains(&"/run tmpfs"), "husk mounted /run: {con}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("/proc ")).count(),
        1,
        "/proc was mounted already and is not mounted again: {con}"
    );
    assert!(
        con.contains("inet 127.0.0.1/8") && con.contains("inet6 ::1/128"),
        "lo is up with its addresses: {con}"
    );
    assert!(con.contains("husk: sh exited with status 5\n"), "{con}");
    assert!(con.contains("husk: boot timings (us): kernel "), "{con}");
    assert!(
        con.contains("husk: load module ") && con.contains("bogus.ko: "),
        "a module that does not load is a warning, not the end: {con}"
    );
}

#[test]
fn boot_parameters_come_from_the_environment() {
    if skip_unless_root("boot_parameters_come_from_the_environment") {
        return;
    }
    // A kernel hands init the key=value words of its command line that it does not take
    // itself as environment variables: modules=, and hostname= before Linux 5.19.
    let b = Boot::new("env");
    std::fs::write(b.dir.join("listed.ko"), "not a module").unwrap();
    std::fs::write(b.dir.join("unlisted.ko"), "not a module").unwrap();
    let host = format!("hk-env-{}", std::process::id());
    let modules = b.dir.display().to_string();
    let mut c = b.command(&["--modules", &modules, "--", "hostname"]);
    c.env("hostname", &host).env("modules", "listed");
    let o = run(&mut c);
    let con = b.console();
    assert_eq!(o.status.signal(), Some(libc::SIGINT), "power-off: {con}");
    assert!(con.lines().any(|l| l == host), "hostname= set it: {con}");
    assert!(
        con.contains("listed.ko: "),
        "modules= named what to load: {con}"
    );
    assert!(!con.contains("unlisted.ko"), "and only that: {con}");
}

#[test]
fn on_exit_reboot_and_no_command_runs_sh() {
    if skip_unless_root("on_exit_reboot_and_no_command_runs_sh") {
        return;
    }
    let b = Boot::new("reboot");
    // No CMD: /bin/sh, which reads the (empty) console and exits 0.
    let (o, con) = b.run(&["--on-exit", "reboot"]);
    assert_eq!(o.status.signal(), Some(libc::SIGHUP), "restart: {con}");
    assert!(con.contains("husk: /bin/sh exited with status 0"), "{con}");
}

#[test]
fn on_exit_restart_runs_the_command_again() {
    if skip_unless_root("on_exit_restart_runs_the_command_again") {
        return;
    }
    let b = Boot::new("restart");
    let runs = b.dir.join("runs");
    // The first run exits at once; the second asks PID 1 for a power-off.
    let script = format!(
        "echo run >> {r}; if [ $(wc -l < {r}) -ge 2 ]; then kill -USR2 1; sleep 100; fi",
        r = runs.display()
    );
    let (o, con) = b.run(&["--on-exit", "restart", "--", "sh", "-c", &script]);
    assert_eq!(o.status.signal(), Some(libc::SIGINT), "power-off: {con}");
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\nrun\n");
    assert!(con.contains("husk: SIGUSR2: shutting down"), "{con}");
    assert_eq!(
        con.matches("husk: sh exited with status 0").count(),
        1,
        "{con}"
    );
}

/// Sends `sig` to husk (the child of `unshare`) once CMD has said "ready".
fn shutdown_by(sig: i32, name: &str) -> (Output, String) {
    let b = Boot::new(name);
    let ready = b.dir.join("ready");
    let script = format!(
        "trap 'echo got TERM; exit 0' TERM; touch {}; sleep 100 & wait",
        ready.display()
    );
    let mut child = b
        .command(&["--grace", "2", "--", "sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(ready.exists(), "CMD never ran: {}", b.console());
    let kids =
        std::fs::read_to_string(format!("/proc/{}/task/{}/children", child.id(), child.id()))
            .unwrap();
    let husk: i32 = kids.split_whitespace().next().unwrap().parse().unwrap();
    kill(husk, sig);
    let st = child.wait().unwrap();
    let o = Output {
        status: st,
        stdout: vec![],
        stderr: vec![],
    };
    (o, b.console())
}

#[test]
fn sigterm_reboots_after_stopping_everything() {
    if skip_unless_root("sigterm_reboots_after_stopping_everything") {
        return;
    }
    let (o, con) = shutdown_by(libc::SIGTERM, "term");
    assert_eq!(o.status.signal(), Some(libc::SIGHUP), "restart: {con}");
    assert!(con.contains("husk: SIGTERM: shutting down"), "{con}");
    assert!(con.contains("got TERM"), "CMD got SIGTERM first: {con}");
}

#[test]
fn sigusr2_powers_off_and_sigusr1_halts() {
    if skip_unless_root("sigusr2_powers_off_and_sigusr1_halts") {
        return;
    }
    for (sig, name) in [(libc::SIGUSR2, "SIGUSR2"), (libc::SIGUSR1, "SIGUSR1")] {
        let (o, con) = shutdown_by(sig, name);
        // The kernel reports halt and power-off alike in a pid namespace.
        assert_eq!(o.status.signal(), Some(libc::SIGINT), "{name}: {con}");
        assert!(
            con.contains(&format!("husk: {name}: shutting down")),
            "{con}"
        );
    }
}

#[test]
fn not_a_machine_in_a_container() {
    if skip_unless_root("not_a_machine_in_a_container") {
        return;
    }
    // PID 1 with parent 0 in a pid namespace is a container's init, not a machine's: no
    // mounts, no power-off, CMD's status as the exit status.
    let o = run(as_pid1(&Command::new(husk())).args(["--", "sh", "-c", "exit 4"]));
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn not_a_machine_in_a_container_without_proc() {
    if skip_unless_root("not_a_machine_in_a_container_without_proc") {
        return;
    }
    // No /proc to tell the pid namespace: husk asks reboot(2), which only the first pid
    // namespace's init may use (EINVAL here; EPERM without CAP_SYS_BOOT). Nothing is
    // mounted: /proc stays absent, /run stays on the root's device; no "exited with"
    // line; CMD's status, not a power-off.
    let check = "[ ! -e /proc/self ] || { echo /proc mounted >&2; exit 10; }; \
                 [ \"$(stat -c %d /run)\" = \"$(stat -c %d /)\" ] || { echo /run mounted >&2; exit 11; }; \
                 exit 3";
    for prefix in [&[][..], &["setpriv", "--bounding-set", "-sys_boot"][..]] {
        let o = run(&mut pid1_without_proc(prefix, &["--", "sh", "-c", check]));
        assert_eq!(code(&o), 3, "{prefix:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{prefix:?}");
    }
}
