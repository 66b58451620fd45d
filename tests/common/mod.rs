//! Helpers shared by the integration tests: where the binaries are, root checks, and a
//! child whose stdout is read line by line.
#![allow(dead_code)]
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The husk binary under test: `$HUSK`, else the one `make` builds.
pub fn husk() -> PathBuf {
    let p = std::env::var_os("HUSK")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/release/husk"));
    assert!(p.exists(), "{} is missing: run `make test`", p.display());
    p
}

/// The static probe program (tests/probe), built by `make test`.
pub fn probe() -> PathBuf {
    let p = std::env::var_os("PROBE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/x86_64-unknown-linux-musl/release/probe"));
    assert!(p.exists(), "{} is missing: run `make test`", p.display());
    p
}

pub fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Prints a visible skip line and returns true when the test needs root and we are not.
pub fn skip_unless_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    eprintln!("SKIP {test}: needs root");
    true
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("spawn")
}

pub fn code(o: &Output) -> i32 {
    o.status
        .code()
        .unwrap_or_else(|| panic!("killed: {:?}", o.status))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A running process whose stdout lines arrive on a channel.
pub struct Lines {
    pub child: Child,
    rx: mpsc::Receiver<String>,
}

impl Lines {
    pub fn spawn(cmd: &mut Command) -> Lines {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let out: ChildStdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { child, rx }
    }

    /// The next line; panics after 10 s (a hang is a failure, not a timing threshold).
    pub fn line(&self) -> String {
        self.rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no line from the child within 10 s")
    }

    /// The next line if one comes within `ms`.
    pub fn try_line(&self, ms: u64) -> Option<String> {
        self.rx.recv_timeout(Duration::from_millis(ms)).ok()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits for a process killed by a signal; returns the signal.
    pub fn wait_signaled(mut self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        let st = self.child.wait().unwrap();
        st.signal().unwrap_or_else(|| panic!("exited: {st:?}"))
    }

    /// Waits for the process to end, however it does.
    pub fn wait_any(mut self) {
        let _ = self.child.wait();
    }

    pub fn wait(mut self) -> i32 {
        let st = self.child.wait().unwrap();
        st.code().unwrap_or_else(|| panic!("killed: {st:?}"))
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn kill(pid: i32, sig: i32) {
    unsafe {
        libc::kill(pid, sig);
    }
}

pub fn alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The busybox root file system `make test` builds (with the probe in /bin).
pub fn rootfs() -> PathBuf {
    let p = std::env::var_os("ROOTFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/rootfs"));
    assert!(
        p.join("bin/busybox").exists(),
        "{} is missing: run `make test`",
        p.display()
    );
    p
}

/// The inode of each namespace of `pid` ("self" for the caller), by type.
pub fn ns_inodes(pid: &str) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    for ty in ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] {
        if let Ok(l) = std::fs::read_link(format!("/proc/{pid}/ns/{ty}")) {
            m.insert(ty.to_string(), l.display().to_string());
        }
    }
    m
}

/// The environment variable (name, value) that `leftover_processes(tag)` looks for:
/// unique to this test process and tag, so tests running in parallel do not see each
/// other's processes.
pub fn marker(tag: &str) -> (String, String) {
    (
        "HUSK_TEST_MARK".to_string(),
        format!("{}-{tag}", std::process::id()),
    )
}

/// Processes (pids) that still carry `marker()` in their environment: whatever a husk run
/// with that marker left behind. Namespaces live only as long as a process or a bind mount
/// holds them, so no such process and an unchanged mount table mean no namespace is left.
pub fn leftover_processes(tag: &str) -> Vec<u32> {
    let (k, v) = marker(tag);
    let mark = format!("{k}={v}");
    let me = std::process::id();
    let mut left = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) {
            if env.split(|&b| b == 0).any(|v| v == mark.as_bytes()) {
                left.push(pid);
            }
        }
    }
    left
}

/// What must not change when husk fails: our mount table (which also shows any namespace
/// bind mount) — compare it before and after, and check `leftover_processes()`.
pub fn mount_snapshot() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap()
}

/// `unshare --pid --fork --mount-proc -- PROGRAM ARGS...`: `cmd` (husk, or qemu running
/// it) as PID 1 of a new pid namespace with a /proc of its own.
pub fn as_pid1(cmd: &Command) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--pid", "--fork", "--mount-proc", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    c
}

/// husk as PID 1 of a new pid namespace whose mount namespace has no /proc (a container
/// that mounts none): `unshare --pid --fork --mount` runs a shell that unmounts /proc and
/// execs `PREFIX... husk ARGS...`.
pub fn pid1_without_proc(prefix: &[&str], args: &[&str]) -> Command {
    let script = format!("umount -l /proc; exec {} \"$0\" \"$@\"", prefix.join(" "));
    let mut c = Command::new("unshare");
    c.args(["--pid", "--fork", "--mount", "--propagation", "private"])
        .args(["--", "sh", "-c", &script])
        .arg(husk())
        .args(args);
    c
}

/// A command for `sh -c` that leaves two descendants ignoring SIGTERM and exits 3.
pub const TWO_IGNORE_TERM: &str =
    "trap '' TERM; sleep 100 >/dev/null 2>&1 & sleep 100 >/dev/null 2>&1 & exit 3";

/// What `husk -vv --grace S -- sh -c TWO_IGNORE_TERM` must have done as PID 1 of a pid
/// namespace with its /proc: counted both, SIGKILLed both, exited with CMD's 3.
pub fn assert_grace_killed_two(o: &Output) {
    let err = stderr(o);
    assert_eq!(code(o), 3, "{err}");
    assert!(err.contains("grace: sent SIGTERM to 2 remaining"), "{err}");
    assert!(
        err.contains("grace period over: killed 2 remaining process(es)\n"),
        "{err}"
    );
}

/// A fresh directory named for `tag` that holds `ns.sh`: an executable script without a
/// `#!` line, which prints `$0 $# $1|$2` and exits 4.
pub fn script_without_shebang(tag: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("husk-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("ns.sh");
    std::fs::write(&f, "echo \"$0 $# $1|$2\"; exit 4\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}
