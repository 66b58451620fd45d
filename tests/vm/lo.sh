# husk brought lo up; the kernel then gave it 127.0.0.1/8 and ::1.
set -eu
ip link show lo | grep -q 'state UNKNOWN\|,UP' || { ip link show lo; exit 1; }
a=$(ip addr show dev lo)
echo "$a" | grep -q 'inet 127.0.0.1/8' || { echo "$a"; exit 1; }
echo "$a" | grep -q 'inet6 ::1/128' || { echo "$a"; exit 1; }
ping -c 1 -W 2 127.0.0.1 >/dev/null || { echo "ping 127.0.0.1 failed"; exit 1; }
ping6 -c 1 -W 2 ::1 >/dev/null || { echo "ping6 ::1 failed"; exit 1; }
echo "lo up with 127.0.0.1/8 and ::1/128, both answer ping"
