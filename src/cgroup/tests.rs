use super::act::Cgroup;
use super::*;
use crate::cli::cgroup::CgroupSpec;
use std::string::String;
use std::vec;

/// This development VM: cgroup v1 for every controller, cpu and cpuacct apart, and a
/// controller-less cgroup2 at /sys/fs/cgroup/unified (hybrid).
const HYBRID_MOUNTINFO: &str = "\
22 1 253:0 / / rw,relatime - ext4 /dev/vda rw
23 22 0:5 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
const HYBRID_CGROUP: &str = "\
9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/4173ded64671e41ffe74309e9c859f72
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
";

/// The qemu guest (Debian's 6.1 kernel, husk as PID 1): pure cgroup2, every controller.
const V2_MOUNTINFO: &str = "\
1 1 0:2 / / rw - rootfs rootfs rw
14 1 0:21 / /proc rw,relatime - proc proc rw
17 1 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";
const V2_CONTROLLERS: &str = "cpuset cpu io memory hugetlb pids rdma misc\n";

/// A systemd host on pure v1 with cpu and cpuacct mounted together.
const V1_MOUNTINFO: &str = "\
25 19 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
27 25 0:24 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
31 25 0:28 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,pids
";
const V1_CGROUP: &str = "\
11:pids:/user.slice/user-0.slice/session-1.scope
10:memory:/user.slice
5:net_cls,net_prio:/
4:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/user-0.slice/session-1.scope
";

fn hier(v2: bool, ctls: u8, mount: &str, own: &str) -> Hier {
    Hier {
        v2,
        ctls,
        mount: mount.as_bytes().to_vec(),
        own: own.as_bytes().to_vec(),
    }
}

fn layout(mi: &str, cg: &str, v2ctl: &str) -> Layout {
    let mut l = Layout::parse(mi.as_bytes(), cg.as_bytes());
    l.set_v2_controllers(v2ctl.as_bytes());
    l
}

fn s(v: &[u8]) -> &str {
    core::str::from_utf8(v).unwrap()
}

#[test]
fn detects_this_hosts_hybrid_layout() {
    let l = layout(HYBRID_MOUNTINFO, HYBRID_CGROUP, "");
    assert_eq!(
        l.hiers,
        vec![
            hier(false, CPU, "/sys/fs/cgroup/cpu", ""),
            hier(false, CPUACCT, "/sys/fs/cgroup/cpuacct", ""),
            hier(
                false,
                MEMORY,
                "/sys/fs/cgroup/memory",
                "/process_api/4173ded64671e41ffe74309e9c859f72"
            ),
            hier(false, PIDS, "/sys/fs/cgroup/pids", ""),
            hier(true, 0, "/sys/fs/cgroup/unified", ""),
        ]
    );
    // Even if the v2 root listed memory, v1 holds it.
    let l = layout(HYBRID_MOUNTINFO, HYBRID_CGROUP, "memory io\n");
    assert_eq!(l.v2().unwrap().ctls, 0);
    assert_eq!(l.find(MEMORY).unwrap().mount, b"/sys/fs/cgroup/memory");
}

#[test]
fn detects_pure_v2() {
    let l = layout(V2_MOUNTINFO, "0::/\n", V2_CONTROLLERS);
    assert_eq!(
        l.hiers,
        vec![hier(true, MEMORY | CPU | PIDS, "/sys/fs/cgroup", "")]
    );
    let l = layout(
        V2_MOUNTINFO,
        "0::/user.slice/user-1000.slice/session-2.scope\n",
        "memory pids\n",
    );
    assert_eq!(
        l.hiers,
        vec![hier(
            true,
            MEMORY | PIDS,
            "/sys/fs/cgroup",
            "/user.slice/user-1000.slice/session-2.scope"
        )]
    );
}

