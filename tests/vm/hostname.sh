# The host name came from hostname= on the kernel command line.
set -eu
want=$(sed -n 's/.*hostname=\([^ ]*\).*/\1/p' /proc/cmdline)
got=$(hostname)
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "hostname '$got', command line wants '$want'"; exit 1; }
echo "hostname $got"
