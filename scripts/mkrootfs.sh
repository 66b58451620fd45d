#!/bin/sh
# mkrootfs.sh DIR [EXTRA_BINARY...]: a small root file system from Debian's busybox-static,
# for the tests and the demo. Extra static binaries are copied to DIR/bin.
set -eu
dir=$1
shift
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] && file -L "$bb" | grep -q "statically linked" || {
    echo "mkrootfs: needs a static busybox (apt-get install busybox-static)" >&2
    exit 1
}
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/root" "$dir/run"
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
ln -s bin "$dir/sbin"
mkdir -p "$dir/usr"
ln -s ../bin "$dir/usr/bin"
ln -s ../bin "$dir/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
echo husk >"$dir/etc/hostname"
for b in "$@"; do
    cp "$b" "$dir/bin/"
done
