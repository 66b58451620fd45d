//! The cgroup core against the real kernel, as root: limits read back from the control files,
//! a real OOM kill, a bounded fork bomb stopped by pids.max, CPU throttling in cpu.stat,
//! clone3(CLONE_INTO_CGROUP), what outlives CMD killed, the stale sweep, refusals, and
//! nothing left behind.
//!
//! This drives the library directly (tests/run.rs drives `husk run`). Every cgroup is
//! nested under this process's own cgroup in each hierarchy (see /proc/self/cgroup).
//!
//! No libtest harness (`harness = false` in Cargo.toml): the library brings husk's own
//! single-threaded bump allocator, and the cases fork, so they run one after the other in
//! one thread. Each case prints `test NAME ... ok`; a failure panics (exit 101).
mod common;
use common::*;
use husk::cgroup::act::{read_layout, Cgroup};
use husk::cgroup::{oom_message, plan, Dir, Layout, Plan, CPU, MEMORY, PIDS};
use husk::cli::cgroup::CgroupSpec;
use husk::sys::time::now_us;
use std::fs;
use std::path::Path;

type Case = fn(&Layout);

fn main() {
    if skip_unless_root("cgroup") {
        return;
    }
    let l = read_layout().expect("read the layout");
    let cases: &[(&str, Case)] = &[
        (
            "layout_matches_the_kernels_view",
            layout_matches_the_kernels_view,
        ),
        ("limits_are_written", limits_are_written),
        ("oom_kill_is_seen", oom_kill_is_seen),
        ("pids_stop_a_fork_bomb", pids_stop_a_fork_bomb),
        ("cpu_quota_throttles", cpu_quota_throttles),
        ("clone_into_the_v2_cgroup", clone_into_the_v2_cgroup),
        ("what_remains_is_killed", what_remains_is_killed),
        ("stale_cgroups_are_swept", stale_cgroups_are_swept),
        ("refusals_leave_nothing", refusals_leave_nothing),
        ("phase_costs", phase_costs),
    ];
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    for (name, f) in cases {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        eprintln!("test cgroup::{name} ...");
        f(&l);
        no_residue(&l);
        eprintln!("test cgroup::{name} ... ok");
    }
}

fn me() -> u32 {
    std::process::id()
}

fn spec(mem: u64, cpus_milli: u64, pids: u64) -> CgroupSpec {
    CgroupSpec {
        lim: [mem, cpus_milli, pids, 0],
        parent: None,
    }
}

fn text(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

fn path(d: &Dir) -> String {
    text(d.shown())
}

/// The parent of the container's cgroup.
fn parent(d: &Dir) -> String {
    let p = path(d);
    p[..p.rfind('/').unwrap()].to_string()
}

fn read(dir: &Dir, file: &str) -> String {
    let p = format!("{}/{file}", path(dir));
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A cgroup in every hierarchy, for grouping only: their parents are our own cgroups.
fn grouping(l: &Layout) -> Plan {
    let s = CgroupSpec {
        parent: Some(b""),
        ..CgroupSpec::default()
    };
    plan(&s, l, me()).unwrap()
}

/// A created cgroup, removed when dropped (also when a check fails).
struct Guard<'p>(Cgroup<'p>);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let _ = self.0.remove();
    }
}

/// `/proc/self/cgroup`'s path for the hierarchy with controller `ctl` (v1) or 0:: (v2).
fn own_path(v2: bool, ctl: &str) -> String {
    let t = fs::read_to_string("/proc/self/cgroup").unwrap();
    t.lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (id, list, path) = (f.next()?, f.next()?, f.next()?);
            let hit = if v2 {
                id == "0"
            } else {
                list.split(',').any(|c| c == ctl)
            };
            hit.then(|| path.trim_end_matches('/').to_string())
        })
        .unwrap()
}

/// No cgroup this test made is left: the kernel's listing of every parent it used.
fn no_residue(l: &Layout) {
    for d in &grouping(l).dirs {
        let dir = parent(d);
        for e in fs::read_dir(&dir).unwrap() {
            let n = e.unwrap().file_name().into_string().unwrap();
            assert!(
                n != format!("husk-{}", me()) && !n.starts_with("husk-test-"),
                "left behind: {dir}/{n}"
            );
        }
    }
}

