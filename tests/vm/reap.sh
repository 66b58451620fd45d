# Orphans are re-parented to PID 1 (husk) and reaped when they exit: no zombie is left.
set -eu
pids=""
for i in 1 2 3; do
    pids="$pids $(sh -c 'sleep 0.5 >/dev/null 2>&1 & echo $!')"
done
# Their parent sh has exited (it may still be finishing: its pipe closes before the kernel
# re-parents its children), so each is PID 1's now, unless already reaped.
for p in $pids; do
    i=0
    while pp=$(awk '/^PPid:/ {print $2}' /proc/$p/status 2>/dev/null) && [ -n "$pp" ] && [ "$pp" != 1 ]; do
        [ $i -lt 50 ] || { echo "orphan $p has parent $pp"; exit 1; }
        sleep 0.02
        i=$((i + 1))
    done
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