#[test]
fn detects_pure_v1_with_comounted_cpu() {
    let l = layout(V1_MOUNTINFO, V1_CGROUP, "");
    assert_eq!(
        l.hiers,
        vec![
            hier(
                false,
                CPU | CPUACCT,
                "/sys/fs/cgroup/cpu,cpuacct",
                "/user.slice"
            ),
            hier(false, MEMORY, "/sys/fs/cgroup/memory", "/user.slice"),
            hier(
                false,
                PIDS,
                "/sys/fs/cgroup/pids",
                "/user.slice/user-0.slice/session-1.scope"
            ),
        ]
    );
    assert!(l.v2().is_none());
}

#[test]
fn detects_bind_mounted_subtrees_and_escapes() {
    // A container's view without a cgroup namespace: its own cgroup bind-mounted at the
    // mount point; a second mount of a hierarchy is ignored; a mount that does not show
    // our cgroup is skipped.
    let mi = "\
40 30 0:27 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
41 30 0:27 /docker/abc /mnt/again rw - cgroup cgroup rw,memory
42 30 0:28 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
43 30 0:29 /docker /tmp/my\\040cg rw - cgroup2 cgroup2 rw
";
    let cg = "3:memory:/docker/abc\n2:pids:/docker/abc/sub\n0::/docker/abcd\n";
    let l = layout(mi, cg, "");
    assert_eq!(
        l.hiers,
        vec![
            hier(false, MEMORY, "/sys/fs/cgroup/memory", ""),
            hier(true, 0, "/tmp/my cg", "/abcd"),
        ]
    );
    assert_eq!(under(b"/docker/abc/x", b"/docker/abc"), Some(&b"/x"[..]));
    assert_eq!(under(b"/docker/abcx", b"/docker/abc"), None);
    assert_eq!(under(b"/", b"/"), Some(&b""[..]));
    assert_eq!(under(b"/a/", b"/"), Some(&b"/a"[..]));
    assert_eq!(unescape(b"a\\040b\\134c\\0"), b"a b\\c\\0");
    assert!(Layout::parse(b"garbage\n\n- -\n", b"x").hiers.is_empty());
}

fn spec(mem: u64, swap: u64, cpus: u64, pids: u64, parent: Option<&str>) -> CgroupSpec {
    CgroupSpec {
        memory: mem,
        memory_swap: swap,
        cpus_milli: cpus,
        pids,
        parent: parent.map(|p| p.as_bytes().to_vec()),
    }
}

fn writes(d: &Dir) -> std::vec::Vec<(String, String, bool)> {
    d.writes
        .iter()
        .map(|w| {
            (
                s(w.file.to_bytes()).into(),
                s(&w.value().0).into(),
                w.optional,
            )
        })
        .collect()
}

fn w(f: &str, v: &str, opt: bool) -> (String, String, bool) {
    (f.into(), v.into(), opt)
}

#[test]
fn plans_v1_on_this_host() {
    let l = layout(HYBRID_MOUNTINFO, HYBRID_CGROUP, "");
    let p = plan(&spec(4 << 20, 0, 200, 16, None), &l, 4242).unwrap();
    assert_eq!(p.memory, 4 << 20);
    let paths: std::vec::Vec<_> = p.dirs.iter().map(|d| String::from(s(&d.path))).collect();
    assert_eq!(
        paths,
        [
            "/sys/fs/cgroup/cpu/husk-4242",
            "/sys/fs/cgroup/memory/process_api/4173ded64671e41ffe74309e9c859f72/husk-4242",
            "/sys/fs/cgroup/pids/husk-4242",
        ],
        "under our own cgroup in each hierarchy; cpuacct apart and v2 (no controllers) left out"
    );
    assert!(p.dirs.iter().all(|d| !d.v2));
    assert_eq!(s(p.dirs[1].name()), "husk-4242");
    assert_eq!(
        writes(&p.dirs[0]),
        [
            w("cpu.cfs_period_us", "100000", false),
            w("cpu.cfs_quota_us", "20000", false)
        ]
    );
    assert_eq!(
        writes(&p.dirs[1]),
        [
            w("memory.limit_in_bytes", "4194304", false),
            w("memory.memsw.limit_in_bytes", "8388608", true),
        ],
        "swap defaults to as much as memory, skipped where swap is not accounted"
    );
    assert_eq!(writes(&p.dirs[2]), [w("pids.max", "16", false)]);
    // Explicit swap: required; -1: nothing to write.
    let p = plan(&spec(4 << 20, 6 << 20, 0, 0, None), &l, 1).unwrap();
    assert_eq!(
        writes(&p.dirs[0]),
        [
            w("memory.limit_in_bytes", "4194304", false),
            w("memory.memsw.limit_in_bytes", "6291456", false),
        ]
    );
    let p = plan(&spec(4 << 20, UNLIMITED, 0, 0, None), &l, 1).unwrap();
    assert_eq!(
        writes(&p.dirs[0]),
        [w("memory.limit_in_bytes", "4194304", false)]
    );
}

