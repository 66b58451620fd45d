# husk mounted each file system once, on a directory it created where none existed.
set -eu
for m in "/proc proc" "/sys sysfs" "/dev devtmpfs" "/dev/pts devpts" "/dev/shm tmpfs" \
    "/run tmpfs" "/sys/fs/cgroup cgroup2"; do
    set -- $m
    n=$(awk -v p="$1" -v t="$2" '$5 == p && $(NF-2) == t' /proc/self/mountinfo | wc -l)
    [ "$n" = 1 ] || { echo "$1: $n mounts of type $2"; cat /proc/self/mountinfo; exit 1; }
done
grep -q ' /dev/pts .*ptmxmode=666' /proc/self/mountinfo || { echo "devpts without ptmxmode=666"; exit 1; }
[ -c /dev/pts/ptmx ] || { echo "no /dev/pts/ptmx"; exit 1; }
echo "proc sysfs devtmpfs devpts tmpfs(/dev/shm,/run) cgroup2 mounted once each"
