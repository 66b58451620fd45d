# husk — the two commands a new user needs: `make demo` and `make test`.
CARGO   ?= cargo
HUSK    := target/release/husk
PROBE   := target/x86_64-unknown-linux-musl/release/probe
HUSK64  := target/aarch64-unknown-linux-musl/release/husk

.PHONY: all husk probe rootfs cross cross-probe test vm-test vm-bench vm-shell demo bench deps-test fmt lint clean

all: husk

husk:
	$(CARGO) build --release --bin husk
	@file $(HUSK) | grep -q "statically linked" || { echo "$(HUSK) is not static" >&2; exit 1; }
	@echo "$(HUSK): $$(stat -c %s $(HUSK)) bytes, $$(file -b $(HUSK) | cut -d, -f1-4)"

probe:
	$(CARGO) build --release -p husk-probe --target x86_64-unknown-linux-musl

# A busybox root file system with the probe in /bin, for the tests and the demo.
rootfs: probe
	@scripts/mkrootfs.sh target/rootfs $(PROBE)

# husk for aarch64: static, linked by rust-lld (no C cross toolchain), see build.rs.
cross:
	@scripts/deps.sh cross
	$(CARGO) build --release --bin husk --target aarch64-unknown-linux-musl
	@file $(HUSK64) | grep -q "statically linked" || { echo "$(HUSK64) is not static" >&2; exit 1; }
	@echo "$(HUSK64): $$(stat -c %s $(HUSK64)) bytes, $$(file -b $(HUSK64) | cut -d, -f1-4)"

# The probe for aarch64 (not needed by the tests, which run the host's probe under the
# emulated husk): a std program, so it needs musl's start files, which rust-lld takes from
# the Rust target (link-self-contained=yes, which husk itself must not have).
cross-probe:
	@scripts/deps.sh cross
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C linker-flavor=ld.lld -C link-self-contained=yes" \
		$(CARGO) build --release -p husk-probe --target aarch64-unknown-linux-musl

deps-test:
	@scripts/deps.sh test vm cross

# Unit tests (pure code, no root), integration tests (the real kernel, as root; the aarch64
# build under qemu-aarch64-static), then husk as PID 1 of a kernel booted in qemu.
test: deps-test husk probe rootfs cross
	@[ "$$(id -u)" = 0 ] || echo "NOTE: not root: tests that need root print SKIP and pass"
	HUSK=$(CURDIR)/$(HUSK) PROBE=$(CURDIR)/$(PROBE) HUSK_AARCH64=$(CURDIR)/$(HUSK64) \
		ROOTFS=$(CURDIR)/target/rootfs $(CARGO) test --release -- --nocapture
	HUSK=$(CURDIR)/$(HUSK) PROBE=$(CURDIR)/$(PROBE) scripts/vm-test.sh

# The VM part alone; its boot times; an interactive boot (husk runs /bin/sh on the console).
vm-test: husk probe
	@scripts/deps.sh vm
	HUSK=$(CURDIR)/$(HUSK) PROBE=$(CURDIR)/$(PROBE) scripts/vm-test.sh

vm-bench: husk
	@scripts/deps.sh vm
	HUSK=$(CURDIR)/$(HUSK) scripts/vm-test.sh --bench $${VM_BOOTS:-5}

vm-shell: husk
	@scripts/deps.sh vm
	HUSK=$(CURDIR)/$(HUSK) scripts/vm-test.sh --shell

demo: husk
	@scripts/deps.sh demo
	@$(MAKE) --no-print-directory rootfs
	@scripts/demo.sh

bench: husk probe cross
	@scripts/deps.sh bench vm
	@scripts/bench.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
