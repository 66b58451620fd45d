# husk is PID 1, started by the kernel (parent pid 0), from /init.
set -eu
[ "$(readlink /proc/1/exe)" = /init ] || { echo "PID 1 is $(readlink /proc/1/exe)"; exit 1; }
ppid=$(awk '/^PPid:/ {print $2}' /proc/1/status)
[ "$ppid" = 0 ] || { echo "PID 1's parent is $ppid"; exit 1; }
echo "PID 1 is /init (husk), parent 0"
