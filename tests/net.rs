//! Networking: lo, the veth pair, addresses, routes, bridges, named namespaces. Each test
//! runs as a shell script in a sandbox of its own that plays the host: a new network
//! namespace (the machine's network is never touched) and a private mount namespace with a
//! tmpfs on /run (so /var/run/netns is the sandbox's: nothing any test makes, not even a
//! named namespace, can outlive it). What is checked is the kernel's view — `ip -j`
//! inside the container and outside, pings, /proc/self/mountinfo — not husk's claims.
mod common;
use common::*;
use std::process::Command;

/// Runs `script` with sh as the host sandbox described above; `$H` is husk.
fn host(script: &str) -> (i32, String, String) {
    let full = format!("mount -t tmpfs tmpfs /run || exit 99\nset -u\n{script}");
    let o = run(Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--"])
        .args(["sh", "-c", &full])
        .env("H", husk()));
    (code(&o), stdout(&o), stderr(&o))
}

/// `host` that must succeed; its stdout.
fn host_ok(script: &str) -> String {
    let (c, out, err) = host(script);
    assert_eq!(
        c, 0,
        "script failed ({c}):\n{script}\nstdout:\n{out}\nstderr:\n{err}"
    );
    out
}

/// `host_ok(script)` for test `name`; `None` (the test skips) when not root.
fn as_root(name: &str, script: &str) -> Option<String> {
    (!skip_unless_root(name)).then(|| host_ok(script))
}

/// The line after the line `tag` (how the scripts label what they print).
fn after<'a>(out: &'a str, tag: &str) -> &'a str {
    let mut lines = out.lines();
    lines
        .find(|l| *l == tag)
        .unwrap_or_else(|| panic!("no {tag} in:\n{out}"));
    lines.next().unwrap_or("")
}

/// The top-level objects of a JSON array as `ip -j` prints it, as text.
fn objects(json: &str) -> Vec<&str> {
    let (mut depth, mut start, mut v) = (0, 0, Vec::new());
    let mut in_str = false;
    for (i, c) in json.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '{' if !in_str => {
                depth += 1;
                if depth == 1 {
                    start = i;
                }
            }
            '}' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    v.push(&json[start..=i]);
                }
            }
            _ => {}
        }
    }
    v
}

/// The object of interface `name` in `ip -j link` or `ip -j addr` output.
fn iface<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("\"ifname\":\"{name}\"");
    objects(json).into_iter().find(|o| o.contains(&key))
}

fn names(json: &str) -> Vec<String> {
    objects(json)
        .iter()
        .filter_map(|o| {
            let rest = &o[o.find("\"ifname\":\"")? + 10..];
            Some(rest[..rest.find('"')?].to_string())
        })
        .collect()
}

fn has_addr(obj: &str, addr: &str, len: u32) -> bool {
    obj.contains(&format!("\"local\":\"{addr}\",\"prefixlen\":{len}"))
}

fn up(obj: &str) -> bool {
    obj.contains("\"UP\"") && obj.contains("\"LOWER_UP\"")
}

/// What the sandbox has left at the end of a script: its links, its named namespaces and
/// the namespace mounts in its mount table (printed under RESIDUE).
const RESIDUE: &str = r#"
for i in $(seq 200); do [ "$(ip -o link | wc -l)" = 1 ] && break; sleep 0.02; done
echo RESIDUE
echo "links=$(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')netns=$(ls /var/run/netns 2>/dev/null | tr '\n' ' ')mounts=$(grep -c 'nsfs' /proc/self/mountinfo)"
"#;

fn residue(out: &str) -> &str {
    after(out, "RESIDUE")
}
const CLEAN: &str = "links=lo netns=mounts=0";

