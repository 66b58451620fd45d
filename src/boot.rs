//! A machine's init: what `husk init` adds when a kernel boots it as PID 1.
//!
//! The kernel hands PID 1 an empty machine: no /proc, no /dev (unless its built-in
//! initramfs left a /dev/console node), `lo` down, and a panic if PID 1 ever exits.
//! [`console`] and [`setup`] make it usable before CMD runs; `init` then never exits and
//! ends with reboot(2). The parser of /proc/cmdline is pure.
use crate::cli::init::{InitOpts, OnExit};
use crate::error::Error;
use crate::out::Msg;
use crate::sys::{self, fs, machine, time};
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// Whether husk was booted by a kernel: PID 1 whose parent is the kernel (ppid 0). A
/// container's init is PID 1 with ppid 0 too, so also: no /proc mounted yet, or the pid
/// namespace is the first one (its inode is the fixed PROC_PID_INIT_INO, 0xEFFFFFFC).
pub fn detect() -> bool {
    if sys::getpid() != 1 || sys::getppid() != 0 {
        return false;
    }
    match fs::readlink(c"/proc/self/ns/pid") {
        Ok(ns) => ns == b"pid:[4026531836]",
        Err(_) => true,
    }
}

/// The value of `key=value` on a kernel command line (the last one wins, as for the
/// kernel's own parameters). Words after `--` are init's arguments, not parameters; a
/// value in double quotes may hold spaces.
pub fn cmdline_get<'a>(cmdline: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut found = None;
    let (mut start, mut quoted) = (0, false);
    for i in 0..=cmdline.len() {
        let c = cmdline.get(i).copied().unwrap_or(b' ');
        if c == b'"' {
            quoted = !quoted;
        }
        if i < cmdline.len() && (quoted || !c.is_ascii_whitespace()) {
            continue;
        }
        let word = &cmdline[start..i];
        start = i + 1;
        if word == b"--" {
            break;
        }
        if word.len() > key.len() && word.starts_with(key) && word[key.len()] == b'=' {
            let v = &word[key.len() + 1..];
            found = Some(match v {
                [b'"', inner @ .., b'"'] => inner,
                _ => v,
            });
        }
    }
    found
}

/// Appends `DIR/NAME.ko\0` to `out` for each NAME in a comma-separated list.
pub fn module_paths(out: &mut Msg, dir: &[u8], list: &[u8]) {
    for name in list.split(|&c| c == b',').filter(|n| !n.is_empty()) {
        out.s(dir).c(b'/').s(name).s(b".ko\0");
    }
}

struct Mount {
    /// Also the source: every one of these file systems takes any name.
    fstype: &'static CStr,
    target: &'static CStr,
    flags: u32,
    data: &'static CStr,
}

const NOSUID: u32 = g::MS_NOSUID;
const NODEV: u32 = g::MS_NODEV;
const NOEXEC: u32 = g::MS_NOEXEC;

/// What a machine's init mounts, parents first.
const MOUNTS: [Mount; 7] = [
    Mount {
        fstype: c"proc",
        target: c"/proc",
        flags: NOSUID | NODEV | NOEXEC,
        data: c"",
    },
    Mount {
        fstype: c"sysfs",
        target: c"/sys",
        flags: NOSUID | NODEV | NOEXEC,
        data: c"",
    },
    Mount {
        fstype: c"devtmpfs",
        target: c"/dev",
        flags: NOSUID,
        data: c"mode=0755",
    },
    Mount {
        fstype: c"devpts",
        target: c"/dev/pts",
        flags: NOSUID | NOEXEC,
        data: c"gid=5,mode=0620,ptmxmode=0666",
    },
    Mount {
        fstype: c"tmpfs",
        target: c"/dev/shm",
        flags: NOSUID | NODEV,
        data: c"mode=1777",
    },
    Mount {
        fstype: c"tmpfs",
        target: c"/run",
        flags: NOSUID | NODEV,
        data: c"mode=0755",
    },
    Mount {
        fstype: c"cgroup2",
        target: c"/sys/fs/cgroup",
        flags: NOSUID | NODEV | NOEXEC,
        data: c"",
    },
];

fn mount(m: &Mount) -> sys::Result<()> {
    let _ = fs::mkdir(m.target, 0o755);
    sys::mount::mount(
        Some(m.fstype),
        m.target,
        Some(m.fstype),
        m.flags,
        Some(m.data),
    )
}

