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

/// A namespace name becomes a file name in [`DIR`]: no `/`, not `.` or `..`, no NUL,
/// no whitespace, at most 255 bytes.
pub fn check_name(name: &[u8]) -> Result<()> {
    if crate::net::name_ok(name, 255) {
        return Ok(());
    }
    Err(Error::bad(
        "netns name",
        name,
        "must be a file name: no '/', no spaces, not . or ..",
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
        EXEC => match crate::cli::run::parse(args, 4, 0)? {
            Some(mut spec) => {
                crate::spec::check_kernel()?;
                crate::exec::like(&mut spec.sec, !0);
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
        for bad in [&b""[..], b".", b"..", b"a/b", b"a b", b"a\tb"] {
            assert!(check_name(bad).is_err());
        }
        assert_eq!(path(b"blue").bytes(), b"/var/run/netns/blue");
    }
}
