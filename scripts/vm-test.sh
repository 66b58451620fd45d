#!/usr/bin/env bash
# husk as a real kernel's PID 1: boots Debian's kernel in qemu with husk as /init and checks
# what happens from the console. Run by `make test`.
#
#   scripts/vm-test.sh             every boot below; exit 1 if anything failed
#   scripts/vm-test.sh --bench N   N boots of `husk --timings /bin/echo`: medians of the times
#   scripts/vm-test.sh --cgroup-bench N   one boot: N isolated launches of husk run with and
#                                  without --memory on cgroup v2 (tests/vm/lib/cgbench)
#   scripts/vm-test.sh --shell     an interactive boot: husk runs /bin/sh on this terminal
#
# Cases: each tests/vm/*.sh runs inside the first boot (tests/vm/lib/run prints one
# `VMTEST <name> PASS|FAIL <detail>` line per case); the other boots check shutdown on
# signals, Ctrl-Alt-Del, --on-exit restart and halt, and a bad command line. Expected cases that print nothing fail, and so does any boot that panics or does
# not end with the kernel's own "reboot: Power down" / "reboot: Restarting system".
#
# Environment: HUSK (the x86_64 husk, default target/release/husk), PROBE (the static probe,
# shipped as /bin/probe when it exists), VM_EXTRA (more static programs for /bin, separated
# by spaces), VM_TIMEOUT (seconds per boot, default 60), VM_MEM (default 256M).
#
# The kernel is Debian's linux-image-*-amd64 (the one linux-image-amd64 depends on), taken
# with apt-get download and dpkg-deb, never installed: target/vm/cache keeps the vmlinux
# extracted from its bzImage (booted directly through its PVH entry: no decompression)
# and the modules husk loads. `rm -rf target/vm/cache` fetches it again.
set -euo pipefail
trap 'echo "vm-test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
ROOT=$PWD
HUSK=${HUSK:-$ROOT/target/release/husk}
PROBE=${PROBE:-$ROOT/target/x86_64-unknown-linux-musl/release/probe}
WORK=$ROOT/target/vm
CACHE=$WORK/cache
TIMEOUT=${VM_TIMEOUT:-60}
# Loaded by the boots that test modules; Debian builds them as modules (bridge needs llc, stp).
MODULES="veth llc stp bridge overlay"

die() {
    echo "vm-test: $*" >&2
    exit 1
}

for tool in qemu-system-x86_64 cpio apt-get dpkg-deb xz busybox timeout; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing: the VM tests did NOT run (scripts/deps.sh vm installs what they need)"
done
[ -x "$HUSK" ] || die "$HUSK is missing: run make first"
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
    die "$BUSYBOX is not static: install busybox-static"

# --- the kernel --------------------------------------------------------------------------
fetch_kernel() {
    [ -s "$CACHE/vmlinux" ] && [ -s "$CACHE/version" ] && return
    echo "vm-test: fetching Debian's kernel into $CACHE (once)"
    rm -rf "$CACHE"
    mkdir -p "$CACHE/dl" "$CACHE/modules"
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
    if [ -z "$pkg" ]; then
        apt-get update -qq >/dev/null
        pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
    fi
    [ -n "$pkg" ] || die "apt knows no linux-image-amd64"
    (cd "$CACHE/dl" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
        die "apt-get download $pkg failed"
    local pats=("./boot/vmlinuz-*") m
    for m in $MODULES; do pats+=("*/$m.ko"); done
    dpkg-deb --fsys-tarfile "$CACHE"/dl/"$pkg"_*.deb | tar -x -C "$CACHE/dl" --wildcards "${pats[@]}"
    # bzImage: the compressed kernel starts payload_offset bytes after the setup sectors
    # ((setup_sects + 1) * 512); its length is payload_length (boot protocol 2.08+).
    local bz ss po pl
    bz=$(echo "$CACHE"/dl/boot/vmlinuz-*)
    ss=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz")
    po=$(od -An -tu4 -j $((0x248)) -N4 "$bz")
    pl=$(od -An -tu4 -j $((0x24c)) -N4 "$bz")
    head -c $(((ss + 1) * 512 + po + pl)) "$bz" | tail -c $((pl)) >"$CACHE/payload"
    case $(od -An -tx1 -N2 "$CACHE/payload" | tr -d ' ') in
    fd37) xz -dc --single-stream <"$CACHE/payload" >"$CACHE/vmlinux" ;;
    1f8b) gzip -dc <"$CACHE/payload" >"$CACHE/vmlinux" 2>/dev/null || true ;;
    *) die "$bz: unknown compression" ;;
    esac
    head -c 4 "$CACHE/vmlinux" | grep -q ELF || die "could not extract vmlinux from $bz"
    for m in $MODULES; do
        find "$CACHE/dl/lib/modules" -name "$m.ko" -exec cp {} "$CACHE/modules/" \;
        [ -s "$CACHE/modules/$m.ko" ] || die "$pkg has no $m.ko"
    done
    rm -rf "$CACHE/dl" "$CACHE/payload"
    echo "$pkg" >"$CACHE/version"
}

