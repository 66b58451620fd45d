#!/usr/bin/env bash
# make bench: husk side by side with its peers, one hyperfine run per table.
# Writes bench/results.md and bench/results.png. BENCH_RUNS / BENCH_WARMUP tune the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-2000}
RUNS_RUN=${BENCH_RUNS_RUN:-$((RUNS / 4))}
WARMUP=${BENCH_WARMUP:-200}
HUSK=$PWD/target/release/husk
OUT=$PWD/bench
WORK=$PWD/target/bench
mkdir -p "$OUT" "$WORK"

hf() { # hf TABLE LABEL COMMAND [LABEL COMMAND]...: one hyperfine run over all of them
    local table=$1 args=()
    shift
    while [ $# -gt 0 ]; do
        args+=(-n "$1" "$2")
        shift 2
    done
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$table.json" "${args[@]}" >"$WORK/$table.log"
}

size_of() { stat -L -c %s "$(command -v "$1")"; }

hwm_of() { # peak resident memory (kB) of an init while its child sleeps
    "$@" /bin/sleep 0.6 &
    local pid=$!
    sleep 0.3
    awk '/^VmHWM/ {print $2}' "/proc/$pid/status"
    wait "$pid" || true
}

gcc -O2 -static -nostdlib -no-pie -fno-stack-protector -o "$WORK/vfork-floor" scripts/bench/vfork-floor.c
FLOOR=$WORK/vfork-floor

echo "== init: /bin/true under each init ($RUNS runs each)"
hf init \
    "/bin/true" "/bin/true" \
    "floor: vfork+exec, no libc" "$FLOOR /bin/true" \
    "husk init" "$HUSK -- /bin/true" \
    "tini" "tini -s -- /bin/true" \
    "tini-static" "tini-static -s -- /bin/true" \
    "dumb-init" "dumb-init /bin/true" \
    "catatonit" "catatonit -- /bin/true"
{
    printf '%s\t%s\t%s\n' "floor: vfork+exec, no libc" "$(stat -c %s "$FLOOR")" "$(hwm_of "$FLOOR")"
    printf '%s\t%s\t%s\n' "husk init" "$(stat -c %s "$HUSK")" "$(hwm_of "$HUSK" --)"
    printf '%s\t%s\t%s\n' "tini" "$(size_of tini)" "$(hwm_of tini -s --)"
    printf '%s\t%s\t%s\n' "tini-static" "$(size_of tini-static)" "$(hwm_of tini-static -s --)"
    printf '%s\t%s\t%s\n' "dumb-init" "$(size_of dumb-init)" "$(hwm_of dumb-init)"
    printf '%s\t%s\t%s\n' "catatonit" "$(size_of catatonit)" "$(hwm_of catatonit --)"
} >"$OUT/init.extra"

echo "== run: /bin/true in new pid, mount, uts, ipc, net and cgroup namespaces with a fresh /proc"
gcc -O2 -static -nostdlib -no-pie -fno-stack-protector -o "$WORK/ns-floor" scripts/bench/ns-floor.c
# crun and runc need an OCI bundle: the busybox rootfs and a config with the same namespaces.
BUNDLE=$WORK/bundle
if [ ! -f "$BUNDLE/config.json" ]; then
    rm -rf "$BUNDLE" && mkdir -p "$BUNDLE"
    scripts/mkrootfs.sh "$BUNDLE/rootfs"
    (cd "$BUNDLE" && crun spec)
    python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"] = {"path": "rootfs", "readonly": True}
c["linux"]["namespaces"] = [{"type": t} for t in ["pid", "mount", "uts", "ipc", "network", "cgroup"]]
c["linux"].pop("resources", None)
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
fi
# crun refuses this hybrid cgroup host; in a private mount namespace where the empty v2
# hierarchy is covered by a tmpfs it runs. Every command of the table runs there.
in_private_mnt() {
    unshare -m -- sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
}
in_private_mnt hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS_RUN" --export-json "$OUT/run.json" \
    -n "floor: unshare+fork+mount proc+exec, no libc" "$WORK/ns-floor /bin/true" \
    -n "husk run -a --proc" "$HUSK run -a --proc -- /bin/true" \
    -n "husk run -a --proc --map-root" "$HUSK run -a --proc --map-root -- /bin/true" \
    -n "husk run -a --proc --privileged" "$HUSK run -a --proc --privileged -- /bin/true" \
    -n "unshare --fork -pmuinC --mount-proc" "unshare --fork --pid --mount --uts --ipc --net --cgroup --mount-proc /bin/true" \
    -n "bwrap --unshare-all" "bwrap --unshare-all --bind / / --proc /proc --dev /dev /bin/true" \
    -n "crun run" "crun run -b $BUNDLE husk-bench-crun-$$" \
    -n "runc run" "runc run -b $BUNDLE husk-bench-runc-$$" >"$WORK/run.log"
{
    printf '%s\t%s\t\n' "husk run -a --proc" "$(stat -c %s "$HUSK")"
    printf '%s\t%s\t\n' "unshare --fork -pmuinC --mount-proc" "$(size_of unshare)"
    printf '%s\t%s\t\n' "bwrap --unshare-all" "$(size_of bwrap)"
    printf '%s\t%s\t\n' "crun run" "$(size_of crun)"
    printf '%s\t%s\t\n' "runc run" "$(size_of runc)"
} >"$OUT/run.extra"

echo "== net: /bin/true in a new network namespace wired to its host by a veth pair"
gcc -O2 -static -nostdlib -no-pie -fno-stack-protector -o "$WORK/net-floor" scripts/bench/net-floor.c
RUNS_NET=${BENCH_RUNS_NET:-$((RUNS / 4))}
# In a network namespace of the bench's own, playing the host (the machine's network is never
# touched), and a private mount namespace with a tmpfs on /run (so the /var/run/netns that
# `ip netns add` makes is the bench's own too).
unshare --net --mount --propagation private -- sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' sh \
    hyperfine -N --style basic --warmup "$((WARMUP / 4))" --runs "$RUNS_NET" --export-json "$OUT/net.json" \
    -n "floor: netns+veth+addresses+up+route, no libc" "$WORK/net-floor /bin/true" \
    -n "husk run --net --veth" "$HUSK run --net --veth :eth0 --ip 10.200.0.2/24 --host-ip 10.200.0.1/24 --route default -- /bin/true" \
    -n "ip netns/link/addr/route (the seed's way)" "scripts/bench/ip-route.sh /bin/true" >"$WORK/net.log"


