# husk run's cgroup limits on pure cgroup v2 (here husk is PID 1 in the root cgroup):
# the child is born in its cgroup (CLONE_INTO_CGROUP: its very first look at
# /proc/self/cgroup shows it), the limits are in its files, an OOM kill is read from
# memory.events and reported with 137, a nested --cgroup-parent works, nothing is left.
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
mkdir -p $cg/vmnest/inner
echo "+memory +pids" >$cg/cgroup.subtree_control
echo "+memory +pids" >$cg/vmnest/cgroup.subtree_control
p=$(husk run --cgroup-parent /vmnest/inner --pids 5 -- cut -d: -f3 /proc/self/cgroup)
case "$p" in /vmnest/inner/husk-*) ;; *) echo "nested parent: $p"; exit 1 ;; esac
left=$(find $cg -name 'husk-*' -type d)
[ -z "$left" ] || { echo "left behind: $left"; exit 1; }
rmdir $cg/vmnest/inner $cg/vmnest
echo "born in $1; memory, pids, cpu set; OOM reported (137); nested parent; nothing left"
