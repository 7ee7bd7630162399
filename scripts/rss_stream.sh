#!/usr/bin/env bash
# Peak memory of `migcal signals` and `migcal diagnose` streaming a big VCD (issue 19): both must
# stay under RSS_LIMIT_MB (64) whatever the file size, because the readers stream and the
# analysis keeps a bounded history per signal.
#
# Usage: scripts/rss_stream.sh [SIZE_GB]      (default 10; needs SIZE_GB of free space in $TMPDIR)
#   MIGCAL=path/to/migcal   the binary (default: target/release/migcal, built if missing)
#   RSS_LIMIT_MB=64         the limit checked
#
# The capture is the nominal golden scenario's own trace (a real calibration: `migcal simulate`)
# followed by a tail of command-bus and IDELAY-control toggles up to SIZE_GB, written to a temp
# file (the reader needs a file to sniff, a pipe cannot be peeked twice) that is deleted at the
# end. Each command runs under /usr/bin/time -v; the script prints the wall time and peak RSS of
# each and exits 1 if a peak is over the limit.
set -euo pipefail
cd "$(dirname "$0")/.."
size_gb=${1:-10}
limit_mb=${RSS_LIMIT_MB:-64}
bin=${MIGCAL:-target/release/migcal}
[ -x "$bin" ] || cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vcd="$tmp/big.vcd"

"$bin" simulate sim/scenarios/golden/nominal.toml -o "$tmp/nominal.vcd" > /dev/null || true
python3 - "$tmp/nominal.vcd" "$vcd" "$size_gb" <<'PY'
import sys
src, dst, size_gb = sys.argv[1], sys.argv[2], float(sys.argv[3])
target = int(size_gb * (1 << 30))
last = 0
with open(src, "rb") as f, open(dst, "wb") as out:
    for line in f:
        if line.startswith(b"#"):
            last = int(line[1:])
        out.write(line)
    written = out.tell()
    # 2.5 ns steps after the run: cs_n ($) and the IDELAY CE/INC vectors (+ *) toggle.
    t, step, block = last + 2_500_000, 2_500_000, 20_000
    vals = (b"0$\nb1010101010101010 +\nb0101010101010101 *\n",
            b"1$\nb0101010101010101 +\nb1010101010101010 *\n")
    while written < target:
        parts = []
        for i in range(block):
            parts.append(b"#%d\n" % t)
            parts.append(vals[i & 1])
            t += step
        chunk = b"".join(parts)
        out.write(chunk)
        written += len(chunk)
PY
echo "capture: $(du -h "$vcd" | cut -f1) ($vcd)"
fail=0
for cmd in signals diagnose; do
    /usr/bin/time -v "$bin" "$cmd" "$vcd" > /dev/null 2> "$tmp/$cmd.time" || true
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/$cmd.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/$cmd.time")
    code=$(awk -F': ' '/Exit status/ {print $2}' "$tmp/$cmd.time")
    echo "migcal $cmd: exit $code, wall $wall, peak RSS $((rss_kb / 1024)) MB (limit $limit_mb MB)"
    if [ "$rss_kb" -gt $((limit_mb * 1024)) ]; then fail=1; fi
    if [ "$code" -gt 2 ]; then fail=1; fi
done
exit $fail