echo "== exec: /bin/true in all the namespaces of a running container"
# The target: a container with its own pid, mount (pivoted root), uts, ipc, net and
# cgroup namespaces, named for husk exec, stopped after the table.
EXEC_NAME=husk-bench-$$
"$HUSK" run --name "$EXEC_NAME" -a --rootfs "$BUNDLE/rootfs" -- sleep 100000 &
EXEC_RUN=$!
trap 'kill -TERM $EXEC_RUN 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "/run/husk/$EXEC_NAME" ] && break; sleep 0.01; done
EXEC_PID=$(cut -d' ' -f1 "/run/husk/$EXEC_NAME" | head -1)
hf exec \
    "nsenter -t PID -a /bin/true" "nsenter -t $EXEC_PID -a /bin/true" \
    "husk exec NAME -- /bin/true" "$HUSK exec $EXEC_NAME -- /bin/true" \
    "husk exec PID -- /bin/true" "$HUSK exec $EXEC_PID -- /bin/true"
kill -TERM "$EXEC_RUN"
wait "$EXEC_RUN" || true
trap - EXIT
{
    printf '%s\t%s\t\n' "nsenter -t PID -a /bin/true" "$(size_of nsenter)"
    printf '%s\t%s\t\n' "husk exec NAME -- /bin/true" "$(stat -c %s "$HUSK")"
} >"$OUT/exec.extra"

echo "== cgroup: isolated launches (50 ms idle before each), without and with limits (cgroup v1 here)"
RUNS_CG=${BENCH_RUNS_CG:-200}
hyperfine -N --style basic --warmup 5 --runs "$RUNS_CG" --prepare "sleep 0.05" --export-json "$OUT/cgroup.json" \
    -n "husk run -a --proc" "$HUSK run -a --proc -- /bin/true" \
    -n "husk run -a --proc --memory 64M" "$HUSK run -a --proc --memory 64M -- /bin/true" \
    -n "husk run -a --proc --memory 64M --pids 100 --cpus 1" "$HUSK run -a --proc --memory 64M --pids 100 --cpus 1 -- /bin/true" >"$WORK/cgroup.log"
# cgroup v2 in the VM (husk its PID 1, every controller), beside the floor that does only
# the launch and the limit (scripts/bench/cg-floor.c). Under TCG when the host has no
# nested virtualisation: every time there is inflated alike; read the ratios.
VM_CG=${BENCH_VM_RUNS:-100}
scripts/vm-test.sh --cgroup-bench "$VM_CG" | tee "$WORK/cgroup-v2.log"

