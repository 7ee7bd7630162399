#!/usr/bin/env bash
# Whole-program speed of the commands users wait for, against baselines measured in the same
# run (issue 16). Nothing here asserts a time: it prints figures and ratios.
#
#  1. a synthetic MIG-like VCD of SIZE_MB (default 256): `cat`, the `vcd` crate counting its
#     changes, migcal's bare reader, then `migcal signals`, `convert -o /dev/null` and
#     `diagnose` on it: CPU seconds (user + sys), MB/s of CPU and wall, and the ratio to the
#     `vcd` crate;
#  2. the same for the nominal golden capture (`../shared/golden/...nominal.vcd.gz`, decompressed
#     first: a real multi-signal GHDL capture), and its `.vcd.gz` as is;
#  3. `simulate` of the 600 us nominal run, untraced and with `-o` (the VCD written), against
#     `cat` of the same VCD bytes into a file.
# Each figure is the median of RUNS (default 3) runs on a warm page cache.
# Usage: scripts/bench_commands.sh [SIZE_MB]   (RUNS=5 for more runs; KEEP=1 keeps the files)
set -euo pipefail

SIZE_MB=${1:-256}
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$ROOT/target/bench_commands}
SHARED=${MIGCAL_SHARED:-$ROOT/../shared}
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }

cargo build --release -q --manifest-path "$ROOT/Cargo.toml" --bin migcal
cargo build --release -q --manifest-path "$ROOT/Cargo.toml" -p migcal-traces \
    --example gen_synth_vcd --example vcd_count
M=$ROOT/target/release/migcal
EX=$ROOT/target/release/examples

# "cpu wall" seconds of one run (output discarded; any exit status accepted: diagnose of a
# synthetic file may well say "cannot diagnose", after reading all of it).
one() {
    /usr/bin/time -f "%U %S %e" -o "$WORK/time.txt" "$@" > /dev/null 2>&1 || true
    awk '{ printf "%.4f %.4f\n", $1 + $2, $3 }' "$WORK/time.txt"
}
# Median over RUNS of cpu and of wall.
med() {
    local i
    for i in $(seq "$RUNS"); do one "$@"; done |
        sort -n -k1,1 | awk -v n="$RUNS" '{ c[NR] = $1; w[NR] = $2 } END {
            m = int((n + 1) / 2); asort(w); printf "%.4f %.4f\n", c[m], w[m] }'
}

row() {  # label mb cpu wall [baseline-cpu]
    awk -v l="$1" -v mb="$2" -v c="$3" -v w="$4" -v b="${5:-}" 'BEGIN {
        r = (b == "" ? "" : sprintf("%6.2fx the vcd crate", b / c));
        printf "  %-34s cpu %7.3f s %8.1f MB/s   wall %7.3f s %8.1f MB/s   %s\n",
            l, c, mb / c, w, mb / w, r }'
}

reads() {  # file label
    local f=$1 mb base
    mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.2f", b / 1e6 }')
    echo "$2: $f ($mb MB)"
    cat "$f" > /dev/null
    read -r c w < <(med cat "$f"); row "cat" "$mb" "$c" "$w"
    read -r base w < <(med "$EX/vcd_count" vcd-crate "$f"); row "vcd crate (count changes)" "$mb" "$base" "$w" "$base"
    read -r c w < <(med "$EX/vcd_count" migcal "$f"); row "migcal bare reader" "$mb" "$c" "$w" "$base"
    read -r c w < <(med "$M" signals "$f"); row "migcal signals" "$mb" "$c" "$w" "$base"
    read -r c w < <(med "$M" convert "$f" -o /dev/null); row "migcal convert -o /dev/null" "$mb" "$c" "$w" "$base"
    read -r c w < <(med "$M" diagnose "$f"); row "migcal diagnose" "$mb" "$c" "$w" "$base"
}

SYN=$WORK/synth_${SIZE_MB}mb.vcd
[ -s "$SYN" ] || "$EX/gen_synth_vcd" "$SYN" "$SIZE_MB" 1
reads "$SYN" "synthetic"

GOLD_GZ=$SHARED/golden/mig17_minimodule_nominal.vcd.gz
if [ -s "$GOLD_GZ" ]; then
    GOLD=$WORK/nominal_golden.vcd
    [ -s "$GOLD" ] || zcat "$GOLD_GZ" > "$GOLD"
    reads "$GOLD" "real capture (GHDL, nominal golden)"
    mbgz=$(awk -v b="$(stat -c %s "$GOLD")" 'BEGIN { printf "%.2f", b / 1e6 }')
    echo "  (.vcd.gz: MB/s below count the decompressed bytes)"
    read -r c w < <(med zcat "$GOLD_GZ"); row "zcat" "$mbgz" "$c" "$w"
    read -r c w < <(med "$M" signals "$GOLD_GZ"); row "migcal signals .vcd.gz" "$mbgz" "$c" "$w"
fi

SCN=$ROOT/sim/scenarios/golden/nominal.toml
TRACE=$WORK/nominal_sim.vcd
"$M" simulate "$SCN" -o "$TRACE" > /dev/null || true
tmb=$(awk -v b="$(stat -c %s "$TRACE")" 'BEGIN { printf "%.2f", b / 1e6 }')
echo "simulate $SCN (600 us nominal run, VCD $tmb MB)"
read -r cu wu < <(med "$M" simulate "$SCN"); row "simulate (untraced)" "$tmb" "$cu" "$wu"
read -r ct wt < <(med "$M" simulate "$SCN" -o "$WORK/out.vcd"); row "simulate -o out.vcd" "$tmb" "$ct" "$wt"
read -r cc wc < <(med sh -c "cat '$TRACE' > '$WORK/copy.vcd'"); row "cat of the same bytes to a file" "$tmb" "$cc" "$wc"
awk -v u="$cu" -v t="$ct" -v c="$cc" -v mb="$tmb" 'BEGIN {
    w = t - u; if (w <= 0) w = 1e-9;
    printf "  VCD writing: %.4f s cpu (traced - untraced) = %.0f MB/s; cat: %.0f MB/s; writer/cat %.2f\n",
        w, mb / w, mb / c, (mb / w) / (mb / c) }'

if [ "${KEEP:-0}" != 1 ]; then rm -f "$SYN" "$WORK/out.vcd" "$WORK/copy.vcd"; fi
