//! `husk run`: the options of unshare(1), bubblewrap and `docker run` that make a container.
use super::{find, unknown, Arg, Lexer};
use crate::error::{Error, Result};
use crate::out::{parse_size, parse_u64};
use crate::spec::{self, check_maps, Bind, IdMap, Join, Rlimit, Spec, Tmpfs};
use alloc::vec::Vec;

/// `husk run --help`: help/run.txt, the cgroup options, then the security ones with their
/// defaults.
pub fn help() -> crate::out::Msg {
    let text = crate::help::expand();
    let mut m = crate::out::Msg::new();
    let run = crate::help::RUN.0 as usize..crate::help::RUN.1 as usize;
    m.s(text.get(run).unwrap_or_default());
    super::security::help(&mut m);
    m
}

// Flags first (the namespaces in the order of NS_OPTS), then the options that take a
// value, from JOIN on: their value is read before the match, and errors name them as the
// table spells them.
crate::options!(OPTS {
    HELP_ = "h help",
    NET = "n net",
    MOUNT = "m mount",
    UTS = "u uts",
    PID = "p pid",
    IPC = "i ipc",
    CGROUPNS = "C cgroupns cgroup",
    USER = "U user",
    ALL = "a all",
    MAP_ROOT = "r map-root map-root-user",
    ENV_CLEAR = "- env-clear",
    READ_ONLY = "- read-only",
    PROC = "- proc mount-proc",
    NO_INIT = "- no-init",
    TIMINGS = "- timings",
    VERBOSE = "v verbose",
    JOIN = "- --join",
    UID_MAP = "- --uid-map",
    GID_MAP = "- --gid-map",
    HOSTNAME = "- --hostname",
    UID = "- --uid",
    GID = "- --gid",
    ENV = "e --env",
    CWD = "- --cwd --workdir",
    RLIMIT = "- --rlimit",
    ROOTFS = "- --rootfs",
    BIND = "- --bind",
    TMPFS = "- --tmpfs",
    NAME = "- --name",
});

/// The options of `husk run` alone, as bits of their ids: `husk exec` refuses them (with
/// the network and cgroup ones), as it makes no mount, user or uts namespace and no
/// init of its own.
const RUN_ONLY: u32 = 1 << MAP_ROOT
    | 1 << READ_ONLY
    | 1 << PROC
    | 1 << NO_INIT
    | 1 << TIMINGS
    | 1 << JOIN
    | 1 << UID_MAP
    | 1 << GID_MAP
    | 1 << HOSTNAME
    | 1 << RLIMIT
    | 1 << ROOTFS
    | 1 << BIND
    | 1 << TMPFS;

/// The namespace flags of NET..=ALL, in table order.
const NS_OPTS: [u32; 8] = [
    spec::NEWNET,
    spec::NEWNS,
    spec::NEWUTS,
    spec::NEWPID,
    spec::NEWIPC,
    spec::NEWCGROUP,
    spec::NEWUSER,
    spec::ALL,
];

fn bad(op: &'static str, v: &[u8], why: &'static str) -> Error {
    Error::bad(op, v, why)
}

fn split(v: &[u8], c: u8) -> Option<(&[u8], &[u8])> {
    let (a, b) = crate::out::cut(v, c);
    Some((a, b?))
}

fn parse_id(v: &[u8], op: &'static str) -> Result<u32> {
    parse_u64(v)
        .filter(|&n| n < u32::MAX as u64)
        .map(|n| n as u32)
        .ok_or_else(|| bad(op, v, "not a user/group id"))
}

fn parse_map(v: &[u8], op: &'static str) -> Result<IdMap> {
    let mut rest = Some(v);
    let mut num = || {
        let (f, more) = crate::out::cut(rest?, b':');
        rest = more;
        parse_u64(f).filter(|&n| n <= u32::MAX as u64)
    };
    let (i, o, n) = (num(), num(), num());
    match (i, o, n, rest) {
        (Some(i), Some(o), Some(n), None) if n > 0 && i + n <= 1 << 32 && o + n <= 1 << 32 => {
            Ok(IdMap {
                inside: i as u32,
                outside: o as u32,
                count: n as u32,
            })
        }
        _ => Err(bad(
            op,
            v,
            "expected INSIDE:OUTSIDE:COUNT, e.g. 0:100000:65536",
        )),
    }
}

