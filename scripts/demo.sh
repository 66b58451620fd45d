#!/usr/bin/env bash
# make demo: husk, step by step, narrated. Needs root (it makes pid namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
HUSK=$PWD/target/release/husk
B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'
[ -t 1 ] || { B= D= N=; }

say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$N"; "$@"; }
if [ "$(id -u)" != 0 ]; then
    echo "make demo needs root (it creates pid namespaces)" >&2
    exit 1
fi

pid1_of() { # the host pid of PID 1 inside the pid namespace that unshare $1 made
    local i
    for i in $(seq 100); do
        local c
        c=$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)
        [ -n "$c" ] && { echo "${c%% *}"; return; }
        sleep 0.01
    done
}

zombies_under() { # what PID 1 ($1) has as children, with their state
    ps --ppid "$1" -o pid=,stat=,args= | sed 's/^/    /'
    echo "    zombies: $(ps --ppid "$1" -o stat= | grep -c Z || true)"
}

say "husk is one static file of $(stat -c %s "$HUSK") bytes, no libc"
run file "$HUSK"

say "1. Orphans become zombies when PID 1 does not reap them"
echo "A container's PID 1 is often a shell or an app. Here PID 1 is 'sh' that execs 'sleep',"
echo "after leaving two orphans behind (each '( sleep 0.1 & )' exits at once):"
unshare --pid --fork --kill-child sh -c '(sleep 0.1 &); (sleep 0.1 &); exec sleep 2' &
u=$!
p=$(pid1_of $u)
sleep 0.6
echo "Children of PID 1 (host pid $p) 0.6 s later:"
zombies_under "$p"
wait $u || true

say "2. The same with husk as PID 1: the orphans come to husk, which reaps them"
printf '%s$ unshare --pid --fork husk -- sh -c "(sleep 0.1 &); (sleep 0.1 &); exec sleep 2"%s\n' "$D" "$N"
unshare --pid --fork --kill-child "$HUSK" -- sh -c '(sleep 0.1 &); (sleep 0.1 &); exec sleep 2' &
u=$!
p=$(pid1_of $u)
sleep 0.6
echo "Children of PID 1 (husk, host pid $p) 0.6 s later:"
zombies_under "$p"
wait $u || true

say "3. Signals reach the command; its exit status comes back out"
echo "husk forwards every signal it gets to the command. 'docker stop' sends SIGTERM to PID 1:"
"$HUSK" -vv -- sh -c 'trap "echo \"  [sh] got SIGTERM, cleaning up\"; exit 7" TERM; echo "  [sh] running as pid $$"; while :; do sleep 0.05; done' &
h=$!
sleep 0.3
run kill -TERM $h
set +e
wait $h
echo "husk exited with $? (the command's own status)"
set -e

say "4. A command killed by a signal: husk exits 128+N, like a shell"
set +e
run "$HUSK" -- sh -c 'kill -KILL $$'
echo "status: $?"
set -e

say "5. Outliving children: --grace sends SIGTERM to what remains, then SIGKILL"
run "$HUSK" -vv --grace 1 -- sh -c 'sleep 100 & echo "  [sh] left sleep $! running and exited"'

say "6. Drop-in for tini: as docker-init, it answers in tini's format"
ln -sf "$HUSK" target/docker-init
run target/docker-init --version
rm -f target/docker-init

say "7. A container: new UTS and PID namespaces (husk run)"
run "$HUSK" run --uts --pid --proc --hostname demo -- sh -c '
    echo "  hostname inside: $(hostname)"
    echo "  processes inside:"; ps -o pid,comm | sed "s/^/    /"
    for t in uts pid mnt; do echo "  $t: $(readlink /proc/self/ns/$t)"; done'
echo "  hostname outside, unchanged: $(hostname)"
for t in uts pid mnt; do echo "  $t outside: $(readlink /proc/self/ns/$t)"; done
echo "husk ns PID lists a process's namespaces and marks (*) those that differ from PID 1's."
echo "Here PID 1 is husk in a pid namespace, and a second container inside it has new uts and net"
echo "(the outer one is --privileged: by default a container keeps only Docker's capabilities,"
echo "without CAP_SYS_ADMIN, and its seccomp profile refuses new namespaces):"
"$HUSK" run --privileged --pid --proc -- sh -c "$HUSK"' run -u -n -- sleep 1 & sleep 0.3; '"$HUSK"' ns $(pidof sleep | cut -d" " -f1)' | sed 's/^/    /'

say "8. A whole root file system: busybox in target/rootfs, pivot_root, only its own mounts"
run "$HUSK" run -a --rootfs target/rootfs --hostname box -- sh -c '
    echo "  / is: $(ls / | tr "\n" " ")"
    echo "  mounts: $(cut -d" " -f5 /proc/self/mountinfo | tr "\n" " ")"
    echo "  /dev: $(ls /dev | tr "\n" " ")"'

say "9. Rootless: the same as an unprivileged user (uid 65534), who becomes root inside"
run setpriv --reuid=65534 --regid=65534 --clear-groups "$HUSK" run -p --proc -- sh -c '
    echo "  id inside: $(id -u), uid_map: $(cat /proc/self/uid_map | tr -s " ")"'

