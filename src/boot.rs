//! A machine's init: what `husk init` adds when a kernel boots it as PID 1.
//!
//! The kernel hands PID 1 an empty machine: no /proc, no /dev (unless its built-in
//! initramfs left a /dev/console node), `lo` down, and a panic if PID 1 ever exits.
//! [`console`] and [`setup`] make it usable before CMD runs; `init` then never exits and
//! ends with reboot(2).
use crate::cli::getenv;
use crate::cli::init::{InitOpts, OnExit};
use crate::error::Error;
use crate::out::{cut, Msg};
use crate::path::CPath;
use crate::signals::{SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
use crate::sys::start::CVec;
use crate::sys::{self, fs, machine, time, Errno};
use linux_raw_sys::general as g;

/// Whether husk was booted by a kernel: PID 1 whose parent is the kernel (ppid 0), in the
/// first pid namespace. A container's init is PID 1 with ppid 0 too. /proc names the
/// namespace when it is mounted (the first one's inode is the fixed PROC_PID_INIT_INO,
/// 0xEFFFFFFC); a kernel's init has none yet, and neither has every container, so then
/// ask the kernel: reboot(LINUX_REBOOT_CMD_CAD_OFF) succeeds only with CAP_SYS_BOOT in
/// the first pid namespace (kernel/reboot.c; elsewhere reboot_pid_ns() refuses every
/// command but restart, power-off and halt with EINVAL, and without the capability it
/// is EPERM). Only the machine's init can be PID 1 there, and it wants Ctrl-Alt-Del as
/// SIGINT anyway. /proc first: a seccomp profile may kill a container for reboot(2).
pub fn detect() -> bool {
    if sys::getpid() != 1 || sys::getppid() != 0 {
        return false;
    }
    match fs::readlink(crate::hot_c!(b"/proc/self/ns/pid\0")) {
        Ok(ns) => ns == b"pid:[4026531836]",
        Err(_) => machine::reboot(g::LINUX_REBOOT_CMD_CAD_OFF).is_ok(),
    }
}

/// Prints `husk: OP OBJ: ERRNO (...)`: what fails once CMD may exist is a warning.
#[inline(never)]
pub fn warn(op: &'static str, obj: &[u8], e: Errno) {
    Error::sys(op, obj, e).print();
}

/// What a machine's init mounts, parents first. Each entry: the mount flags (MS_NOSUID 2,
/// MS_NODEV 4, MS_NOEXEC 8) as a byte, then the file system type (also the source: these
/// take any name), the target and the options, each NUL-terminated. One string: a table
/// of structs of `&CStr` would cost 56 bytes an entry.
const MOUNTS: &[u8] = b"\x0eproc\0/proc\0\0\
\x0esysfs\0/sys\0\0\
\x02devtmpfs\0/dev\0mode=0755\0\
\x0adevpts\0/dev/pts\0gid=5,mode=0620,ptmxmode=0666\0\
\x06tmpfs\0/dev/shm\0mode=1777\0\
\x06tmpfs\0/run\0mode=0755\0\
\x0ecgroup2\0/sys/fs/cgroup\0\0";
/// Where devtmpfs starts in MOUNTS.
const DEV: usize = 26;

/// Mounts the first entry of `table` unless its target is a mount root already (mounted
/// by an earlier init, or devtmpfs by `console`); returns the rest of the table.
#[inline(never)]
fn mount_first(table: &'static [u8]) -> &'static [u8] {
    // The type, the target, the options.
    let mut f = [c""; 3];
    let mut at = 1;
    for s in &mut f {
        *s = crate::sys::c_str(table.get(at..).unwrap_or_default()).unwrap_or(c"");
        at += s.count_bytes() + 1;
    }
    if !fs::is_mount_root(f[1]) {
        let _ = fs::mkdir(f[1], 0o755);
        if let Err(e) = sys::mount::mount(Some(f[0]), f[1], Some(f[0]), table[0] as u32, Some(f[2]))
        {
            warn("mount", f[1].to_bytes(), e);
        }
    }
    table.get(at..).unwrap_or_default()
}

/// Opens /dev/console as fds 0, 1 and 2 where they are missing (a kernel whose initramfs
/// has no /dev/console starts init with none), mounting devtmpfs on /dev first if need
/// be. Runs before husk opens any descriptor, which would otherwise take fd 0.
#[inline(never)]
pub fn console() {
    if (0..3).all(machine::is_open) {
        return;
    }
    let open = || fs::open(c"/dev/console", g::O_RDWR | g::O_NOCTTY);
    let con = open().or_else(|_| {
        mount_first(&MOUNTS[DEV..]);
        open()
    });
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

/// The boot timings line, `--timings`: microseconds per step.
pub struct Laps {
    m: Msg,
    last: u64,
}

impl Laps {
    /// No steps yet: `t0` is when husk started (CLOCK_MONOTONIC: microseconds since the
    /// kernel started).
    pub fn new(t0: u64) -> Laps {
        Laps {
            m: Msg(alloc::vec::Vec::new()),
            last: t0,
        }
    }

    /// Appends `STEP` and the microseconds since the last step; returns now.
    #[inline(never)]
    fn lap(&mut self, step: &[u8]) -> u64 {
        let now = time::now_us();
        self.m.s(step).u(now - self.last);
        self.last = now;
        now
    }

    /// CMD has been spawned: prints the line (once) if there is one.
    #[inline(never)]
    pub fn spawned(&mut self, t0: u64) {
        if !self.m.0.is_empty() {
            let now = self.lap(b" spawn ");
            self.m.s(b" total ").u(now - t0).nl().err();
        }
    }
}

/// Mounts, Ctrl-Alt-Del, `lo`, host name and modules, in that order; failures are warnings.
/// The kernel hands init the `key=value` words of its command line that it does not take
/// itself as environment variables: `modules=`, and `hostname=` (which kernels before
/// 5.19 leave to init). `t` gets the timings if they are to be printed.
#[inline(never)]
pub fn setup(o: &InitOpts, t: &mut Laps, env: CVec) {
    t.m.s(b"husk: boot timings (us): kernel ").u(t.last);
    let mut rest = MOUNTS;
    while !rest.is_empty() {
        rest = mount_first(rest);
    }
    t.lap(b" mounts ");
    // Ctrl-Alt-Del then sends SIGINT to PID 1 instead of rebooting at once.
    let _ = machine::reboot(g::LINUX_REBOOT_CMD_CAD_OFF);
    if let Err(e) = machine::link_up(b"lo") {
        warn("bring up", b"lo", e);
    }
    t.lap(b" lo ");
    if let Some(name) = o.hostname.or_else(|| getenv(env.iter(), b"hostname")) {
        if let Err(e) = sys::ns::sethostname(name) {
            warn("set host name", name, e);
        }
    }
    let dir = o.modules.unwrap_or(b"/lib/modules");
    let mut names = Msg::new();
    let list = match getenv(env.iter(), b"modules") {
        Some(list) => list,
        None => {
            if o.modules.is_some() {
                let r = fs::for_each_entry(CPath::new(&[dir]).c(), &mut |n| {
                    if let Some(name) = crate::out::strip_suffix(n, b".ko") {
                        names.s(name).c(b',');
                    }
                });
                if let Err(e) = r {
                    warn("list modules in", dir, e);
                }
            }
            &names.0
        }
    };
    let mut paths = Msg::new();
    module_paths(&mut paths, dir, list);
    load_modules(&paths.0);
    t.lap(b" modules ");
    if !o.timings() && o.verbosity < 2 {
        t.m.0.clear();
    }
}

/// Appends `DIR/NAME.ko\0` to `out` for each NAME in a comma-separated list.
pub fn module_paths(out: &mut Msg, dir: &[u8], list: &[u8]) {
    let mut rest = Some(list);
    while let Some(r) = rest {
        let (name, next) = cut(r, b',');
        if !name.is_empty() {
            out.s(dir).c(b'/').s(name).s(b".ko\0");
        }
        rest = next;
    }
}

/// finit_module for each NUL-terminated path in `paths`, in passes: a module whose
/// dependencies are not loaded yet fails with ENOENT ("Unknown symbol"), and is tried
/// again after the others, so the order does not matter (EEXIST, already loaded, is
/// success). What still fails after a pass that loaded nothing is reported by one last
/// pass.
#[inline(never)]
fn load_modules(paths: &[u8]) {
    let mut last = false;
    loop {
        let (mut loaded, mut failed) = (false, false);
        let mut at = 0;
        while let Some(p) = crate::sys::c_str(paths.get(at..).unwrap_or_default()) {
            at += p.count_bytes() + 1;
            match fs::open(p, g::O_RDONLY).and_then(|fd| machine::finit_module(&fd)) {
                Ok(()) => loaded = true,
                Err(Errno::EEXIST) => {}
                Err(e) => {
                    failed = true;
                    if last {
                        warn("load module", p.to_bytes(), e);
                    }
                }
            }
        }
        if !failed || last {
            return;
        }
        last = !loaded;
    }
}

/// The action busybox init takes for a signal to PID 1, if it is one.
pub fn signal_action(sig: u32) -> Option<OnExit> {
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
        assert_eq!(OnExit::Poweroff as u32, g::LINUX_REBOOT_CMD_POWER_OFF);
        assert_eq!(OnExit::Reboot as u32, g::LINUX_REBOOT_CMD_RESTART);
        assert_eq!(OnExit::Halt as u32, g::LINUX_REBOOT_CMD_HALT);
    }

    #[test]
    fn mounts_table() {
        // (flags, type, target, options) of each entry, parsed as mount_first does.
        let mut all = std::vec::Vec::new();
        let mut rest = MOUNTS;
        while !rest.is_empty() {
            let f: std::vec::Vec<&[u8]> = rest[1..].splitn(4, |&c| c == 0).collect();
            all.push((rest[0] as u32, f[0], f[1], f[2]));
            rest = f[3];
        }
        assert_eq!(all.len(), 7);
        assert_eq!(all[0].2, b"/proc", "/proc first: it tells what is mounted");
        assert_eq!(
            all[5],
            (
                g::MS_NOSUID | g::MS_NODEV,
                &b"tmpfs"[..],
                &b"/run"[..],
                &b"mode=0755"[..]
            )
        );
        assert!(
            MOUNTS[DEV..].starts_with(b"\x02devtmpfs\0/dev\0"),
            "console() mounts it"
        );
        for (i, &(flags, fstype, t, _)) in all.iter().enumerate() {
            assert!(
                flags & g::MS_NOSUID != 0
                    && flags & !(g::MS_NOSUID | g::MS_NODEV | g::MS_NOEXEC) == 0
            );
            assert!(!fstype.is_empty() && t.starts_with(b"/"));
            // Parents before children.
            for later in &all[i + 1..] {
                assert!(!t.starts_with(later.2));
            }
        }
    }
}
