# husk run in a booted kernel: every namespace new (user, mnt, pid, net, uts, ipc, cgroup),
# the id map, the hostname, husk as PID 1 with a fresh /proc, lo up, exit status out.
set -eu
out=$(husk run -a -U --map-root --hostname vmbox --proc -- sh -c '
    hostname; cat /proc/1/comm; cat /proc/self/uid_map | tr -s " "
    ip -o link show lo | grep -q "UP" && echo lo-up
    for t in user mnt pid net uts ipc cgroup; do echo "$t $(readlink /proc/self/ns/$t)"; done')
set -- $out
[ "$1" = vmbox ] || { echo "hostname: $out"; exit 1; }
[ "$2" = husk ] || { echo "PID 1 inside: $out"; exit 1; }
echo "$out" | grep -q "^ *0 0 1" || { echo "uid_map: $out"; exit 1; }
echo "$out" | grep -q lo-up || { echo "lo: $out"; exit 1; }
for t in user mnt pid net uts ipc cgroup; do
    inside=$(echo "$out" | awk -v t=$t '$1 == t {print $2}')
    [ -n "$inside" ] && [ "$inside" != "$(readlink /proc/self/ns/$t)" ] || { echo "$t not new: $out"; exit 1; }
done
set +e
husk run -p -- sh -c 'exit 7'
[ $? = 7 ] || { echo "exit status lost"; exit 1; }
set -e
echo "all seven namespaces new; PID 1 husk; lo up; status passed out"