say "10. Networking: a namespace with only lo, a named one, a veth pair to the host"
echo "All of it happens inside a network namespace made for the demo, which plays the host"
echo "(and a private /run, for /var/run/netns): your machine's network is never touched."
export HUSK B D N
export -f say run
unshare --net --mount --propagation private -- bash -c '
set -euo pipefail
mount -t tmpfs tmpfs /run
H=$HUSK
echo "A new network namespace has only lo, and husk brings it up (127.0.0.1/8 and ::1):"
run $H run --net -- ip -br addr
run $H run --net -- ping -c1 -W2 127.0.0.1
echo "A named namespace, kept in /var/run/netns as ip netns keeps them:"
run $H netns add demo
run ip netns list
echo "A veth pair whose inner end is born in that namespace (no move), addresses, a route:"
run $H run --netns demo --veth hdemo:eth0 --ip 10.16.8.2/24 --host-ip 10.16.8.1/24 --route default -- ip -br addr
echo "The namespace outlived the command (--netns asked for it), and its pair with it:"
run ip -br addr show hdemo
run ping -c1 -W2 10.16.8.2
run $H run --netns demo -- ping -c1 -W2 10.16.8.1
run ip netns exec demo ip route
echo "Deleting the namespace takes the pair with it (no RTM_DELLINK: ~31 ms saved per container):"
run $H netns del demo
for i in $(seq 100); do [ "$(ip -o link | wc -l)" = 1 ] && break; sleep 0.02; done
run ip -br link
echo "Without --netns nothing is kept: the pair goes with the container (default names hk<8 random hex digits>, eth0):"
run $H run --timings --net --veth : --ip 10.16.9.2/24 --host-ip 10.16.9.1/24 --route default -- ping -c1 -W2 10.16.9.1
'

say "11. Two terminals: a named container in the background, husk exec looks inside"
echo "Terminal 1 starts a container (its own pid, mount, uts, ipc, net, cgroup namespaces,"
echo "busybox as its root) and leaves it running; husk records it in /run/husk/demo:"
printf '%s$ husk run --name demo -a --rootfs target/rootfs --hostname box -- sleep 1000 &%s\n' "$D" "$N"
"$HUSK" run --name demo -a --rootfs target/rootfs --hostname box -- sleep 1000 &
bg=$!
for _ in $(seq 100); do [ -s /run/husk/demo ] && break; sleep 0.01; done
run "$HUSK" list
echo "Terminal 2 looks inside: the container's hostname, and ps shows PID 1 (husk), its"
echo "sleep, and the exec'd shell (under the exec's own husk, whose parent is outside: 0):"
run "$HUSK" exec demo -- sh -c '
    echo "  hostname: $(hostname)"; ps -o pid,ppid,comm | sed "s/^/    /"
    for t in mnt net pid uts; do echo "  $t: $(readlink /proc/self/ns/$t)"; done'
target=$(cut -d' ' -f1 /run/husk/demo | head -1)
echo "The container's first process (host pid $target), seen from outside:"
for t in mnt net pid uts; do echo "  $t: $(readlink /proc/$target/ns/$t)"; done
echo "Exit statuses come back out; a name that is not running is refused (status 125):"
set +e
"$HUSK" exec demo sh -c 'exit 42'
echo "  husk exec demo sh -c 'exit 42' -> $?"
kill -TERM $bg
wait $bg
"$HUSK" exec demo true
echo "  after the container ended: $?"
set -e
run "$HUSK" list --json


say "12. The seed's memory limit: a cgroup of 4 MiB, a process that wants 64, the OOM killer"
PATH=$PWD/target/x86_64-unknown-linux-musl/release:$PATH # for probe
if grep -q '^[0-9]*:[^:]*memory' /proc/self/cgroup; then # v1: memory's own hierarchy
    own=/sys/fs/cgroup/memory$(grep -m1 '^[0-9]*:[^:]*memory' /proc/self/cgroup | cut -d: -f3-)
    limit=memory.limit_in_bytes
else
    own=/sys/fs/cgroup$(grep -m1 '^0::' /proc/self/cgroup | cut -d: -f3-)
    limit=memory.max
fi
own=${own%/}
echo "husk makes the container a cgroup, husk-<its pid>, under its own ($own),"
echo "writes the limit there and puts the container in it. There probe allocates 64 MiB, one"
echo "page at a time, and the kernel's OOM killer ends it at 4:"
set +e
printf '%s$ husk run --memory 4M -- probe hog 64%s\n' "$D" "$N"
"$HUSK" run --memory 4M -- probe hog 64
echo "status: $?"
echo "The same when the process killed is not the command: a shell (whose parent is husk) reads"
echo "its limit, runs probe, goes on without it and exits 0. husk still says what happened:"
printf '%s$ husk run --memory 4M -- sh -c "cat %s/husk-\$PPID/%s; probe hog 64; exit 0"%s\n' "$D" "$own" "$limit" "$N"
"$HUSK" run --memory 4M -- sh -c "echo \"  [sh] limit: \$(cat $own/husk-\$PPID/$limit)\"; probe hog 64; echo '  [sh] probe is gone, exiting 0'; exit 0"
echo "status: $?"
echo "And the cgroup went with the container:"
run ls -d "$own"/husk-*
set -e

say "13. What it costs: --timings"
run "$HUSK" run --timings -a --proc -- true

echo
echo "Done. 'make test' runs the tests; 'make bench' measures husk against tini, dumb-init, catatonit,"
echo "unshare, bwrap, crun, runc and nsenter."
