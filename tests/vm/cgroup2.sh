# cgroup2 is mounted on /sys/fs/cgroup with its controllers available, and usable: a child
# group gets memory and pids limits once the root delegates them (the root's
# cgroup.subtree_control starts empty: whoever makes groups must write it).
set -eu
grep -q ' /sys/fs/cgroup .* - cgroup2 ' /proc/self/mountinfo || { echo "no cgroup2"; exit 1; }
c=$(cat /sys/fs/cgroup/cgroup.controllers)
for want in cpu memory pids io; do
    case " $c " in *" $want "*) ;; *) echo "controller $want missing: $c"; exit 1 ;; esac
done
echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
g=/sys/fs/cgroup/vmtest.$$
mkdir "$g"
echo 8M >"$g/memory.max"
echo 5 >"$g/pids.max"
[ "$(cat "$g/memory.max")" = 8388608 ] && [ "$(cat "$g/pids.max")" = 5 ] || { echo "limits not set"; exit 1; }
rmdir "$g"
echo "controllers: $c"
