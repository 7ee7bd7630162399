#!/usr/bin/env bash
# Throughput of judging seeded scenarios: a 10 000-scenario Monte Carlo sweep of the golden
# nominal board (DQ3 skew -500..450 ps in 50 ps steps x jitter 0 and 1 ps RMS x 250 seeds,
# each run simulated to 260 µs, its trace analysed and diagnosed) with -j1 and with -j2,
# printing scenarios/s and the speed-up; then `regress sim/scenarios` (the CI suite) with its
# wall time. Usage: scripts/bench_regress.sh [RUNS_PER_POINT]   (default 250 -> 10 000 runs)
set -euo pipefail

RUNS=${1:-250}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q --manifest-path "$ROOT/Cargo.toml" --bin migcal
BIN=$ROOT/target/release/migcal
SCN=$ROOT/sim/scenarios/golden/nominal.toml
POINTS=40
TOTAL=$((POINTS * RUNS))
echo "cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sweep: $TOTAL scenarios ($POINTS grid points x $RUNS seeds), stop time 260 us"

secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null || [ $? -eq 1 ]  # exit 1 = some point below 100 %: expected here
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

declare -A T
for j in 1 2; do
    T[$j]=$(secs "$BIN" sweep "$SCN" --vary skew.dq3=-500..450:50 --vary jitter=0,1 \
        --runs "$RUNS" --stop-time-us 260 -j "$j" --csv "$ROOT/target/bench_regress_j$j.csv")
    awk -v t="${T[$j]}" -v n="$TOTAL" -v j="$j" \
        'BEGIN { printf "  -j%d: %6.2f s  %8.1f scenarios/s\n", j, t, n / t }'
done
cmp -s "$ROOT/target/bench_regress_j1.csv" "$ROOT/target/bench_regress_j2.csv" \
    && echo "  -j1 and -j2 CSV identical" || { echo "  -j1 and -j2 CSV DIFFER"; exit 1; }
awk -v a="${T[1]}" -v b="${T[2]}" 'BEGIN { printf "  speed-up 1 -> 2 threads: %.2fx\n", a / b }'

t=$(secs "$BIN" regress "$ROOT/sim/scenarios")
echo "regress sim/scenarios: $t s ($(find "$ROOT/sim/scenarios" -name '*.toml' | wc -l) scenarios)"
