#!/bin/sh
# Installs what husk's tests, demo or benchmarks need, when it is missing.
#   scripts/deps.sh test|demo|bench|vm|cross ...
# Debian packages are installed with apt-get (as root); Rust targets with rustup.
set -eu

pkgs_for() {
    case "$1" in
    test) echo "util-linux procps iproute2 iputils-ping busybox-static bsdutils file binutils" ;;
    demo) echo "util-linux procps iproute2 iputils-ping busybox-static" ;;
    bench) echo "hyperfine tini dumb-init catatonit util-linux bubblewrap crun runc gnuplot-nox gcc libc6-dev iproute2 busybox-static" ;;
    # scripts/vm-test.sh: qemu, an initramfs of busybox, Debian's kernel via apt-get download.
    vm) echo "qemu-system-x86 cpio xz-utils busybox-static file dpkg apt" ;;
    # make cross: the aarch64 build, tested under qemu-aarch64-static.
    cross) echo "qemu-user-static file" ;;
    *) echo "deps.sh: unknown group '$1'" >&2; exit 2 ;;
    esac
}

targets_for() {
    case "$1" in
    test|demo|bench|vm) echo "x86_64-unknown-linux-musl" ;;
    cross) echo "aarch64-unknown-linux-musl" ;;
    esac
}

missing=""
targets=""
for group in "$@"; do
    for p in $(pkgs_for "$group"); do
        case " $missing " in *" $p "*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    targets="$targets $(targets_for "$group")"
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing$missing"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "deps: missing Debian packages:$missing (run as root to install them)" >&2
    fi
fi

installed=$(rustup target list --installed 2>/dev/null || true)
for t in $targets; do
    case "$installed" in
    *"$t"*) ;;
    *) echo "deps: adding Rust target $t"; rustup target add "$t" >/dev/null ;;
    esac
done
