#!/usr/bin/env bash
# size-report.sh [N]: where the bytes of the release husk go.
# Builds an unstripped copy with line tables (target/size), then attributes every
# instruction to the source line it came from (inlined code counts where it was written)
# and sums by file; prints the N biggest files and lines, and the sections.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30}
CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
    cargo build --release --bin husk --target-dir target/size >/dev/null 2>&1
BIN=target/size/release/husk
objdump -d -l --no-show-raw-insn "$BIN" >target/size/dis.txt
python3 - "$N" target/size/dis.txt <<'EOF'
import collections, re, sys
n = int(sys.argv[1])
sizes = collections.Counter()
insn = re.compile(r'^\s+([0-9a-f]+):')
locre = re.compile(r'^(/[^ ]+):(\d+)')
loc, addrs = '?', []
for line in open(sys.argv[2]):
    m = locre.match(line)
    if m:
        loc = m.group(1) + ':' + m.group(2)
        continue
    m = insn.match(line)
    if m:
        addrs.append((int(m.group(1), 16), loc))
for (a, l), (b, _) in zip(addrs, addrs[1:]):
    sizes[l] += min(b - a, 16)
short = lambda f: re.sub(r'.*/(rustc/[0-9a-f]+/library|registry/src/[^/]+|main)/', '', f)
files = collections.Counter()
for k, v in sizes.items():
    files[short(k.rsplit(':', 1)[0])] += v
print('code bytes by file (inlined code counts where written), total', sum(sizes.values()))
for f, v in files.most_common(n):
    print(f'{v:7} {f}')
print('--- biggest lines')
for k, v in sizes.most_common(n):
    print(f'{v:7} {short(k)}')
EOF
size -A "$BIN" | grep -E "^\.(text|rodata|data|got|bss)"
echo "stripped release binary: $(stat -c %s target/release/husk 2>/dev/null || echo '?') bytes"
