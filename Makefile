# husk — the two commands a new user needs: `make demo` and `make test`.
CARGO   ?= cargo
HUSK    := target/release/husk
PROBE   := target/x86_64-unknown-linux-musl/release/probe

.PHONY: all husk probe rootfs test unit integration demo bench deps-test fmt lint clean

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

deps-test:
	@scripts/deps.sh test

# Unit tests (pure code, no root) and integration tests (the real kernel, as root).
test: deps-test husk probe rootfs
	@[ "$$(id -u)" = 0 ] || echo "NOTE: not root: tests that need root print SKIP and pass"
	HUSK=$(CURDIR)/$(HUSK) PROBE=$(CURDIR)/$(PROBE) ROOTFS=$(CURDIR)/target/rootfs $(CARGO) test --release -- --nocapture

demo: husk
	@scripts/deps.sh demo
	@$(MAKE) --no-print-directory rootfs
	@scripts/demo.sh

bench: husk
	@scripts/deps.sh bench
	@scripts/bench.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
