use super::act::Cgroup;
use super::*;
use crate::cli::cgroup::{CgroupSpec, UNLIMITED};
use std::string::String;
use std::vec::Vec as StdVec;

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

fn layout(mi: &str, cg: &str) -> Layout {
    Layout {
        mountinfo: mi.as_bytes().to_vec(),
        cgroup: cg.as_bytes().to_vec(),
    }
}

fn s(v: &[u8]) -> &str {
    core::str::from_utf8(v).unwrap()
}

/// `--memory`, `--cpus` (thousandths), `--pids`, `--memory-swap`, `--cgroup-parent`.
fn spec(mem: u64, cpus: u64, pids: u64, swap: u64, parent: Option<&'static str>) -> CgroupSpec {
    CgroupSpec {
        lim: [mem, cpus, pids, swap],
        parent: parent.map(|p| p.as_bytes()),
    }
}

/// The plan's directories: path, v2, controllers.
fn dirs(p: &Plan) -> StdVec<(String, bool, u8)> {
    p.dirs
        .iter()
        .map(|d| (s(d.shown()).into(), d.v2, d.ctls))
        .collect()
}

fn dir(path: &str, v2: bool, ctls: u8) -> (String, bool, u8) {
    (path.into(), v2, ctls)
}

/// A cgroup in each hierarchy, for grouping only: where husk sees each one.
fn grouping(l: &Layout) -> StdVec<(String, bool, u8)> {
    dirs(&plan(&spec(0, 0, 0, 0, Some("")), l, 1).unwrap())
}

fn writes(p: &Plan, d: &Dir) -> StdVec<(String, u64)> {
    (0..4)
        .filter_map(|k| p.write(d, k))
        .map(|(f, n, _)| (s(f.to_bytes()).into(), n))
        .collect()
}

/// Whether the swap write of `d` may find no file.
fn swap_optional(p: &Plan, d: &Dir) -> bool {
    p.write(d, 3).unwrap().2
}

fn w(f: &str, n: u64) -> (String, u64) {
    (f.into(), n)
}

#[test]
fn detects_this_hosts_hybrid_layout() {
    let l = layout(HYBRID_MOUNTINFO, HYBRID_CGROUP);
    assert_eq!(
        grouping(&l),
        [
            dir("/sys/fs/cgroup/pids/husk-1", false, PIDS),
            dir(
                "/sys/fs/cgroup/memory/process_api/4173ded64671e41ffe74309e9c859f72/husk-1",
                false,
                MEMORY
            ),
            dir("/sys/fs/cgroup/cpu/husk-1", false, CPU),
            dir("/sys/fs/cgroup/unified/husk-1", true, 0),
        ],
        "cpuacct, cpuset, name=systemd... carry none of ours; v1 holds every controller"
    );
}

#[test]
fn detects_pure_v2() {
    let l = layout(V2_MOUNTINFO, "0::/\n");
    assert_eq!(grouping(&l), [dir("/sys/fs/cgroup/husk-1", true, 0)]);
    let l = layout(
        V2_MOUNTINFO,
        "0::/user.slice/user-1000.slice/session-2.scope\n",
    );
    assert_eq!(
        dirs(&plan(&spec(4 << 20, 0, 16, 0, None), &l, 1).unwrap()),
        [dir(
            "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope/husk-1",
            true,
            MEMORY | PIDS
        )]
    );
}

#[test]
fn detects_pure_v1_with_comounted_cpu() {
    let l = layout(V1_MOUNTINFO, V1_CGROUP);
    assert_eq!(
        grouping(&l),
        [
            dir(
                "/sys/fs/cgroup/pids/user.slice/user-0.slice/session-1.scope/husk-1",
                false,
                PIDS
            ),
            dir("/sys/fs/cgroup/memory/user.slice/husk-1", false, MEMORY),
            dir("/sys/fs/cgroup/cpu,cpuacct/user.slice/husk-1", false, CPU),
        ]
    );
}