#[test]
fn plans_v1_comounted_and_parents() {
    let l = layout(V1_MOUNTINFO, V1_CGROUP, "");
    let p = plan(&spec(0, 0, 1500, 0, Some("batch/x")), &l, 7).unwrap();
    assert_eq!(p.dirs.len(), 1);
    assert_eq!(p.dirs[0].ctls, CPU | CPUACCT, "cpuacct comes with cpu");
    assert_eq!(
        s(&p.dirs[0].path),
        "/sys/fs/cgroup/cpu,cpuacct/user.slice/batch/x/husk-7"
    );
    assert_eq!(
        s(p.dirs[0].parent()),
        "/sys/fs/cgroup/cpu,cpuacct/user.slice/batch/x"
    );
    assert_eq!(
        writes(&p.dirs[0])[1],
        w("cpu.cfs_quota_us", "150000", false)
    );
    // Absolute: from the hierarchy's root; slashes tidied.
    let p = plan(&spec(0, 0, 0, 5, Some("//jobs//a/")), &l, 7).unwrap();
    assert_eq!(s(&p.dirs[0].path), "/sys/fs/cgroup/pids/jobs/a/husk-7");
    let p = plan(&spec(0, 0, 0, 5, Some("/")), &l, 7).unwrap();
    assert_eq!(s(&p.dirs[0].path), "/sys/fs/cgroup/pids/husk-7");
    // A parent alone: memory, cpu and pids, for grouping.
    let p = plan(&spec(0, 0, 0, 0, Some("g")), &l, 7).unwrap();
    let paths: std::vec::Vec<_> = p.dirs.iter().map(|d| String::from(s(&d.path))).collect();
    assert_eq!(
        paths,
        [
            "/sys/fs/cgroup/cpu,cpuacct/user.slice/g/husk-7",
            "/sys/fs/cgroup/memory/user.slice/g/husk-7",
            "/sys/fs/cgroup/pids/user.slice/user-0.slice/session-1.scope/g/husk-7",
        ]
    );
    assert!(p.dirs.iter().all(|d| d.writes.is_empty()));
}

