//! `husk run`: namespaces, id maps, the pivoted root and its mounts, PID 1 inside, exit
//! statuses, bad input. Checked from inside with the kernel's view (/proc, mountinfo).
mod common;
use common::*;
use std::process::Command;

fn husk_run() -> Command {
    let mut c = Command::new(husk());
    c.arg("run");
    c
}

fn out_of(args: &[&str]) -> (i32, String, String) {
    let o = run(husk_run().args(args));
    (code(&o), stdout(&o), stderr(&o))
}

fn inside(flags: &[&str], script: &str) -> String {
    let mut a: Vec<&str> = flags.to_vec();
    a.extend(["--", "sh", "-c", script]);
    let (c, out, err) = out_of(&a);
    assert_eq!(c, 0, "husk run {flags:?} -- sh -c {script:?}: {err}");
    out
}

fn rootfs_str() -> String {
    rootfs().display().to_string()
}

#[test]
fn each_namespace_flag_makes_exactly_that_namespace() {
    if skip_unless_root("each_namespace_flag_makes_exactly_that_namespace") {
        return;
    }
    let host = ns_inodes("self");
    for (flag, ty) in [
        ("-n", "net"),
        ("-m", "mnt"),
        ("-u", "uts"),
        ("-p", "pid"),
        ("-i", "ipc"),
        ("-C", "cgroup"),
        ("-U", "user"),
    ] {
        let out = inside(&[flag], "for t in cgroup ipc mnt net pid user uts; do echo $t $(readlink /proc/self/ns/$t); done");
        for line in out.lines() {
            let (t, ino) = line.split_once(' ').unwrap();
            if t == ty {
                assert_ne!(&host[t], ino, "{flag}: {t} must be new");
            } else {
                assert_eq!(&host[t], ino, "{flag}: {t} must be the host's");
            }
        }
    }
    // -a: all but user.
    let out = inside(
        &["-a"],
        "for t in cgroup ipc mnt net pid user uts; do echo $t $(readlink /proc/self/ns/$t); done",
    );
    for line in out.lines() {
        let (t, ino) = line.split_once(' ').unwrap();
        assert_eq!(t == "user", host[t] == ino, "-a: {t}");
    }
}

#[test]
fn hostname_lives_in_the_new_uts_namespace() {
    if skip_unless_root("hostname_lives_in_the_new_uts_namespace") {
        return;
    }
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(
        inside(
            &["--hostname", "box"],
            "hostname; cat /proc/sys/kernel/hostname"
        ),
        "box\nbox\n"
    );
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        before
    );
}

#[test]
fn id_maps_are_written() {
    if skip_unless_root("id_maps_are_written") {
        return;
    }
    let out = inside(
        &["--map-root"],
        "cat /proc/self/uid_map /proc/self/gid_map; id -u",
    );
    let v: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(v, ["0 0 1", "0 0 1", "0"]);
    let out = inside(
        &[
            "--uid-map",
            "0:100000:65536",
            "--uid-map",
            "65536:1000:1",
            "--gid-map",
            "0:200000:10",
        ],
        "cat /proc/self/uid_map /proc/self/gid_map",
    );
    let v: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(v, ["0 100000 65536", "65536 1000 1", "0 200000 10"]);
}

fn as_nobody(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    cmd.uid(65534).gid(65534)
}

