//! The network options of `husk run`, and the `husk netns` command line (pure).
use super::{find, Arg, Lexer};
use crate::error::{Error, Result};
use crate::net::{name_ok, parse_cidr, parse_mac};
use crate::out::{cut, parse_u64};
use crate::spec::{Spec, NEWNET};

// The indexes of --ip, --host-ip and --route are their roles in `Net::addrs`. An entry
// `--name` is `- name` to `find` (no short letter), and is the option's name for errors.
crate::options!(OPTS {
    VETH = "--veth",
    IP = "--ip",
    HOST_IP = "--host-ip",
    ROUTE = "--route",
    MTU = "--mtu",
    MAC = "--mac",
    BRIDGE = "--bridge",
    NETNS = "--netns",
});
const IFNAME: &str = "not an interface name (1-15 bytes, no '/', ':', '%', space or control byte)";

/// Takes `arg` and its value if it is a network option of `husk run`; false if it is
/// not one. What options need of each other is checked by [`finish`].
#[inline(never)]
pub fn option(s: &mut Spec, arg: Arg, l: &mut Lexer<'_, 'static>) -> Result<bool> {
    let Some(i) = find(OPTS, arg) else {
        return Ok(false);
    };
    let op = crate::out::field(OPTS, b'|', i).unwrap_or("");
    let v = l.value(op)?;
    let n = &mut s.net;
    if i != VETH && i != NETNS && n.needs_veth.is_empty() {
        n.needs_veth = op;
    }
    let ok = match i {
        VETH => {
            let (h, c) = cut(v, b':');
            let c = c.filter(|c| !c.is_empty()).unwrap_or(b"eth0");
            (n.host, n.peer) = (h, c);
            (h.is_empty() || name_ok(h, 15)) && name_ok(c, 15)
        }
        NETNS => {
            crate::netns::check_name(v)?;
            n.netns = v;
            true
        }
        MTU => {
            n.mtu = parse_u64(v)
                .filter(|m| (68..65536).contains(m))
                .unwrap_or(0) as u32;
            n.mtu != 0
        }
        MAC => {
            n.mac = parse_mac(v);
            n.mac != [0; 6]
        }
        BRIDGE => {
            n.bridge = v;
            name_ok(v, 15)
        }
        _ => {
            let c = parse_cidr(v, op, i as u8)?;
            n.addrs.push(c);
            // A route's destination is a network: no bits past its prefix (none of
            // `default`'s: 255 is past all).
            let host = u128::from_be_bytes(c.addr).checked_shl(c.len as u32);
            i != ROUTE || host.unwrap_or(0) == 0
        }
    };
    if ok {
        return Ok(true);
    }
    let why = match i {
        MTU => "not an MTU (68-65535)",
        MAC => "not a unicast XX:XX:XX:XX:XX:XX",
        ROUTE => "host bits set past the prefix",
        _ => IFNAME,
    };
    Err(Error::bad(op, v, why))
}

/// Checks what the network options need of each other, once all options are known.
#[inline(never)]
pub fn finish(s: &mut Spec) -> Result<()> {
    let joined = s.joins_type(NEWNET);
    let n = &s.net;
    if !n.netns.is_empty() {
        if joined {
            return Err(Error::usage(
                "--netns",
                "give either --netns or --join net=",
            ));
        }
        // The named namespace is the container's, whether it is joined or created.
        s.ns &= !NEWNET;
    }
    if n.peer.is_empty() {
        if !n.needs_veth.is_empty() {
            return Err(Error::usage(n.needs_veth, "needs --veth"));
        }
    } else if s.ns & NEWNET == 0 && !joined && n.netns.is_empty() {
        return Err(Error::usage(
            "--veth",
            "needs a network namespace (-n, --netns or --join net=)",
        ));
    }
    let mut v6 = false;
    for c in &n.addrs {
        v6 |= c.v6;
        if c.role == ROUTE as u8 && n.gateway(c, c.v6).is_none() && n.gateway(c, true).is_none() {
            return Err(Error::bad(
                "--route",
                c.text,
                "needs --ip and --host-ip (the gateway) of its IP version",
            ));
        }
    }
    if v6 && n.mtu != 0 && n.mtu < 1280 {
        return Err(Error::usage("--mtu", "IPv6 needs 1280 or more"));
    }
    Ok(())
}

pub const HELP: &str = "usage: husk netns add|del NAME | list | exec NAME [--] CMD [ARG]...\n";

/// `husk netns` verbs, as a word table; the last three ask for help.
const VERBS: &str = "add del list exec help -h --help";
pub const ADD: usize = 0;
pub const DEL: usize = 1;
pub const LIST: usize = 2;
pub const EXEC: usize = 3;