# --- the initramfs -----------------------------------------------------------------------
# /init is husk (also /bin/husk); busybox and its applets in /bin; the cases in /vm/cases;
# the modules in /lib/modules; no /proc, /sys or /run: husk creates them. Uncompressed: the
# kernel unpacks it faster than it would decompress it.
build_initramfs() {
    local r=$WORK/root a
    rm -rf "$r"
    mkdir -p "$r/bin" "$r/vm/cases" "$r/lib/modules" "$r/tmp" "$r/etc"
    cp "$HUSK" "$r/init"
    ln -s ../init "$r/bin/husk"
    cp "$BUSYBOX" "$r/bin/busybox"
    for a in $("$BUSYBOX" --list); do
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
    cp tests/vm/*.sh "$r/vm/cases/"
    cp tests/vm/lib/* "$r/vm/"
    cp "$CACHE"/modules/*.ko "$r/lib/modules/"
    [ -x "$PROBE" ] && cp "$PROBE" "$r/bin/probe"
    for a in ${VM_EXTRA:-}; do cp "$a" "$r/bin/"; done
    echo "root:x:0:0:root:/:/bin/sh" >"$r/etc/passwd"
    echo "tty:x:5:" >"$r/etc/group"
    (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$WORK/initrd.cpio"
}

# --- booting -----------------------------------------------------------------------------
ACCEL=(-accel tcg)
# /dev/kvm can exist where nested virtualisation does not: trust the CPU flags.
if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ]; then
    ACCEL=(-accel kvm -cpu host)
fi
# The host's TSC rate: a TCG guest that calibrates its own on a loaded host can get it
# wrong (a clock 2.7x slow) or hang.
KHZ=$(awk -F: '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
KHZ_ARGS=""
[ -n "$KHZ" ] && [ "$KHZ" -gt 0 ] && KHZ_ARGS="tsc_early_khz=$KHZ tsc=reliable"

# Then -serial and -append.
QEMU=(qemu-system-x86_64 -M pc "${ACCEL[@]}" -m "${VM_MEM:-256M}" -smp 1 -nodefaults
    -nographic -no-reboot -monitor none -kernel "$CACHE/vmlinux" -initrd "$WORK/initrd.cpio")

append_line() { # append_line PARAMS INIT-ARGS...: the kernel command line
    local params=$1
    shift
    echo "console=ttyS0 rdinit=/init init=/init panic=-1 quiet $KHZ_ARGS $params -- $*"
}

# boot NAME PARAMS INIT-ARGS...: one boot, console in target/vm/NAME.console, what
# $BOOT_INPUT holds typed on it. Bounded by $TIMEOUT; tried again once when the console
# stayed empty (a rare early hang under TCG).
boot() {
    local name=$1 params=$2 con=$WORK/$1.console try t0
    shift 2
    # Newlines first: the UART may drop what comes before the kernel has set it up.
    : >"$WORK/$name.input"
    if [ -n "${BOOT_INPUT:-}" ]; then
        printf '\n%.0s' $(seq 40) >"$WORK/$name.input"
        printf '%s' "$BOOT_INPUT" >>"$WORK/$name.input"
    fi
    for try in 1 2; do
        rm -f "$con"
        t0=$EPOCHREALTIME
        timeout "$TIMEOUT" "${QEMU[@]}" -serial stdio -append "$(append_line "$params" "$@")" \
            <"$WORK/$name.input" >"$con" 2>&1 || true
        BOOT_MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}')
        [ -s "$con" ] && return
        echo "vm-test: boot $name: empty console, booting again"
    done
}

# boot_watch NAME MARKER KEYS PARAMS INIT-ARGS...: a boot whose console is also qemu's
# monitor. Once the console shows MARKER, KEYS are pressed (qemu's sendkey), or with no
# KEYS qemu is stopped (after a halt, qemu would wait forever).
boot_watch() {
    local name=$1 marker=$2 keys=$3 params=$4 con=$WORK/$1.console fifo=$WORK/$1.in q i t0
    shift 4
    rm -f "$con" "$fifo"
    mkfifo "$fifo"
    t0=$EPOCHREALTIME
    timeout "$TIMEOUT" "${QEMU[@]}" -serial mon:stdio -append "$(append_line "$params" "$@")" \
        <"$fifo" >"$con" 2>&1 &
    q=$!
    exec 3>"$fifo"
    for i in $(seq $((TIMEOUT * 10))); do
        grep -aq "$marker" "$con" 2>/dev/null && break
        kill -0 "$q" 2>/dev/null || break
        sleep 0.1
    done
    if [ -n "$keys" ]; then
        # Ctrl-A c: from the serial port to the monitor.
        printf '\001c' >&3
        sleep 0.2
        printf 'sendkey %s\n' "$keys" >&3
    else
        sleep 0.2
        kill "$q" 2>/dev/null || true
    fi
    wait "$q" || true
    exec 3>&-
    rm -f "$fifo"
    BOOT_MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}')
}

# --- verdicts ----------------------------------------------------------------------------
PASSED=0
FAILED=0
report() { # report PASS|FAIL NAME DETAIL
    if [ "$1" = PASS ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    printf 'vm: %s %s %s\n' "$1" "$2" "$3"
}

# expect BOOT NAME TEXT WHAT: a host-side case, TEXT on the console.
expect() {
    if grep -aqF -- "$3" "$WORK/$1.console"; then
        report PASS "$1/$2" "$4"
    else
        report FAIL "$1/$2" "no \"$3\" on the console"
    fi
}

# cases BOOT NAME...: the VMTEST lines the boot must have printed.
cases() {
    local b=$1 n line verdict detail
    shift
    for n in "$@"; do
        line=$(grep -ao "VMTEST $n \(PASS\|FAIL\).*" "$WORK/$b.console" | tail -n 1 | tr -d '\r' || true)
        if [ -z "$line" ]; then
            report FAIL "$b/$n" "no result on the console (case missing or hung)"
            continue
        fi
        verdict=${line#VMTEST "$n" }
        detail=${verdict#* }
        report "${verdict%% *}" "$b/$n" "$detail"
    done
}

# Every boot: no panic, and the kernel's own last word is the expected one.
ended() { # ended BOOT "reboot: Power down"|"reboot: Restarting system"
    local con=$WORK/$1.console
    if grep -aq "Kernel panic" "$con"; then
        report FAIL "$1/no-panic" "$(grep -a -m1 'Kernel panic' "$con" | tr -d '\r')"
    else
        report PASS "$1/no-panic" "no kernel panic"
    fi
    expect "$1" clean-end "$2" "\"$2\" after ${BOOT_MS} ms"
}

show_failed_console() {
    local b
    for b in "$@"; do
        if grep -aq "VMTEST .* FAIL\|Kernel panic" "$WORK/$b.console" ||
            ! grep -aq "reboot: " "$WORK/$b.console"; then
            echo "---- target/vm/$b.console ----"
            tail -n 40 "$WORK/$b.console"
        fi
    done
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

run_tests() {
    local all=() f
    for f in tests/vm/*.sh; do
        f=${f##*/}
        all+=("${f%.sh}")
    done

    boot main "hostname=huskvm modules=veth,overlay" --timings /vm/run
    cases main "${all[@]}"
    expect main exit-status "husk: /vm/run exited with status 3" "the command's exit status printed"
    expect main timings "husk: boot timings (us):" "$(grep -ao 'boot timings.*' "$WORK/main.console" | tr -d '\r' || true)"
    ended main "reboot: Power down"

    # --hostname and --modules DIR from husk's own arguments, SIGTERM (reboot), and the
    # orderly shutdown: SIGTERM to everyone, --grace, SIGKILL for what ignored it.
    local mods=${MODULES// /,}
    boot term "" --hostname vmterm --modules /lib/modules --grace 0.5 /vm/signal TERM vmterm "$mods"
    cases term hostname-option modules-dir shutdown-term
    expect term request "husk: SIGTERM: shutting down" "SIGTERM to PID 1 asks for a reboot"
    expect term grace-kill "grace period over: killed" "SIGKILL once --grace ran out"
    ended term "reboot: Restarting system"

    boot usr2 "" --grace 0.5 /vm/signal USR2
    cases usr2 shutdown-term
    expect usr2 request "husk: SIGUSR2: shutting down" "SIGUSR2 to PID 1 asks for a power-off"
    ended usr2 "reboot: Power down"

    # Ctrl-Alt-Del on the (emulated) keyboard: the kernel sends SIGINT to PID 1 because
    # husk turned CAD off with reboot(2); SIGINT asks for a reboot.
    boot_watch cad "VMTEST ready" ctrl-alt-delete "" --grace 0.5 /vm/signal CAD
    cases cad ready shutdown-term
    expect cad request "husk: SIGINT: shutting down" "Ctrl-Alt-Del reaches PID 1 as SIGINT"
    ended cad "reboot: Restarting system"

    # --on-exit restart runs the command again; SIGUSR1 halts (qemu then waits forever).
    boot_watch restart "reboot: System halted" "" "" --on-exit restart --grace 0.3 /vm/restart
    cases restart run-1 run-2
    expect restart once "husk: /vm/restart exited with status 0" "the first run's end reported"
    expect restart request "husk: SIGUSR1: shutting down" "SIGUSR1 to PID 1 asks for a halt"
    ended restart "reboot: System halted"

    # A mistyped option must not panic the kernel: husk says so and runs /bin/sh on the
    # console, where this boot types two commands.
    BOOT_INPUT="echo VMTEST shell PASS the console takes commands; exit 7
" boot badargs "" --no-such-option /vm/run
    cases badargs shell
    expect badargs message "husk: booting /bin/sh instead" "a bad option: /bin/sh instead of a panic"
    expect badargs exit-status "husk: /bin/sh exited with status 7" "the shell's exit status printed"
    ended badargs "reboot: Power down"

    [ "$FAILED" = 0 ] || show_failed_console main term usr2 cad restart badargs
    echo "vm: $PASSED passed, $FAILED failed ($(cat "$CACHE/version"), ${ACCEL[1]})"
    [ "$FAILED" = 0 ]
}