fn layout_matches_the_kernels_view(l: &Layout) {
    let p = grouping(l);
    assert!(!p.dirs.is_empty());
    for d in &p.dirs {
        // The kernel lists us in cgroup.procs of the cgroup the plan says is ours.
        let procs = format!("{}/cgroup.procs", parent(d));
        let pids = fs::read_to_string(&procs).unwrap();
        assert!(
            pids.lines().any(|p| p == me().to_string()),
            "{procs} lacks {}",
            me()
        );
        let names = ["memory", "cpu", "pids"];
        for (bit, name) in [MEMORY, CPU, PIDS].into_iter().zip(names) {
            if d.v2 || d.ctls & bit != 0 {
                let own = own_path(d.v2, name);
                assert!(parent(d).ends_with(&own), "{name}: {} {own}", parent(d));
            }
        }
    }
    // Each of memory, cpu and pids is somewhere.
    let v2 = p.dirs.iter().any(|d| d.v2);
    let v1 = p.dirs.iter().fold(0, |b, d| b | d.ctls);
    assert!(v2 || v1 == MEMORY | CPU | PIDS);
}

fn limits_are_written(l: &Layout) {
    let s = spec(4 << 20, 200, 16);
    let p = plan(&s, l, me()).unwrap();
    let cg = Guard(Cgroup::create(&p).unwrap());
    let mut seen = 0;
    for d in &p.dirs {
        // Nested under our own cgroup in that hierarchy, never beside it.
        let own = grouping(l)
            .dirs
            .into_iter()
            .find(|g| g.v2 == d.v2 && g.ctls & d.ctls != 0)
            .unwrap();
        assert_eq!(path(d), path(&own));
        assert!(Path::new(&path(d)).is_dir());
        for k in 0..4 {
            let Some((file, n, _)) = p.write(d, k) else {
                continue;
            };
            let f = text(file.to_bytes());
            if k == 3 && !Path::new(&format!("{}/{f}", path(d))).exists() {
                continue; // no swap accounting: the default swap limit is skipped
            }
            assert_eq!(read(d, &f).trim_end(), n.to_string(), "{f}");
            seen |= d.ctls;
        }
    }
    assert_eq!(seen, MEMORY | CPU | PIDS);
    if !p.dirs[0].v2 {
        // This host (v1): the values themselves.
        let m = p.dirs.iter().find(|d| d.ctls & MEMORY != 0).unwrap();
        assert_eq!(read(m, "memory.limit_in_bytes"), "4194304\n");
        if Path::new(&format!("{}/memory.memsw.limit_in_bytes", path(m))).exists() {
            assert_eq!(read(m, "memory.memsw.limit_in_bytes"), "8388608\n");
        }
        let c = p.dirs.iter().find(|d| d.ctls & CPU != 0).unwrap();
        assert_eq!(read(c, "cpu.cfs_quota_us"), "20000\n");
        assert_eq!(
            read(c, "cpu.cfs_period_us"),
            "100000\n",
            "the kernel's default"
        );
        let q = p.dirs.iter().find(|d| d.ctls & PIDS != 0).unwrap();
        assert_eq!(read(q, "pids.max"), "16\n");
    }
    drop(cg);
    for d in &p.dirs {
        assert!(!Path::new(&path(d)).exists());
    }
}

/// Runs `f` in a child cloned into `cg`, released once the parent has moved it in;
/// returns the wait status.
fn in_child(cg: &Cgroup, f: fn() -> i32) -> i32 {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let r = cg.clone(0).unwrap();
    if r.pid == 0 {
        let mut b = [0u8; 1];
        unsafe {
            if cg.join().is_err() {
                libc::_exit(125)
            }
            libc::read(fds[0], b.as_mut_ptr().cast(), 1);
            libc::_exit(f())
        }
    }
    unsafe {
        libc::write(fds[1], b"g".as_ptr().cast(), 1);
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    wait(r.pid)
}

fn wait(pid: i32) -> i32 {
    let mut st = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut st, 0) }, pid);
    st
}