fn absolute(v: &'static [u8], op: &'static str) -> Result<&'static [u8]> {
    if v.first() == Some(&b'/') {
        Ok(v)
    } else {
        Err(bad(op, v, "must be an absolute path"))
    }
}

fn parse_join(v: &[u8]) -> Result<Join> {
    let (ty, target) =
        split(v, b'=').ok_or_else(|| bad("--join", v, "expected TYPE=PATH|PID|NAME"))?;
    let flag = spec::ns_type(ty).ok_or_else(|| {
        bad(
            "--join",
            ty,
            "unknown namespace type (user mnt pid net uts ipc cgroup time)",
        )
    })?;
    if target.is_empty() {
        return Err(bad("--join", v, "expected TYPE=PATH|PID|NAME"));
    }
    let mut path = Vec::new();
    if crate::out::has(target, b'/') {
        path.extend_from_slice(target);
    } else if parse_u64(target).is_some() {
        let mut m = crate::out::Msg::new();
        m.s(b"/proc/")
            .s(target)
            .s(b"/ns/")
            .s(spec::ns_name(flag).as_bytes());
        path = m.0;
    } else if flag == spec::NEWNET {
        crate::netns::check_name(target)?;
        path.extend_from_slice(crate::netns::DIR);
        path.push(b'/');
        path.extend_from_slice(target);
    } else {
        // A container started with --name NAME (husk exec's records).
        crate::state::check_name(target)?;
        path = [crate::state::DIR, target].concat();
    }
    Ok(Join { flag, path })
}

fn parse_rlimit(v: &[u8]) -> Result<Rlimit> {
    let why = "expected NAME=SOFT[:HARD] (numbers or unlimited)";
    let (name, vals) = split(v, b'=').ok_or_else(|| bad("--rlimit", v, why))?;
    let name = match name.split_at_checked(7) {
        Some((pre, rest)) if crate::out::word_index(b"rlimit_", pre, true).is_some() => rest,
        _ => name,
    };
    let resource = crate::out::word_index(spec::RLIMIT_NAMES.as_bytes(), name, true)
        .ok_or_else(|| bad("--rlimit", v, spec::RLIMIT_UNKNOWN))? as u32;
    let val = |s: &[u8]| -> Option<u64> {
        if s == b"unlimited" || s == b"infinity" {
            Some(u64::MAX)
        } else {
            parse_u64(s)
        }
    };
    let (soft, hard) = match split(vals, b':') {
        Some((s, h)) => (val(s), val(h)),
        None => (val(vals), val(vals)),
    };
    match (soft, hard) {
        (Some(s), Some(h)) if s <= h => Ok(Rlimit {
            resource,
            soft: s,
            hard: h,
        }),
        (Some(_), Some(_)) => Err(bad("--rlimit", v, "the soft limit is above the hard one")),
        _ => Err(bad("--rlimit", v, why)),
    }
}

fn parse_bind(v: &'static [u8]) -> Result<Bind> {
    let (rest, ro) = if let Some(r) = crate::out::strip_suffix(v, b":ro") {
        (r, true)
    } else {
        (crate::out::strip_suffix(v, b":rw").unwrap_or(v), false)
    };
    let (src, dst) = split(rest, b':').unwrap_or((rest, rest));
    if src.is_empty() || dst.is_empty() || crate::out::has(dst, b':') {
        return Err(bad("--bind", v, "expected SRC[:DST][:ro]"));
    }
    Ok(Bind {
        src,
        dst: absolute(dst, "--bind")?,
        ro,
    })
}

fn parse_tmpfs(v: &'static [u8]) -> Result<Tmpfs> {
    let (dst, size) = match split(v, b':') {
        Some((d, s)) => (
            d,
            parse_size(s)
                .filter(|&n| n > 0)
                .ok_or_else(|| bad("--tmpfs", s, "not a size (e.g. 64M)"))?,
        ),
        None => (v, 0),
    };
    Ok(Tmpfs {
        dst: absolute(dst, "--tmpfs")?,
        size,
    })
}

