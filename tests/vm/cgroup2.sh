# cgroup2 is mounted on /sys/fs/cgroup with its controllers available.
set -eu
grep -q ' /sys/fs/cgroup .* - cgroup2 ' /proc/self/mountinfo || { echo "no cgroup2"; exit 1; }
c=$(cat /sys/fs/cgroup/cgroup.controllers)
for want in cpu memory pids io; do
    case " $c " in *" $want "*) ;; *) echo "controller $want missing: $c"; exit 1 ;; esac
done
echo "controllers: $c"