#[test]
fn plans_v2() {
    let l = layout(V2_MOUNTINFO, "0::/svc/box\n", V2_CONTROLLERS);
    let p = plan(&spec(512 << 10, 0, 500, 100, None), &l, 99).unwrap();
    assert_eq!(p.dirs.len(), 1);
    let d = &p.dirs[0];
    assert!(d.v2);
    assert_eq!(s(&d.path), "/sys/fs/cgroup/svc/box/husk-99");
    assert_eq!(s(&d.enable()), "+memory +cpu +pids");
    assert_eq!(
        writes(d),
        [
            w("memory.max", "524288", false),
            w("memory.swap.max", "524288", true),
            w("cpu.max", "50000 100000", false),
            w("pids.max", "100", false),
        ]
    );
    // v2's swap file holds swap alone: memory-swap minus memory.
    let p = plan(&spec(1 << 30, 3 << 29, 0, 0, Some("/a")), &l, 1).unwrap();
    assert_eq!(s(&p.dirs[0].path), "/sys/fs/cgroup/a/husk-1");
    assert_eq!(s(&p.dirs[0].enable()), "+memory");
    assert_eq!(
        writes(&p.dirs[0]),
        [
            w("memory.max", "1073741824", false),
            w("memory.swap.max", "536870912", false),
        ]
    );
    let p = plan(&spec(1 << 30, 1 << 30, 0, 0, None), &l, 1).unwrap();
    assert_eq!(writes(&p.dirs[0])[1], w("memory.swap.max", "0", false));
    let p = plan(&spec(0, 0, 2000, 0, None), &l, 1).unwrap();
    assert_eq!(s(&p.dirs[0].enable()), "+cpu");
    assert_eq!(writes(&p.dirs[0]), [w("cpu.max", "200000 100000", false)]);
    // A parent alone: a v2 cgroup for grouping, nothing enabled or written.
    let p = plan(
        &spec(0, 0, 0, 0, Some("x")),
        &layout(HYBRID_MOUNTINFO, HYBRID_CGROUP, ""),
        3,
    )
    .unwrap();
    let d = p.dirs.last().unwrap();
    assert!(d.v2 && d.enable().is_empty() && d.writes.is_empty());
    assert_eq!(s(&d.path), "/sys/fs/cgroup/unified/x/husk-3");
}

#[test]
fn a_missing_controller_is_named() {
    // Pure v2 whose root offers no pids controller.
    let l = layout(V2_MOUNTINFO, "0::/\n", "cpu memory\n");
    let e = plan(&spec(4 << 20, 0, 0, 10, None), &l, 1).unwrap_err();
    assert_eq!(
        String::from_utf8(e.render().0).unwrap(),
        "husk: cgroup controller 'pids': not mounted on this host (see /proc/self/mountinfo); limit not applied\n"
    );
    assert!(plan(&spec(4 << 20, 0, 0, 0, None), &Layout::default(), 1).is_err());
    assert_eq!(
        missing(b"cpuset cpu io memory\n", MEMORY | CPU | PIDS),
        Some(PIDS)
    );
    assert_eq!(missing(b"cpu memory pids", MEMORY | PIDS), None);
    assert_eq!(missing(b"", CPU), Some(CPU));
    assert_eq!(missing(b"cpuset", CPU), Some(CPU), "names match whole");
}

#[test]
fn human_sizes() {
    let h = |n: u64| {
        let mut m = Msg::new();
        human(&mut m, n);
        String::from_utf8(m.0).unwrap()
    };
    assert_eq!(h(4 << 20), "4 MiB");
    assert_eq!(h(512 << 10), "512 KiB");
    assert_eq!(h(3 << 29), "1.5 GiB");
    assert_eq!(h(1 << 30), "1 GiB");
    assert_eq!(h(4096), "4 KiB");
    assert_eq!(h(1023), "1023 B");
    assert_eq!(h(1234567), "1.1 MiB");
    assert_eq!(h((1 << 20) - 1), "1023.9 KiB", "truncated");
    assert_eq!(h((2 << 40) + (1 << 39)), "2.5 TiB");
    assert_eq!(h(16 << 50), "16 PiB");
}

#[test]
fn oom_counters_and_message() {
    assert_eq!(
        oom_kills(b"low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n"),
        Some(1)
    );
    assert_eq!(
        oom_kills(b"oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"),
        Some(3)
    );
    assert_eq!(oom_kills(b"oom_kill_disable 0\nunder_oom 0\n"), None);
    assert_eq!(
        String::from_utf8(oom_message(b"hog", 4 << 20).0).unwrap(),
        "husk: hog was killed by the OOM killer (memory limit 4 MiB)\n"
    );
    assert_eq!(
        String::from_utf8(oom_message(b"sh", 0).0).unwrap(),
        "husk: sh was killed by the OOM killer\n"
    );
}