/// Maps and touches 64 MiB, one page at a time.
fn hog() -> i32 {
    unsafe {
        let n = 64 << 20;
        let p = libc::mmap(
            std::ptr::null_mut(),
            n,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        ) as *mut u8;
        if p as isize == -1 {
            return 2;
        }
        for i in (0..n).step_by(4096) {
            p.add(i).write_volatile(1);
        }
    }
    0
}

fn small() -> i32 {
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            1 << 20,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        ) as *mut u8;
        for i in (0..1 << 20).step_by(4096) {
            p.add(i).write_volatile(1);
        }
    }
    0
}

fn oom_kill_is_seen(l: &Layout) {
    let p = plan(&spec(4 << 20, 0, 0), l, me()).unwrap();
    let m = p.dirs.iter().find(|d| d.ctls & MEMORY != 0).unwrap();

    let cg = Guard(Cgroup::create(&p).unwrap());
    let st = in_child(&cg.0, small);
    assert_eq!(st, 0, "1 MiB fits in 4 MiB");
    assert!(!cg.0.oom_killed());
    drop(cg);

    let cg = Guard(Cgroup::create(&p).unwrap());
    let st = in_child(&cg.0, hog);
    assert!(
        libc::WIFSIGNALED(st) && libc::WTERMSIG(st) == libc::SIGKILL,
        "the hog should die of SIGKILL, status {st:#x}"
    );
    // The kernel's own counters.
    let counters = if m.v2 {
        read(m, "memory.events")
    } else {
        read(m, "memory.oom_control")
    };
    assert!(counters.contains("oom_kill 1"), "{counters}");
    assert!(cg.0.oom_killed());
    assert_eq!(
        text(&oom_message(b"hog", cg.0.memory_limit()).0),
        "husk: hog was killed by the OOM killer (memory limit 4 MiB)\n"
    );
    drop(cg);

    // Another process killed, the first one going on: the kernel counted it all the same.
    let cg = Guard(Cgroup::create(&p).unwrap());
    let st = in_child(&cg.0, || unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::_exit(hog())
        }
        let mut st = 0;
        libc::waitpid(pid, &mut st, 0);
        3
    });
    assert_eq!(st, 3 << 8);
    assert!(cg.0.oom_killed());
    drop(cg);

    // A SIGKILL from someone else is not an OOM kill.
    let cg = Guard(Cgroup::create(&p).unwrap());
    let st = in_child(&cg.0, || unsafe { libc::raise(libc::SIGKILL) });
    assert_eq!(st, libc::SIGKILL);
    assert!(!cg.0.oom_killed());
}

/// Forks up to 20 sleeping children; returns how many forks succeeded, after killing them.
fn fork_bomb() -> i32 {
    let mut kids = Vec::with_capacity(20);
    let mut refused = 0;
    for _ in 0..20 {
        match unsafe { libc::fork() } {
            0 => unsafe {
                libc::pause();
                libc::_exit(0)
            },
            -1 => refused += 1,
            pid => kids.push(pid),
        }
    }
    for &k in &kids {
        unsafe {
            libc::kill(k, libc::SIGKILL);
            libc::waitpid(k, std::ptr::null_mut(), 0);
        }
    }
    if refused == 0 {
        return 99;
    }
    kids.len() as i32
}

fn pids_stop_a_fork_bomb(l: &Layout) {
    let p = plan(&spec(0, 0, 8), l, me()).unwrap();
    let cg = Guard(Cgroup::create(&p).unwrap());
    let st = in_child(&cg.0, fork_bomb);
    assert!(libc::WIFEXITED(st), "{st:#x}");
    assert_eq!(
        libc::WEXITSTATUS(st),
        7,
        "the child and 7 of its forks make 8 processes; the rest refused"
    );
    let d = p.dirs.iter().find(|d| d.ctls & PIDS != 0).unwrap();
    let events = read(d, "pids.events");
    assert!(
        events.starts_with("max ") && events.trim() != "max 0",
        "{events}"
    );
}

/// Spins until this process has used 150 ms of CPU time.
fn spin() -> i32 {
    let cpu = || {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    };
    while cpu() < 150_000_000 {}
    0
}