/// Opens /dev/console as fds 0, 1 and 2 where they are missing (a kernel whose initramfs
/// has no /dev/console starts init with none), mounting devtmpfs on /dev first if need
/// be. Runs before husk opens any descriptor, which would otherwise take fd 0.
#[inline(never)]
pub fn console() {
    if (0..3).all(machine::is_open) {
        return;
    }
    let mut con = fs::open(c"/dev/console", g::O_RDWR | g::O_NOCTTY);
    if con.is_err() {
        let _ = mount(&MOUNTS[2]);
        con = fs::open(c"/dev/console", g::O_RDWR | g::O_NOCTTY);
    }
    if let Ok(con) = con {
        for fd in 0..3 {
            if fd == con.raw() || !machine::is_open(fd) {
                let _ = machine::inherit_as(&con, fd);
            }
        }
        if con.raw() < 3 {
            con.leak();
        }
    }
}

/// Microseconds per step, printed with `--timings`.
struct Laps {
    m: Msg,
    last: u64,
}

impl Laps {
    #[inline(never)]
    fn lap(&mut self, step: &[u8]) {
        let now = time::now_us();
        self.m.c(b' ').s(step).c(b' ').u(now - self.last);
        self.last = now;
    }
}

#[inline(never)]
fn warn(op: &'static str, obj: &[u8], e: sys::Errno) {
    Error::sys(op, obj, e).print();
}

/// Mounts, Ctrl-Alt-Del, `lo`, host name and modules, in that order; failures are warnings.
/// `t0` is when husk started (CLOCK_MONOTONIC: microseconds since the kernel started).
/// Returns the timings line to print once CMD runs.
#[inline(never)]
pub fn setup(o: &InitOpts, t0: u64) -> Msg {
    let mut t = Laps {
        m: Msg::husk(),
        last: t0,
    };
    t.m.s(b"boot timings (us): kernel ").u(t0);
    for m in &MOUNTS {
        // Mounted already (by an earlier init, or devtmpfs by console()): not again.
        if !fs::is_mount_root(m.target) {
            if let Err(e) = mount(m) {
                warn("mount", m.target.to_bytes(), e);
            }
        }
    }
    t.lap(b"mounts");
    // Ctrl-Alt-Del then sends SIGINT to PID 1 instead of rebooting at once.
    let _ = machine::reboot(g::LINUX_REBOOT_CMD_CAD_OFF);
    if let Err(e) = machine::link_up(b"lo") {
        warn("bring up", b"lo", e);
    }
    t.lap(b"lo");
    let cmdline = fs::read_file(c"/proc/cmdline").unwrap_or_default();
    // Kernels since 5.19 set hostname= themselves; older ones need us.
    let name = o
        .hostname
        .as_deref()
        .or_else(|| cmdline_get(&cmdline, b"hostname"));
    if let Some(name) = name {
        if let Err(e) = machine::sethostname(name) {
            warn("set host name", name, e);
        }
    }
    let dir = o.modules.as_deref().unwrap_or(b"/lib/modules");
    let mut paths = Msg::new();
    match cmdline_get(&cmdline, b"modules") {
        Some(list) => module_paths(&mut paths, dir, list),
        None if o.modules.is_some() => ko_files(&mut paths, dir),
        None => {}
    }
    load_modules(&mut paths.0);
    t.lap(b"modules");
    t.m
}

/// Appends `DIR/NAME.ko\0` to `out` for each `NAME.ko` in DIR.
#[inline(never)]
fn ko_files(out: &mut Msg, dir: &[u8]) {
    let mut names = Msg::new();
    let mut d = Msg::new();
    d.s(dir).c(0);
    let r = fs::for_each_entry(sys::cstr(&d.0), &mut |n: &[u8]| {
        if let Some(name) = n.strip_suffix(b".ko") {
            names.s(name).c(b',');
        }
    });
    if let Err(e) = r {
        warn("list modules in", dir, e);
    }
    module_paths(out, dir, &names.0);
}