/// A directory standing in for a cgroup file system, removed on drop.
struct Tmp(std::path::PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(std::format!("husk-cg-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.0.join(rel)
    }
    fn put(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn get(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
    fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }
    /// Deletes the files in `rel` (the kernel does that for a cgroup being removed).
    fn empty(&self, rel: &str) {
        for e in std::fs::read_dir(self.path(rel)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    fn s(&self) -> String {
        self.0.to_str().unwrap().into()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn v2_fixture(t: &Tmp, controllers: &str) -> Layout {
    t.put("svc/cgroup.controllers", controllers);
    t.put("svc/cgroup.subtree_control", "");
    let mi = std::format!("30 1 0:30 / {} rw - cgroup2 cgroup2 rw\n", t.s());
    layout(&mi, "0::/svc\n", "cpu memory pids\n")
}

fn render(e: crate::error::Error) -> String {
    String::from_utf8(e.render().0).unwrap()
}

#[test]
fn v2_effects_on_a_directory() {
    let t = Tmp::new("v2");
    let l = v2_fixture(&t, "cpu memory pids\n");
    let mut p = plan(&spec(4 << 20, 0, 250, 10, None), &l, 77).unwrap();
    p.fixture = true;
    // A leftover with our name (a killed husk that had our pid) is reused when empty.
    std::fs::create_dir(t.path("svc/husk-77")).unwrap();
    let mut cg = Cgroup::create(&p).unwrap();
    assert_eq!(t.get("svc/cgroup.subtree_control"), "+memory +cpu +pids");
    assert_eq!(t.get("svc/husk-77/memory.max"), "4194304");
    // The fixture creates no optional file: a kernel without swap accounting, where the
    // default swap limit is skipped.
    assert!(!t.exists("svc/husk-77/memory.swap.max"));
    assert_eq!(t.get("svc/husk-77/cpu.max"), "25000 100000");
    assert_eq!(t.get("svc/husk-77/pids.max"), "10");
    assert_eq!(s(&p.dirs[0].path), t.s() + "/svc/husk-77");
    assert!(cg.clone_fd().is_some());
    assert_eq!(cg.memory_limit(), 4 << 20);

    // Born inside by clone3: no cgroup.procs write; else the pid is written.
    cg.enter(1234, true, true).unwrap();
    assert!(!t.exists("svc/husk-77/cgroup.procs"));
    cg.enter(1234, false, false).unwrap();
    assert_eq!(t.get("svc/husk-77/cgroup.procs"), "1234");
    cg.join().unwrap(); // nothing to do on v2
    assert!(!t.exists("svc/husk-77/tasks"));

    // OOM: a kill counted, and CMD dead of SIGKILL (or 137 from an init inside).
    t.put(
        "svc/husk-77/memory.events",
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
    );
    assert!(cg.oom_killed(9));
    assert!(cg.oom_killed(137 << 8));
    assert!(!cg.oom_killed(0), "CMD exited 0");
    assert!(!cg.oom_killed(15), "SIGTERM is not the OOM killer");
    t.put(
        "svc/husk-77/memory.events",
        "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n",
    );
    assert!(!cg.oom_killed(9), "a SIGKILL from someone else");

    // Removal, children first, and the stale sweep: a dead husk's empty cgroup goes, a
    // live husk's stays, and so does anything not named husk-<pid>.
    t.empty("svc/husk-77");
    std::fs::create_dir_all(t.path("svc/husk-77/inner/deeper")).unwrap();
    let dead = dead_pid();
    std::fs::create_dir_all(t.path(&std::format!("svc/husk-{dead}/sub"))).unwrap();
    let live = std::format!("svc/husk-{}", std::process::id());
    std::fs::create_dir(t.path(&live)).unwrap();
    std::fs::create_dir(t.path("svc/husk-x")).unwrap();
    cg.remove().unwrap();
    assert!(!t.exists("svc/husk-77"));
    assert!(!t.exists(&std::format!("svc/husk-{dead}")));
    assert!(t.exists(&live) && t.exists("svc/husk-x"));
    cg.remove().unwrap(); // nothing left to do

    // Asked-for swap is written (and is not optional).
    let mut p = plan(&spec(4 << 20, 5 << 20, 0, 0, None), &l, 78).unwrap();
    p.fixture = true;
    let mut cg = Cgroup::create(&p).unwrap();
    assert_eq!(t.get("svc/husk-78/memory.swap.max"), "1048576");
    t.empty("svc/husk-78");
    cg.remove().unwrap();
    assert!(!t.exists("svc/husk-78"));
}

/// A pid that is not running: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

#[test]
fn v2_refusals_leave_nothing() {
    let t = Tmp::new("v2-refusals");
    // The parent offers no pids controller.
    let l = v2_fixture(&t, "cpu memory\n");
    let mut p = plan(&spec(4 << 20, 0, 0, 10, None), &l, 5).unwrap();
    p.fixture = true;
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: cgroup controller pids in {}/svc: ENOENT (not enabled above this parent; limit not applied)\n",
            t.s()
        )
    );
    assert!(!t.exists("svc/husk-5"));
    assert_eq!(t.get("svc/cgroup.subtree_control"), "");
    // A parent that does not exist.
    let mut p = plan(&spec(4 << 20, 0, 0, 0, Some("/nope")), &l, 5).unwrap();
    p.fixture = true;
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: cgroup parent {}/nope: ENOENT (no such cgroup or file; limit not applied)\n",
            t.s()
        )
    );
    // A limit the kernel refuses (here: no such file without `fixture`): the cgroup goes.
    let mut p = plan(&spec(4 << 20, 0, 0, 0, None), &l, 5).unwrap();
    p.fixture = false;
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: set {}/svc/husk-5/memory.max to 4194304: ENOENT (no such cgroup or file; limit not applied)\n",
            t.s()
        )
    );
    assert!(!t.exists("svc/husk-5"));
}

