# Orphans are re-parented to PID 1 (husk) and reaped when they exit: no zombie is left.
set -eu
pids=""
for i in 1 2 3; do
    pids="$pids $(sh -c 'sleep 0.3 >/dev/null 2>&1 & echo $!')"
done
for p in $pids; do
    pp=$(awk '/^PPid:/ {print $2}' /proc/$p/status 2>/dev/null || echo gone)
    [ "$pp" = 1 ] || [ "$pp" = gone ] || { echo "orphan $p has parent $pp"; exit 1; }
done
i=0
while [ $i -lt 100 ]; do
    left=""
    for p in $pids; do [ -e /proc/$p ] && left="$left $p"; done
    [ -z "$left" ] && break
    sleep 0.1
    i=$((i + 1))
done
[ -z "$left" ] || { echo "not reaped:$left"; grep State /proc/${left# }/status; exit 1; }
# The same with a compiled program, when the probe is in the image.
if [ -x /bin/probe ]; then
    out=$(probe orphans 3)
    [ "$out" = "reaped 3" ] || { echo "probe: $out"; exit 1; }
fi
echo "orphans$pids re-parented to PID 1 and reaped"
