# husk run's cgroup limits on pure cgroup v2 (here husk is PID 1 in the root cgroup):
# the child is born in its cgroup (CLONE_INTO_CGROUP: its very first look at
# /proc/self/cgroup shows it), the limits are in its files, an OOM kill is read from
# memory.events and reported with 137 (also when the process killed is not CMD), a fork
# bomb stops at pids.max, a CPU quota throttles (cpu.stat), without clone3 the child is
# still put in its cgroup (cgroup.procs), a nested --cgroup-parent works, nothing is left.
set -eu
cg=/sys/fs/cgroup
out=$(husk run --memory 8M --pids 9 --cpus 0.5 -- sh -c '
    p=$(cut -d: -f3 /proc/self/cgroup); echo "$p"
    cat /sys/fs/cgroup$p/memory.max /sys/fs/cgroup$p/pids.max /sys/fs/cgroup$p/cpu.max')
set -- $out
case "$1" in /husk-*) ;; *) echo "not in a husk cgroup: $out"; exit 1 ;; esac
[ "$2" = 8388608 ] && [ "$3" = 9 ] && [ "$4 $5" = "50000 100000" ] || { echo "limits: $out"; exit 1; }
set +e
err=$(husk run --memory 4M -- probe hog 64 2>&1)
rc=$?
set -e
[ $rc = 137 ] || { echo "OOM status $rc: $err"; exit 1; }
echo "$err" | grep -q "killed by the OOM killer (memory limit 4 MiB)" || { echo "OOM message: $err"; exit 1; }
set +e
err=$(husk run --memory 4M -- sh -c 'probe hog 64; exit 3' 2>&1)
rc=$?
set -e
[ $rc = 137 ] || { echo "OOM of another process: status $rc: $err"; exit 1; }
echo "$err" | grep -q "husk: a process of the container was killed by the OOM killer (memory limit 4 MiB)" ||
    { echo "OOM of another process: $err"; exit 1; }
# A bounded fork bomb: 20 sleepers asked for, pids.max 8 refuses the rest (pids.events);
# in a subshell (a failed fork ends a non-interactive ash), read with builtins after.
out=$(husk run --pids 8 -p -- sh -c '
    f=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)
    (i=0; while [ $i -lt 20 ]; do sleep 100 & i=$((i+1)); done) 2>/dev/null
    read cur <$f/pids.current
    while read k v; do [ "$k" = max ] && m=$v; done <$f/pids.events
    echo "$cur max $m"')
set -- $out
[ "$1" -le 8 ] && [ "$2" = max ] && [ "$3" -ge 1 ] || { echo "fork bomb: $out"; exit 1; }
# A quota of 0.2 CPU: spinning gets throttled (bounded: at most 100 rounds of work).
out=$(husk run --cpus 0.2 -- sh -c '
    f=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/cpu.stat
    n=0; while [ $n -lt 100 ] && ! grep -q "^nr_throttled [1-9]" $f; do
        j=0; while [ $j -lt 2000 ]; do j=$((j+1)); done; n=$((n+1)); done
    grep "^nr_throttled" $f')
case "$out" in "nr_throttled "[1-9]*) ;; *) echo "cpu.stat: $out"; exit 1 ;; esac
# Without clone3 (a filter answers ENOSYS, as Docker's does, or EPERM): clone(2), and husk
# moves the child into its cgroup (cgroup.procs) before it goes on.
echo "clone3 errno ENOSYS" >/run/enosys
for f in "--seccomp-deny clone3" "--seccomp /run/enosys"; do
    out=$(husk run --privileged $f -- husk run --memory 8M -- sh -c '
        p=$(cut -d: -f3 /proc/self/cgroup); echo $p $(cat /sys/fs/cgroup$p/memory.max)')
    set -- $out
    case "$1 $2" in "/husk-"*" 8388608") ;; *) echo "without clone3 ($f): $out"; exit 1 ;; esac
done
rm /run/enosys
mkdir -p $cg/vmnest/inner
echo "+memory +pids" >$cg/cgroup.subtree_control
echo "+memory +pids" >$cg/vmnest/cgroup.subtree_control
p=$(husk run --cgroup-parent /vmnest/inner --pids 5 -- cut -d: -f3 /proc/self/cgroup)
case "$p" in /vmnest/inner/husk-*) ;; *) echo "nested parent: $p"; exit 1 ;; esac
left=$(find $cg -name 'husk-*' -type d)
[ -z "$left" ] || { echo "left behind: $left"; exit 1; }
rmdir $cg/vmnest/inner $cg/vmnest
echo "born in its cgroup; memory, pids, cpu set; OOM reported (137) for CMD and another; fork bomb stopped; throttled; no clone3: moved in; nested parent; nothing left"