# --bench N: boot to the command's first output and to power-off, from the host's clock
# (qemu's start to the line on its serial port, and to qemu's exit), and husk's own share
# (its --timings: the kernel's monotonic clock when husk started, and husk's steps).
run_bench() {
    local n=$1 i t0 first off line
    : >"$WORK/bench.tsv"
    for i in $(seq "$n"); do
        t0=$EPOCHREALTIME
        first=""
        while IFS= read -r line; do
            line=${line%$'\r'}
            [ -z "$first" ] && [ "$line" = husk-first-output ] && first=$EPOCHREALTIME
            printf '%s\n' "$line"
        done < <(timeout "$TIMEOUT" "${QEMU[@]}" -serial stdio -append "$(append_line "" --timings /bin/echo husk-first-output)" </dev/null 2>&1) >"$WORK/bench.console"
        off=$EPOCHREALTIME
        line=$(grep -ao 'boot timings.*' "$WORK/bench.console" | tr -d '\r')
        grep -aq "reboot: Power down" "$WORK/bench.console" && [ -n "$first" ] || {
            cat "$WORK/bench.console"
            die "bench boot $i did not print and power off"
        }
        awk -v t0="$t0" -v f="$first" -v o="$off" -v l="$line" 'BEGIN {
            n = split(l, w, " "); for (i = 1; i < n; i++) v[w[i]] = w[i + 1]
            printf "%d\t%d\t%d\t%d\n", (f - t0) * 1000, (o - t0) * 1000, v["kernel"] / 1000, v["total"]
        }' >>"$WORK/bench.tsv"
        echo "boot $i: $(tail -n 1 "$WORK/bench.tsv")  ($line)"
    done
    echo "medians over $n boots ($(cat "$CACHE/version"), ${ACCEL[1]}):"
    echo "  qemu start -> command's first output: $(cut -f1 "$WORK/bench.tsv" | median) ms"
    echo "  qemu start -> power-off (qemu exits): $(cut -f2 "$WORK/bench.tsv" | median) ms"
    echo "  kernel start -> husk starts:          $(cut -f3 "$WORK/bench.tsv" | median) ms (guest clock)"
    echo "  husk start -> command runs:           $(cut -f4 "$WORK/bench.tsv" | median) us (husk --timings)"
}