/// Refuses `id` when a new user namespace's maps (`--map-root`: 0 alone) lack it.
#[inline(never)]
fn unmapped(
    id: Option<u32>,
    maps: &[IdMap],
    map_root: bool,
    op: &'static str,
    why: &'static str,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let inside = |m: &IdMap| id >= m.inside && id - m.inside < m.count;
    if if map_root {
        id == 0
    } else {
        maps.iter().any(inside)
    } {
        return Ok(());
    }
    let mut v = crate::out::Msg::new();
    v.u(id as u64);
    Err(bad(op, &v.0, why))
}

/// Reads the options from `args[start]` up to CMD (`s.cmd`, maybe past the end), each
/// value checked alone; `husk exec` then refuses what is not its own ([`crate::cli::exec`])
/// before [`parse`]'s checks of options together could name one of those.
pub fn options(args: &[&'static [u8]], start: usize) -> Result<Option<Spec>> {
    let mut s = Spec {
        init: true,
        verbosity: 1,
        ..Spec::default()
    };
    let mut l = Lexer::new(args, start);
    while let Some(arg) = l.next_arg()? {
        let id = find(OPTS, arg);
        let op = id.map_or("", |i| super::opt_name(OPTS, i));
        let v: &'static [u8] = match id {
            Some(i) if i >= JOIN => l.value(op)?,
            _ => b"",
        };
        s.run_only |= id.is_some_and(|i| RUN_ONLY >> i & 1 != 0);
        match id {
            Some(HELP_) => return Ok(None),
            Some(i @ NET..=ALL) => s.ns |= NS_OPTS[i - NET],
            Some(MAP_ROOT) => s.map_root = true,
            Some(ENV_CLEAR) => s.env_clear = true,
            Some(READ_ONLY) => s.read_only = true,
            Some(PROC) => s.proc_ = true,
            Some(NO_INIT) => s.init = false,
            Some(TIMINGS) => s.timings = true,
            Some(VERBOSE) => s.verbosity += 1,
            Some(JOIN) => s.joins.push(parse_join(v)?),
            Some(UID_MAP) => s.uid_maps.push(parse_map(v, op)?),
            Some(GID_MAP) => s.gid_maps.push(parse_map(v, op)?),
            Some(HOSTNAME) if v.is_empty() || v.len() > 64 => {
                return Err(bad(op, v, "must be 1 to 64 bytes"))
            }
            Some(HOSTNAME) => s.hostname = Some(v),
            Some(UID) => s.uid = Some(parse_id(v, op)?),
            Some(GID) => s.gid = Some(parse_id(v, op)?),
            Some(ENV) if !crate::out::has(v, b'=') || v.first() == Some(&b'=') => {
                return Err(bad(op, v, "expected KEY=VALUE"))
            }
            Some(ENV) => s.env.push(v),
            Some(CWD) => s.cwd = Some(absolute(v, op)?),
            Some(RLIMIT) => s.rlimits.push(parse_rlimit(v)?),
            Some(ROOTFS) if v.is_empty() => return Err(bad(op, v, "empty path")),
            Some(ROOTFS) => s.rootfs = Some(v),
            Some(BIND) => s.binds.push(parse_bind(v)?),
            Some(TMPFS) => s.tmpfs.push(parse_tmpfs(v)?),
            Some(NAME) => s.name = Some(crate::state::check_name(v)?),
            _ => match arg {
                Arg::Operand(_) => {
                    l.unread_operand();
                    break;
                }
                _ if super::security::parse_opt(arg, &mut l, &mut s.sec)? => {}
                _ if super::cgroup::parse_opt(arg, &mut l, &mut s.cg)? => s.run_only = true,
                other if super::net::option(&mut s, other, &mut l)? => s.run_only = true,
                other => return Err(unknown(other, "(see husk run --help)")),
            },
        }
    }
    s.cmd = l.rest();
    Ok(Some(s))
}