#[test]
fn rootless_run_as_an_unprivileged_user() {
    if skip_unless_root("rootless_run_as_an_unprivileged_user") {
        return;
    }
    // A non-root caller gets a user namespace with itself mapped to root, automatically.
    let o = run(as_nobody(&mut husk_run()).args([
        "-p",
        "--proc",
        "--hostname",
        "rootless",
        "--",
        "sh",
        "-c",
        "id -u; cat /proc/self/uid_map; cat /proc/self/setgroups; hostname; ps -o pid,comm | wc -l",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let v: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(v[0], "0");
    assert_eq!(v[1], "0 65534 1");
    assert_eq!(v[2], "deny", "setgroups denied, as the kernel requires");
    assert_eq!(v[3], "rootless");
    // And a whole rootfs: /proc, /sys (bound, read-only), /dev (nodes bound from the host).
    let r = rootfs_str();
    let o = run(as_nobody(&mut husk_run()).args([
        "-a",
        "--rootfs",
        &r,
        "--",
        "sh",
        "-c",
        "ls /dev; echo x > /dev/null && echo null-ok; touch /sys/x 2>&1 | grep -c Read-only",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("null-ok\n1\n"), "{}", stdout(&o));
}

#[test]
fn husk_is_pid1_and_reaps_orphans() {
    if skip_unless_root("husk_is_pid1_and_reaps_orphans") {
        return;
    }
    let out = inside(
        &["-p", "--proc"],
        "cat /proc/1/comm; echo $$; probe orphans 3 2>/dev/null || true",
    );
    let mut l = out.lines();
    assert_eq!(l.next(), Some("husk"));
    assert_eq!(l.next(), Some("2"), "CMD is husk's child");
    // The probe is not on the host PATH: run it by path.
    let p = probe().display().to_string();
    let out = inside(&["-p", "--proc"], &format!("{p} orphans 3"));
    assert_eq!(out, "reaped 3\n");
    // --no-init: CMD itself is PID 1.
    let out = inside(&["-p", "--proc", "--no-init"], "echo $$; cat /proc/1/comm");
    assert_eq!(out, "1\nsh\n");
}

#[test]
fn without_a_pid_namespace_husk_reaps_as_a_subreaper() {
    let p = probe().display().to_string();
    if skip_unless_root("without_a_pid_namespace_husk_reaps_as_a_subreaper") {
        return;
    }
    assert_eq!(inside(&["-u"], &format!("{p} orphans 2")), "reaped 2\n");
}

#[test]
fn signals_reach_cmd_through_both_husks() {
    if skip_unless_root("signals_reach_cmd_through_both_husks") {
        return;
    }
    let l = Lines::spawn(husk_run().args(["-p", "--"]).arg(probe()).arg("signals"));
    assert_eq!(l.line(), "ready");
    for sig in [libc::SIGUSR1, libc::SIGHUP, libc::SIGINT, 40] {
        kill(l.pid(), sig);
        assert_eq!(l.line(), format!("SIG {sig}"));
    }
    kill(l.pid(), libc::SIGTERM);
    assert_eq!(l.line(), "SIG 15");
    assert_eq!(l.wait(), 0);
}

#[test]
fn rootfs_is_the_root_and_the_host_is_gone() {
    if skip_unless_root("rootfs_is_the_root_and_the_host_is_gone") {
        return;
    }
    let marker = format!("/tmp/husk-marker-{}", std::process::id());
    std::fs::write(&marker, "host").unwrap();
    let r = rootfs_str();
    let out = inside(&["-a", "--rootfs", &r], &format!("ls /; test -e {marker} && echo LEAK; cat /proc/self/mountinfo | cut -d' ' -f5 | sort -u | tr '\\n' ' '"));
    std::fs::remove_file(&marker).unwrap();
    assert!(!out.contains("LEAK"), "{out}");
    let mut lines = out.lines();
    let listing: Vec<&str> = lines.by_ref().take_while(|l| !l.contains(' ')).collect();
    assert!(
        listing.contains(&"bin") && listing.contains(&"proc") && listing.contains(&"etc"),
        "{out}"
    );
    let points = out.lines().last().unwrap();
    assert_eq!(
        points.trim(),
        "/ /dev /dev/mqueue /dev/pts /dev/shm /proc /proc/acpi /proc/bus /proc/fs /proc/interrupts /proc/irq /proc/keys /proc/sys /proc/timer_list /sys /sys/firmware",
        "only the container's mounts (and Docker's masked paths)"
    );
}

#[test]
fn dev_has_exactly_the_expected_nodes() {
    if skip_unless_root("dev_has_exactly_the_expected_nodes") {
        return;
    }
    let r = rootfs_str();
    for extra in [&[][..], &["--map-root"][..]] {
        let mut flags = vec!["-a", "--rootfs", r.as_str()];
        flags.extend(extra);
        let out = inside(&flags, "ls -A /dev | tr '\\n' ' '; echo; stat -c '%A %t:%T' /dev/null /dev/zero /dev/tty; echo hi > /dev/null; head -c 4 /dev/zero | wc -c; test -c /dev/pts/ptmx && echo ptmx");
        let mut l = out.lines();
        assert_eq!(
            l.next().unwrap().trim(),
            "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero",
            "{extra:?}"
        );
        assert_eq!(l.next(), Some("crw-rw-rw- 1:3"));
        assert_eq!(l.next(), Some("crw-rw-rw- 1:5"));
        assert_eq!(l.next(), Some("crw-rw-rw- 5:0"));
        assert_eq!(l.next(), Some("4"));
        assert_eq!(l.next(), Some("ptmx"));
    }
}

#[test]
fn proc_and_sys_in_the_rootfs() {
    if skip_unless_root("proc_and_sys_in_the_rootfs") {
        return;
    }
    let r = rootfs_str();
    let out = inside(&["-a", "--rootfs", &r], "cat /proc/1/comm; set -- /proc/[0-9]*; echo $#; awk '$5 == \"/sys\"' /proc/self/mountinfo | grep -c ' ro,'; touch /sys/x 2>&1 | grep -c Read-only");
    assert_eq!(
        out, "husk\n2\n1\n1\n",
        "/proc shows only the container (husk and sh); /sys read-only"
    );
}

#[test]
fn binds_tmpfs_and_read_only() {
    if skip_unless_root("binds_tmpfs_and_read_only") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("husk-bind-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("file"), "content").unwrap();
    let d = dir.display().to_string();
    let r = rootfs_str();
    let ro = format!("{d}:/mnt/ro:ro");
    let rw = format!("{d}/sub:/mnt/rw");
    let file = format!("{d}/file:/etc/bound");
    let out = inside(
        &["-a", "--rootfs", &r, "--bind", &ro, "--bind", &rw, "--bind", &file, "--tmpfs", "/run/t:1M", "--read-only"],
        "cat /etc/bound; echo; touch /mnt/ro/x 2>&1 | grep -c Read-only; touch /mnt/rw/y && echo rw-ok; \
         touch /x 2>&1 | grep -c Read-only; touch /run/t/z && echo tmpfs-ok; df -k /run/t | tail -1 | awk '{print $2}'",
    );
    assert_eq!(out, "content\n1\nrw-ok\n1\ntmpfs-ok\n1024\n");
    assert!(dir.join("sub/y").exists(), "the rw bind writes through");
    assert!(!dir.join("x").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    // Read-only binds are recursive: a mount under the source is read-only too.
    let o = run(Command::new("unshare").args(["-m", "sh", "-c"]).arg(format!(
        "mkdir -p {d}/a/b && mount -t tmpfs t {d}/a/b && {} run --bind {d}/a:/mnt:ro -- touch /mnt/b/x; echo $?; umount {d}/a/b; rm -r {d}",
        husk().display()
    )));
    assert!(stderr(&o).contains("Read-only"), "{}", stderr(&o));
}

#[test]
fn mounts_do_not_propagate_to_the_host() {
    if skip_unless_root("mounts_do_not_propagate_to_the_host") {
        return;
    }
    // A shared mount tree around husk: a mount inside would appear outside if husk did not
    // make its mounts private.
    let o = run(Command::new("unshare").args(["-m", "--propagation", "shared", "sh", "-c"]).arg(format!(
        "{} run --tmpfs /mnt --proc -p -- true && grep -c ' /mnt ' /proc/self/mountinfo; grep -c ' /proc ' /proc/self/mountinfo",
        husk().display()
    )));
    assert_eq!(stdout(&o), "0\n1\n", "{}", stderr(&o));
}

#[test]
fn proc_without_rootfs_is_like_unshare_mount_proc() {
    if skip_unless_root("proc_without_rootfs_is_like_unshare_mount_proc") {
        return;
    }
    let out = inside(&["-p", "--proc"], "set -- /proc/[0-9]*; echo $#");
    assert_eq!(out.trim(), "2", "husk and sh: {out}");
}

#[test]
fn rlimits_env_cwd_uid_gid() {
    if skip_unless_root("rlimits_env_cwd_uid_gid") {
        return;
    }
    let out = inside(
        &[
            "--rlimit",
            "nofile=100:200",
            "--rlimit",
            "core=0",
            "-e",
            "FOO=bar",
            "-e",
            "HOME=/x",
            "--cwd",
            "/tmp",
            "--uid",
            "65534",
            "--gid",
            "65534",
        ],
        "ulimit -n; ulimit -Hn; ulimit -c; echo $FOO $HOME; pwd; id -u; id -g; id -G",
    );
    assert_eq!(out, "100\n200\n0\nbar /x\n/tmp\n65534\n65534\n65534\n");
    let o = run(husk_run().env("KEEP", "1").args([
        "--env-clear",
        "-e",
        "ONLY=1",
        "--",
        "/usr/bin/env",
    ]));
    assert_eq!(stdout(&o), "ONLY=1\n");
}

#[test]
fn exit_statuses() {
    if skip_unless_root("exit_statuses") {
        return;
    }
    for (flags, script, want) in [
        (&["-p"][..], "exit 0", 0),
        (&["-p"], "exit 3", 3),
        (&["-p", "--no-init"], "exit 3", 3),
        (&["-u"], "exit 3", 3),
        (&["-p"], "kill -TERM $$", 143),
        (&["-u"], "kill -KILL $$", 137),
    ] {
        let mut a = flags.to_vec();
        a.extend(["--", "sh", "-c", script]);
        assert_eq!(out_of(&a).0, want, "{flags:?} {script}");
    }
    for flags in [&["-p"][..], &["-p", "--no-init"], &["-u"]] {
        let mut a = flags.to_vec();
        a.extend(["--", "/no/such/cmd"]);
        let (c, _, err) = out_of(&a);
        assert_eq!(c, 127, "{flags:?}");
        assert!(err.contains("husk: exec /no/such/cmd: ENOENT"), "{err}");
        let mut a = flags.to_vec();
        a.extend(["--", "/etc/passwd"]);
        assert_eq!(out_of(&a).0, 126, "{flags:?}");
    }
}

#[test]
fn a_script_without_shebang_runs_with_bin_sh() {
    if skip_unless_root("a_script_without_shebang_runs_with_bin_sh") {
        return;
    }
    let dir = script_without_shebang("run-noexec");
    let f = dir.join("ns.sh").display().to_string();
    // husk as PID 1 spawning it, and husk execing it (the same execvp).
    for flags in [&["-p"][..], &["-p", "--no-init"], &["-u"]] {
        let mut a = flags.to_vec();
        a.extend(["--", &f, "x"]);
        let (c, out, err) = out_of(&a);
        assert_eq!((c, out), (4, format!("{f} 1 x|\n")), "{flags:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn join_lands_in_the_targets_namespaces() {
    if skip_unless_root("join_lands_in_the_targets_namespaces") {
        return;
    }
    let target = Lines::spawn(husk_run().args([
        "-u",
        "-n",
        "--hostname",
        "target",
        "--no-init",
        "--",
        "sh",
        "-c",
        "echo ready; exec sleep 100",
    ]));
    assert_eq!(target.line(), "ready");
    // The sh inside is husk's child: find it.
    let kids =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", target.pid())).unwrap();
    let pid = kids.split_whitespace().next().unwrap().to_string();
    let want = ns_inodes(&pid);
    let by_pid = format!("uts={pid}");
    let by_path = format!("net=/proc/{pid}/ns/net");
    let out = inside(
        &["--join", &by_pid, "--join", &by_path],
        "hostname; readlink /proc/self/ns/uts /proc/self/ns/net",
    );
    assert_eq!(out, format!("target\n{}\n{}\n", want["uts"], want["net"]));
}

#[test]
fn timings_print_every_phase() {
    if skip_unless_root("timings_print_every_phase") {
        return;
    }
    let r = rootfs_str();
    let (c, _, err) = out_of(&[
        "--timings",
        "-a",
        "--map-root",
        "--hostname",
        "t",
        "--rootfs",
        &r,
        "--",
        "true",
    ]);
    assert_eq!(c, 0, "{err}");
    for phase in [
        "parse", "check", "clone", "maps", "hostname", "mounts", "pivot", "setup", "exec", "total",
    ] {
        assert!(
            err.lines().any(|l| l.trim_start().starts_with(phase)),
            "{phase} missing: {err}"
        );
    }
}

#[test]
fn ns_shows_which_namespaces_differ_from_pid1() {
    if skip_unless_root("ns_shows_which_namespaces_differ_from_pid1") {
        return;
    }
    // In a new pid namespace with its own /proc, PID 1 is husk; `husk ns` run by the command
    // compares its own namespaces (new net, via an exec'd child) with PID 1's.
    let h = husk().display().to_string();
    // Both keep every capability: husk runs inside the outer one, and husk ns may read
    // PID 1's namespaces (husk as PID 1 is non-dumpable: see the CVE-2019-5736 test).
    let out = inside(
        &["-p", "--proc", "-m", "--privileged"],
        &format!("{h} ns; {h} run -n -u --privileged -- {h} ns"),
    );
    let blocks: Vec<&str> = out.split("NAMESPACE").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), 2, "{out}");
    assert!(
        !blocks[0].lines().any(|l| l.ends_with('*')),
        "the command shares PID 1's namespaces: {}",
        blocks[0]
    );
    let marked: Vec<&str> = blocks[1]
        .lines()
        .filter(|l| l.ends_with('*'))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(marked, ["net", "uts"], "{}", blocks[1]);
}

/// On a kernel older than 5.14, `husk run`, `husk exec` and `husk netns exec` refuse up
/// front, with the kernel's release, rather than fail at the first missing call;
/// `husk init` and the help still work. The UNAME26 personality (`setarch --uname-2.6`)
/// makes this kernel report a 2.6 release.
#[test]
fn an_old_kernel_is_refused_up_front() {
    let before = mount_snapshot();
    let (k, v) = marker("old-kernel");
    let old = |args: &[&str]| {
        let mut c = Command::new("setarch");
        c.args([std::env::consts::ARCH, "--uname-2.6"]).arg(husk());
        run(c.env(&k, &v).args(args))
    };
    let o = old(&["run", "--", "true"]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    let err = stderr(&o);
    let release = err
        .strip_prefix("husk: Linux 2.6.")
        .and_then(|r| r.strip_suffix(": husk run and exec need 5.14 or later\n"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(!release.contains('\n'), "{err}");
    for args in [
        &["run", "-n", "--veth", "hx", "--name", "x", "--", "true"][..],
        &["exec", "1", "true"],
        &["netns", "exec", "x", "true"],
    ] {
        let o = old(args);
        assert_eq!((code(&o), stderr(&o)), (125, err.clone()), "{args:?}");
    }
    for args in [
        &["init", "-s", "--", "true"][..],
        &["run", "--help"],
        &["exec", "--help"],
    ] {
        let o = old(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    }
    assert_eq!(mount_snapshot(), before);
    assert_eq!(leftover_processes("old-kernel"), Vec::<u32>::new());
}

#[test]
fn bad_input_is_refused_before_anything_exists() {
    if skip_unless_root("bad_input_is_refused_before_anything_exists") {
        return;
    }
    let r = rootfs_str();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--rootfs", "/no/such/dir", "--", "sh"],
            "rootfs /no/such/dir: ENOENT",
        ),
        (
            &["--rootfs", &r, "--", "/no/such/cmd"],
            "not found in the rootfs",
        ),
        (
            &["--rootfs", &r, "--", "nosuchcmd"],
            "not found in the rootfs",
        ),
        (&["--uid-map", "0:1", "--", "true"], "--uid-map '0:1'"),
        (
            &[
                "--uid-map",
                "0:1000:10",
                "--uid-map",
                "5:2000:1",
                "--",
                "true",
            ],
            "ranges overlap",
        ),
        (
            &["--join", "bogus=1", "--", "true"],
            "unknown namespace type",
        ),
        (
            &["--join", "net=/no/such/ns", "--", "true"],
            "open namespace /no/such/ns",
        ),
        (
            &["--bind", "/no/such/src:/x", "--", "true"],
            "bind source /no/such/src: ENOENT",
        ),
        (&["--rlimit", "bogus=1", "--", "true"], "unknown limit"),
        // What the kernel would refuse only after clone, named before it.
        (
            &["--join", "net=/etc/passwd", "--", "true"],
            "husk: --join net=/etc/passwd: not a net namespace",
        ),
        (
            &["--join", "uts=/proc/self/ns/net", "--", "true"],
            "husk: --join uts=/proc/self/ns/net: not a uts namespace",
        ),
        (
            &["--map-root", "--uid", "1000", "--", "true"],
            "husk: --uid '1000': not mapped in the user namespace (see --uid-map)",
        ),
        (
            &["--uid-map", "0:100000:10", "--gid-map", "0:100000:10", "--gid", "10", "--", "true"],
            "husk: --gid '10': not mapped in the user namespace (see --gid-map)",
        ),
        (
            &["-U", "--proc", "--", "true"],
            "husk: --proc: in a user namespace a new /proc needs a new pid namespace too (-p)",
        ),
        (
            &["--map-root", "--rootfs", &r, "--", "true"],
            "husk: --rootfs: in a user namespace a new /proc needs a new pid namespace too (-p)",
        ),
        (
            &["--cwd", "/no/such/dir", "--", "true"],
            "husk: --cwd '/no/such/dir': no such directory",
        ),
        (
            &["--bind", "/etc/hostname:/no/such/x", "--", "true"],
            "husk: --bind /no/such/x: no such mount point (without --rootfs, husk creates nothing on the host)",
        ),
        (
            &["--tmpfs", "/no/such/t", "--", "true"],
            "husk: --tmpfs /no/such/t: no such mount point",
        ),
        (&["-p"], "no command"),
        (&["-p", "--", ""], "empty"),
        (&["--frobnicate", "true"], "unknown option '--frobnicate'"),
    ];
    let before = mount_snapshot();
    let (k, v) = marker("bad-input");
    let out_of = |args: &[&str]| {
        let o = run(husk_run().env(&k, &v).args(args));
        (code(&o), stdout(&o), stderr(&o))
    };
    for (args, msg) in cases {
        let (c, _, err) = out_of(args);
        assert_eq!(c, 125, "{args:?}: {err}");
        assert!(
            err.starts_with("husk: ") && err.contains(msg) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // A failure inside the child (after clone) leaves nothing either: a file cannot be
    // bound on a directory.
    let (c, _, err) = out_of(&["-m", "--bind", "/etc/hostname:/tmp", "--", "true"]);
    assert_eq!(c, 125, "{err}");
    assert_eq!(err, "husk: bind mount on /tmp: ENOTDIR\n");
    assert_eq!(mount_snapshot(), before, "no mount left behind");
    assert_eq!(
        leftover_processes("bad-input"),
        Vec::<u32>::new(),
        "no process (so no namespace) left behind"
    );
}

#[test]
fn killing_husk_kills_the_container() {
    if skip_unless_root("killing_husk_kills_the_container") {
        return;
    }
    let (k, v) = marker("killed");
    for flags in [&["-p"][..], &["-u"][..]] {
        let l = Lines::spawn(husk_run().env(&k, &v).args(flags).args([
            "--",
            "sh",
            "-c",
            "echo ready; exec sleep 100",
        ]));
        assert_eq!(l.line(), "ready");
        kill(l.pid(), libc::SIGKILL);
        let _ = l.wait_signaled();
        // The container's processes are gone (give the kernel a moment to deliver).
        let mut left = leftover_processes("killed");
        for _ in 0..200 {
            if left.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            left = leftover_processes("killed");
        }
        assert_eq!(left, Vec::<u32>::new(), "{flags:?}");
    }
}

/// Our own cgroup in a v1 hierarchy (husk's default parent), e.g. /sys/fs/cgroup/memory/a/b.
fn own_cgroup(ctl: &str) -> std::path::PathBuf {
    let me = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let path = me
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctls, p) = (f.next()?, f.next()?, f.next()?);
            ctls.split(',').any(|c| c == ctl).then(|| p.to_string())
        })
        .unwrap();
    std::path::PathBuf::from(format!("/sys/fs/cgroup/{ctl}{path}"))
}

fn husk_cgroups_under(ctl: &str) -> Vec<String> {
    std::fs::read_dir(own_cgroup(ctl))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("husk-"))
        .collect()
}

fn cgroups_available() -> bool {
    std::path::Path::new("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists()
}

/// The cgroup tests check that no husk-<pid> cgroup is left under our own: one at a time.
static CGROUP_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    CGROUP_TESTS.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn memory_limit_oom_kill_is_reported() {
    if skip_unless_root("memory_limit_oom_kill_is_reported") || !cgroups_available() {
        return;
    }
    let _one = one_at_a_time();
    let p = probe().display().to_string();
    let (c, out, err) = out_of(&["--memory", "4M", "--", &p, "hog", "64"]);
    assert_eq!(c, 137, "{out}{err}");
    assert!(
        err.contains("was killed by the OOM killer (memory limit 4 MiB)"),
        "{err}"
    );
    // Another process of the container killed, CMD going on: reported all the same, 137.
    let (c, out, err) = out_of(&[
        "--memory",
        "4M",
        "--",
        "sh",
        "-c",
        &format!("{p} hog 64; exit 3"),
    ]);
    assert_eq!(c, 137, "{out}{err}");
    assert!(
        err.contains(
            "husk: a process of the container was killed by the OOM killer (memory limit 4 MiB)"
        ),
        "{err}"
    );
    // Under the limit, the same program lives.
    let (c, out, _) = out_of(&["--memory", "64M", "-p", "--", &p, "hog", "8"]);
    assert_eq!((c, out.as_str()), (0, "survived 8\n"));
    assert_eq!(
        husk_cgroups_under("memory"),
        Vec::<String>::new(),
        "nothing left"
    );
}

#[test]
fn pids_and_cpu_limits_are_the_kernels() {
    if skip_unless_root("pids_and_cpu_limits_are_the_kernels") || !cgroups_available() {
        return;
    }
    let _one = one_at_a_time();
    // What the kernel says from inside: the limits in the container's own cgroup files,
    // forks refused at the limit (pids.events), throttling under a 20% quota (cpu.stat).
    let script = "p=$(grep :pids: /proc/self/cgroup | cut -d: -f3); c=$(grep -E ':cpu(,|:)' /proc/self/cgroup | cut -d: -f3); \
        cat /sys/fs/cgroup/pids$p/pids.max; cat /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us; \
        (for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done) 2>/dev/null; \
        grep -c max /sys/fs/cgroup/pids$p/pids.events; \
        end=$(($(date +%s) + 1)); while [ $(date +%s) -lt $end ]; do :; done; \
        awk '/nr_throttled/ {print ($2 > 0)}' /sys/fs/cgroup/cpu$c/cpu.stat";
    let (c, out, err) = out_of(&["--pids", "6", "--cpus", "0.2", "--", "sh", "-c", script]);
    assert_eq!(c, 0, "{err}");
    let v: Vec<&str> = out.lines().collect();
    assert_eq!(v[0], "6", "pids.max: {out}");
    assert_eq!(v[1], "20000", "20% of a 100 ms period: {out}");
    let refused: u32 = v[2].parse().unwrap();
    assert!(refused >= 1, "pids.events counts refused forks: {out}");
    assert_eq!(v[3], "1", "throttled: {out}");
    for ctl in ["pids", "cpu"] {
        assert_eq!(
            husk_cgroups_under(ctl),
            Vec::<String>::new(),
            "nothing left in {ctl}"
        );
    }
}

#[test]
fn timings_show_the_cgroup_phases() {
    if skip_unless_root("timings_show_the_cgroup_phases") || !cgroups_available() {
        return;
    }
    let _one = one_at_a_time();
    // `cgroup`: husk creating them; `cgjoin`: the child moving itself into the v1 ones.
    let (c, _, err) = out_of(&["--timings", "--memory", "64M", "--pids", "9", "--", "true"]);
    assert_eq!(c, 0, "{err}");
    for phase in ["cgroup ", "clone ", "cgjoin ", "total "] {
        assert!(
            err.lines().any(|l| l.trim_start().starts_with(phase)),
            "{phase} missing: {err}"
        );
    }
}

#[test]
fn bad_cgroup_input_creates_nothing() {
    if skip_unless_root("bad_cgroup_input_creates_nothing") || !cgroups_available() {
        return;
    }
    let _one = one_at_a_time();
    for (args, msg) in [
        (&["--memory", "0", "true"][..], "--memory '0'"),
        (&["--memory", "1x", "true"], "--memory '1x'"),
        (&["--cpus", "0", "true"], "--cpus '0'"),
        (&["--pids", "-1", "true"], "--pids '-1'"),
        (
            &[
                "--cgroup-parent",
                "/no/such/parent",
                "--memory",
                "4M",
                "true",
            ],
            "/no/such/parent/husk-",
        ),
    ] {
        let (c, _, err) = out_of(args);
        assert_eq!(c, 125, "{args:?}: {err}");
        assert!(
            err.starts_with("husk: ") && err.contains(msg) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // A parent that does not exist, or that the caller cannot write (uid 65534 under
    // root's cgroups): what went wrong, and nothing created in any hierarchy.
    let own = format!("no/such/parent-{}", std::process::id());
    let (c, _, err) = out_of(&[
        "--cgroup-parent",
        &own,
        "--pids",
        "3",
        "--memory",
        "4M",
        "true",
    ]);
    assert_eq!(c, 125, "{err}");
    assert!(
        err.starts_with("husk: create cgroup ")
            && err.ends_with(": ENOENT (no such parent cgroup; limit not applied)\n")
            && err.lines().count() == 1,
        "{err}"
    );
    use std::os::unix::process::CommandExt;
    let o = run(husk_run()
        .uid(65534)
        .gid(65534)
        .args(["--memory", "4M", "--pids", "3", "true"]));
    let err = stderr(&o);
    assert_eq!(code(&o), 125, "{err}");
    assert!(
        err.starts_with("husk: create cgroup ")
            && err.ends_with(
                ": EACCES (the parent cgroup is not writable by this user; limit not applied)\n"
            )
            && err.lines().count() == 1,
        "{err}"
    );
    for ctl in ["memory", "pids", "cpu"] {
        assert_eq!(husk_cgroups_under(ctl), Vec::<String>::new(), "{ctl}");
    }
}

/// Where clone3 is missing (a profile that answers ENOSYS, as Docker's does) or refused
/// (EPERM, `--seccomp-deny clone3`), husk clones with clone(2): the child joins its v1
/// cgroups itself, and husk moves it into the v2 one before it goes on. Here husk runs
/// inside a husk whose filter does that; a parent of our own under our cgroup in each
/// hierarchy (v2 too: with a parent and no limit, there is a grouping cgroup there).
#[test]
fn without_clone3_the_child_still_enters_its_cgroups() {
    let v2 = std::path::Path::new("/sys/fs/cgroup/unified/cgroup.procs");
    if skip_unless_root("without_clone3_the_child_still_enters_its_cgroups")
        || !cgroups_available()
        || !v2.exists()
    {
        return;
    }
    let _one = one_at_a_time();
    let me = std::process::id();
    let h = husk().display().to_string();
    let profile = std::env::temp_dir().join(format!("husk-test-enosys-{me}"));
    std::fs::write(&profile, "clone3 errno ENOSYS\n").unwrap();
    let own_v2 = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("0::")
                .map(|p| p.trim_end_matches('/').to_string())
        })
        .unwrap();
    let name = format!("husk-test-{me}");
    let parents: Vec<std::path::PathBuf> = ["memory", "cpu", "pids"]
        .map(|c| own_cgroup(c).join(&name))
        .into_iter()
        .chain([std::path::PathBuf::from(format!(
            "/sys/fs/cgroup/unified{own_v2}/{name}"
        ))])
        .collect();
    for p in &parents {
        std::fs::create_dir(p).unwrap();
    }
    // (/proc/self/cgroup lists the v1 memory line before v2's.)
    let script = "grep -E '^0::|:memory:' /proc/self/cgroup | cut -d: -f3; \
        p=$(grep :memory: /proc/self/cgroup | cut -d: -f3); \
        cat /sys/fs/cgroup/memory$p/memory.limit_in_bytes";
    let own_mem = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.split_once(":memory:")
                .map(|(_, p)| p.trim_end_matches('/').to_string())
        })
        .unwrap();
    let prof = profile.display().to_string();
    let mut outs = Vec::new();
    for filter in [["--seccomp-deny", "clone3"], ["--seccomp", prof.as_str()]] {
        for limits in [&["--memory", "4M"][..], &["--cgroup-parent", name.as_str()]] {
            let mut a = vec!["--privileged", filter[0], filter[1], "--", &h, "run"];
            a.extend(limits);
            a.extend(["--", "sh", "-c", script]);
            let (c, out, err) = out_of(&a);
            outs.push((c, out, err, limits[0]));
        }
    }
    let _ = std::fs::remove_file(&profile);
    for p in &parents {
        let _ = std::fs::remove_dir(p);
    }
    for (c, out, err, limits) in outs {
        assert_eq!(c, 0, "{limits}: {out}{err}");
        let v: Vec<&str> = out.lines().collect();
        // The inner husk's pid is not known here: its cgroup is husk-<some pid>.
        let under = |line: &str, parent: &str| {
            line.strip_prefix(parent)
                .and_then(|r| r.strip_prefix("/husk-"))
                .is_some_and(|n| n.parse::<u32>().is_ok())
        };
        if limits == "--memory" {
            // v1 memory (and v2 untouched: no controller of ours there).
            assert!(under(v[0], &own_mem), "{out}");
            assert_eq!(v[1], format!("{own_v2}/"), "{out}");
            assert_eq!(v[2], "4194304", "{out}");
        } else {
            assert!(under(v[0], &format!("{own_mem}/{name}")), "v1: {out}");
            assert!(
                under(v[1], &format!("{own_v2}/{name}")),
                "v2, moved by husk: {out}"
            );
        }
    }
    for p in &parents {
        assert!(!p.exists(), "{} was not empty", p.display());
    }
}

/// A copy of the test rootfs (to plant symlinks in), removed on drop.
struct RootfsCopy(std::path::PathBuf);

impl RootfsCopy {
    fn new(tag: &str) -> RootfsCopy {
        let p = std::env::temp_dir().join(format!("husk-rf-{tag}-{}", std::process::id()));
        let o = run(Command::new("cp").arg("-a").arg(rootfs()).arg(&p));
        assert!(o.status.success(), "{}", stderr(&o));
        RootfsCopy(p)
    }
    fn s(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for RootfsCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn mount_points_in_the_rootfs_never_lead_out_of_it() {
    if skip_unless_root("mount_points_in_the_rootfs_never_lead_out_of_it") {
        return;
    }
    // Symlinks of the rootfs that point out of it, taken on the host: absolute, relative
    // with .., and /dev itself. Each must resolve as if the rootfs were /.
    let rf = RootfsCopy::new("links");
    let out = format!("/tmp/husk-out-{}", std::process::id());
    let dev = format!("/tmp/husk-dev-{}", std::process::id());
    std::os::unix::fs::symlink(&out, rf.0.join("evil")).unwrap();
    std::os::unix::fs::symlink(format!("../../../../..{out}"), rf.0.join("etc/up")).unwrap();
    std::fs::remove_dir(rf.0.join("dev")).unwrap();
    std::os::unix::fs::symlink(&dev, rf.0.join("dev")).unwrap();
    let r = rf.s();
    let o = run(husk_run().args([
        "-a",
        "--rootfs",
        &r,
        "--bind",
        "/etc/hostname:/evil/planted:ro",
        "--tmpfs",
        "/etc/up/t",
        "--",
        "sh",
        "-c",
        "cat /evil/planted; awk '{print $5}' /proc/self/mountinfo | grep husk- | sort; \
         stat -f -c %T /etc/up/t; touch /etc/up/t/x && ls /evil/t; ls /dev | wc -l; \
         echo x > /dev/null && echo null-ok",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let host_name = std::fs::read_to_string("/etc/hostname").unwrap();
    assert_eq!(
        stdout(&o),
        format!(
            "{host_name}{dev}\n{dev}/mqueue\n{dev}/pts\n{dev}/shm\n{out}/planted\n{out}/t\n\
             tmpfs\nx\n14\nnull-ok\n"
        ),
    );
    assert!(
        !std::path::Path::new(&out).exists(),
        "{out} made on the host"
    );
    assert!(
        !std::path::Path::new(&dev).exists(),
        "{dev} made on the host"
    );
    // The mount points were made inside the rootfs, where the links lead there.
    assert!(rf.0.join(&out[1..]).join("planted").is_file());
    assert!(rf.0.join(&out[1..]).join("t").is_dir());
    assert!(rf.0.join(&dev[1..]).is_dir());
}

#[test]
fn without_a_rootfs_nothing_is_created_on_the_host() {
    if skip_unless_root("without_a_rootfs_nothing_is_created_on_the_host") {
        return;
    }
    let d = format!("/tmp/husk-D-{}", std::process::id());
    for args in [
        ["--bind".to_string(), format!("/etc/hostname:{d}/a/x")],
        ["--tmpfs".to_string(), format!("{d}/a")],
    ] {
        let (c, _, err) = out_of(&[&args[0], &args[1], "--", "true"]);
        assert_eq!(c, 125, "{args:?}");
        assert!(
            err.contains(
                "no such mount point (without --rootfs, husk creates nothing on the host)"
            ),
            "{err}"
        );
        assert!(!std::path::Path::new(&d).exists(), "{args:?} made {d}");
    }
    // A mount point that exists is used as it is.
    let out = inside(
        &["--bind", "/etc/passwd:/etc/hostname:ro"],
        "head -c 5 /etc/hostname",
    );
    assert_eq!(out, "root:");
    // One that exists only in what an earlier bind brings (and a --cwd there) is found
    // once that is mounted; a missing one there fails then, with nothing made.
    let s = format!("{d}-src");
    std::fs::create_dir_all(format!("{s}/in/sub")).unwrap();
    std::fs::create_dir_all(format!("{d}/m")).unwrap();
    let out = inside(
        &[
            "--bind",
            &format!("{s}/in:{d}/m"),
            "--bind",
            &format!("{s}/in:{d}/m/sub:ro"),
            "--cwd",
            &format!("{d}/m/sub"),
        ],
        "pwd; grep -c ' /tmp/husk-D-[0-9]*/m/sub ' /proc/self/mountinfo",
    );
    assert_eq!(out.trim_end(), format!("{d}/m/sub\n1"));
    let (c, _, err) = out_of(&[
        "--bind",
        &format!("{s}/in:{d}/m"),
        "--tmpfs",
        &format!("{d}/m/nosuch"),
        "--",
        "true",
    ]);
    assert_eq!((c, err.contains("nosuch: ENOENT")), (125, true), "{err}");
    assert!(!std::path::Path::new(&format!("{s}/in/nosuch")).exists());
    std::fs::remove_dir_all(&s).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

/// A dangling symlink of the rootfs with a long target (past 256 bytes) is followed whole,
/// inside the rootfs; and a rootfs needs /proc (mount points are reached through
/// /proc/self/fd): without it, husk says so before anything exists.
#[test]
fn long_symlinks_and_a_missing_proc() {
    if skip_unless_root("long_symlinks_and_a_missing_proc") {
        return;
    }
    let r = format!("/tmp/husk-long-{}", std::process::id());
    assert!(run(Command::new("cp").args(["-a", &rootfs_str(), &r]))
        .status
        .success());
    let (a, b) = ("a".repeat(200), "b".repeat(100));
    std::os::unix::fs::symlink(format!("/{a}/{b}"), format!("{r}/longlink")).unwrap();
    let (c, out, err) = out_of(&[
        "--rootfs",
        &r,
        "--bind",
        "/etc/passwd:/longlink",
        "--",
        "head",
        "-c",
        "5",
        &format!("/{a}/{b}"),
    ]);
    assert_eq!((c, out.as_str()), (0, "root:"), "{err}");
    let script = format!(
        "umount -l /proc && exec {} run --rootfs {r} -p -- true",
        husk().display()
    );
    let o =
        run(Command::new("unshare").args(["-m", "--propagation", "private", "sh", "-c", &script]));
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o),
        format!("husk: --rootfs {r}: ENOENT (needs /proc mounted: mount -t proc proc /proc)\n")
    );
    std::fs::remove_dir_all(&r).unwrap();
}

#[test]
fn rootless_binds_tmpfs_and_read_only_over_the_rootfs() {
    if skip_unless_root("rootless_binds_tmpfs_and_read_only_over_the_rootfs") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("husk-rl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), "from the host\n").unwrap();
    let d = dir.display().to_string();
    let r = rootfs_str();
    // As nobody, mount points must exist in the (root-owned) rootfs: /root, /tmp, /etc/hostname.
    let o = run(as_nobody(&mut husk_run()).args([
        "-a",
        "--rootfs",
        &r,
        "--bind",
        &format!("{d}:/root:ro"),
        "--bind",
        "/etc/passwd:/etc/hostname",
        "--tmpfs",
        "/tmp:1M",
        "--read-only",
        "--",
        "sh",
        "-c",
        "cat /root/f; head -c 5 /etc/hostname; echo; touch /root/x 2>&1 | grep -c Read-only; \
         touch /x 2>&1 | grep -c Read-only; touch /tmp/y && echo tmpfs-ok; \
         awk '$5 == \"/\" || $5 == \"/root\" {print $5, $6}' /proc/self/mountinfo | cut -d, -f1",
    ]));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "from the host\nroot:\n1\n1\ntmpfs-ok\n/ ro\n/root ro\n"
    );
}

#[test]
fn rootless_proc_needs_a_pid_namespace_before_clone() {
    if skip_unless_root("rootless_proc_needs_a_pid_namespace_before_clone") {
        return;
    }
    let r = rootfs_str();
    for args in [&["--proc"][..], &["--rootfs", &r]] {
        let o = run(as_nobody(&mut husk_run()).args(args).args(["--", "true"]));
        assert_eq!(code(&o), 125, "{args:?}");
        assert_eq!(
            stderr(&o),
            format!(
                "husk: {}: in a user namespace a new /proc needs a new pid namespace too (-p)\n",
                args[0]
            )
        );
    }
}

#[test]
fn join_a_named_network_namespace() {
    if skip_unless_root("join_a_named_network_namespace") {
        return;
    }
    // In a private mount namespace with its own /run: the real /var/run/netns is untouched.
    let name = format!("husk-j{}", std::process::id());
    let h = husk().display().to_string();
    let o = run(Command::new("unshare")
        .args(["-m", "sh", "-ec"])
        .arg(format!(
            "mount -t tmpfs t /run; ip netns add {name}; \
         ip netns exec {name} readlink /proc/self/ns/net; \
         {h} run --join net=/var/run/netns/{name} -- readlink /proc/self/ns/net; \
         {h} run --join net={name} -- readlink /proc/self/ns/net; \
         {h} run --join net=/run/netns/{name} -- readlink /proc/self/ns/net"
        )));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let v: Vec<&str> = out.lines().collect();
    assert_eq!(v.len(), 4, "{out}");
    assert!(v.iter().all(|l| *l == v[0]), "{out}");
    assert_ne!(v[0], ns_inodes("self")["net"], "a namespace of its own");
}

#[test]
fn join_user_pid_and_mount_namespaces_of_a_container() {
    if skip_unless_root("join_user_pid_and_mount_namespaces_of_a_container") {
        return;
    }
    let target = Lines::spawn(husk_run().args([
        "--map-root",
        "-p",
        "-m",
        "--tmpfs",
        "/mnt",
        "--",
        "sh",
        "-c",
        "echo marker > /mnt/m; echo ready; exec sleep 100",
    ]));
    assert_eq!(target.line(), "ready");
    // husk outside → husk as PID 1 inside → sh.
    let child = |p: &str| {
        let kids = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap();
        kids.split_whitespace().next().unwrap().to_string()
    };
    let pid = child(&child(&target.pid().to_string()));
    let want = ns_inodes(&pid);
    let joins: Vec<String> = ["user", "pid", "mnt"]
        .iter()
        .map(|t| format!("{t}={pid}"))
        .collect();
    let mut flags = vec![];
    for j in &joins {
        flags.extend(["--join", j.as_str()]);
    }
    let out = inside(
        &flags,
        "cat /mnt/m /proc/self/uid_map | tr -s ' '; readlink /proc/self/ns/user /proc/self/ns/pid /proc/self/ns/mnt",
    );
    assert_eq!(
        out,
        format!(
            "marker\n 0 0 1\n{}\n{}\n{}\n",
            want["user"], want["pid"], want["mnt"]
        )
    );
    assert_ne!(want["user"], ns_inodes("self")["user"]);
}

#[test]
fn ns_refuses_bad_input() {
    if skip_unless_root("ns_refuses_bad_input") {
        return;
    }
    let ns = |args: &[&str]| run(Command::new(husk()).arg("ns").args(args));
    for (args, msg) in [
        (&["abc"][..], "husk: ns 'abc': not a pid\n"),
        (&["../1"], "husk: ns '../1': not a pid\n"),
        (
            &["1", "extra"],
            "husk: ns 'extra': unexpected argument (husk ns [PID])\n",
        ),
        (
            &["-x"],
            "husk: ns '-x': unknown option (see husk ns --help)\n",
        ),
    ] {
        let o = ns(args);
        assert_eq!((code(&o), stderr(&o)), (125, msg.to_string()), "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    // `--` ends the options; the namespaces shown are the kernel's.
    let me = std::process::id().to_string();
    let o = ns(&["--", &me]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want = ns_inodes(&me);
    let out = stdout(&o);
    for t in ["mnt", "net", "user"] {
        let ino = want[t]
            .trim_start_matches(&format!("{t}:["))
            .trim_end_matches(']');
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().take(2).eq([t, ino])),
            "{t} {ino}: {out}"
        );
    }
    // What cannot be read says why: a root process's namespaces, to nobody.
    let o = run(as_nobody(Command::new(husk()).args(["ns", &me])));
    assert_eq!(
        (code(&o), stderr(&o)),
        (125, format!("husk: read namespaces of {me}: EACCES\n"))
    );
    let o = ns(&["999999999"]);
    assert_eq!(stderr(&o), "husk: read namespaces of 999999999: ESRCH\n");
}