echo "== security: what the default capability drop and seccomp filter cost a launch (--timings)"
timing_medians() { # timing_medians N ARGS...: median of each --timings phase over N runs
    local n=$1
    shift
    for _ in $(seq "$n"); do "$HUSK" run --timings "$@" -- /bin/true 2>&1 >/dev/null; done |
        python3 -c '
import collections, statistics, sys
v = collections.defaultdict(list)
for line in sys.stdin:
    w = line.split()
    if len(w) == 2 and w[1].isdigit():
        v[w[0]].append(int(w[1]))
print(" ".join(f"{k} {statistics.median(x):g}" for k, x in v.items()))'
}
SEC_RUNS=${BENCH_RUNS_SEC:-300}
SEC_DEFAULT=$(timing_medians "$SEC_RUNS" -a --proc)
SEC_PRIV=$(timing_medians "$SEC_RUNS" -a --proc --privileged)
echo "  default:      $SEC_DEFAULT"
echo "  --privileged: $SEC_PRIV"

python3 scripts/bench/report.py "$OUT" "init|/bin/true|husk init" \
    "run|floor: unshare+fork+mount proc+exec, no libc|husk run -a --proc|ratio" \
    "net|floor: netns+veth+addresses+up+route, no libc|husk run --net --veth|ratio" \
    "exec|nsenter -t PID -a /bin/true|husk exec NAME -- /bin/true|ratio" \
    "cgroup|husk run -a --proc|husk run -a --proc --memory 64M|ratio"
gnuplot "$OUT/results.gp"
HUSK64=$PWD/target/aarch64-unknown-linux-musl/release/husk
{
    echo "## cgroup v2 (in the VM)"
    echo
    echo "\`scripts/vm-test.sh --cgroup-bench $VM_CG\`: $(head -n 1 "$WORK/cgroup-v2.log")"
    echo "Medians in ms, each launch timed by the probe from spawn to exit."
    echo
    echo "| launch | median ms | × the same launch without cgroups |"
    echo "|---|---:|---:|"
    awk '$2 == "median" {m[$1] = $3 / 1000; o[++n] = $1}
        END {
            d["bare"] = "`/bin/true`"; d["floor"] = "floor: `cg-floor /bin/true`"
            d["floor-memory"] = "floor: `cg-floor -m /bin/true` (memory.max, CLONE_INTO_CGROUP)"
            d["run"] = "`husk run -a --proc`"; d["memory"] = "`husk run -a --proc --memory 64M`"
            d["limits"] = "`husk run -a --proc --memory 64M --pids 100 --cpus 1`"
            b["floor-memory"] = "floor"; b["memory"] = "run"; b["limits"] = "run"
            for (i = 1; i <= n; i++) {
                k = o[i]; r = (k in b) ? sprintf("%.2f", m[k] / m[b[k]]) : "—"
                printf "| %s | %.3f | %s |\n", d[k], m[k], r
            }
        }' "$WORK/cgroup-v2.log"
    echo
    echo "## security (\`husk run -a --proc --timings\`, medians of $SEC_RUNS launches, µs)"
    echo
    echo "| | phases |"
    echo "|---|---|"
    echo "| default (Docker's capabilities, seccomp filter, no_new_privs) | $SEC_DEFAULT |"
    echo "| \`--privileged\` (none of them) | $SEC_PRIV |"
    echo
    echo "## husk binaries"
    echo
    echo "| target | bytes | |"
    echo "|---|---:|---|"
    echo "| x86_64 (\`make\`) | $(stat -c %s "$HUSK") | $(file -b "$HUSK" | cut -d, -f1-4) |"
    echo "| aarch64 (\`make cross\`) | $(stat -c %s "$HUSK64") | $(file -b "$HUSK64" | cut -d, -f1-4) |"
    echo
    echo "The budget is 65536 bytes (64 KiB) for each: not met yet."
} >>"$OUT/results.md"
echo
echo "husk binary: $(stat -c %s "$HUSK") bytes ($(file -b "$HUSK" | cut -d, -f1-4))"
echo "husk aarch64 binary: $(stat -c %s "$HUSK64") bytes ($(file -b "$HUSK64" | cut -d, -f1-4))"
echo "wrote $OUT/results.md and $OUT/results.png"