fn cpu_quota_throttles(l: &Layout) {
    let p = plan(&spec(0, 200, 0), l, me()).unwrap();
    let d = p.dirs.iter().find(|d| d.ctls & CPU != 0).unwrap();
    let cg = Guard(Cgroup::create(&p).unwrap());
    // 150 ms of CPU at 20 ms per 100 ms period cannot be had without being throttled.
    assert_eq!(in_child(&cg.0, spin), 0);
    let stat = read(d, "cpu.stat");
    let field = |k: &str| -> u64 {
        stat.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{k} in {stat}"))
    };
    if d.v2 {
        assert!(field("nr_throttled") >= 5, "{stat}");
    } else {
        assert_eq!(read(d, "cpu.cfs_quota_us"), "20000\n");
        assert!(field("nr_throttled") >= 5, "{stat}");
        assert!(field("throttled_time") > 0, "{stat}");
    }
}

/// The v2 part of a grouping-only plan (here: the controller-less unified hierarchy).
fn v2_plan(l: &Layout) -> Option<Plan> {
    let mut p = grouping(l);
    p.dirs.retain(|d| d.v2);
    (!p.dirs.is_empty()).then_some(p)
}

/// Exits 0 if /proc/self/cgroup's v2 line is 0::<OWN>/husk-<pid of the test>, as set in
/// WANT by the parent before cloning (the child reads it from its copy of memory).
static mut WANT: [u8; 256] = [0; 256];

fn check_v2_cgroup() -> i32 {
    unsafe {
        let fd = libc::open(c"/proc/self/cgroup".as_ptr(), libc::O_RDONLY);
        let mut b = [0u8; 4096];
        let n = libc::read(fd, b.as_mut_ptr().cast(), b.len());
        let want = &*std::ptr::addr_of!(WANT);
        let want = &want[..want.iter().position(|&c| c == 0).unwrap()];
        let got = &b[..n.max(0) as usize];
        if got.windows(want.len()).any(|w| w == want) {
            0
        } else {
            1
        }
    }
}

fn clone_into_the_v2_cgroup(l: &Layout) {
    let Some(p) = v2_plan(l) else {
        eprintln!("SKIP clone_into_the_v2_cgroup: no cgroup2 mount");
        return;
    };
    let want = format!("0::{}/husk-{}\n", own_path(true, ""), me());
    unsafe {
        let w = &mut *std::ptr::addr_of_mut!(WANT);
        w[..want.len()].copy_from_slice(want.as_bytes());
    }
    let cg = Guard(Cgroup::create(&p).unwrap());
    assert!(cg.0.clone_fd().is_some());
    // Born inside: its first read of /proc/self/cgroup, with nothing written to cgroup.procs.
    let r = cg.0.clone(0).unwrap();
    if r.pid == 0 {
        unsafe { libc::_exit(check_v2_cgroup()) }
    }
    assert!(r.in_cgroup);
    assert_eq!(wait(r.pid), 0, "the child saw {want:?} from its start");
    // Without the cgroup, it stays in ours.
    let r = husk::sys::process::clone3(0, None).unwrap();
    if r.pid == 0 {
        unsafe { libc::_exit(check_v2_cgroup()) }
    }
    assert!(!r.in_cgroup);
    assert_eq!(wait(r.pid), 1 << 8, "exit 1: not in the new cgroup");
}

fn alive(pid: i32) -> bool {
    // A zombie is dead; so is a pid that is gone.
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s[s.rfind(')').unwrap() + 1..].trim_start().starts_with('Z'))
}

/// Forks a grandchild that waits forever, reports its pid through a pipe and exits: what a
/// daemon started by CMD would leave behind.
static mut PIPE: [i32; 2] = [0; 2];

fn daemon() -> i32 {
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::setsid();
            loop {
                libc::pause();
            }
        }
        let w = (*std::ptr::addr_of!(PIPE))[1];
        libc::write(w, (&pid as *const i32).cast(), 4);
    }
    0
}

