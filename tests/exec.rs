//! `husk run --name`, `husk list`, `husk exec`: the records in /run/husk, and what the
//! kernel shows of an exec'd process (/proc/PID/ns, /proc/PID/cgroup, its parent, its
//! root) compared with the target's.
mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const DIR: &str = "/run/husk";

fn husk_cmd(sub: &str) -> Command {
    let mut c = Command::new(husk());
    c.arg(sub);
    c
}

/// A name no other test (or test process) uses.
fn name(tag: &str) -> String {
    format!("t{}-{tag}", std::process::id())
}

fn record(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap_or_default()
}

/// The first child of `pid` (what the kernel says, not what husk records).
fn child_of(pid: i32) -> i32 {
    for _ in 0..500 {
        if let Ok(c) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            if let Some(c) = c.split_whitespace().next() {
                return c.parse().unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{pid} has no child");
}

fn ppid_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

/// A named container running `sleep` (after printing "ready"); its first process's pid,
/// checked against the record.
struct Container {
    name: String,
    run: Lines,
    pid: i32,
}

impl Container {
    fn start(tag: &str, flags: &[&str]) -> Container {
        Container::start_as(tag, flags, None)
    }

    fn start_as(tag: &str, flags: &[&str], uid: Option<u32>) -> Container {
        let name = name(tag);
        let mut c = husk_cmd("run");
        let (k, v) = marker(tag);
        c.env(k, v).args(["--name", &name]).args(flags);
        c.args(["--", "sh", "-c", "echo ready; exec sleep 100"]);
        if let Some(uid) = uid {
            use std::os::unix::process::CommandExt;
            c.uid(uid).gid(uid);
        }
        let run = Lines::spawn(&mut c);
        assert_eq!(run.line(), "ready");
        let pid = child_of(run.pid());
        if uid.is_none() {
            // husk records the container once its first process reports it is set up,
            // which may be just after CMD printed.
            for _ in 0..500 {
                if !record(&name).is_empty() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let rec = record(&name);
            assert_eq!(rec.lines().next(), Some(pid.to_string().as_str()), "{rec}");
        }
        Container { name, run, pid }
    }

    /// Ends the container as a user would (SIGTERM to husk) and checks that nothing is
    /// left: its record, its processes.
    fn stop(self) {
        kill(self.run.pid(), libc::SIGTERM);
        let code = self.run.wait();
        assert_eq!(code, 143, "sh killed by the forwarded SIGTERM");
        assert!(
            !Path::new(&format!("{DIR}/{}", self.name)).exists(),
            "the record is removed when the container ends"
        );
        let leftovers: Vec<_> = std::fs::read_dir(DIR)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(&self.name))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert!(!alive(self.pid));
    }
}

fn exec(args: &[&str]) -> (i32, String, String) {
    let o = run(husk_cmd("exec").args(args));
    (code(&o), stdout(&o), stderr(&o))
}

const NS: [&str; 7] = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"];

/// A v1 `pids` and a v2 cgroup below our own (this host is hybrid), for a process to be
/// moved into; removed on drop.
struct TestCgroups(Vec<String>);

impl TestCgroups {
    fn new(tag: &str) -> TestCgroups {
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let mut dirs = Vec::new();
        for line in own.lines() {
            let mut f = line.splitn(3, ':');
            let (_, ctl, path) = (f.next(), f.next().unwrap(), f.next().unwrap());
            let root = match ctl {
                "pids" => "/sys/fs/cgroup/pids",
                "" if Path::new("/sys/fs/cgroup/unified").exists() => "/sys/fs/cgroup/unified",
                "" => "/sys/fs/cgroup",
                _ => continue,
            };
            let d = format!(
                "{root}{}/husk-{}-{tag}",
                path.trim_end_matches('/'),
                std::process::id()
            );
            std::fs::create_dir(&d).unwrap();
            dirs.push(d);
        }
        assert!(!dirs.is_empty());
        TestCgroups(dirs)
    }

    fn add(&self, pid: i32) {
        for d in &self.0 {
            std::fs::write(format!("{d}/cgroup.procs"), pid.to_string()).unwrap();
        }
    }
}

impl Drop for TestCgroups {
    fn drop(&mut self) {
        for d in &self.0 {
            for _ in 0..100 {
                if std::fs::remove_dir(d).is_ok() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(!Path::new(d).exists(), "{d} left behind");
        }
    }
}

#[test]
fn exec_shares_every_namespace_the_cgroups_root_and_cwd() {
    if skip_unless_root("exec_shares_every_namespace_the_cgroups_root_and_cwd") {
        return;
    }
    let r = rootfs().display().to_string();
    let before = mount_snapshot();
    let c = Container::start(
        "all",
        &["-a", "--rootfs", &r, "--hostname", "box", "--cwd", "/tmp"],
    );
    let cg = TestCgroups::new("all");
    cg.add(c.pid);
    // The exec'd shell prints its own view, then waits, so that we look at it from outside.
    let e = Lines::spawn(husk_cmd("exec").args([&c.name, "--", "sh", "-c"]).arg(
        "for t in cgroup ipc mnt net pid user uts; do readlink /proc/self/ns/$t; done; \
         hostname; pwd; ls /; echo done; exec sleep 100",
    ));
    let inside: Vec<String> = (0..7).map(|_| e.line()).collect();
    let host_view = ns_inodes(&c.pid.to_string());
    let want: Vec<String> = NS.iter().map(|t| host_view[*t].clone()).collect();
    assert_eq!(inside, want, "every namespace, read from inside");
    assert_eq!(e.line(), "box");
    assert_eq!(e.line(), "/tmp", "the target's working directory");
    let mut listing = Vec::new();
    loop {
        let l = e.line();
        if l == "done" {
            break;
        }
        listing.push(l);
    }
    assert!(listing.contains(&"bin".to_string()) && !listing.contains(&"home".to_string()));
    // The same from outside: the shell is a child of the exec's in-container husk.
    let sh = child_of(child_of(e.pid()));
    assert_eq!(ns_inodes(&sh.to_string()), ns_inodes(&c.pid.to_string()));
    let cgroups = |p: i32| std::fs::read_to_string(format!("/proc/{p}/cgroup")).unwrap();
    assert_eq!(cgroups(sh), cgroups(c.pid), "the same cgroups, v1 and v2");
    assert!(cgroups(sh).contains("husk-"), "{}", cgroups(sh));
    let root = |p: i32| std::fs::read_link(format!("/proc/{p}/root")).unwrap();
    assert_eq!(root(sh), root(c.pid));
    drop(e);
    c.stop();
    drop(cg);
    assert_eq!(mount_snapshot(), before);
    assert_eq!(leftover_processes("all"), Vec::<u32>::new());
}

#[test]
fn ps_inside_shows_the_exec_under_the_containers_pid1_and_ns_agrees() {
    if skip_unless_root("ps_inside_shows_the_exec_under_the_containers_pid1_and_ns_agrees") {
        return;
    }
    // No rootfs: husk itself is reachable inside, for `husk ns`. CAP_SYS_PTRACE lets it
    // read /proc/1/ns of the container's husk, which is non-dumpable (CVE-2019-5736).
    let c = Container::start(
        "ps",
        &[
            "-p",
            "--proc",
            "-u",
            "-n",
            "-i",
            "-m",
            "--cap-add",
            "SYS_PTRACE",
        ],
    );
    let h = husk().display().to_string();
    let (code, out, err) = exec(&[
        "--cap-add",
        "SYS_PTRACE",
        &c.name,
        "--",
        "sh",
        "-c",
        &format!("ps -o pid,ppid,comm; echo; {h} ns"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (ps, ns) = out.split_once("\n\n").unwrap();
    let rows: Vec<Vec<&str>> = ps
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // PID 1 is the container's husk; the exec'd sh and ps are in its pid namespace, under
    // the exec's own husk (whose parent, outside, shows as 0).
    assert_eq!(rows[0], ["1", "0", "husk"], "{ps}");
    let sh = rows.iter().find(|r| r[2] == "sh").expect(ps);
    let shim = rows.iter().find(|r| r[0] == sh[1]).expect(ps);
    assert_eq!((shim[1], shim[2]), ("0", "husk"), "{ps}");
    assert!(rows.iter().any(|r| r[2] == "ps" && r[1] == sh[0]), "{ps}");
    assert!(rows.iter().any(|r| r[2] == "sleep" && r[1] == "1"), "{ps}");
    // `husk ns` run by the exec'd process: nothing differs from the container's PID 1.
    assert!(ns.starts_with("NAMESPACE"), "{ns}");
    for t in ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] {
        assert!(ns.lines().any(|l| l.starts_with(t)), "{t} in {ns}");
    }
    assert!(
        !ns.lines().any(|l| l.ends_with('*') || l.ends_with('?')),
        "{ns}"
    );
    c.stop();
}

#[test]
fn a_killed_exec_leaves_cmd_to_the_containers_pid1() {
    if skip_unless_root("a_killed_exec_leaves_cmd_to_the_containers_pid1") {
        return;
    }
    let c = Container::start("orphan", &["-p", "--proc"]);
    let e =
        Lines::spawn(husk_cmd("exec").args([&c.name, "--", "sh", "-c", "echo ready; sleep 0.5"]));
    assert_eq!(e.line(), "ready");
    let (husk_pid, shim) = (e.pid(), child_of(e.pid()));
    let sh = child_of(shim);
    kill(husk_pid, libc::SIGKILL);
    assert_eq!(e.wait_signaled(), libc::SIGKILL);
    // The in-container husk dies with husk exec; sh is adopted by the container's PID 1 ...
    let mut adopted = false;
    for _ in 0..500 {
        if alive(sh) && ppid_of(sh) == c.pid {
            adopted = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(adopted, "sh's parent is the container's PID 1");
    assert!(
        !alive(shim) || ppid_of(shim) != husk_pid,
        "the exec's husk died with it"
    );
    // ... which reaps it when it ends.
    for _ in 0..500 {
        if !alive(sh) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(sh), "sh was reaped, not left a zombie");
    c.stop();
}

#[test]
fn exit_statuses_pass_through() {
    if skip_unless_root("exit_statuses_pass_through") {
        return;
    }
    let c = Container::start("codes", &["-p", "--proc", "-u"]);
    for (script, want) in [
        ("exit 0", 0),
        ("exit 3", 3),
        ("exit 255", 255),
        ("kill -TERM $$", 143),
        ("kill -KILL $$", 137),
    ] {
        assert_eq!(exec(&[&c.name, "sh", "-c", script]).0, want, "{script}");
    }
    let (code, _, err) = exec(&[&c.name, "/no/such/cmd"]);
    assert_eq!(code, 127);
    assert!(err.contains("husk: exec /no/such/cmd: ENOENT"), "{err}");
    assert_eq!(exec(&[&c.name, "/etc/passwd"]).0, 126);
    // By pid, with --env, --cwd, --uid, --gid (and only the uts namespace).
    let pid = c.pid.to_string();
    let (code, out, err) = exec(&[
        "-u",
        "-e",
        "A=b",
        "--cwd",
        "/tmp",
        "--uid",
        "65534",
        "--gid",
        "65534",
        &pid,
        "--",
        "sh",
        "-c",
        "echo $A; pwd; id -u; id -g; readlink /proc/self/ns/pid",
    ]);
    assert_eq!(code, 0, "{err}");
    let own_pid_ns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    assert_eq!(
        out,
        format!("b\n/tmp\n65534\n65534\n{}\n", own_pid_ns.display())
    );
    c.stop();
}

/// How many descriptors `echo *` listed in /proc/PID/fd: after 0, 1 and 2.
fn fd_count(listing: &str) -> usize {
    let mut fds: Vec<u32> = listing.split(' ').map(|f| f.parse().unwrap()).collect();
    fds.sort();
    assert_eq!(fds[..3], [0, 1, 2], "{listing}");
    fds.len()
}

/// The exec's husk inside the container, CMD's parent, supervises it and never execs: it
/// must close what it holds (the target's /proc directory, root, working directory and
/// pidfd that husk opened outside, what the caller passed: 9, a host directory), or a
/// container process could reach the host through its /proc/PID/fd (runc's
/// CVE-2024-21626). Left: 0, 1, 2 and its signalfd.
#[test]
fn exec_s_husk_inside_holds_only_0_1_2_and_its_signalfd() {
    if skip_unless_root("exec_s_husk_inside_holds_only_0_1_2_and_its_signalfd") {
        return;
    }
    let r = rootfs().display().to_string();
    let c = Container::start("fds", &["-a", "--rootfs", &r, "--cap-add", "SYS_PTRACE"]);
    let mut e = husk_cmd("exec");
    e.args([&c.name, "--", "sh", "-c"]);
    e.arg("cd /proc/$PPID/fd && echo *; for f in [3-9]*; do readlink $f; done");
    use std::os::unix::process::CommandExt;
    unsafe {
        e.pre_exec(|| {
            let d = libc::open(c"/".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            libc::dup2(d, 9);
            Ok(())
        });
    }
    let o = common::run(&mut e);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let mut l = out.lines();
    assert_eq!(fd_count(l.next().unwrap()), 4, "{out}");
    assert_eq!(l.collect::<Vec<_>>(), ["anon_inode:[signalfd]"]);
    c.stop();
}

#[test]
fn exec_into_a_rootless_container_as_its_unprivileged_owner() {
    if skip_unless_root("exec_into_a_rootless_container_as_its_unprivileged_owner") {
        return;
    }
    // Without --name (an unprivileged user cannot write /run/husk): by pid.
    let mut c = husk_cmd("run");
    let (k, v) = marker("rootless");
    c.env(&k, &v)
        .args(["-p", "--proc", "-u", "--hostname", "rl", "--", "sh", "-c"]);
    c.arg("echo ready; exec sleep 100");
    use std::os::unix::process::CommandExt;
    c.uid(65534).gid(65534);
    let run = Lines::spawn(&mut c);
    assert_eq!(run.line(), "ready");
    let pid = child_of(run.pid());
    let mut e = husk_cmd("exec");
    e.uid(65534).gid(65534).env(&k, &v);
    e.args([&pid.to_string(), "--", "sh", "-c"]);
    e.arg("id -u; hostname; cat /proc/self/uid_map; for t in cgroup ipc mnt net pid user uts; do readlink /proc/self/ns/$t; done");
    let o = common::run(&mut e);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let mut l = out.lines();
    assert_eq!(
        l.next(),
        Some("0"),
        "root of the container's user namespace"
    );
    assert_eq!(l.next(), Some("rl"));
    assert_eq!(
        l.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["0", "65534", "1"]
    );
    let want = ns_inodes(&pid.to_string());
    let got: Vec<&str> = l.collect();
    assert_eq!(
        got,
        NS.iter().map(|t| want[*t].as_str()).collect::<Vec<_>>()
    );
    // The exec's husk inside holds 0, 1, 2 and its signalfd. (Its credentials changed
    // as it joined the user namespace, which made it non-dumpable: its /proc/PID/fd is
    // the host's root's, unreadable to the container. Look from outside.)
    let mut e = husk_cmd("exec");
    e.uid(65534).gid(65534).env(&k, &v);
    e.args([
        &pid.to_string(),
        "--",
        "sh",
        "-c",
        "echo ready; exec sleep 100",
    ]);
    let ex = Lines::spawn(&mut e);
    assert_eq!(ex.line(), "ready");
    let inside = child_of(ex.pid());
    let fds = std::fs::read_dir(format!("/proc/{inside}/fd")).unwrap();
    let fds: Vec<String> = fds
        .map(|f| f.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(fd_count(&fds.join(" ")), 4, "{fds:?}");
    drop(ex);
    kill(run.pid(), libc::SIGTERM);
    assert_eq!(run.wait(), 143);
    assert_eq!(leftover_processes("rootless"), Vec::<u32>::new());
}

/// Root (privileged over every namespace) into a container it started with a user
/// namespace: its PID 1 husk is non-dumpable when root may be the host's (`--map-root`),
/// and setns through a pidfd asks for ptrace access, which root has only from the initial
/// user namespace: husk must join the pid namespace before the user namespace. With a
/// range map (root inside is 100000 outside) the target is another user to ptrace, too.
#[test]
fn root_execs_into_a_user_namespace_container_by_name_and_pid() {
    if skip_unless_root("root_execs_into_a_user_namespace_container_by_name_and_pid") {
        return;
    }
    let range = ["--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536"];
    for (tag, map) in [("maproot", &["--map-root"][..]), ("range", &range[..])] {
        let mut flags = vec!["-U", "-p", "--proc", "-u", "--hostname", "un"];
        flags.extend_from_slice(map);
        let c = Container::start(tag, &flags);
        let (k, v) = marker(&format!("{tag}-exec"));
        let want = ns_inodes(&c.pid.to_string());
        let want: Vec<&str> = NS.iter().map(|t| want[*t].as_str()).collect();
        for target in [c.name.clone(), c.pid.to_string()] {
            let o = run(husk_cmd("exec").env(&k, &v).args([&target, "--", "sh", "-c"]).arg(
                "id -u; hostname; for t in cgroup ipc mnt net pid user uts; do readlink /proc/self/ns/$t; done",
            ));
            assert_eq!(code(&o), 0, "{tag} {target}: {}", stderr(&o));
            let out = stdout(&o);
            let mut l = out.lines();
            assert_eq!(
                l.next(),
                Some("0"),
                "{tag}: root of the container's user namespace"
            );
            assert_eq!(l.next(), Some("un"));
            assert_eq!(l.collect::<Vec<_>>(), want, "{tag} {target}");
        }
        assert_eq!(
            leftover_processes(&format!("{tag}-exec")),
            Vec::<u32>::new()
        );
        c.stop();
    }
}

/// `husk exec NAME` racing with the container's end, at a random moment: each exec
/// succeeds (0) or fails with one line and 125 — never 137 (its process in the
/// container's pid namespace killed with it) without a word — and nothing is left.
#[test]
fn exec_racing_with_the_containers_exit_fails_cleanly() {
    if skip_unless_root("exec_racing_with_the_containers_exit_fails_cleanly") {
        return;
    }
    let (k, v) = marker("race-exec");
    let mut seed = std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut outcomes = BTreeMap::new();
    for i in 0..200 {
        // (No filter on CMD: an exec into it by pid would warn that it is not reproduced.)
        let c = Container::start("race", &["-p", "--proc", "--seccomp", "unconfined"]);
        // xorshift: when the container is stopped, 0 to 3 ms after the exec starts.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(seed % 3000);
        let run_pid = c.run.pid();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(delay);
            kill(run_pid, libc::SIGTERM);
        });
        // By name, by the pid of its PID 1, by the pid of its CMD (which may still be
        // alive when the namespace has killed the exec's process).
        let target = match i % 3 {
            0 => c.name.clone(),
            1 => c.pid.to_string(),
            _ => child_of(c.pid).to_string(),
        };
        let o = run(husk_cmd("exec").env(&k, &v).args([&target, "--", "true"]));
        let err = stderr(&o);
        match code(&o) {
            0 => *outcomes.entry("0".to_string()).or_insert(0) += 1,
            125 => {
                let why = err.replace(&target, "T");
                *outcomes.entry(why.trim_end().to_string()).or_insert(0) += 1;
                assert!(
                    err.starts_with("husk: ") && err.lines().count() == 1,
                    "{target}: {err:?}"
                );
            }
            other => panic!("exec {target}: status {other}, {err:?}"),
        }
        stopper.join().unwrap();
        c.stop();
    }
    eprintln!("race: statuses and messages: {outcomes:#?}");
    assert_eq!(leftover_processes("race-exec"), Vec::<u32>::new());
    assert_eq!(leftover_processes("race"), Vec::<u32>::new());
}

/// The time namespace is joined too (nsenter -a does), when it differs from ours.
#[test]
fn exec_joins_a_time_namespace() {
    if skip_unless_root("exec_joins_a_time_namespace") {
        return;
    }
    if !Path::new("/proc/self/ns/time").exists() {
        eprintln!("SKIP exec_joins_a_time_namespace: no time namespaces here");
        return;
    }
    let (k, v) = marker("time");
    let u = Lines::spawn(Command::new("unshare").env(&k, &v).args([
        "-T",
        "--monotonic",
        "100000",
        "-f",
        "sh",
        "-c",
        "echo ready; exec sleep 100",
    ]));
    assert_eq!(u.line(), "ready");
    let pid = child_of(u.pid()).to_string();
    let theirs = std::fs::read_link(format!("/proc/{pid}/ns/time")).unwrap();
    assert_ne!(theirs, std::fs::read_link("/proc/self/ns/time").unwrap());
    let theirs = theirs.display().to_string();
    let (st, out, err) = exec(&[&pid, "readlink", "/proc/self/ns/time"]);
    assert_eq!((st, out), (0, format!("{theirs}\n")), "{err}");
    // CMD's children too, and `--join time=PID` in husk run.
    let (st, out, err) = exec(&[&pid, "sh", "-c", "readlink /proc/self/ns/time"]);
    assert_eq!((st, out), (0, format!("{theirs}\n")), "{err}");
    let o = run(husk_cmd("run").args([
        &format!("--join=time={pid}"),
        "--",
        "readlink",
        "/proc/self/ns/time",
    ]));
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{theirs}\n")),
        "{}",
        stderr(&o)
    );
    // unshare -f reaps its sleep and ends: then nothing of it is left (killing unshare
    // first would leave the sleep to the machine's init, reaped in its own time).
    kill(pid.parse().unwrap(), libc::SIGKILL);
    u.wait_any();
    assert_eq!(leftover_processes("time"), Vec::<u32>::new());
}

#[test]
fn exec_works_on_any_process_like_nsenter() {
    if skip_unless_root("exec_works_on_any_process_like_nsenter") {
        return;
    }
    let (k, v) = marker("plain");
    let u = Lines::spawn(Command::new("unshare").env(&k, &v).args([
        "-u",
        "-n",
        "sh",
        "-c",
        "hostname plain; echo ready; exec sleep 100",
    ]));
    assert_eq!(u.line(), "ready");
    let pid = u.pid().to_string();
    let (code, out, err) = exec(&[&pid, "sh", "-c", "hostname; readlink /proc/self/ns/net"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("plain\n{}\n", ns_inodes(&pid)["net"]));
    drop(u);
    assert_eq!(leftover_processes("plain"), Vec::<u32>::new());
}

/// Runs `husk exec` with pidfd_open failing ENOSYS (a kernel before 5.3), through a
/// seccomp filter installed just before exec: husk needs a pidfd (setns through one is
/// Linux 5.8; husk needs 5.14 for containers), so it says so, exits 125, leaves nothing.
#[test]
fn without_pidfd_exec_fails_cleanly() {
    if skip_unless_root("without_pidfd_exec_fails_cleanly") {
        return;
    }
    let c = Container::start("nopidfd", &["-a"]);
    let (k, v) = marker("nopidfd-exec");
    let pid = c.pid.to_string();
    for target in [&c.name, &pid] {
        let mut e = husk_cmd("exec");
        e.env(&k, &v).args([target.as_str(), "--", "true"]);
        use std::os::unix::process::CommandExt;
        unsafe {
            e.pre_exec(|| {
                // ld [nr]; jeq pidfd_open; ret ERRNO|ENOSYS; ret ALLOW (x86_64 only host).
                let filter = [
                    libc::sock_filter {
                        code: 0x20,
                        jt: 0,
                        jf: 0,
                        k: 0,
                    },
                    libc::sock_filter {
                        code: 0x15,
                        jt: 0,
                        jf: 1,
                        k: libc::SYS_pidfd_open as u32,
                    },
                    libc::sock_filter {
                        code: 0x06,
                        jt: 0,
                        jf: 0,
                        k: 0x0005_0000 | libc::ENOSYS as u32,
                    },
                    libc::sock_filter {
                        code: 0x06,
                        jt: 0,
                        jf: 0,
                        k: 0x7fff_0000,
                    },
                ];
                let prog = libc::sock_fprog {
                    len: 4,
                    filter: filter.as_ptr() as *mut _,
                };
                if libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let o = common::run(&mut e);
        let err = stderr(&o);
        assert_eq!(code(&o), 125, "{target}: {err}");
        assert!(
            err.starts_with("husk: ") && err.contains("ENOSYS") && err.lines().count() == 1,
            "{err}"
        );
    }
    assert_eq!(leftover_processes("nopidfd-exec"), Vec::<u32>::new());
    assert_eq!(exec(&[&c.name, "true"]).0, 0, "the container is unharmed");
    c.stop();
}

#[test]
fn join_accepts_a_container_name() {
    if skip_unless_root("join_accepts_a_container_name") {
        return;
    }
    let c = Container::start("join", &["-u", "-i", "--hostname", "joined"]);
    let o = run(husk_cmd("run").args([
        &format!("--join=uts={}", c.name),
        &format!("--join=ipc={}", c.name),
        "--",
        "sh",
        "-c",
        "hostname; readlink /proc/self/ns/ipc",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ipc = ns_inodes(&c.pid.to_string())["ipc"].clone();
    assert_eq!(stdout(&o), format!("joined\n{ipc}\n"));
    let o = run(husk_cmd("run").args(["--join", "uts=no-such-container", "--", "true"]));
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("no such container"), "{}", stderr(&o));
    c.stop();
}

#[test]
fn a_name_in_use_is_refused_and_its_owner_unharmed() {
    if skip_unless_root("a_name_in_use_is_refused_and_its_owner_unharmed") {
        return;
    }
    let c = Container::start("dup", &["-p", "--proc"]);
    let rec = record(&c.name);
    let before = mount_snapshot();
    let (k, v) = marker("dup2");
    let o = run(husk_cmd("run")
        .env(&k, &v)
        .args(["--name", &c.name, "-p", "--", "true"]));
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o),
        format!(
            "husk: --name '{}': in use by a running container (see husk list)\n",
            c.name
        )
    );
    assert_eq!(
        record(&c.name),
        rec,
        "the first container's record is untouched"
    );
    assert_eq!(mount_snapshot(), before);
    assert_eq!(leftover_processes("dup2"), Vec::<u32>::new());
    assert_eq!(
        exec(&[&c.name, "true"]).0,
        0,
        "the first container still runs"
    );
    c.stop();
}

/// Two `husk run --name SAME` at the same moment: both may find the name free, and the
/// record's rename (RENAME_NOREPLACE) decides: exactly one runs, the other is refused as
/// when the name was taken before it started (its container stopped), and nothing is left.
#[test]
fn two_runs_with_one_name_at_once_only_one_runs() {
    if skip_unless_root("two_runs_with_one_name_at_once_only_one_runs") {
        return;
    }
    let (k, v) = marker("twins");
    for round in 0..10 {
        let n = name(&format!("twins{round}"));
        let start = || {
            husk_cmd("run")
                .env(&k, &v)
                .args(["--name", &n, "-p", "--proc", "--", "sh", "-c"])
                .arg("exec sleep 100")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut runs = vec![start(), start()];
        // The loser ends by itself (a hang guard, not a timing threshold: 10 s).
        let mut loser = None;
        for _ in 0..10_000 {
            if let Some(i) = (0..2).find(|&i| runs[i].try_wait().unwrap().is_some()) {
                loser = Some(i);
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let lost = runs.remove(loser.expect("neither run was refused"));
        let mut winner = runs.pop().unwrap();
        let o = lost.wait_with_output().unwrap();
        assert_eq!(
            (code(&o), stderr(&o)),
            (
                125,
                format!("husk: --name '{n}': in use by a running container (see husk list)\n")
            )
        );
        assert_eq!(winner.try_wait().unwrap(), None, "the other one runs");
        let pid = child_of(winner.id() as i32);
        assert!(
            record(&n).starts_with(&format!("{pid}\n")),
            "{}",
            record(&n)
        );
        kill(winner.id() as i32, libc::SIGTERM);
        assert_eq!(winner.wait().unwrap().code(), Some(143));
        let left: Vec<_> = std::fs::read_dir(DIR)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.contains(&n))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
    assert_eq!(leftover_processes("twins"), Vec::<u32>::new());
}

#[test]
fn a_stale_record_is_not_listed_not_entered_and_replaced() {
    if skip_unless_root("a_stale_record_is_not_listed_not_entered_and_replaced") {
        return;
    }
    std::fs::create_dir_all(DIR).unwrap();
    // A dead process's pid, and a live pid with another start time (a reused pid).
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let me = std::process::id();
    for (tag, rec) in [
        ("stale-dead", format!("{dead_pid}\n12345\npid\n/\n\n")),
        ("stale-reused", format!("{me}\n1\npid\n/\n\n")),
    ] {
        let n = name(tag);
        let path = format!("{DIR}/{n}");
        std::fs::write(&path, &rec).unwrap();
        let list = stdout(&run(&mut husk_cmd("list")));
        assert!(!list.contains(&n), "{list}");
        let (code, _, err) = exec(&[&n, "true"]);
        assert_eq!(code, 125);
        assert_eq!(
            err,
            format!("husk: container '{n}': not running any more\n")
        );
        // A run with that name replaces the record, and removes it at the end.
        let run = Lines::spawn(husk_cmd("run").args([
            "--name",
            &n,
            "-u",
            "--",
            "sh",
            "-c",
            "echo ready; exec sleep 100",
        ]));
        assert_eq!(run.line(), "ready");
        let pid = child_of(run.pid());
        for _ in 0..500 {
            if record(&n).starts_with(&format!("{pid}\n")) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(
            record(&n).starts_with(&format!("{pid}\n")),
            "{}",
            record(&n)
        );
        kill(run.pid(), libc::SIGTERM);
        assert_eq!(run.wait(), 143);
        assert!(!Path::new(&path).exists());
    }
}

/// Just enough JSON for `husk list --json`: values are strings, numbers, arrays, objects.
#[derive(Debug, PartialEq)]
enum Json {
    Str(String),
    Num(u64),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

fn parse_json(s: &str) -> Json {
    fn value(b: &[u8], i: &mut usize) -> Json {
        let c = b[*i];
        *i += 1;
        match c {
            b'[' => {
                let mut v = Vec::new();
                if b[*i] == b']' {
                    *i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(value(b, i));
                    *i += 1;
                    if b[*i - 1] == b']' {
                        return Json::Arr(v);
                    }
                    assert_eq!(b[*i - 1], b',');
                }
            }
            b'{' => {
                let mut m = BTreeMap::new();
                loop {
                    let Json::Str(k) = value(b, i) else {
                        panic!("key")
                    };
                    assert_eq!(b[*i], b':');
                    *i += 1;
                    m.insert(k, value(b, i));
                    *i += 1;
                    if b[*i - 1] == b'}' {
                        return Json::Obj(m);
                    }
                    assert_eq!(b[*i - 1], b',');
                }
            }
            b'"' => {
                let mut out = Vec::new();
                loop {
                    let c = b[*i];
                    *i += 1;
                    match c {
                        b'"' => return Json::Str(String::from_utf8(out).unwrap()),
                        b'\\' => {
                            let e = b[*i];
                            *i += 1;
                            match e {
                                b'u' => {
                                    let hex = std::str::from_utf8(&b[*i..*i + 4]).unwrap();
                                    out.push(u8::from_str_radix(hex, 16).unwrap());
                                    *i += 4;
                                }
                                b'n' => out.push(b'\n'),
                                b'"' | b'\\' | b'/' => out.push(e),
                                _ => panic!("escape {e}"),
                            }
                        }
                        c => {
                            assert!(c >= 0x20, "raw control byte in a string");
                            out.push(c)
                        }
                    }
                }
            }
            b'0'..=b'9' => {
                let start = *i - 1;
                while b[*i].is_ascii_digit() {
                    *i += 1;
                }
                Json::Num(std::str::from_utf8(&b[start..*i]).unwrap().parse().unwrap())
            }
            c => panic!("unexpected {}", c as char),
        }
    }
    let mut i = 0;
    let v = value(s.as_bytes(), &mut i);
    assert_eq!(&s[i..], "\n", "one value, then a newline");
    v
}

#[test]
fn json_parser_self_check() {
    assert_eq!(parse_json("[]\n"), Json::Arr(vec![]));
    let v = parse_json("[{\"a\\\"\\\\\\u0001\":\"x\",\"n\":12}]\n");
    let Json::Arr(v) = v else { panic!() };
    let Json::Obj(o) = &v[0] else { panic!() };
    assert_eq!(o["a\"\\\u{1}"], Json::Str("x".into()));
    assert_eq!(o["n"], Json::Num(12));
}

#[test]
fn list_shows_live_containers_as_text_and_json() {
    if skip_unless_root("list_shows_live_containers_as_text_and_json") {
        return;
    }
    let a = Container::start("list-a", &["-p", "--proc", "-n", "-u"]);
    // A name with the characters JSON must escape.
    let odd = Container::start("list\"b\\", &["-i"]);
    // A container in a cgroup husk made: the record names it.
    let cg = Container::start("list-cg", &["--pids", "64"]);
    let text = stdout(&run(&mut husk_cmd("list")));
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("NAME "));
    let row = |n: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(&format!("{n} ")))
            .unwrap_or_else(|| panic!("{n} not in\n{text}"))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    let ra = row(&a.name);
    assert_eq!(ra[1], a.pid.to_string());
    assert!(ra[2].ends_with('s') && ra[2][..ra[2].len() - 1].parse::<u64>().unwrap() < 60);
    assert_eq!(ra[3], "mnt,pid,net,uts");
    assert_eq!(ra[4], "/");
    assert_eq!(row(&odd.name)[3], "ipc");
    let rc = row(&cg.name);
    assert_eq!(rc.len(), 5, "no namespaces: {rc:?}");
    let in_cgroup = |path: &str| {
        let own = std::fs::read_to_string(format!("/proc/{}/cgroup", cg.pid)).unwrap();
        assert!(
            path.contains("husk") && own.lines().any(|l| l.ends_with(&format!(":{path}"))),
            "{path} in {own}"
        );
    };
    in_cgroup(&rc[4]);
    let json = stdout(&run(husk_cmd("list").arg("--json")));
    let Json::Arr(all) = parse_json(&json) else {
        panic!("{json}")
    };
    let find = |n: &str| {
        all.iter()
            .find_map(|c| match c {
                Json::Obj(o) if o["name"] == Json::Str(n.into()) => Some(o),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{n} not in {json}"))
    };
    let o = find(&a.name);
    assert_eq!(o["pid"], Json::Num(a.pid as u64));
    assert_eq!(o["namespaces"], Json::Str("mnt,pid,net,uts".into()));
    assert_eq!(o["rootfs"], Json::Str("/".into()));
    // No cgroup of husk's own: the container's, its v2 one (else its first v1 one).
    let own = std::fs::read_to_string(format!("/proc/{}/cgroup", a.pid)).unwrap();
    let line = own.lines().find(|l| l.starts_with("0::"));
    let own = line.unwrap_or(own.lines().next().unwrap());
    assert_eq!(
        o["cgroup"],
        Json::Str(own.splitn(3, ':').nth(2).unwrap().into())
    );
    assert!(matches!(o["uptime"], Json::Num(n) if n < 60));
    assert_eq!(find(&odd.name)["pid"], Json::Num(odd.pid as u64));
    let Json::Str(path) = &find(&cg.name)["cgroup"] else {
        panic!("{json}")
    };
    in_cgroup(path);
    a.stop();
    odd.stop();
    cg.stop();
    let json = stdout(&run(husk_cmd("list").arg("--json")));
    assert!(!json.contains(&name("list")), "{json}");
}

#[test]
fn bad_input_is_refused_and_leaves_nothing() {
    if skip_unless_root("bad_input_is_refused_and_leaves_nothing") {
        return;
    }
    let before = mount_snapshot();
    let (k, v) = marker("exec-bad");
    let missing = name("missing");
    // A pid that is surely free: one of ours, reaped.
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id().to_string();
    gone.wait().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&[&missing, "true"], "no such container (see husk list)"),
        (&["--name", &missing, "true"], "no such container"),
        (&[&gone_pid, "true"], "ESRCH"),
        (&["a/b", "true"], "container name 'a/b'"),
        (&["..", "true"], "container name '..'"),
        (&["1"], "no command given"),
        (&[], "expected"),
        (&["0", "true"], "not a process id"),
        (
            &["--rootfs", "/", "1", "true"],
            "an option of husk run only",
        ),
        (
            &["--memory", "4M", &missing, "true"],
            "an option of husk run only",
        ),
        (&["--frob", "1", "true"], "unknown option '--frob'"),
    ];
    for (args, msg) in cases {
        let o = run(husk_cmd("exec").env(&k, &v).args(*args));
        let err = stderr(&o);
        assert_eq!(code(&o), 125, "{args:?}: {err}");
        assert!(
            err.starts_with("husk: ") && err.contains(msg) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    for bad in ["a/b", "", ".", "x".repeat(65).as_str(), "a b"] {
        let o = run(husk_cmd("run").env(&k, &v).args(["--name", bad, "true"]));
        assert_eq!(code(&o), 125, "{bad}");
        assert!(stderr(&o).contains("container name"), "{}", stderr(&o));
    }
    assert_eq!(mount_snapshot(), before);
    assert_eq!(leftover_processes("exec-bad"), Vec::<u32>::new());
}

/// CapEff, CapBnd, NoNewPrivs and Seccomp from a /proc/PID/status text.
fn privs(status: &str) -> [String; 4] {
    ["CapEff:", "CapBnd:", "NoNewPrivs:", "Seccomp:"].map(|k| {
        let l = status.lines().find(|l| l.starts_with(k));
        l.unwrap_or_else(|| panic!("no {k} in {status}"))[k.len()..]
            .trim()
            .to_string()
    })
}

fn privs_of(pid: i32) -> [String; 4] {
    privs(&std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap())
}

/// What the kernel says of CMD's privileges when `husk exec ARGS... cat /proc/self/status`
/// runs it, and husk's stderr.
fn exec_privs(args: &[&str]) -> ([String; 4], String) {
    let mut a = args.to_vec();
    a.extend(["--", "cat", "/proc/self/status"]);
    let (code, out, err) = exec(&a);
    assert_eq!(code, 0, "{args:?}: {err}");
    (privs(&out), err)
}

fn hex(caps: u64) -> String {
    format!("{caps:016x}")
}

const WARNING: &str = "husk: warning: the target's seccomp filter is not reproduced\n";

/// By default CMD has the target's privileges, not `husk run`'s defaults: its bounding
/// set as capabilities, its no_new_privs; a seccomp filter cannot be copied (a warning
/// says so), except that a container (by NAME, or by its PID 1's pid: its record says
/// so) whose command has husk's default filter gets it on CMD too. (Its PID 1 husk has a
/// filter of its own, an init's calls only.) The security options still apply on top.
#[test]
fn exec_gives_cmd_the_privileges_of_a_container() {
    if skip_unless_root("exec_gives_cmd_the_privileges_of_a_container") {
        return;
    }
    let own = u64::from_str_radix(&privs_of(std::process::id() as i32)[1], 16).unwrap();
    let docker14 = hex(0xa80425fb & own);
    let c = Container::start("privdef", &["-p", "--proc"]);
    let p = Container::start("privall", &["-p", "--proc", "--privileged"]);
    let d = Container::start("privdeny", &["-p", "--proc", "--seccomp-deny", "ptrace"]);
    // The target of a name is the container's PID 1 husk: the container's capabilities
    // and no_new_privs, and when its CMD has a filter, the init's own.
    for (t, bnd, theirs, filter, warn) in [
        (&c, &docker14, "2", "2", ""),
        (&p, &hex(own), "0", "0", ""),
        (&d, &docker14, "2", "0", WARNING),
    ] {
        let pid1 = privs_of(t.pid);
        assert_eq!(pid1, [bnd, bnd, "1", theirs], "{}", t.name);
        // Its CMD, sleep, has husk run's filter, or none with --privileged.
        assert_eq!(privs_of(child_of(t.pid))[3], theirs, "{}", t.name);
        let (got, err) = exec_privs(&[&t.name]);
        assert_eq!(got, [bnd, bnd, "1", filter], "{}", t.name);
        assert_eq!(err, warn, "{}", t.name);
    }
    // By the pid of its PID 1, the same as by name.
    let (got, err) = exec_privs(&[&c.pid.to_string()]);
    assert_eq!(got, [&docker14, &docker14, "1", "2"]);
    assert_eq!(err, "");
    // By another pid there is no record: the container's CMD has a filter, CMD not (a
    // warning).
    let sleep = child_of(c.pid);
    assert_eq!(privs_of(sleep), [&docker14, &docker14, "1", "2"]);
    let (got, err) = exec_privs(&[&sleep.to_string()]);
    assert_eq!(got, [&docker14, &docker14, "1", "0"]);
    assert_eq!(err, WARNING);
    // Options on top: never above the target's bounding set; a filter only if asked.
    let (got, _) = exec_privs(&["--cap-drop", "NET_RAW", "--seccomp", "default", &c.name]);
    let fewer = hex(0xa80425fb & own & !(1 << 13));
    assert_eq!(got, [&fewer, &fewer, "1", "2"]);
    let (got, _) = exec_privs(&["--cap-add", "SYS_ADMIN", &c.name]);
    assert_eq!(got, [&docker14, &docker14, "1", "2"]);
    let (got, err) = exec_privs(&["--seccomp", "unconfined", &c.name]);
    assert_eq!(got, [&docker14, &docker14, "1", "0"]);
    assert_eq!(err, "");
    // --seccomp-deny adds to the container's default filter.
    let (got, err) = exec_privs(&["--seccomp-deny", "ptrace", &c.name]);
    assert_eq!(got, [&docker14, &docker14, "1", "2"]);
    assert_eq!(err, "");
    let (got, _) = exec_privs(&["--cap-drop", "ALL", "--cap-add", "KILL", &p.name]);
    assert_eq!(got, [&hex(1 << 5), &hex(1 << 5), "1", "0"]);
    c.stop();
    p.stop();
    d.stop();
}

#[test]
fn exec_gives_cmd_the_privileges_of_a_host_process() {
    if skip_unless_root("exec_gives_cmd_the_privileges_of_a_host_process") {
        return;
    }
    let own = privs_of(std::process::id() as i32)[1].clone();
    let (k, v) = marker("privhost");
    let sleeper = |pre: &[&str]| {
        let mut c = Command::new(pre[0]);
        c.env(&k, &v).args(&pre[1..]);
        c.args(["sh", "-c", "echo ready; exec sleep 100"]);
        let l = Lines::spawn(&mut c);
        assert_eq!(l.line(), "ready");
        let pid = l.pid();
        (l, pid)
    };
    // A plain root process: every capability, no no_new_privs, no filter.
    let (plain, pid) = sleeper(&["env"]);
    assert_eq!(privs_of(pid), [&own, &own, "0", "0"]);
    let (got, err) = exec_privs(&[&pid.to_string()]);
    assert_eq!(got, [&own, &own, "0", "0"]);
    assert_eq!(err, "");
    // One with a bounding set of CAP_KILL and no_new_privs (CMD gets no more).
    let (tight, pid) = sleeper(&["setpriv", "--no-new-privs", "--bounding-set", "-all,+kill"]);
    let kill_only = hex(1 << 5);
    assert_eq!(privs_of(pid), [&kill_only, &kill_only, "1", "0"]);
    let (got, _) = exec_privs(&[&pid.to_string()]);
    assert_eq!(got, [&kill_only, &kill_only, "1", "0"]);
    let (got, _) = exec_privs(&["--cap-add", "SYS_ADMIN", "--privileged", &pid.to_string()]);
    assert_eq!(got, [&kill_only, &kill_only, "1", "0"]);
    drop((plain, tight));
    assert_eq!(leftover_processes("privhost"), Vec::<u32>::new());
}

/// `husk exec` creates no network and no cgroup: husk run's network and cgroup options
/// are refused before anything exists. (The veth pair used to be made in the caller's
/// namespace and left behind.) In a sandbox network namespace with a private /run.
#[test]
fn exec_refuses_the_network_and_cgroup_options() {
    if skip_unless_root("exec_refuses_the_network_and_cgroup_options") {
        return;
    }
    let script = r#"mount -t tmpfs tmpfs /run || exit 99
sleep 100 & T=$!
for o in "-n --veth hx:e0" "-n --veth hx" "--veth hx" "--ip 10.7.0.2/24" "--host-ip 10.7.0.1/24" \
    "--route default" "--mtu 1400" "--mac 02:00:00:00:00:01" "--bridge hbr" "--netns hns" \
    "--memory 4M" "--memory-swap 8M" "--cpus 0.5" "--pids 10" "--cgroup-parent husk-x" \
    "--memory 4M --memory-swap 1M"; do
  # The pid of each husk, to look for a cgroup named after it.
  $H exec $o $T true 2>&1 & P=$!; wait $P; echo "status $? pid $P"
done
kill $T
echo LINKS; ip -o link | awk -F': ' '{print $2}' | tr '\n' ' '; echo
echo NETNS; ls /var/run/netns 2>/dev/null; echo end"#;
    let o = run(Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--"])
        .args(["sh", "-c", script])
        .env("H", husk()));
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    let lines: Vec<&str> = out.lines().collect();
    let mut pids = Vec::new();
    for pair in lines[..32].chunks(2) {
        assert_eq!(
            pair[0], "husk: exec: an option of husk run only (see husk exec --help)",
            "{out}"
        );
        let (status, pid) = pair[1].split_once(" pid ").unwrap();
        assert_eq!(status, "status 125", "{out}");
        pids.push(pid.to_string());
    }
    assert_eq!(&lines[32..], ["LINKS", "lo ", "NETNS", "end"], "{out}");
    // No cgroup husk-<pid> of any of them under ours (where it would have been made).
    for line in std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
    {
        let mut f = line.splitn(3, ':');
        let (_, ctl, path) = (f.next(), f.next().unwrap(), f.next().unwrap());
        let h = ctl.strip_prefix("name=").unwrap_or(ctl);
        for root in [
            format!("/sys/fs/cgroup/{h}"),
            "/sys/fs/cgroup/unified".into(),
        ] {
            for pid in &pids {
                let d = format!("{root}{}/husk-{pid}", path.trim_end_matches('/'));
                assert!(!Path::new(&d).exists(), "{d}");
            }
        }
    }
}
