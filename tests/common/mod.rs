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