# --cgroup-bench N: the medians tests/vm/lib/cgbench prints, in microseconds.
run_cgroup_bench() {
    boot cgbench "" /vm/cgbench "$1"
    grep -aq "CGBENCH limits" "$WORK/cgbench.console" || {
        tail -n 40 "$WORK/cgbench.console"
        die "the cgroup bench boot did not finish"
    }
    if grep -aq "CGBENCH left-behind" "$WORK/cgbench.console"; then
        die "$(grep -ao "CGBENCH left-behind.*" "$WORK/cgbench.console")"
    fi
    echo "isolated launches on cgroup v2, $1 each, 50 ms apart ($(cat "$CACHE/version"), ${ACCEL[1]}):"
    grep -ao "CGBENCH .*" "$WORK/cgbench.console" | tr -d '\r' | sed 's/^CGBENCH /  /'
}

mkdir -p "$WORK"
if [ "${1:-}" = --cgroup-bench ]; then
    gcc -O2 -static -nostdlib -no-pie -fno-stack-protector -o "$WORK/cg-floor" scripts/bench/cg-floor.c
    VM_EXTRA="${VM_EXTRA:-} $WORK/cg-floor"
fi
fetch_kernel
build_initramfs
case ${1:-} in
--bench) run_bench "${2:-5}" ;;
--cgroup-bench) run_cgroup_bench "${2:-50}" ;;
--shell)
    exec "${QEMU[@]}" -serial mon:stdio -append "$(append_line "hostname=husk" /bin/sh)"
    ;;
"") run_tests ;;
*) die "usage: scripts/vm-test.sh [--bench N | --cgroup-bench N | --shell]" ;;
esac