/// finit_module for each NUL-terminated path in `paths`, in passes: a module whose
/// dependencies are not loaded yet fails with ENOENT ("Unknown symbol") and is tried again
/// after the others, so the order does not matter. EEXIST (already loaded) is success.
/// A loaded module's path is blanked out; what still fails after a pass that loaded
/// nothing is reported by one last pass.
#[inline(never)]
fn load_modules(paths: &mut [u8]) {
    let mut last = false;
    loop {
        let (mut loaded, mut failed) = (false, false);
        let mut at = 0;
        while let Some(len) = paths[at..].iter().position(|&c| c == 0) {
            let p = sys::cstr(&paths[at..=at + len]);
            if len > 0 {
                match fs::open(p, g::O_RDONLY).and_then(|fd| machine::finit_module(&fd)) {
                    Ok(()) | Err(sys::Errno::EEXIST) => {
                        loaded = true;
                        paths[at] = 0;
                    }
                    Err(e) => {
                        failed = true;
                        if last {
                            warn("load module", p.to_bytes(), e);
                        }
                    }
                }
            }
            at += len + 1;
        }
        if !failed || last {
            return;
        }
        last = !loaded;
    }
}

/// The reboot(2) command for an action (restart never gets here).
pub fn reboot_cmd(a: OnExit) -> u32 {
    match a {
        OnExit::Reboot | OnExit::Restart => g::LINUX_REBOOT_CMD_RESTART,
        OnExit::Halt => g::LINUX_REBOOT_CMD_HALT,
        OnExit::Poweroff => g::LINUX_REBOOT_CMD_POWER_OFF,
    }
}

/// The action busybox init takes for a signal to PID 1, if it is one.
pub fn signal_action(sig: u32) -> Option<OnExit> {
    use crate::signals::{SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    match sig {
        SIGTERM | SIGINT => Some(OnExit::Reboot),
        SIGUSR2 => Some(OnExit::Poweroff),
        SIGUSR1 => Some(OnExit::Halt),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline() {
        let c = b"console=ttyS0 hostname=vm1 quiet modules=veth,llc \
            hostname=vm2 x=\"a b\" -- hostname=notme\n";
        assert_eq!(cmdline_get(c, b"hostname"), Some(&b"vm2"[..]));
        assert_eq!(cmdline_get(c, b"modules"), Some(&b"veth,llc"[..]));
        assert_eq!(cmdline_get(c, b"x"), Some(&b"a b"[..]));
        assert_eq!(cmdline_get(c, b"quiet"), None, "a flag has no value");
        assert_eq!(cmdline_get(c, b"host"), None);
        assert_eq!(cmdline_get(c, b"console"), Some(&b"ttyS0"[..]));
        assert_eq!(cmdline_get(b"", b"a"), None);
        assert_eq!(cmdline_get(b"a= b=\"\"", b"a"), Some(&b""[..]));
        assert_eq!(cmdline_get(b"a= b=\"\"", b"b"), Some(&b""[..]));
        assert_eq!(cmdline_get(b"  k=\"v", b"k"), Some(&b"\"v"[..]));
    }

    #[test]
    fn modules() {
        let mut m = Msg::new();
        module_paths(&mut m, b"/lib/modules", b"veth,,bridge");
        assert_eq!(m.0, b"/lib/modules/veth.ko\0/lib/modules/bridge.ko\0");
        module_paths(&mut m, b"/m", b"");
        assert_eq!(m.0.len(), 44);
    }

    #[test]
    fn actions() {
        assert_eq!(signal_action(15), Some(OnExit::Reboot));
        assert_eq!(signal_action(2), Some(OnExit::Reboot));
        assert_eq!(signal_action(12), Some(OnExit::Poweroff));
        assert_eq!(signal_action(10), Some(OnExit::Halt));
        assert_eq!(signal_action(1), None);
        assert_eq!(reboot_cmd(OnExit::Poweroff), g::LINUX_REBOOT_CMD_POWER_OFF);
        assert_eq!(reboot_cmd(OnExit::Reboot), g::LINUX_REBOOT_CMD_RESTART);
        assert_eq!(reboot_cmd(OnExit::Halt), g::LINUX_REBOOT_CMD_HALT);
    }

    #[test]
    fn mounts_table() {
        assert_eq!(
            MOUNTS[0].target, c"/proc",
            "/proc first: it tells what is mounted"
        );
        assert_eq!(MOUNTS[2].fstype, c"devtmpfs", "console() mounts MOUNTS[2]");
        // Parents before children.
        for (i, m) in MOUNTS.iter().enumerate() {
            let t = m.target.to_bytes();
            for later in &MOUNTS[i + 1..] {
                assert!(!t.starts_with(later.target.to_bytes()));
            }
        }
    }
}