#[test]
fn detects_bind_mounted_subtrees_and_escapes() {
    // A container's view without a cgroup namespace: its own cgroup bind-mounted at the
    // mount point; a second mount of a hierarchy is ignored; a mount that does not show
    // our cgroup is skipped (and a later one that does is used).
    let mi = "\
40 30 0:27 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
41 30 0:27 /docker/abc /mnt/again rw - cgroup cgroup rw,memory
42 30 0:28 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
43 30 0:29 /docker /tmp/my\\040cg\\134 rw - cgroup2 cgroup2 rw
44 30 0:28 / /mnt/pids rw - cgroup cgroup rw,pids
";
    let cg = "3:memory:/docker/abc\n2:pids:/docker/abc/sub\n0::/docker/abcd\n";
    assert_eq!(
        grouping(&layout(mi, cg)),
        [
            dir("/sys/fs/cgroup/memory/husk-1", false, MEMORY),
            dir("/mnt/pids/docker/abc/sub/husk-1", false, PIDS),
            dir("/tmp/my cg\\/abcd/husk-1", true, 0),
        ]
    );
    // Not /docker/abc's subtree.
    let cg = "3:memory:/docker/abcx\n0::/\n";
    let mi = "40 30 0:27 /docker/abc /m rw - cgroup cgroup rw,memory\n";
    assert!(grouping(&layout(mi, cg)).is_empty());
    assert!(grouping(&layout("garbage\n\n- -\n", "x")).is_empty());
}

#[test]
fn plans_v1_on_this_host() {
    let l = layout(HYBRID_MOUNTINFO, HYBRID_CGROUP);
    let p = plan(&spec(4 << 20, 200, 16, 0, None), &l, 4242).unwrap();
    assert_eq!(
        dirs(&p),
        [
            dir("/sys/fs/cgroup/pids/husk-4242", false, PIDS),
            dir(
                "/sys/fs/cgroup/memory/process_api/4173ded64671e41ffe74309e9c859f72/husk-4242",
                false,
                MEMORY
            ),
            dir("/sys/fs/cgroup/cpu/husk-4242", false, CPU),
        ],
        "under our own cgroup in each hierarchy; v2 (no controllers) left out"
    );
    assert_eq!(p.dirs[1].path.last(), Some(&0));
    assert_eq!(writes(&p, &p.dirs[2]), [w("cpu.cfs_quota_us", 20000)]);
    assert_eq!(
        writes(&p, &p.dirs[1]),
        [
            w("memory.limit_in_bytes", 4194304),
            w("memory.memsw.limit_in_bytes", 8388608),
        ],
        "swap defaults to as much as memory"
    );
    assert!(
        swap_optional(&p, &p.dirs[1]),
        "skipped where swap is not accounted"
    );
    assert!(!p.write(&p.dirs[1], 0).unwrap().2);
    assert_eq!(writes(&p, &p.dirs[0]), [w("pids.max", 16)]);
    // Explicit swap: required; -1: nothing to write.
    let p = plan(&spec(4 << 20, 0, 0, 6 << 20, None), &l, 1).unwrap();
    assert!(!swap_optional(&p, &p.dirs[0]));
    assert_eq!(
        writes(&p, &p.dirs[0]),
        [
            w("memory.limit_in_bytes", 4194304),
            w("memory.memsw.limit_in_bytes", 6291456),
        ]
    );
    let p = plan(&spec(4 << 20, 0, 0, UNLIMITED, None), &l, 1).unwrap();
    assert_eq!(
        writes(&p, &p.dirs[0]),
        [w("memory.limit_in_bytes", 4194304)]
    );
}

