//! `husk exec`: `husk run`'s parser (its namespace letters and process options mean the
//! same here), then the target: a pid or a container name.
use crate::error::{Error, Result};
use crate::out::parse_u64;
use crate::spec::Spec;

/// After `husk run`'s options (`cli::run::options`, so that nothing is implied):
/// refuses what only `husk run` means (the network and cgroup options too: exec creates
/// no namespace to wire, and a v2 target's cgroup holds processes, so no controller can
/// be enabled below it), takes the target from the first operand unless `--name` gave
/// it (then `s.name` is set), and moves `s.cmd` past it. Returns the target pid, 0 for a
/// name. Options come before the target.
#[inline(never)]
pub fn target(args: &[&'static [u8]], s: &mut Spec) -> Result<u32> {
    if s.run_only {
        return Err(Error::usage(
            "exec",
            "an option of husk run only (see husk exec --help)",
        ));
    }
    let mut pid = 0;
    let at = |i| args.get(i).copied().unwrap_or_default();
    if s.name.is_none() {
        let t = at(s.cmd);
        if t.is_empty() {
            return Err(Error::usage(
                "exec",
                "expected [OPTIONS] PID|NAME CMD (see husk exec --help)",
            ));
        }
        match parse_u64(t) {
            Some(p @ 1..=0x3fff_ffff) => pid = p as u32,
            Some(_) => return Err(Error::bad("exec", t, "not a process id")),
            None => s.name = Some(crate::state::check_name(t)?),
        }
        s.cmd += 1 + (at(s.cmd + 1) == b"--") as usize;
    }
    if at(s.cmd).is_empty() {
        return Err(Error::usage("exec", "no command given"));
    }
    Ok(pid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::*;

    fn p(args: &[&str]) -> Result<(Spec, u32)> {
        let v: std::vec::Vec<&'static [u8]> = args
            .iter()
            .map(|s| &*std::boxed::Box::leak(s.as_bytes().to_vec().into_boxed_slice()))
            .collect();
        let args = std::boxed::Box::leak(v.into_boxed_slice());
        let mut s = crate::cli::run::options(args, 0)?.unwrap();
        let pid = target(args, &mut s)?;
        Ok((s, pid))
    }

    #[test]
    fn targets() {
        let (s, pid) = p(&["1234", "--", "sh"]).unwrap();
        assert_eq!((pid, s.name, s.ns, s.cmd), (1234, None, 0, 2));
        let (s, pid) = p(&["web", "sh", "-c", "x"]).unwrap();
        assert_eq!((pid, s.name, s.cmd), (0, Some(&b"web"[..]), 1));
        // With --name, the first operand is CMD (even a number).
        let (s, pid) = p(&["--name", "7", "42"]).unwrap();
        assert_eq!((pid, s.name, s.cmd), (0, Some(&b"7"[..]), 2));
        let (s, pid) = p(&["--name", "7", "--", "42"]).unwrap();
        assert_eq!((pid, s.name, s.cmd), (0, Some(&b"7"[..]), 3));
        let (s, _) = p(&[
            "-e", "A=1", "--cwd", "/tmp", "--uid", "5", "--gid=6", "web", "true",
        ])
        .unwrap();
        assert_eq!(
            (s.env, s.cwd, s.uid, s.gid),
            (std::vec![&b"A=1"[..]], Some(&b"/tmp"[..]), Some(5), Some(6))
        );
    }

    #[test]
    fn security_options_and_verbosity_are_exec_s_too() {
        let (s, pid) = p(&[
            "-v",
            "--privileged",
            "--cap-drop=ALL",
            "--cap-add",
            "KILL",
            "--seccomp",
            "default",
            "--seccomp-deny",
            "ptrace",
            "--allow-new-privs",
            "--preserve-fds",
            "1",
            "-a",
            "--env-clear",
            "7",
            "x",
        ])
        .unwrap();
        assert_eq!((pid, s.sec.privileged, s.sec.preserve_fds), (7, true, 1));
    }

    #[test]
    fn namespace_letters() {
        let (s, _) = p(&["-nmuipCU", "1", "x"]).unwrap();
        assert_eq!(s.ns, ALL | NEWUSER);
        let (s, _) = p(&["--net", "--uts", "1", "x"]).unwrap();
        assert_eq!(s.ns, NEWNET | NEWUTS);
        let (s, _) = p(&["-m", "--cgroup", "1", "x"]).unwrap();
        assert_eq!(s.ns, NEWNS | NEWCGROUP);
        let (s, _) = p(&["-U", "1", "x"]).unwrap();
        assert_eq!(s.ns, NEWUSER);
    }

    #[test]
    fn bad_input() {
        for bad in [
            &["1"][..],
            &["1", "--"],
            &["1", ""],
            &["a/b", "true"],
            &["..", "true"],
            &["--name", "", "true"],
            &["0", "true"],
            &["--uid", "x", "1", "true"],
            &["-e", "NOEQ", "1", "true"],
            &["--cwd", "rel", "1", "true"],
            &["--rootfs", "/", "1", "true"],
            &["--hostname", "h", "1", "true"],
            &["--map-root", "1", "true"],
            &["--no-init", "1", "true"],
            &["--bogus", "1", "true"],
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        // husk run's own options, the network and cgroup ones too, even those that run
        // would refuse alone (--ip without --veth, --memory-swap without --memory).
        for bad in [
            &["--rootfs", "/", "1", "true"][..],
            &["--hostname", "h", "1", "true"],
            &["--map-root", "1", "true"],
            &["--uid-map", "0:1:1", "1", "true"],
            &["--gid-map", "0:1:1", "1", "true"],
            &["--join", "net=/x", "1", "true"],
            &["--rlimit", "nofile=1", "1", "true"],
            &["--bind", "/a:/b", "1", "true"],
            &["--tmpfs", "/t", "1", "true"],
            &["--read-only", "1", "true"],
            &["--proc", "1", "true"],
            &["--timings", "1", "true"],
            &["--no-init", "1", "true"],
            &["-n", "--veth", "hx:e0", "1", "true"],
            &["--veth", "hx", "1", "true"],
            &["--ip", "10.0.0.2/24", "1", "true"],
            &["--host-ip", "10.0.0.1/24", "1", "true"],
            &["--route", "default", "1", "true"],
            &["--mtu", "1400", "1", "true"],
            &["--mac", "02:00:00:00:00:01", "1", "true"],
            &["--bridge", "br0", "1", "true"],
            &["--netns", "blue", "1", "true"],
            &["--memory", "4M", "1", "true"],
            &["--memory-swap", "8M", "1", "true"],
            &["--cpus", "0.5", "1", "true"],
            &["--pids", "10", "1", "true"],
            &["--cgroup-parent", "x", "web", "true"],
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(
                e.render().0,
                b"husk: exec: an option of husk run only (see husk exec --help)\n",
                "{bad:?}"
            );
        }
        for (bad, why) in [(&[][..], "expected"), (&["", "x"], "expected")] {
            let e = std::string::String::from_utf8(p(bad).unwrap_err().render().0).unwrap();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
