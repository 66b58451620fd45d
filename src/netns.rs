//! Named network namespaces, as `ip netns` keeps them: bind mounts of a namespace file on
//! empty files in /var/run/netns, which is itself a shared mount point — so that a name
//! unmounted (`del`) is gone from every mount namespace holding a copy, and the namespace
//! can be freed. husk and `ip netns` see and remove each other's names.
use crate::error::{Error, Result};
use crate::out::Msg;
use crate::path::CPath;
use crate::sys::fs::unlink;
use crate::sys::mount::{mount, umount};
use crate::sys::start::CVec;
use crate::sys::{fs, net, ns, Errno};
use core::ffi::CStr;
use linux_raw_sys::general as g;

/// Where `ip netns` (and husk) keep named network namespaces.
pub const DIR: &[u8] = b"/var/run/netns";

/// A namespace name becomes a file name in [`DIR`]: no `/`, not `.` or `..`, no space
/// or control byte, at most 255 bytes.
pub fn check_name(name: &[u8]) -> Result<()> {
    if crate::net::name_ok(name, 255) {
        return Ok(());
    }
    Err(Error::bad(
        "netns name",
        name,
        "must be a file name: no '/', space or control byte, not . or ..",
    ))
}

pub fn path(name: &[u8]) -> CPath {
    CPath::new(&[DIR, b"/", name])
}

/// Keeps the network namespace `src` (a /proc/PID/ns/net file) as `name`.
#[inline(never)]
pub fn persist(name: &[u8], src: &CStr) -> Result<()> {
    let dir = CPath::new(&[DIR]);
    crate::mount::mkdirs(DIR)?;
    // As iproute2 does: DIR becomes a shared mount point, once, under a lock (parallel
    // first uses would stack bind mounts on it).
    let _lock =
        fs::open(dir.c(), g::O_RDONLY | g::O_DIRECTORY).map(|d| net::lock(d.raw()).map(|_| d));
    let mut bound = false;
    while mount(
        Some(c""),
        dir.c(),
        Some(c"none"),
        g::MS_SHARED | g::MS_REC,
        None,
    ) == Err(Errno::EINVAL)
        && !bound
    {
        // Not a mount point yet: made one, bound on itself.
        let _ = mount(
            Some(dir.c()),
            dir.c(),
            Some(c"none"),
            g::MS_BIND | g::MS_REC,
            None,
        );
        bound = true;
    }
    let p = path(name);
    let r =
        fs::open_at(g::AT_FDCWD, p.c(), g::O_RDONLY | g::O_CREAT | g::O_EXCL, 0).and_then(|_| {
            mount(Some(src), p.c(), Some(c"none"), g::MS_BIND, None).inspect_err(|_| {
                let _ = unlink(p.c());
            })
        });
    r.map_err(|e| Error::sys("create netns", p.bytes(), e))
}

/// Forgets `name` (`ip netns del`): the namespace goes when nothing else holds it.
pub fn remove(name: &[u8]) -> Result<()> {
    let p = path(name);
    let _ = umount(p.c(), g::MNT_DETACH);
    unlink(p.c()).map_err(|e| Error::sys("delete netns", name, e))
}