#[test]
fn plans_v1_comounted_and_parents() {
    let l = layout(V1_MOUNTINFO, V1_CGROUP);
    let p = plan(&spec(0, 1500, 0, 0, Some("batch/x")), &l, 7).unwrap();
    assert_eq!(
        dirs(&p),
        [dir(
            "/sys/fs/cgroup/cpu,cpuacct/user.slice/batch/x/husk-7",
            false,
            CPU
        )]
    );
    assert_eq!(writes(&p, &p.dirs[0]), [w("cpu.cfs_quota_us", 150000)]);
    // Absolute: from the hierarchy's root; slashes tidied.
    let p = plan(&spec(0, 0, 5, 0, Some("//jobs//a/")), &l, 7).unwrap();
    assert_eq!(s(p.dirs[0].shown()), "/sys/fs/cgroup/pids/jobs/a/husk-7");
    let p = plan(&spec(0, 0, 5, 0, Some("/")), &l, 7).unwrap();
    assert_eq!(s(p.dirs[0].shown()), "/sys/fs/cgroup/pids/husk-7");
    // A parent alone: memory, cpu and pids, for grouping, nothing written.
    let p = plan(&spec(0, 0, 0, 0, Some("g")), &l, 7).unwrap();
    assert_eq!(
        dirs(&p),
        [
            dir(
                "/sys/fs/cgroup/pids/user.slice/user-0.slice/session-1.scope/g/husk-7",
                false,
                PIDS
            ),
            dir("/sys/fs/cgroup/memory/user.slice/g/husk-7", false, MEMORY),
            dir("/sys/fs/cgroup/cpu,cpuacct/user.slice/g/husk-7", false, CPU),
        ]
    );
    assert!(p.dirs.iter().all(|d| writes(&p, d).is_empty()));
}

#[test]
fn plans_v2() {
    let l = layout(V2_MOUNTINFO, "0::/svc/box\n");
    let p = plan(&spec(512 << 10, 500, 100, 0, None), &l, 99).unwrap();
    assert_eq!(
        dirs(&p),
        [dir(
            "/sys/fs/cgroup/svc/box/husk-99",
            true,
            MEMORY | CPU | PIDS
        )]
    );
    assert_eq!(
        writes(&p, &p.dirs[0]),
        [
            w("memory.max", 524288),
            w("cpu.max", 50000),
            w("pids.max", 100),
            w("memory.swap.max", 524288),
        ]
    );
    // v2's swap file holds swap alone: memory-swap minus memory.
    let p = plan(&spec(1 << 30, 0, 0, 3 << 29, Some("/a")), &l, 1).unwrap();
    assert_eq!(dirs(&p), [dir("/sys/fs/cgroup/a/husk-1", true, MEMORY)]);
    assert_eq!(
        writes(&p, &p.dirs[0]),
        [w("memory.max", 1 << 30), w("memory.swap.max", 1 << 29)]
    );
    let p = plan(&spec(1 << 30, 0, 0, 1 << 30, None), &l, 1).unwrap();
    assert_eq!(writes(&p, &p.dirs[0])[1], w("memory.swap.max", 0));
    let p = plan(&spec(0, 2000, 0, 0, None), &l, 1).unwrap();
    assert_eq!(p.dirs[0].ctls, CPU);
    assert_eq!(writes(&p, &p.dirs[0]), [w("cpu.max", 200000)]);
    // A parent alone: a v2 cgroup for grouping, nothing enabled or written.
    let p = plan(&spec(0, 0, 0, 0, Some("x")), &l, 3).unwrap();
    assert_eq!(dirs(&p), [dir("/sys/fs/cgroup/svc/box/x/husk-3", true, 0)]);
    assert!(writes(&p, &p.dirs[0]).is_empty());
}