/// Parses `husk run` arguments from `args[start]`. `caller_uid` decides rootless mode:
/// a non-root caller always gets a user namespace, mapped to root unless maps are given.
pub fn parse(args: &[&'static [u8]], start: usize, caller_uid: u32) -> Result<Option<Spec>> {
    let Some(mut s) = options(args, start)? else {
        return Ok(None);
    };
    s.cg.check()?;
    if s.cmd >= args.len() {
        return Err(Error::usage(
            "run",
            "no command given (see husk run --help)",
        ));
    }
    if args[s.cmd].is_empty() {
        return Err(Error::usage("run", "the command is an empty string"));
    }
    // What other options imply.
    if s.rootfs.is_some() || s.proc_ || s.read_only || !s.binds.is_empty() || !s.tmpfs.is_empty() {
        s.ns |= spec::NEWNS;
    }
    if s.hostname.is_some() {
        s.ns |= spec::NEWUTS;
    }
    if s.map_root || !s.uid_maps.is_empty() || !s.gid_maps.is_empty() {
        s.ns |= spec::NEWUSER;
    }
    if caller_uid != 0 && !s.joins_type(spec::NEWUSER) {
        // Rootless: only a user namespace makes the rest possible.
        s.ns |= spec::NEWUSER;
        if s.uid_maps.is_empty() && s.gid_maps.is_empty() {
            s.map_root = true;
        }
    }
    for j in &s.joins {
        if s.ns & j.flag != 0 {
            return Err(bad(
                "--join",
                spec::ns_name(j.flag).as_bytes(),
                "that namespace is also being created",
            ));
        }
    }
    if s.joins.iter().any(|j| j.flag == spec::NEWUSER)
        && s.ns & spec::NEWUSER == 0
        && (s.map_root || !s.uid_maps.is_empty())
    {
        return Err(Error::usage(
            "--join user",
            "maps are for a new user namespace, not a joined one",
        ));
    }
    if s.map_root && (!s.uid_maps.is_empty() || !s.gid_maps.is_empty()) {
        return Err(Error::usage(
            "--map-root",
            "give either --map-root or --uid-map/--gid-map",
        ));
    }
    check_maps(&s.uid_maps, "--uid-map")?;
    check_maps(&s.gid_maps, "--gid-map")?;
    if s.ns & spec::NEWUSER != 0 {
        // setresuid/setresgid of an id outside the new namespace's maps is EINVAL.
        let why = "not mapped in the user namespace (see --uid-map)";
        unmapped(s.uid, &s.uid_maps, s.map_root, "--uid", why)?;
        let why = "not mapped in the user namespace (see --gid-map)";
        unmapped(s.gid, &s.gid_maps, s.map_root, "--gid", why)?;
    }
    if s.in_userns()
        && (s.proc_ || s.rootfs.is_some())
        && s.ns & spec::NEWPID == 0
        && !s.joins_type(spec::NEWPID)
    {
        // The kernel would refuse the mount of /proc (EPERM), after clone.
        let op = if s.proc_ { "--proc" } else { "--rootfs" };
        return Err(Error::usage(op, spec::PROC_NEEDS_PID));
    }
    super::net::finish(&mut s)?;
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::*;

    fn leak(args: &[&str]) -> &'static [&'static [u8]] {
        let v: std::vec::Vec<&'static [u8]> = args
            .iter()
            .map(|s| &*std::boxed::Box::leak(s.as_bytes().to_vec().into_boxed_slice()))
            .collect();
        std::boxed::Box::leak(v.into_boxed_slice())
    }
    fn p(args: &[&str]) -> Result<Spec> {
        parse(leak(args), 0, 0).map(|s| s.unwrap())
    }

    #[test]
    fn namespaces_and_implications() {
        let s = p(&["-npu", "-i", "--cgroupns", "true"]).unwrap();
        assert_eq!(s.ns, NEWNET | NEWPID | NEWUTS | NEWIPC | NEWCGROUP);
        assert_eq!(p(&["-a", "x"]).unwrap().ns, crate::spec::ALL);
        let s = p(&[
            "--rootfs",
            "/r",
            "--hostname",
            "box",
            "--map-root",
            "-p",
            "sh",
        ])
        .unwrap();
        assert_eq!(s.ns, NEWNS | NEWUTS | NEWUSER | NEWPID);
        assert_eq!(s.hostname, Some(&b"box"[..]));
        assert_eq!(p(&["--proc", "x"]).unwrap().ns, NEWNS);
        assert!(p(&["x"]).unwrap().init);
        assert!(!p(&["--no-init", "x"]).unwrap().init);
    }

    #[test]
    fn rootless_gets_a_user_namespace() {
        let s = parse(leak(&["-p", "x"]), 0, 1000).unwrap().unwrap();
        assert!(s.ns & NEWUSER != 0 && s.map_root);
        let s = parse(leak(&["--uid-map", "0:1000:1", "x"]), 0, 1000)
            .unwrap()
            .unwrap();
        assert!(!s.map_root);
    }

    #[test]
    fn maps() {
        let s = p(&[
            "--uid-map",
            "0:100000:65536",
            "--uid-map=65536:1000:1",
            "--gid-map",
            "0:100000:1",
            "x",
        ])
        .unwrap();
        assert_eq!(
            s.uid_maps,
            [
                IdMap {
                    inside: 0,
                    outside: 100000,
                    count: 65536
                },
                IdMap {
                    inside: 65536,
                    outside: 1000,
                    count: 1
                }
            ]
        );
        assert_eq!(s.ns, NEWUSER);
        for bad in ["0:1", "0:1:0", "a:b:c", "0:1:2:3", "0:4294967295:2", ""] {
            assert!(p(&["--uid-map", bad, "x"]).is_err(), "{bad}");
        }
        assert!(
            p(&["--uid-map", "0:1000:10", "--uid-map", "5:2000:1", "x"]).is_err(),
            "overlap"
        );
        assert!(p(&["--map-root", "--uid-map", "0:1:1", "x"]).is_err());
    }

    #[test]
    fn what_the_kernel_would_refuse_after_clone() {
        let msg = |args: &[&str], uid| {
            let e = parse(leak(args), 0, uid).unwrap_err();
            std::string::String::from_utf8(e.render().0).unwrap()
        };
        // Ids outside the new user namespace's maps.
        assert_eq!(
            msg(&["--map-root", "--uid", "1000", "x"], 0),
            "husk: --uid '1000': not mapped in the user namespace (see --uid-map)\n"
        );
        assert_eq!(
            msg(&["--gid", "5", "x"], 1000),
            "husk: --gid '5': not mapped in the user namespace (see --gid-map)\n"
        );
        assert!(p(&["-U", "--uid", "0", "x"]).is_err(), "no map at all");
        assert!(p(&["--map-root", "--uid", "0", "--gid", "0", "x"]).is_ok());
        let s = ["--uid-map", "0:100000:10", "--gid-map", "5:1:1"];
        assert!(p(&[&s[..], &["--uid", "9", "--gid", "5", "x"]].concat()).is_ok());
        assert!(p(&[&s[..], &["--uid", "10", "x"]].concat()).is_err());
        assert!(p(&["--uid", "1000", "x"]).is_ok(), "no user namespace");
        // A new /proc in a user namespace needs a pid namespace of its own.
        assert_eq!(
            msg(&["--rootfs", "/r", "x"], 1000),
            "husk: --rootfs: in a user namespace a new /proc needs a new pid namespace too (-p)\n"
        );
        assert!(msg(&["-U", "--proc", "x"], 0).starts_with("husk: --proc: "));
        assert!(parse(leak(&["-p", "--proc", "x"]), 0, 1000).is_ok());
        assert!(p(&["-U", "--join", "pid=1", "--proc", "x"]).is_ok());
        assert!(p(&["--rootfs", "/r", "x"]).is_ok(), "no user namespace");
    }

    #[test]
    fn joins() {
        let s = p(&[
            "--join",
            "net=/proc/7/ns/net",
            "--join",
            "uts=42",
            "--join",
            "net=blue",
            "x",
        ]);
        assert!(s.is_ok());
        let s = s.unwrap();
        assert_eq!(
            s.joins[0],
            Join {
                flag: NEWNET,
                path: b"/proc/7/ns/net".to_vec()
            }
        );
        assert_eq!(
            s.joins[1],
            Join {
                flag: NEWUTS,
                path: b"/proc/42/ns/uts".to_vec()
            }
        );
        assert_eq!(s.joins[2].path, b"/var/run/netns/blue");
        let s = p(&["--join", "time=1", "x"]).unwrap();
        assert_eq!(
            (s.joins[0].flag, &s.joins[0].path[..]),
            (NEWTIME, &b"/proc/1/ns/time"[..])
        );
        assert!(p(&["--join", "clock=1", "x"]).is_err());
        assert!(p(&["--join", "net", "x"]).is_err());
        let s = p(&["--join", "uts=box", "--name", "web", "x"]).unwrap();
        assert_eq!(s.joins[0].path, b"/run/husk/box");
        assert_eq!(s.name, Some(&b"web"[..]));
        assert!(p(&["--join", "uts=a b", "x"]).is_err());
        assert!(p(&["--name", "..", "x"]).is_err());
        assert!(
            p(&["--join", "net=1", "-n", "x"]).is_err(),
            "join and create"
        );
    }

    #[test]
    fn process_options() {
        let s = p(&[
            "--uid",
            "1000",
            "--gid",
            "100",
            "-e",
            "A=1",
            "--env=B=",
            "--env-clear",
            "--cwd",
            "/tmp",
            "--rlimit",
            "nofile=10:20",
            "--rlimit",
            "RLIMIT_CORE=0",
            "--rlimit",
            "as=unlimited",
            "x",
        ])
        .unwrap();
        assert_eq!((s.uid, s.gid), (Some(1000), Some(100)));
        assert_eq!(s.env, [&b"A=1"[..], b"B="]);
        assert!(s.env_clear);
        assert_eq!(s.cwd, Some(&b"/tmp"[..]));
        assert_eq!(
            s.rlimits[0],
            Rlimit {
                resource: 7,
                soft: 10,
                hard: 20
            }
        );
        assert_eq!(
            s.rlimits[1],
            Rlimit {
                resource: 4,
                soft: 0,
                hard: 0
            }
        );
        assert_eq!(s.rlimits[2].soft, u64::MAX);
        for bad in [
            &["--uid", "-1", "x"][..],
            &["--uid", "4294967295", "x"],
            &["-e", "NOEQ", "x"],
            &["-e", "=v", "x"],
            &["--cwd", "rel", "x"],
            &["--rlimit", "bogus=1", "x"],
            &["--rlimit", "nofile=20:10", "x"],
            &["--rlimit", "nofile", "x"],
            &["--hostname", "", "x"],
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filesystem_options() {
        let s = p(&[
            "--bind",
            "/a:/b:ro",
            "--bind",
            "/c",
            "--bind",
            "/d:/e",
            "--tmpfs",
            "/tmp:64M",
            "--tmpfs",
            "/run",
            "--read-only",
            "x",
        ])
        .unwrap();
        assert_eq!(
            s.binds[0],
            Bind {
                src: b"/a",
                dst: b"/b",
                ro: true
            }
        );
        assert_eq!(
            s.binds[1],
            Bind {
                src: b"/c",
                dst: b"/c",
                ro: false
            }
        );
        assert_eq!(
            s.binds[2],
            Bind {
                src: b"/d",
                dst: b"/e",
                ro: false
            }
        );
        assert_eq!(
            s.tmpfs[0],
            Tmpfs {
                dst: b"/tmp",
                size: 64 << 20
            }
        );
        assert_eq!(s.tmpfs[1].size, 0);
        assert!(s.read_only);
        for bad in [
            &["--bind", "/a:rel", "x"][..],
            &["--bind", ":/b", "x"],
            &["--tmpfs", "/t:1x", "x"],
            &["--tmpfs", "rel", "x"],
            &["--rootfs", "", "x"],
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn command_required() {
        assert!(p(&["-n"]).is_err());
        assert!(p(&["-n", "--"]).is_err());
        assert!(p(&[""]).is_err());
        assert_eq!(p(&["-n", "--", "-x"]).unwrap().cmd, 2);
        assert!(p(&["--bogus", "x"]).is_err());
        assert!(parse(leak(&["-h"]), 0, 0).unwrap().is_none());
    }
}