fn what_remains_is_killed(l: &Layout) {
    let p = plan(&spec(0, 0, 16), l, me()).unwrap();
    let mut cg = Cgroup::create(&p).unwrap();
    unsafe {
        let fds = &mut *std::ptr::addr_of_mut!(PIPE);
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
    }
    assert_eq!(in_child(&cg, daemon), 0);
    let mut pid = 0i32;
    unsafe {
        let fds = *std::ptr::addr_of!(PIPE);
        assert_eq!(libc::read(fds[0], (&mut pid as *mut i32).cast(), 4), 4);
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    assert!(alive(pid), "the daemon outlived its parent");
    let d = p.dirs.iter().find(|d| d.ctls & PIDS != 0).unwrap();
    assert_eq!(read(d, "cgroup.procs").trim(), pid.to_string());
    // Moved into a cgroup of its own inside the container's.
    let inner = format!("{}/inner", path(d));
    fs::create_dir(&inner).unwrap();
    fs::write(format!("{inner}/cgroup.procs"), pid.to_string()).unwrap();
    cg.remove().unwrap();
    assert!(!Path::new(&path(d)).exists());
    assert!(!alive(pid), "the daemon was killed with its cgroup");
}

fn stale_cgroups_are_swept(l: &Layout) {
    let g = grouping(l);
    let h = g
        .dirs
        .iter()
        .find(|d| d.ctls & MEMORY != 0)
        .unwrap_or(&g.dirs[0]);
    let parent = parent(h);
    // A husk that died (its pid is free): empty, and with a sub-cgroup.
    let dead = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let stale = format!("{parent}/husk-{dead}");
    fs::create_dir_all(format!("{stale}/inner")).unwrap();
    // A dead husk's cgroup that still holds a process stays; so does a live husk's.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let dead2 = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let busy = format!("{parent}/husk-{dead2}");
    fs::create_dir(&busy).unwrap();
    fs::write(format!("{busy}/cgroup.procs"), sleeper.id().to_string()).unwrap();
    let live = format!("{parent}/husk-{}", sleeper.id());
    fs::create_dir(&live).unwrap();

    let s = spec(if h.ctls & MEMORY != 0 { 8 << 20 } else { 0 }, 0, 0);
    let mut p = plan(&s, l, me()).unwrap();
    p.dirs.retain(|d| self::parent(d) == parent);
    let mut cg = Cgroup::create(&p).unwrap();
    cg.remove().unwrap();
    let stale_gone = !Path::new(&stale).exists();
    let busy_kept = Path::new(&busy).exists();
    let live_kept = Path::new(&live).exists();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    for d in [&busy, &live] {
        for _ in 0..100 {
            if fs::remove_dir(d).is_ok() || !Path::new(d).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    let _ = fs::remove_dir(format!("{stale}/inner"));
    let _ = fs::remove_dir(&stale);
    assert!(stale_gone, "{stale} should have been swept");
    assert!(busy_kept, "{busy} holds a process");
    assert!(live_kept, "{live} belongs to a live process");
    assert!(!Path::new(&busy).exists() && !Path::new(&live).exists());
}

fn err_text(e: husk::error::Error) -> String {
    text(&e.render().0)
}

fn refusals_leave_nothing(l: &Layout) {
    // A parent that does not exist (relative: under our own cgroup).
    let s = CgroupSpec {
        lim: [0, 0, 4, 0],
        parent: Some(b"husk-test-nope"),
    };
    let p = plan(&s, l, me()).unwrap();
    let e = err_text(Cgroup::create(&p).err().unwrap());
    assert_eq!(
        e,
        format!(
            "husk: create cgroup {}: ENOENT (no such parent cgroup; limit not applied)\n",
            path(&p.dirs[0])
        )
    );
    assert!(path(&p.dirs[0]).contains("/husk-test-nope/husk-"));
    // A value the kernel refuses (a CPU quota below 1 ms), on this host in the last
    // hierarchy (/proc/self/cgroup's order): named, and every cgroup made removed.
    let p = plan(&spec(0, 5, 4), l, me()).unwrap();
    let d = p.dirs.iter().find(|d| d.ctls & CPU != 0).unwrap();
    let (file, _, _) = p.write(d, 1).unwrap();
    let e = err_text(Cgroup::create(&p).err().unwrap());
    assert_eq!(
        e,
        format!(
            "husk: set {}/{} to 500: EINVAL (limit not applied)\n",
            path(d),
            text(file.to_bytes())
        )
    );
    assert!(p.dirs.len() >= 2 || d.v2);
    for d in &p.dirs {
        assert!(!Path::new(&path(d)).exists());
    }
    // A v2 parent without the controller (here pids is v1's, the unified hierarchy has
    // none): named.
    let pids_on_v1 = grouping(l).dirs.iter().any(|d| !d.v2 && d.ctls & PIDS != 0);
    if let Some(mut p) = v2_plan(l).filter(|_| pids_on_v1) {
        p.dirs[0].ctls = PIDS;
        let e = err_text(Cgroup::create(&p).err().unwrap());
        assert!(
            e.starts_with(&format!(
                "husk: set {}/../cgroup.subtree_control to +pids: ",
                path(&p.dirs[0])
            )),
            "{e}"
        );
        assert!(!Path::new(&path(&p.dirs[0])).exists());
    }
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Not a check: the figures for the report, printed (medians, each after 50 ms idle).
fn phase_costs(l: &Layout) {
    let p = plan(&spec(4 << 20, 500, 64), l, me()).unwrap();
    let kind = if p.dirs.iter().any(|d| d.v2) {
        "v2"
    } else {
        "v1"
    };
    let (mut c, mut parent, mut child, mut r) = (vec![], vec![], vec![], vec![]);
    for i in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let t0 = now_us();
        let mut cg = Cgroup::create(&p).unwrap();
        let t1 = now_us();
        // Until the child is in every cgroup: the parent's cgroup.procs writes (what husk
        // does not do), or the child's own join (it then tells us through a pipe).
        let mut fds = [0; 2];
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
        let t2 = now_us();
        let k = cg.clone(0).unwrap();
        if k.pid == 0 {
            unsafe {
                if i % 2 == 1 {
                    let _ = cg.join();
                }
                libc::write(fds[1], b"j".as_ptr().cast(), 1);
                libc::_exit(0)
            }
        }
        if i % 2 == 0 {
            for d in p.dirs.iter().filter(|d| !d.v2) {
                fs::write(format!("{}/cgroup.procs", path(d)), k.pid.to_string()).unwrap();
            }
        } else {
            let mut b = [0u8; 1];
            unsafe { libc::read(fds[0], b.as_mut_ptr().cast(), 1) };
        }
        let t3 = now_us();
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        wait(k.pid);
        let t4 = now_us();
        cg.remove().unwrap();
        let t5 = now_us();
        c.push(t1 - t0);
        if i % 2 == 0 { &mut parent } else { &mut child }.push(t3 - t2);
        r.push(t5 - t4);
    }
    eprintln!(
        "  {kind}, {} cgroups: create {} us; clone + moved by the parent (cgroup.procs) {} us, \
         clone + join by the child (tasks) {} us; remove {} us",
        p.dirs.len(),
        median(&mut c),
        median(&mut parent),
        median(&mut child),
        median(&mut r)
    );
    let Some(p) = v2_plan(l) else { return };
    let (mut into, mut procs) = (vec![], vec![]);
    for i in 0..20 {
        let cg = Cgroup::create(&p).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let t0 = now_us();
        let fd = if i % 2 == 0 { cg.clone_fd() } else { None };
        let k = husk::sys::process::clone3(0, fd).unwrap();
        if k.pid == 0 {
            unsafe { libc::_exit(0) }
        }
        if fd.is_none() {
            let procs = format!("{}/cgroup.procs", path(&p.dirs[0]));
            fs::write(procs, k.pid.to_string()).unwrap();
        }
        let t1 = now_us();
        wait(k.pid);
        let mut g = Guard(cg);
        let _ = g.0.remove();
        if i % 2 == 0 { &mut into } else { &mut procs }.push(t1 - t0);
    }
    eprintln!(
        "  v2 (no controllers): clone3(CLONE_INTO_CGROUP) {} us; clone3 + cgroup.procs {} us",
        median(&mut into),
        median(&mut procs)
    );
}