#[test]
fn a_missing_controller_is_named() {
    // Pure v1 without a pids hierarchy, and no cgroup2 to hold it.
    let l = layout(
        &V1_MOUNTINFO[..V1_MOUNTINFO.rfind("31 25").unwrap()],
        V1_CGROUP,
    );
    let e = plan(&spec(4 << 20, 0, 10, 0, None), &l, 1).unwrap_err();
    assert_eq!(
        String::from_utf8(e.render().0).unwrap(),
        "husk: cgroup controller 'pids': not mounted on this host (see /proc/self/mountinfo); limit not applied\n"
    );
    assert!(plan(&spec(0, 0, 0, 0, Some("/")), &l, 1).is_ok());
    assert!(plan(&spec(4 << 20, 0, 0, 0, None), &Layout::default(), 1).is_err());
    // On a hybrid host, a controller no v1 hierarchy holds is v2's: there, the kernel says
    // whether it has it, when husk enables it (see v2_refusals_leave_nothing).
    let l = layout(
        &HYBRID_MOUNTINFO.replace(
            "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n",
            "",
        ),
        &HYBRID_CGROUP.replace("8:pids:/\n", ""),
    );
    let p = plan(&spec(0, 0, 10, 0, None), &l, 1).unwrap();
    assert_eq!(dirs(&p), [dir("/sys/fs/cgroup/unified/husk-1", true, PIDS)]);
}