/// `husk netns add|del|list|exec`; returns the exit status.
#[inline(never)]
pub fn cmd(args: &[&'static [u8]], argv: CVec, envp: CVec) -> i32 {
    use crate::cli::net::{parse_netns, ADD, DEL, EXEC, HELP, LIST};
    let r = parse_netns(args).and_then(|(verb, name)| match verb {
        LIST => {
            let mut m = Msg::new();
            let _ = fs::for_each_entry(CPath::new(&[DIR]).c(), &mut |n: &[u8]| {
                m.s(n).nl();
            });
            m.out();
            Ok(0)
        }
        ADD => add(name).map(|_| 0),
        DEL => remove(name).map(|_| 0),
        // `husk run --join net=NAME [--] CMD`: CMD under husk, its status passed out,
        // with the caller's privileges (as `ip netns exec`: `ip addr add` needs
        // CAP_NET_ADMIN), not husk run's defaults.
        EXEC => match netns_exec_options(args).and_then(|_| crate::cli::run::parse(args, 4, 0))? {
            Some(mut spec) => {
                crate::spec::check_kernel()?;
                crate::exec::like(&mut spec.sec, !0);
                mounts_for(name)?;
                spec.joins.push(crate::spec::Join {
                    flag: g::CLONE_NEWNET,
                    path: path(name).bytes().to_vec(),
                });
                Ok(crate::launch::run(
                    argv,
                    envp,
                    &spec,
                    crate::sys::time::now_us(),
                ))
            }
            None => Ok(0),
        },
        _ => {
            let _ = crate::sys::write_all(1, HELP.as_bytes());
            Ok(0)
        }
    });
    r.unwrap_or_else(|e| {
        e.print();
        125
    })
}

/// `husk netns exec` joins a namespace and wires nothing: the network options, another
/// namespace and the cgroup options (its /sys is the namespace's own) are `husk run`'s.
fn netns_exec_options(args: &[&'static [u8]]) -> Result<()> {
    match crate::cli::run::options(args, 4)? {
        Some(s)
            if s.net != crate::net::Net::default()
                || s.joins_type(g::CLONE_NEWNET)
                || s.cg != crate::cli::cgroup::CgroupSpec::default() =>
        {
            Err(Error::usage(
                "netns exec",
                "network and cgroup options are husk run's (husk run --join net=NAME ...)",
            ))
        }
        _ => Ok(()),
    }
}

/// What `ip netns exec` does beside joining `name`, for CMD to see that namespace as its
/// own: husk (and so CMD) in a new mount namespace, a slave of the caller's (its mounts
/// do not go back); /sys made anew while in `name` (sysfs shows the network namespace of
/// whoever mounts it: /sys/class/net), read-only if the old one was; and each entry of
/// /etc/netns/NAME, if it exists, bound over its namesake in /etc (a warning when one
/// cannot be). husk goes back to its own network namespace, and CMD joins `name` as
/// `husk run --join` does.
#[inline(never)]
fn mounts_for(name: &[u8]) -> Result<()> {
    let p = path(name);
    let target = fs::open(p.c(), g::O_RDONLY).map_err(|e| Error::sys("open", p.bytes(), e))?;
    let own = fs::open(c"/proc/self/ns/net", g::O_RDONLY);
    let own = own.map_err(|e| Error::sys("open", b"/proc/self/ns/net", e))?;
    ns::unshare(g::CLONE_NEWNS).map_err(|e| Error::sys("unshare", b"mnt", e))?;
    let slave = mount(
        Some(c""),
        c"/",
        Some(c"none"),
        g::MS_SLAVE | g::MS_REC,
        None,
    );
    slave.map_err(|e| Error::sys("make slave", b"/", e))?;
    let ro = fs::read_only(c"/sys") as u32 * g::MS_RDONLY;
    // Gone from CMD's view only (lazily: it may be busy); none there is fine too.
    let _ = umount(c"/sys", g::MNT_DETACH);
    ns::setns(target.raw(), g::CLONE_NEWNET).map_err(|e| Error::sys("join netns", name, e))?;
    let src = CPath::new(&[name]); // as `ip netns exec` names it in mountinfo
    let sysfs = mount(Some(src.c()), c"/sys", Some(c"sysfs"), ro, None);
    ns::setns(own.raw(), g::CLONE_NEWNET).map_err(|e| Error::sys("join netns", b"back", e))?;
    sysfs.map_err(|e| Error::sys("mount", b"/sys", e))?;
    let etc = CPath::new(&[b"/etc/netns/", name]);
    let _ = fs::for_each_entry(etc.c(), &mut |f: &[u8]| {
        let (src, dst) = (
            CPath::new(&[etc.bytes(), b"/", f]),
            CPath::new(&[b"/etc/", f]),
        );
        if let Err(e) = mount(Some(src.c()), dst.c(), Some(c"none"), g::MS_BIND, None) {
            let on = CPath::new(&[src.bytes(), b" on ", dst.bytes()]);
            Error::sys("bind", on.bytes(), e).print();
        }
    });
    Ok(())
}

/// A new namespace, with lo up (`ip netns add` leaves it down), kept as `name`.
#[inline(never)]
fn add(name: &[u8]) -> Result<()> {
    ns::unshare(g::CLONE_NEWNET).map_err(|e| Error::sys("unshare", b"net", e))?;
    persist(name, c"/proc/self/ns/net")?;
    // The kernel gives lo 127.0.0.1/8 and ::1 once it is up.
    crate::sys::machine::link_up(b"lo").map_err(|e| {
        let _ = remove(name);
        Error::sys("bring up", b"lo", e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name(b"blue").is_ok());
        assert!(check_name(b"ns-1.a_b").is_ok());
        for bad in [&b""[..], b".", b"..", b"a/b", b"a b", b"a\tb", b"a\x0bb"] {
            assert!(check_name(bad).is_err());
        }
        assert_eq!(path(b"blue").bytes(), b"/var/run/netns/blue");
    }
}