/// `husk netns VERB [NAME] [--] [CMD]...`: the verb (`ADD`, `DEL`, `LIST`, `EXEC`, or
/// more for help) and the name.
#[inline(never)]
pub fn parse_netns(args: &[&'static [u8]]) -> Result<(usize, &'static [u8])> {
    let verb = args.get(2).copied().unwrap_or(b"list");
    let name = args.get(3).copied().unwrap_or(b"");
    let Some(v) = crate::out::word_index(VERBS.as_bytes(), verb, false) else {
        return Err(Error::bad("netns", verb, "expected add, del, list or exec"));
    };
    if v != LIST && v <= EXEC {
        crate::netns::check_name(name)?;
    }
    // CMD, after an optional `--`.
    let cmd = args.get(4 + (args.get(4) == Some(&&b"--"[..])) as usize);
    if v == EXEC && cmd.is_none_or(|c| c.is_empty()) {
        return Err(Error::usage("netns exec", "no command given"));
    }
    Ok((v, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{self, DEFAULT};
    use std::vec::Vec;

    fn leak(args: &[&str]) -> &'static [&'static [u8]] {
        let v: Vec<&'static [u8]> = args
            .iter()
            .map(|s| &*std::boxed::Box::leak(s.as_bytes().to_vec().into_boxed_slice()))
            .collect();
        std::boxed::Box::leak(v.into_boxed_slice())
    }
    fn p(args: &[&str]) -> Result<Spec> {
        crate::cli::run::parse(leak(args), 0, 0).map(|s| s.unwrap())
    }
    fn msg(args: &[&str]) -> std::string::String {
        let e = p(args).unwrap_err();
        std::string::String::from_utf8(e.render().0).unwrap()
    }

    #[test]
    fn roles_are_option_indexes() {
        assert_eq!(
            (IP as u8, HOST_IP as u8, ROUTE as u8),
            (net::IP, net::HOST_IP, net::ROUTE)
        );
        for (i, n) in OPTS.split('|').filter(|n| !n.is_empty()).enumerate() {
            assert_eq!(find(OPTS, Arg::Long(&n.as_bytes()[2..])), Some(i));
        }
        assert_eq!(find(OPTS, Arg::Short(b'-')), None);
    }

    #[test]
    fn veth_names_and_defaults() {
        let s = p(&["-n", "--veth", "h0:c0", "x"]).unwrap();
        assert_eq!((s.net.host, s.net.peer), (&b"h0"[..], &b"c0"[..]));
        let s = p(&["-n", "--veth", "h0", "x"]).unwrap();
        assert_eq!((s.net.host, s.net.peer), (&b"h0"[..], &b"eth0"[..]));
        let s = p(&["-n", "--veth", "h0:", "x"]).unwrap();
        assert_eq!((s.net.host, s.net.peer), (&b"h0"[..], &b"eth0"[..]));
        let s = p(&["-n", "--veth=:eth1", "x"]).unwrap();
        assert_eq!((s.net.host, s.net.peer), (&b""[..], &b"eth1"[..]));
        let s = p(&["-n", "--veth", ":", "x"]).unwrap();
        assert_eq!((s.net.host, s.net.peer), (&b""[..], &b"eth0"[..]));
        for bad in [
            "toolongname12345",
            "a b:c",
            "a:b/c",
            "a:b:c",
            "h%d",
            "a\x0bb",
            "h:c\x01",
        ] {
            assert!(
                msg(&["-n", "--veth", bad, "x"]).contains("interface name"),
                "{bad}"
            );
        }
        assert!(msg(&["--veth", "h", "x"]).contains("needs a network namespace"));
        assert!(p(&["--netns", "blue", "--veth", "h", "x"]).is_ok());
        assert!(p(&["--join", "net=blue", "--veth", "h", "x"]).is_ok());
        assert!(p(&["-a", "--veth", "h", "x"]).is_ok());
    }

    #[test]
    fn addresses_and_routes() {
        let s = p(&[
            "-n",
            "--veth",
            "h",
            "--ip",
            "10.0.0.2/24",
            "--ip",
            "fd00::2/64",
            "--host-ip",
            "10.0.0.1/24",
            "--host-ip",
            "fd00::1/64",
            "--route",
            "default",
            "--route",
            "10.9.0.0/16",
            "--mtu",
            "1400",
            "--mac",
            "02:00:00:00:00:02",
            "--bridge",
            "br0",
            "x",
        ])
        .unwrap();
        let n = &s.net;
        let roles: Vec<(u8, &[u8])> = n.addrs.iter().map(|c| (c.role, c.text)).collect();
        assert_eq!(
            roles,
            [
                (net::IP, &b"10.0.0.2/24"[..]),
                (net::IP, b"fd00::2/64"),
                (net::HOST_IP, b"10.0.0.1/24"),
                (net::HOST_IP, b"fd00::1/64"),
                (net::ROUTE, b"default"),
                (net::ROUTE, b"10.9.0.0/16"),
            ]
        );
        let default = &n.addrs[4];
        assert_eq!(default.len, DEFAULT);
        assert_eq!(n.gateway(default, false).unwrap().text, b"10.0.0.1/24");
        assert_eq!(n.gateway(default, true).unwrap().text, b"fd00::1/64");
        assert!(n.gateway(&n.addrs[5], true).is_none(), "an IPv4 route");
        assert_eq!(
            (n.mtu, n.mac, n.bridge),
            (1400, [2, 0, 0, 0, 0, 2], &b"br0"[..])
        );
        // The default route of a version without a gateway is not made.
        let s = p(&[
            "-n",
            "--veth",
            "h",
            "--ip",
            "10.0.0.2/24",
            "--ip",
            "fd00::2/64",
            "--host-ip",
            "10.0.0.1/24",
            "--route",
            "default",
            "x",
        ])
        .unwrap();
        assert!(s.net.gateway(&s.net.addrs[3], true).is_none());
    }

    #[test]
    fn bad_network_input() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["-n", "--veth", "h", "--ip", "10.0.0.2", "x"],
                "--ip '10.0.0.2': expected",
            ),
            (&["-n", "--veth", "h", "--ip", "10.0.0.2/33", "x"], "0-32"),
            (
                &["-n", "--veth", "h", "--host-ip", "fd00::1/129", "x"],
                "0-128",
            ),
            (&["-n", "--ip", "10.0.0.2/24", "x"], "--ip: needs --veth"),
            (&["-n", "--mtu", "1400", "x"], "--mtu: needs --veth"),
            (
                &["-n", "--veth", "h", "--route", "default", "x"],
                "the gateway",
            ),
            (
                &[
                    "-n",
                    "--veth",
                    "h",
                    "--ip",
                    "fd00::2/64",
                    "--host-ip",
                    "10.0.0.1/24",
                    "--route",
                    "default",
                    "x",
                ],
                "--route 'default': needs --ip and --host-ip",
            ),
            (
                &[
                    "-n",
                    "--veth",
                    "h",
                    "--ip",
                    "10.0.0.2/24",
                    "--host-ip",
                    "10.0.0.1/24",
                    "--route",
                    "fd01::/64",
                    "x",
                ],
                "of its IP version",
            ),
            (
                &[
                    "-n",
                    "--veth",
                    "h",
                    "--ip",
                    "10.0.0.2/24",
                    "--host-ip",
                    "10.0.0.1/24",
                    "--route",
                    "10.9.0.1/16",
                    "x",
                ],
                "host bits",
            ),
            (&["-n", "--veth", "h", "--mtu", "67", "x"], "not an MTU"),
            (&["-n", "--veth", "h", "--mtu", "65536", "x"], "not an MTU"),
            (
                &[
                    "-n",
                    "--veth",
                    "h",
                    "--ip",
                    "fd00::2/64",
                    "--mtu",
                    "1000",
                    "x",
                ],
                "1280",
            ),
            (
                &["-n", "--veth", "h", "--mac", "01:00:00:00:00:01", "x"],
                "unicast",
            ),
            (
                &["-n", "--veth", "h", "--bridge", "a/b", "x"],
                "interface name",
            ),
            (&["--netns", "a/b", "x"], "netns name 'a/b'"),
            (&["--netns", "a", "--join", "net=b", "x"], "either --netns"),
            (&["-n", "--veth"], "--veth: needs a value"),
        ];
        for (args, want) in cases {
            let m = msg(args);
            assert!(m.contains(want) && m.lines().count() == 1, "{args:?}: {m}");
        }
    }

    #[test]
    fn netns_takes_over_the_net_flag() {
        let s = p(&["-a", "--netns", "blue", "x"]).unwrap();
        assert_eq!(s.ns & NEWNET, 0);
        assert_eq!(s.net.netns, b"blue");
    }

    #[test]
    fn netns_command() {
        let q = |a: &[&str]| {
            let mut v = std::vec!["husk", "netns"];
            v.extend_from_slice(a);
            parse_netns(leak(&v))
        };
        assert_eq!(q(&["add", "blue"]).unwrap(), (ADD, &b"blue"[..]));
        assert_eq!(q(&["del", "blue"]).unwrap(), (DEL, &b"blue"[..]));
        assert_eq!(q(&["list"]).unwrap(), (LIST, &b""[..]));
        assert_eq!(q(&[]).unwrap(), (LIST, &b""[..]));
        assert_eq!(
            q(&["exec", "blue", "ip", "a"]).unwrap(),
            (EXEC, &b"blue"[..])
        );
        assert_eq!(
            q(&["exec", "blue", "--", "ip"]).unwrap(),
            (EXEC, &b"blue"[..])
        );
        for help in ["--help", "-h", "help"] {
            assert!(q(&[help]).unwrap().0 > EXEC);
        }
        for bad in [
            &["frob"][..],
            &["add"],
            &["add", "a/b"],
            &["del", ""],
            &["exec", "blue"],
            &["exec", "blue", "--"],
            &["exec", "blue", ""],
            &["exec", "blue", "--", ""],
            &["ex"],
        ] {
            assert!(q(bad).is_err(), "{bad:?}");
        }
    }
}