#[test]
fn oom_counters_and_message() {
    assert!(oom_kill(
        b"low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n"
    ));
    assert!(oom_kill(b"oom_kill_disable 0\nunder_oom 0\noom_kill 13\n"));
    assert!(!oom_kill(
        b"low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 3\n"
    ));
    assert!(!oom_kill(b"oom_kill_disable 1\nunder_oom 0\n"));
    assert!(!oom_kill(b""));
    let m = |n: u64| String::from_utf8(oom_message(b"hog", n).0).unwrap();
    assert_eq!(
        m(4 << 20),
        "husk: hog was killed by the OOM killer (memory limit 4 MiB)\n"
    );
    assert_eq!(
        m(512 << 10),
        "husk: hog was killed by the OOM killer (memory limit 512 KiB)\n"
    );
    assert_eq!(
        m(3 << 29),
        "husk: hog was killed by the OOM killer (memory limit 1536 MiB)\n"
    );
    assert_eq!(
        m(1 << 30),
        "husk: hog was killed by the OOM killer (memory limit 1 GiB)\n"
    );
    assert_eq!(
        m(5000),
        "husk: hog was killed by the OOM killer (memory limit 5000 B)\n"
    );
    assert_eq!(
        m(16 << 50),
        "husk: hog was killed by the OOM killer (memory limit 16 PiB)\n"
    );
    assert_eq!(
        m(1 << 62),
        "husk: hog was killed by the OOM killer (memory limit 4096 PiB)\n"
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

/// A cgroup2 mount at `t`, husk in /svc.
fn v2_fixture(t: &Tmp) -> Layout {
    std::fs::create_dir_all(t.path("svc")).unwrap();
    let mi = std::format!("30 1 0:30 / {} rw - cgroup2 cgroup2 rw\n", t.s());
    layout(&mi, "0::/svc\n")
}

fn render(e: crate::error::Error) -> String {
    String::from_utf8(e.render().0).unwrap()
}

#[test]
fn v2_effects_on_a_directory() {
    let t = Tmp::new("v2");
    let l = v2_fixture(&t);
    let mut p = plan(&spec(4 << 20, 250, 10, 0, None), &l, 77).unwrap();
    p.fixture = true;
    // A leftover with our name (a killed husk that had our pid) is reused when empty.
    std::fs::create_dir(t.path("svc/husk-77")).unwrap();
    let mut cg = Cgroup::create(&p).unwrap();
    assert_eq!(s(p.dirs[0].shown()), t.s() + "/svc/husk-77");
    // One write each (appended by the fixture).
    assert_eq!(t.get("svc/cgroup.subtree_control"), "+memory+cpu+pids");
    assert_eq!(t.get("svc/husk-77/memory.max"), "4194304");
    // The fixture creates no optional file: a kernel without swap accounting, where the
    // default swap limit is skipped.
    assert!(!t.exists("svc/husk-77/memory.swap.max"));
    assert_eq!(t.get("svc/husk-77/cpu.max"), "25000");
    assert_eq!(t.get("svc/husk-77/pids.max"), "10");
    assert!(cg.clone_fd().is_some());
    assert_eq!(cg.memory_limit(), 4 << 20);
    cg.join().unwrap(); // nothing to do on v2
    assert!(!t.exists("svc/husk-77/tasks"));

    // Without clone3, the parent moves the child in through cgroup.procs.
    cg.place(4321).unwrap();
    assert_eq!(t.get("svc/husk-77/cgroup.procs"), "4321");

    // OOM: a kill counted by the kernel, whichever process it was.
    t.put(
        "svc/husk-77/memory.events",
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
    );
    assert!(cg.oom_killed());
    t.put(
        "svc/husk-77/memory.events",
        "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n",
    );
    assert!(!cg.oom_killed(), "limits hit, nothing killed");

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
    let mut p = plan(&spec(4 << 20, 0, 0, 5 << 20, None), &l, 78).unwrap();
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
    let l = v2_fixture(&t);
    // The parent's cgroup.subtree_control refuses (here: it is a directory).
    std::fs::create_dir(t.path("svc/cgroup.subtree_control")).unwrap();
    let mut p = plan(&spec(0, 0, 10, 0, None), &l, 5).unwrap();
    p.fixture = true;
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: set {}/svc/husk-5/../cgroup.subtree_control to +pids: EISDIR (limit not applied)\n",
            t.s()
        )
    );
    assert!(!t.exists("svc/husk-5"));
    // A parent that does not exist.
    let mut p = plan(&spec(4 << 20, 0, 0, 0, Some("/nope")), &l, 5).unwrap();
    p.fixture = true;
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: create cgroup {}/nope/husk-5: ENOENT (no such parent cgroup; limit not applied)\n",
            t.s()
        )
    );
    // A limit the kernel refuses (here: no such file without `fixture`): the cgroup goes.
    t.put("cgroup.subtree_control", "");
    let p = plan(&spec(4 << 20, 0, 0, UNLIMITED, Some("/")), &l, 5).unwrap();
    let e = Cgroup::create(&p).err().unwrap();
    assert_eq!(
        render(e),
        std::format!(
            "husk: set {}/husk-5/memory.max to 4194304: ENOENT (limit not applied)\n",
            t.s()
        )
    );
    assert!(!t.exists("husk-5"));
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
    let l = layout(&mi, "2:pids:/\n0::/\n");
    let mut p = plan(&spec(0, 0, 0, 0, Some("/")), &l, 6).unwrap();
    p.fixture = true;
    assert_eq!(p.dirs.len(), 2);
    let e = render(Cgroup::create(&p).err().unwrap());
    assert!(
        e.starts_with("husk: create cgroup /") && e.contains("/pids/husk-6: ENOENT"),
        "{e}"
    );
    assert!(
        !t.exists("unified/husk-6"),
        "the v2 cgroup was removed again"
    );

    // v1: the child joins through `tasks`.
    std::fs::create_dir_all(t.path("pids")).unwrap();
    let mut p = plan(&spec(0, 0, 3, 0, Some("/")), &l, 6).unwrap();
    p.fixture = true;
    let mut cg = Cgroup::create(&p).unwrap();
    assert_eq!(t.get("pids/husk-6/pids.max"), "3");
    assert!(cg.clone_fd().is_none(), "no v2 cgroup to be born in");
    cg.join().unwrap();
    assert_eq!(t.get("pids/husk-6/tasks"), "0");
    assert!(!cg.oom_killed(), "no memory cgroup");
    cg.place(4321).unwrap(); // no v2 cgroup: nothing to write
    assert!(!t.exists("pids/husk-6/cgroup.procs"));
    t.empty("pids/husk-6");
    cg.remove().unwrap();
    assert!(!t.exists("pids/husk-6"));
}