#[test]
fn net_brings_lo_up_with_its_addresses() {
    if skip_unless_root("net_brings_lo_up_with_its_addresses") {
        return;
    }
    let out = host_ok(&format!(
        r#"
echo ADDR; $H run -n -- ip -j addr
echo PING; $H run -n -- ping -c1 -W2 127.0.0.1 >/dev/null && echo ok
echo PING6; $H run -n -- ping -6 -c1 -W2 ::1 >/dev/null && echo ok
echo ROOTLESS; setpriv --reuid=65534 --regid=65534 --clear-groups $H run -n -- ip -j addr
echo HOST; ip -j addr
{RESIDUE}"#
    ));
    for tag in ["ADDR", "ROOTLESS"] {
        let json = after(&out, tag);
        assert_eq!(names(json), ["lo"], "{tag}: only lo: {json}");
        let lo = iface(json, "lo").unwrap();
        assert!(up(lo), "{tag}: lo is up: {lo}");
        assert!(
            has_addr(lo, "127.0.0.1", 8) && has_addr(lo, "::1", 128),
            "{tag}: {lo}"
        );
    }
    assert_eq!(after(&out, "PING"), "ok");
    assert_eq!(after(&out, "PING6"), "ok");
    let host_lo = iface(after(&out, "HOST"), "lo").unwrap();
    assert!(
        !host_lo.contains("\"UP\""),
        "the host's lo is untouched: {host_lo}"
    );
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn veth_pair_with_addresses_routes_and_pings_both_ways() {
    if skip_unless_root("veth_pair_with_addresses_routes_and_pings_both_ways") {
        return;
    }
    let flag = format!("/tmp/husk-net-test-{}", std::process::id());
    let out = host_ok(&format!(
        r#"
rm -f {flag} {flag}.ready
$H run -n --veth hv0:eth1 --ip 10.16.8.2/24 --ip fd16::2/64 --host-ip 10.16.8.1/24 \
    --host-ip fd16::1/64 --route default --route 10.99.0.0/16 --mtu 1400 \
    --mac 02:00:0a:10:08:02 -- sh -c '
  echo ADDR; ip -j addr
  echo ROUTE; ip -j route
  echo ROUTE6; ip -j -6 route
  ping -c1 -W2 10.16.8.1 >/dev/null && echo PING4 ok
  ping -6 -c1 -W2 fd16::1 >/dev/null && echo PING6 ok
  touch {flag}.ready
  while [ ! -e {flag} ]; do sleep 0.02; done' >{flag}.out &
c=$!
for i in $(seq 500); do [ -e {flag}.ready ] && break; sleep 0.02; done
echo HOSTADDR; ip -j addr show dev hv0
echo HOSTROUTE; ip -j route
echo HOSTROUTE6; ip -j -6 route
for i in $(seq 250); do ping -c1 -W1 10.16.8.2 >/dev/null 2>&1 && echo HPING4 ok && break; sleep 0.02; done
ping -6 -c1 -W2 fd16::2 >/dev/null && echo HPING6 ok
touch {flag}; wait $c; echo EXIT $?
cat {flag}.out; rm -f {flag} {flag}.out {flag}.ready
{RESIDUE}"#
    ));
    let inside = after(&out, "ADDR");
    assert_eq!(names(inside), ["lo", "eth1"], "{inside}");
    let eth = iface(inside, "eth1").unwrap();
    assert!(up(eth), "{eth}");
    assert!(
        has_addr(eth, "10.16.8.2", 24) && has_addr(eth, "fd16::2", 64),
        "{eth}"
    );
    assert!(eth.contains("\"mtu\":1400"), "{eth}");
    assert!(eth.contains("\"address\":\"02:00:0a:10:08:02\""), "{eth}");
    let routes = after(&out, "ROUTE");
    assert!(
        routes.contains(r#"{"dst":"default","gateway":"10.16.8.1","dev":"eth1""#),
        "{routes}"
    );
    assert!(
        routes.contains(r#"{"dst":"10.99.0.0/16","gateway":"10.16.8.1","dev":"eth1""#),
        "{routes}"
    );
    let routes6 = after(&out, "ROUTE6");
    assert!(
        routes6.contains(r#"{"dst":"default","gateway":"fd16::1","dev":"eth1""#),
        "{routes6}"
    );
    let h = iface(after(&out, "HOSTADDR"), "hv0").unwrap();
    assert!(up(h), "{h}");
    assert!(
        has_addr(h, "10.16.8.1", 24) && has_addr(h, "fd16::1", 64),
        "{h}"
    );
    assert!(h.contains("\"mtu\":1400"), "{h}");
    // The host's side: the kernel's routes of its addresses' subnets, on hv0, and no
    // route of the container's (the default, 10.99.0.0/16) leaked out.
    let hr = after(&out, "HOSTROUTE");
    assert_eq!(objects(hr).len(), 1, "{hr}");
    assert!(
        hr.contains(r#""dst":"10.16.8.0/24","dev":"hv0","protocol":"kernel","scope":"link","prefsrc":"10.16.8.1""#),
        "{hr}"
    );
    let hr6 = after(&out, "HOSTROUTE6");
    assert!(hr6.contains(r#""dst":"fd16::/64","dev":"hv0""#), "{hr6}");
    assert!(
        !hr6.contains("default") && !hr.contains("10.99"),
        "{hr} {hr6}"
    );
    for line in ["PING4 ok", "PING6 ok", "HPING4 ok", "HPING6 ok", "EXIT 0"] {
        assert!(out.lines().any(|l| l == line), "{line} missing:\n{out}");
    }
    // The pair went with the container's namespace: nothing deleted it, nothing is left.
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn default_names_are_unique_per_container() {
    if skip_unless_root("default_names_are_unique_per_container") {
        return;
    }
    let out = host_ok(&format!(
        r#"
$H run -n --veth : -- sleep 1 & a=$!
$H run -n --veth '' -- sh -c 'ip -o link | cut -d: -f2 | cut -d@ -f1 | tr -d " " | tr "\n" " "; sleep 1' >/tmp/hk-names-$$ & b=$!
for i in $(seq 250); do [ "$(ip -o link | wc -l)" = 3 ] && break; sleep 0.02; done
echo HOST; ip -j link
echo PIDS; echo "$a $b"
wait
echo INSIDE; cat /tmp/hk-names-$$; echo; rm /tmp/hk-names-$$
{RESIDUE}"#
    ));
    assert_default_pair(&names(after(&out, "HOST")), &out);
    assert_eq!(after(&out, "INSIDE"), "lo eth0 ");
    assert_eq!(residue(&out), CLEAN);
}

/// `links` are lo and two host ends with distinct default names: `hk` and 8 hex digits.
fn assert_default_pair(links: &[String], out: &str) {
    let hk: Vec<&String> = links.iter().filter(|l| *l != "lo").collect();
    assert_eq!(links.len(), 3, "{out}");
    assert_ne!(hk[0], hk[1], "{out}");
    for l in hk {
        let hex = l.strip_prefix("hk").unwrap_or("");
        assert!(
            hex.len() == 8 && hex.bytes().all(|c| c.is_ascii_hexdigit()),
            "{l}: {out}"
        );
    }
}

/// Two husks, each PID 1 of its own pid namespace (the same pid), share the host's network
/// namespace: their default host names differ all the same.
#[test]
fn default_names_differ_across_pid_namespaces() {
    let flag = format!("/tmp/husk-pidns-test-{}", std::process::id());
    let Some(out) = as_root(
        "default_names_differ_across_pid_namespaces",
        &format!(
            r#"
rm -f {flag}
w='while [ ! -e {flag} ]; do sleep 0.02; done'
unshare -pf $H run -n --veth : -- sh -c "$w" & a=$!
unshare -pf $H run -n --veth : -- sh -c "$w" & b=$!
for i in $(seq 500); do [ "$(ip -o link | wc -l)" = 3 ] && break; sleep 0.02; done
echo HOST; ip -j link
touch {flag}
wait $a; echo A $?
wait $b; echo B $?
rm -f {flag}
{RESIDUE}"#
        ),
    ) else {
        return;
    };
    assert_default_pair(&names(after(&out, "HOST")), &out);
    assert_eq!(after(&out, "HOST").matches("\"ifname\"").count(), 3);
    for l in ["A 0", "B 0"] {
        assert!(out.lines().any(|x| x == l), "{l}:\n{out}");
    }
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn two_containers_on_one_bridge_ping_each_other() {
    if skip_unless_root("two_containers_on_one_bridge_ping_each_other") {
        return;
    }
    let flag = format!("/tmp/husk-br-test-{}", std::process::id());
    let out = host_ok(&format!(
        r#"
rm -f {flag}
$H run -n --veth hba --bridge hbr --ip 10.77.0.2/24 --host-ip 10.77.0.1/24 -- sh -c \
    'while [ ! -e {flag} ]; do sleep 0.02; done' &
a=$!
for i in $(seq 250); do ip link show hba >/dev/null 2>&1 && break; sleep 0.02; done
$H run -n --veth hbb --bridge hbr --ip 10.77.0.3/24 --host-ip 10.77.0.1/24 -- sh -c '
  ping -c1 -W2 10.77.0.2 >/dev/null && echo PEER ok
  ping -c1 -W2 10.77.0.1 >/dev/null && echo BRIDGE ok'
echo LINKS; ip -j link
echo BRADDR; ip -j addr show dev hbr
touch {flag}; wait $a; echo EXIT $?
rm -f {flag}
for i in $(seq 200); do [ "$(ip -o link | wc -l)" = 2 ] && break; sleep 0.02; done
echo AFTER; ip -o link | awk -F': ' '{{print $2}}' | tr '\n' ' '; echo
ip link del hbr
{RESIDUE}"#
    ));
    assert!(out.lines().any(|l| l == "PEER ok"), "{out}");
    assert!(out.lines().any(|l| l == "BRIDGE ok"), "{out}");
    let links = after(&out, "LINKS");
    for port in ["hba", "hbb"] {
        let p = iface(links, port).unwrap();
        assert!(p.contains("\"master\":\"hbr\"") && up(p), "{p}");
    }
    assert!(has_addr(
        iface(after(&out, "BRADDR"), "hbr").unwrap(),
        "10.77.0.1",
        24
    ));
    // The bridge stays for the next container; the pairs are gone.
    assert_eq!(after(&out, "AFTER"), "lo hbr ");
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn named_namespace_persists_for_ip_netns() {
    if skip_unless_root("named_namespace_persists_for_ip_netns") {
        return;
    }
    let out = host_ok(&format!(
        r#"
$H run --netns hnn --veth hnv --ip 10.8.0.2/24 --host-ip 10.8.0.1/24 -- true; echo RUN $?
echo LIST; ip netns list | tr '\n' ' '; echo
echo INSIDE; ip netns exec hnn ip -j addr
echo HOST; ip -j addr show dev hnv
ping -c1 -W2 10.8.0.2 >/dev/null && echo PING ok
echo AGAIN; $H run --netns hnn -- ip -j addr
echo SHARED; grep ' /run/netns ' /proc/self/mountinfo | grep -c shared:
ip netns del hnn
{RESIDUE}"#
    ));
    assert_eq!(after(&out, "LIST").split(' ').next(), Some("hnn"), "{out}");
    for tag in ["INSIDE", "AGAIN"] {
        let eth = iface(after(&out, tag), "eth0").unwrap_or_else(|| panic!("{tag}: {out}"));
        assert!(has_addr(eth, "10.8.0.2", 24) && up(eth), "{tag}: {eth}");
    }
    assert!(has_addr(
        iface(after(&out, "HOST"), "hnv").unwrap(),
        "10.8.0.1",
        24
    ));
    assert!(out.lines().any(|l| l == "PING ok"), "{out}");
    assert_eq!(
        after(&out, "SHARED"),
        "1",
        "/var/run/netns is a shared mount point"
    );
    // `ip netns del` took the namespace, and its pair with it.
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn husk_netns_and_ip_netns_interoperate() {
    if skip_unless_root("husk_netns_and_ip_netns_interoperate") {
        return;
    }
    let out = host_ok(&format!(
        r#"
$H netns add hka
ip netns add ipb
echo IPLIST; ip netns list | tr '\n' ' '; echo
echo HLIST; $H netns list | sort | tr '\n' ' '; echo
echo IPEXEC; ip netns exec hka ip -j link
echo HEXEC; $H netns exec ipb -- ip -j link
echo NS; [ "$(ip netns exec hka readlink /proc/self/ns/net)" = "$($H netns exec hka readlink /proc/self/ns/net)" ] && echo same
$H netns exec hka sh -c 'exit 7'; echo STATUS $?
$H netns del ipb
ip netns del hka
echo EMPTY; $H netns list; ip netns list; echo end
{RESIDUE}"#
    ));
    let mut ip_list: Vec<&str> = after(&out, "IPLIST").split_whitespace().collect();
    ip_list.sort();
    assert_eq!(ip_list, ["hka", "ipb"]);
    assert_eq!(after(&out, "HLIST"), "hka ipb ");
    // husk's namespaces have lo up; ip's have it down.
    assert!(up(iface(after(&out, "IPEXEC"), "lo").unwrap()));
    assert!(!iface(after(&out, "HEXEC"), "lo")
        .unwrap()
        .contains("\"UP\""));
    assert_eq!(after(&out, "NS"), "same");
    assert!(out.lines().any(|l| l == "STATUS 7"), "{out}");
    assert_eq!(after(&out, "EMPTY"), "end");
    assert_eq!(residue(&out), CLEAN);
}

/// `husk netns exec` runs CMD with the caller's privileges, as `ip netns exec` does, not
/// with `husk run`'s defaults: `ip addr add` there needs CAP_NET_ADMIN.
#[test]
fn netns_exec_keeps_the_callers_privileges() {
    if skip_unless_root("netns_exec_keeps_the_callers_privileges") {
        return;
    }
    let out = host_ok(&format!(
        r#"
$H netns add hpriv
$H netns exec hpriv ip addr add 10.44.0.1/24 dev lo; echo ADD; echo $?
echo ADDR; ip netns exec hpriv ip -j addr
echo STATUS; $H netns exec hpriv grep -E 'CapEff|CapBnd|NoNewPrivs|Seccomp:' /proc/self/status | tr '\t\n' '  '; echo
echo OWN; grep -E 'CapEff|CapBnd|NoNewPrivs|Seccomp:' /proc/self/status | tr '\t\n' '  '; echo
echo DROP; $H netns exec hpriv --cap-drop NET_ADMIN -- ip addr add 10.44.0.2/24 dev lo 2>/dev/null; echo $?
$H netns del hpriv
{RESIDUE}"#
    ));
    assert_eq!(after(&out, "ADD"), "0", "{out}");
    let lo = iface(after(&out, "ADDR"), "lo").unwrap();
    assert!(has_addr(lo, "10.44.0.1", 24), "{lo}");
    // The kernel's view of CMD: the caller's capabilities, no no_new_privs, no filter.
    assert_eq!(after(&out, "STATUS"), after(&out, "OWN"));
    assert!(
        after(&out, "STATUS").ends_with("NoNewPrivs: 0 Seccomp: 0 "),
        "{out}"
    );
    // An option still applies on top.
    assert_ne!(after(&out, "DROP"), "0", "{out}");
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn bad_input_is_refused_and_leaves_nothing() {
    if skip_unless_root("bad_input_is_refused_and_leaves_nothing") {
        return;
    }
    // (arguments after `husk run`, what the one line of error says)
    let cases: &[(&str, &str)] = &[
        (
            "-n --veth H0 --ip 10.0.0.300/24",
            "--ip '10.0.0.300/24': expected ADDR/LEN",
        ),
        ("-n --veth H0 --ip 10.0.0.2/33", "0-32"),
        ("-n --veth H0 --ip fd00::2/129", "0-128"),
        (
            "-n --veth H0 --ip 10.0.0.2/24 --host-ip 10.0.0.1/24 --route fd01::/64",
            "--route 'fd01::/64': needs --ip and --host-ip (the gateway) of its IP version",
        ),
        (
            "-n --veth H0 --ip fd00::2/64 --host-ip 10.0.0.1/24 --route default",
            "of its IP version",
        ),
        ("-n --veth a-name-too-long-", "interface name"),
        ("-n --veth H0:a/b", "interface name"),
        // The kernel would make `h%d` as h0 (then fail to find it), and \v is a space.
        ("-n --veth h%d", "interface name"),
        ("-n --veth \"$(printf 'a\\vb')\"", "interface name"),
        (
            "--veth H0 --ip 10.0.0.2/24",
            "--veth: needs a network namespace",
        ),
        ("-n --ip 10.0.0.2/24", "--ip: needs --veth"),
        ("--netns a/b", "netns name 'a/b'"),
        ("-n --veth H0 --mtu 50", "not an MTU"),
        ("-n --veth H0 --mac 01:00:5e:00:00:01", "unicast"),
        // What only the kernel can refuse: names that exist, an address twice.
        ("-n --veth lo", "create veth lo:eth0: EEXIST"),
        ("-n --veth H0:lo", ":lo: EEXIST"),
        (
            "-n --veth H0 --ip 10.16.8.2/24 --ip 10.16.8.2/24",
            "add address 10.16.8.2/24 on eth0: EEXIST (ipv4: Address already assigned)",
        ),
        (
            "--netns hbad --veth H0 --ip 10.16.8.2/24 --ip 10.16.8.2/24",
            "add address 10.16.8.2/24 on eth0: EEXIST",
        ),
        (
            "-n --veth H0 --ip 10.1.0.2/24 --host-ip 10.2.0.1/24 --route default",
            "add route default: ENETUNREACH",
        ),
        // Two refusals in one batch: the first is the one told.
        (
            "-n --veth H0 --ip 10.1.0.2/24 --ip 10.1.0.2/24 --host-ip 10.2.0.1/24 --route default",
            "add address 10.1.0.2/24 on eth0: EEXIST",
        ),
        (
            "-n --veth H0 --bridge notabridge",
            "exists and is not a bridge",
        ),
    ];
    let mut script = String::from("ip link add notabridge type veth peer name notabridge2\n");
    for (i, (args, _)) in cases.iter().enumerate() {
        // Each case its own host name: the pair of a failed case goes away only as fast as
        // the kernel tears its namespace down.
        let args = args.replace("H0", &format!("h{i}"));
        script += &format!("echo CASE{i}; $H run {args} -- true 2>&1; echo \"status $?\"\n");
    }
    script += "ip link del notabridge\n";
    script += RESIDUE;
    let out = host_ok(&script);
    for (i, (args, want)) in cases.iter().enumerate() {
        let want = want.replace("H0", &format!("h{i}"));
        let mut lines = out.lines().skip_while(|l| *l != format!("CASE{i}")).skip(1);
        let (msg, status) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
        assert!(
            msg.starts_with("husk: ") && msg.contains(&want),
            "{args}: {msg:?} lacks {want:?}"
        );
        assert_eq!(status, "status 125", "{args}: {msg}");
    }
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn failures_in_a_named_namespace_undo_what_they_made() {
    if skip_unless_root("failures_in_a_named_namespace_undo_what_they_made") {
        return;
    }
    let out = host_ok(&format!(
        r#"
$H netns add hkeep
$H run --netns hkeep --veth hf0 --ip 10.3.0.2/24 --ip 10.3.0.2/24 -- true 2>/dev/null; echo RUN $?
echo KEPT; $H netns list
echo INSIDE; ip netns exec hkeep ip -j link
$H run --netns hnew -m --bind /etc/hostname:/tmp -- true 2>/dev/null; echo RUN2 $?
echo LIST; $H netns list; echo end
$H netns del hkeep
{RESIDUE}"#
    ));
    assert_eq!(
        after(&out, "KEPT"),
        "hkeep",
        "the namespace that existed stays"
    );
    assert_eq!(
        names(after(&out, "INSIDE")),
        ["lo"],
        "its half of the pair is gone"
    );
    assert_eq!(
        after(&out, "LIST"),
        "hkeep",
        "a namespace made by a failed run is gone"
    );
    assert!(out.lines().any(|l| l == "RUN 125") && out.lines().any(|l| l == "RUN2 125"));
    assert_eq!(residue(&out), CLEAN);
}

#[test]
fn timings_show_the_network_phases() {
    if skip_unless_root("timings_show_the_network_phases") {
        return;
    }
    let (c, _, err) = host(
        "$H run --timings -n --veth h0 --ip 10.0.0.2/24 --host-ip 10.0.0.1/24 --route default -- true",
    );
    assert_eq!(c, 0, "{err}");
    for phase in ["clone", "net", "ifup", "exec", "total"] {
        assert!(
            err.lines().any(|l| l.trim_start().starts_with(phase)),
            "{phase} missing: {err}"
        );
    }
}

/// `probe lo` as CMD: lo as the command finds it the moment it starts, whoever brought it
/// up when: the container after GO and its joins, or (`-U`, rootless) first thing, while
/// husk writes its id maps.
#[test]
fn lo_is_up_with_its_addresses_when_the_command_starts() {
    if skip_unless_root("lo_is_up_with_its_addresses_when_the_command_starts") {
        return;
    }
    let p = probe();
    let p = p.display();
    let cases = [
        "-n",
        "-a --proc",
        "-a --proc --no-init",
        "-a --proc --privileged",
        "-a --proc --timings",
        "-n --veth hl0 --ip 10.9.0.2/24 --host-ip 10.9.0.1/24 --route default",
        "-a --proc --netns hlo",
        "-U --map-root -n",
        "-U --map-root -a --proc",
        "-U --map-root -n --veth hl1 --ip 10.9.1.2/24",
    ];
    let mut script = String::new();
    for (i, args) in cases.iter().enumerate() {
        script += &format!("echo CASE{i}; $H run {args} -- {p} lo\n");
    }
    let rootless = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    script += &format!("echo ROOTLESS; {rootless} $H run -n -- {p} lo\n");
    script += &format!("echo ROOTLESS-ALL; {rootless} $H run -a --proc -- {p} lo\n");
    script += "$H netns del hlo\n";
    script += RESIDUE;
    let out = host_ok(&script);
    let want = "lo up running 127.0.0.1 ::1";
    for (i, args) in cases.iter().enumerate() {
        assert_eq!(after(&out, &format!("CASE{i}")), want, "{args}:\n{out}");
    }
    assert_eq!(after(&out, "ROOTLESS"), want, "{out}");
    assert_eq!(after(&out, "ROOTLESS-ALL"), want, "{out}");
    assert_eq!(residue(&out), CLEAN);
}

/// A failure to bring lo up (the netlink socket it needs), provoked with husk: an outer
/// husk denies socket(2) to an inner one. The inner husk says why, CMD never runs, and
/// what the run made is undone: the `--netns` it created, the `--name` record; no process
/// of it stays.
#[test]
fn a_failure_to_bring_lo_up_is_told_and_leaves_nothing() {
    if skip_unless_root("a_failure_to_bring_lo_up_is_told_and_leaves_nothing") {
        return;
    }
    let out = host_ok(&format!(
        r#"
mkdir -p /run/husk
echo RUN; $H run --privileged --seccomp-deny socket -- \
    $H run -a --proc --name hfail --netns hfail -- sh -c 'echo CMD RAN' 2>&1; echo "status $?"
echo RECORD; ls /run/husk; echo end
echo LEFT; for d in /proc/[0-9]*; do
    [ "${{d#/proc/}}" = $$ ] && continue # this script, which says it too
    tr '\0' ' ' <$d/cmdline 2>/dev/null | grep -q -- '--name hfail' && echo "${{d#/proc/}}"
done; echo end
{RESIDUE}"#
    ));
    let mut run = out.lines().skip_while(|l| *l != "RUN").skip(1);
    assert_eq!(run.next(), Some("husk: netlink: EPERM"), "{out}");
    assert_eq!(run.next(), Some("status 125"), "{out}");
    assert!(!out.contains("CMD RAN"), "{out}");
    assert_eq!(after(&out, "RECORD"), "end", "no record left");
    assert_eq!(after(&out, "LEFT"), "end", "no process left");
    assert_eq!(residue(&out), CLEAN, "the namespace it made is gone");
}

/// A run that fails after `--bridge` created its bridge deletes it, whether husk or the
/// container failed; a bridge that was there before stays, as one a run that worked made.
#[test]
fn a_failed_run_removes_the_bridge_it_created() {
    let Some(out) = as_root(
        "a_failed_run_removes_the_bridge_it_created",
        &format!(
            r#"
echo HOSTFAIL; $H run -n --veth lo --bridge hnb1 -- true 2>&1; echo "status $?"
echo AFTER1; ip -o link show hnb1 2>/dev/null; echo end
echo CHILDFAIL; $H run -n --veth hnv2 --bridge hnb2 --ip 10.5.0.2/24 --ip 10.5.0.2/24 -- true 2>&1; echo "status $?"
echo AFTER2; ip -o link show hnb2 2>/dev/null; echo end
ip link add hnb3 type bridge
echo OLD; $H run -n --veth lo --bridge hnb3 -- true 2>&1; echo "status $?"
echo AFTER3; ip -o link show hnb3 | cut -d: -f2; echo end
$H run -n --veth hnv4 --bridge hnb4 -- true; echo "OK $?"
echo AFTER4; ip -o link show hnb4 | cut -d: -f2; echo end
ip link del hnb3; ip link del hnb4
{RESIDUE}"#
        ),
    ) else {
        return;
    };
    // (tag, the error, the bridge after it: `end` when it is gone)
    let cases = [
        ("HOSTFAIL", "husk: create veth lo:eth0: EEXIST", "end"),
        (
            "CHILDFAIL",
            "husk: add address 10.5.0.2/24 on eth0: EEXIST",
            "end",
        ),
        ("OLD", "husk: create veth lo:eth0: EEXIST", " hnb3"),
    ];
    for (i, (tag, err, bridge)) in cases.into_iter().enumerate() {
        let mut lines = out.lines().skip_while(|l| *l != tag).skip(1);
        assert!(lines.next().unwrap_or("").starts_with(err), "{tag}: {out}");
        assert_eq!(lines.next(), Some("status 125"), "{tag}: {out}");
        assert_eq!(after(&out, &format!("AFTER{}", i + 1)), bridge, "{out}");
    }
    // A bridge made by a run that worked is kept for the next container.
    assert!(out.lines().any(|l| l == "OK 0"), "{out}");
    assert_eq!(after(&out, "AFTER4"), " hnb4", "{out}");
    assert_eq!(residue(&out), CLEAN);
}

/// With `--join net=` (a namespace that was there before) the pair does not outlive the
/// container: husk deletes it on the way out, and both namespaces are as they were the
/// moment husk exits (no waiting for a teardown). With an existing `--netns` it stays.
#[test]
fn a_joined_namespace_keeps_nothing_of_the_container() {
    let Some(out) = as_root(
        "a_joined_namespace_keeps_nothing_of_the_container",
        &format!(
            r#"
ip netns add hjn
echo INSIDE; $H run --join net=/var/run/netns/hjn --veth hjv --ip 10.6.0.2/24 --host-ip 10.6.0.1/24 \
    --route default -- sh -c 'ping -c1 -W2 10.6.0.1 >/dev/null && ip -j addr'; echo "status $?"
echo HOST; ip -o link | cut -d: -f2 | tr -d '\n'; echo
echo JOINED; ip netns exec hjn ip -o link | cut -d: -f2 | tr -d '\n'; echo
$H run --join net=hjn --veth : -- true; echo "status $?"
echo HOST2; ip -o link | cut -d: -f2 | tr -d '\n'; echo
echo JOINED2; ip netns exec hjn ip -o link | cut -d: -f2 | tr -d '\n'; echo
$H run --netns hjn --veth hjk -- true; echo "status $?"
echo KEPT; ip -o link | cut -d: -f2 | cut -d@ -f1 | tr -d '\n'; echo
ip netns del hjn
{RESIDUE}"#
        ),
    ) else {
        return;
    };
    let eth = iface(after(&out, "INSIDE"), "eth0").unwrap_or_else(|| panic!("{out}"));
    assert!(has_addr(eth, "10.6.0.2", 24) && up(eth), "{eth}");
    assert_eq!(out.matches("status 0").count(), 3, "{out}");
    for tag in ["HOST", "JOINED", "HOST2", "JOINED2"] {
        assert_eq!(after(&out, tag), " lo", "{tag}: {out}");
    }
    // --netns asked for it: it stays.
    assert_eq!(after(&out, "KEPT"), " lo hjk", "{out}");
    assert_eq!(residue(&out), CLEAN);
}

/// `husk netns exec`, as `ip netns exec`: /sys shows the namespace's interfaces (a sysfs
/// mounted in it, read-only if the caller's was), /etc/netns/NAME/FILE is /etc/FILE, and
/// nothing of it reaches the caller's mounts. /etc/netns is the sandbox's own: a tmpfs
/// over it, or (when it does not exist) over an overlay of /etc.
#[test]
fn netns_exec_sees_the_namespaces_sys_and_etc() {
    let Some(out) = as_root(
        "netns_exec_sees_the_namespaces_sys_and_etc",
        &format!(
            r#"
if [ -d /etc/netns ]; then
    mount -t tmpfs tmpfs /etc/netns
else
    mkdir /run/up /run/work
    mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/up,workdir=/run/work /etc
fi
$H netns add hsx
ip -n hsx link add hsa type veth peer name hsb
mkdir -p /etc/netns/hsx; echo '10.7.0.1 hsx-host' >/etc/netns/hsx/hosts
echo SYS; $H netns exec hsx ls /sys/class/net | tr '\n' ' '; echo
echo IPSYS; ip netns exec hsx ls /sys/class/net | tr '\n' ' '; echo
echo HOSTS; $H netns exec hsx -- cat /etc/hosts
echo MOUNT; $H netns exec hsx -- grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6,9,10
echo RO; mount -o remount,ro /sys 2>/dev/null || mount -o bind,remount,ro /sys; \
    $H netns exec hsx -- grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6; mount -o remount,rw /sys 2>/dev/null
echo CALLER; grep -c ' /etc/hosts ' /proc/self/mountinfo; echo "$(head -c 8 /etc/hosts)"
echo MNTNS; [ "$($H netns exec hsx readlink /proc/self/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && echo new
echo REFUSED; for o in '--memory 64M' '--veth :' '--netns hsy' '--join net=hsx'; do
    $H netns exec hsx $o -- true 2>&1; echo "status $?"; done
echo NOSUCH; echo x >/etc/netns/hsx/nosuch; $H netns exec hsx -- true 2>&1; echo "status $?"
ls /run/netns | tr '\n' ' '; echo
$H netns del hsx
{RESIDUE}"#
        ),
    ) else {
        return;
    };
    assert_eq!(after(&out, "SYS"), "hsa hsb lo ", "{out}");
    assert_eq!(
        after(&out, "SYS"),
        after(&out, "IPSYS"),
        "as ip netns exec: {out}"
    );
    assert_eq!(after(&out, "HOSTS"), "10.7.0.1 hsx-host", "{out}");
    let m = after(&out, "MOUNT");
    assert!(m.starts_with("rw") && m.ends_with(" hsx rw"), "{out}");
    assert!(after(&out, "RO").starts_with("ro"), "{out}");
    assert_eq!(after(&out, "CALLER"), "0", "{out}");
    assert_eq!(after(&out, "MNTNS"), "new", "{out}");
    // What it does not do: wire a network, another namespace, cgroups (husk run's).
    let refused = "husk: netns exec: network and cgroup options are husk run's (husk run --join net=NAME ...)";
    let r: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "REFUSED")
        .skip(1)
        .take(8)
        .collect();
    assert_eq!(r, [refused, "status 125"].repeat(4), "{out}");
    let n: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "NOSUCH")
        .skip(1)
        .take(3)
        .collect();
    assert_eq!(
        n,
        [
            "husk: bind /etc/netns/hsx/nosuch on /etc/nosuch: ENOENT",
            "status 0",
            "hsx "
        ],
        "a warning that names both, and no namespace left behind: {out}"
    );
    assert_eq!(residue(&out), CLEAN);
}
