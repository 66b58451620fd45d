# The host name came from hostname= on the kernel command line. Linux 5.19 and later set
# it themselves; older ones pass it to init as an environment variable, which husk takes
# (tests/boot.rs checks that part on the host).
set -eu
want=$(sed -n 's/.*hostname=\([^ ]*\).*/\1/p' /proc/cmdline)
got=$(hostname)
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "hostname '$got', command line wants '$want'"; exit 1; }
echo "hostname $got"