#[test]
fn a_failure_in_one_hierarchy_undoes_the_others() {
    let t = Tmp::new("v1-undo");
    std::fs::create_dir_all(t.path("unified")).unwrap();
    // The pids mount point is missing.
    let mi = std::format!(
        "1 0 0:1 / {0}/unified rw - cgroup2 cgroup2 rw\n2 0 0:2 / {0}/pids rw - cgroup cgroup rw,pids\n",
        t.s()
    );
    let l = layout(&mi, "2:pids:/\n0::/\n", "");
    let mut p = plan(&spec(0, 0, 0, 0, Some("/")), &l, 6).unwrap();
    p.fixture = true;
    assert_eq!(p.dirs.len(), 2);
    let e = render(Cgroup::create(&p).err().unwrap());
    assert!(
        e.starts_with("husk: cgroup parent /") && e.contains("/pids: ENOENT"),
        "{e}"
    );
    assert!(
        !t.exists("unified/husk-6"),
        "the v2 cgroup was removed again"
    );

    // v1: the child joins through `tasks`, the parent's way is cgroup.procs.
    std::fs::create_dir_all(t.path("pids")).unwrap();
    let mut p = plan(&spec(0, 0, 0, 3, Some("/")), &l, 6).unwrap();
    p.fixture = true;
    let mut cg = Cgroup::create(&p).unwrap();
    assert_eq!(t.get("pids/husk-6/pids.max"), "3");
    cg.join().unwrap();
    assert_eq!(t.get("pids/husk-6/tasks"), "0");
    cg.enter(42, false, false).unwrap();
    assert!(
        !t.exists("pids/husk-6/cgroup.procs"),
        "v1 left to the child"
    );
    cg.enter(42, true, true).unwrap();
    assert_eq!(t.get("pids/husk-6/cgroup.procs"), "42");
    assert!(!cg.oom_killed(9), "no memory cgroup");
    t.empty("pids/husk-6");
    cg.remove().unwrap();
    assert!(!t.exists("pids/husk-6"));
}
