#!/usr/bin/env bash
# VCD reading speed and memory, in one run:
#  1. generates a synthetic DDR2-interface-like VCD of SIZE_MB (default 128 MB: 336 signals,
#     bit-blasted DQ, wide data buses, x/z),
#  2. times `wc -l`, the `vcd` crate counting changes and migcal's reader delivering every
#     change on it, printing MB/s and the ratios,
#  3. streams a BIG_MB (default 1024 MB) file through migcal's reader under /usr/bin/time -v
#     and prints the peak RSS.
# Usage: scripts/bench_vcd.sh [SIZE_MB] [BIG_MB]   (KEEP=1 keeps the generated files)
set -euo pipefail

SIZE_MB=${1:-128}
BIG_MB=${2:-1024}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$ROOT/target/bench_vcd}
mkdir -p "$WORK"

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak RSS)" >&2
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

cargo build --release -q -p migcal-traces --example gen_synth_vcd --example vcd_count \
    --manifest-path "$ROOT/Cargo.toml"
BIN=$ROOT/target/release/examples

FILE=$WORK/synth_${SIZE_MB}mb.vcd
[ -s "$FILE" ] || "$BIN/gen_synth_vcd" "$FILE" "$SIZE_MB" 1
BYTES=$(stat -c %s "$FILE")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "file: $FILE ($MB MiB)"
cat "$FILE" > /dev/null  # warm the page cache so every reader starts equal

# Wall seconds of one command, its output discarded.
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

best() {  # best of 3 runs
    local b="" s
    for _ in 1 2 3; do
        s=$(secs "$@")
        if [ -z "$b" ] || awk -v s="$s" -v b="$b" 'BEGIN { exit !(s < b) }'; then b=$s; fi
    done
    echo "$b"
}

N_CRATE=$("$BIN/vcd_count" vcd-crate "$FILE")
N_MIGCAL=$("$BIN/vcd_count" migcal "$FILE")
echo "changes: vcd crate $N_CRATE, migcal $N_MIGCAL"
[ "$N_CRATE" = "$N_MIGCAL" ] || { echo "change counts differ" >&2; exit 1; }

T_WC=$(best wc -l "$FILE")
T_CRATE=$(best "$BIN/vcd_count" vcd-crate "$FILE")
T_MIGCAL=$(best "$BIN/vcd_count" migcal "$FILE")
rate() { awk -v m="${2:-$MB}" -v t="$1" 'BEGIN { printf "%8.1f MB/s", m / t }'; }
printf '%-28s %7ss %s\n' "wc -l" "$T_WC" "$(rate "$T_WC")"
printf '%-28s %7ss %s\n' "vcd crate (count changes)" "$T_CRATE" "$(rate "$T_CRATE")"
printf '%-28s %7ss %s\n' "migcal reader (every change)" "$T_MIGCAL" "$(rate "$T_MIGCAL")"
awk -v c="$T_CRATE" -v m="$T_MIGCAL" -v w="$T_WC" \
    'BEGIN { printf "ratio migcal/vcd crate: %.2fx   migcal vs wc -l: %.2fx slower\n", c / m, m / w }'

BIG=$WORK/synth_${BIG_MB}mb.vcd
[ -s "$BIG" ] || "$BIN/gen_synth_vcd" "$BIG" "$BIG_MB" 2
RSS=$(/usr/bin/time -v "$BIN/vcd_count" migcal "$BIG" 2>&1 >/dev/null |
    awk -F': ' '/Maximum resident set size/ { print $2 }')
T_BIG=$(secs "$BIN/vcd_count" migcal "$BIG")
BIGMB=$(awk -v b="$(stat -c %s "$BIG")" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "streaming $BIGMB MiB through migcal: peak RSS $((RSS / 1024)) MiB ($RSS KiB), $T_BIG s, $(rate "$T_BIG" "$BIGMB" | sed 's/^ *//')"

if [ "${KEEP:-0}" != 1 ]; then rm -f "$FILE" "$BIG"; fi
