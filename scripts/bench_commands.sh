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
#     `cat` of the same VCD bytes into a file (CPU per run, averaged over LOOP runs).
# Each figure is the median of RUNS (default 3) runs on a warm page cache.
# Usage: scripts/bench_commands.sh [SIZE_MB]   (RUNS=5 for more runs; KEEP=1 keeps the files;
#        ONLY=simulate skips the reads, ONLY=reads skips the simulate runs)
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
    # The last line: GNU time puts "Command exited with non-zero status N" before it.
    tail -n 1 "$WORK/time.txt" | awk '{ printf "%.4f %.4f\n", $1 + $2, $3 }'
}
# Median over RUNS of cpu and of wall (each sorted on its own: POSIX awk has no asort).
med() {
    local i
    for i in $(seq "$RUNS"); do one "$@"; done > "$WORK/runs.txt"
    local m=$(((RUNS + 1) / 2))
    echo "$(sort -n -k1,1 "$WORK/runs.txt" | awk -v m="$m" 'NR == m { print $1 }')" \
        "$(sort -n -k2,2 "$WORK/runs.txt" | awk -v m="$m" 'NR == m { print $2 }')"
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

if [ "${ONLY:-}" != simulate ]; then
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
fi

if [ "${ONLY:-}" != reads ]; then
    SCN=$ROOT/sim/scenarios/golden/nominal.toml
    TRACE=$WORK/nominal_sim.vcd
    "$M" simulate "$SCN" -o "$TRACE" > /dev/null || true
    tmb=$(awk -v b="$(stat -c %s "$TRACE")" 'BEGIN { printf "%.2f", b / 1e6 }')
    # A run takes milliseconds, below GNU time's 10 ms resolution: each figure is the CPU of LOOP
    # (default 50) runs in one shell loop, divided by LOOP (the loop's own cost is in it, and in the
    # cat baseline alike).
    LOOP=${LOOP:-50}
    loop_ms() {  # cpu ms of one run of "$@", median over RUNS loops of LOOP runs
        local i
        for i in $(seq "$RUNS"); do
            /usr/bin/time -f "%U %S" -o "$WORK/time.txt" \
                sh -c 'n=$1; shift; i=0; while [ $i -lt $n ]; do "$@" > /dev/null 2>&1; i=$((i+1)); done' \
                sh "$LOOP" "$@" || true
            tail -n 1 "$WORK/time.txt" | awk -v n="$LOOP" '{ printf "%.3f\n", ($1 + $2) * 1000 / n }'
        done | sort -n | awk -v n="$RUNS" '{ v[NR] = $1 } END { print v[int((n + 1) / 2)] }'
    }
    echo "simulate $SCN (600 us nominal run, VCD $tmb MB), CPU per run over $LOOP runs"
    cu=$(loop_ms "$M" simulate "$SCN")
    ct=$(loop_ms "$M" simulate "$SCN" -o "$WORK/out.vcd")
    cc=$(loop_ms sh -c "cat '$TRACE' > '$WORK/copy.vcd'")
    cn=$(loop_ms sh -c "true")
    awk -v u="$cu" -v t="$ct" -v c="$cc" -v n="$cn" -v mb="$tmb" 'BEGIN {
        printf "  %-34s %7.2f ms cpu\n", "simulate (untraced)", u;
        printf "  %-34s %7.2f ms cpu\n", "simulate -o out.vcd", t;
        printf "  %-34s %7.2f ms cpu (sh -c true alone: %.2f ms)\n", "cat of the same bytes to a file", c, n;
        w = t - u; if (w <= 0) w = 1e-9; k = c - n; if (k <= 0) k = 1e-9;
        printf "  tracing: %.2f ms cpu (traced - untraced) = %.0f MB/s; cat: %.2f ms = %.0f MB/s; writer/cat %.2f\n",
            w, mb / w * 1000, k, mb / k * 1000, k / w }'
fi

if [ "${KEEP:-0}" != 1 ]; then rm -f "${SYN:-}" "$WORK/out.vcd" "$WORK/copy.vcd"; fi
