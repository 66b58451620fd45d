# modules= on the kernel command line: husk loaded them (finit_module) before the command.
set -eu
list=$(sed -n 's/.*modules=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
[ -n "$list" ] || { echo "no modules= on the command line"; exit 1; }
for m in $list; do
    grep -q "^$m " /proc/modules || { echo "$m not loaded"; cat /proc/modules; exit 1; }
done
case " $list " in *" veth "*)
    ip link add hv0 type veth peer name hv1
    ip link del hv0
esac
echo "loaded: $list"
