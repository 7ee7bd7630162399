#!/usr/bin/env bash
# Throughput of judging seeded scenarios: a 10 000-scenario Monte Carlo sweep of the golden
# nominal board (DQ3 skew -500..450 ps in 50 ps steps x jitter 0 and 1 ps RMS x 250 seeds,
# each run simulated to 260 µs, its trace analysed and diagnosed) with -j1 and with -j2,
# printing scenarios/s and the speed-up; then `regress sim/scenarios` (the CI suite) with its
# wall time. Usage: scripts/bench_regress.sh [RUNS_PER_POINT]   (default 250 -> 10 000 runs)
set -euo pipefail
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }

RUNS=${1:-250}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q --manifest-path "$ROOT/Cargo.toml" --bin migcal
BIN=$ROOT/target/release/migcal
SCN=$ROOT/sim/scenarios/golden/nominal.toml
POINTS=40
TOTAL=$((POINTS * RUNS))
echo "cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sweep: $TOTAL scenarios ($POINTS grid points x $RUNS seeds), stop time 260 us"

# "wall cpu" seconds of one command (cpu = user + sys, all threads), its output discarded.
# On a machine shared with other work the wall time (and the speed-up) reflects the load; the
# CPU time per scenario does not.
run_timed() {
    local f
    f=$(mktemp)
    /usr/bin/time -o "$f" -f "%e %U %S" "$@" > /dev/null 2>&1 || true
    awk 'END { printf "%.2f %.2f\n", $1, $2 + $3 }' "$f"
    rm -f "$f"
}
secs() { run_timed "$@" | cut -d' ' -f1; }

declare -A T
for j in 1 2; do
    read -r wall cpu < <(run_timed "$BIN" sweep "$SCN" --vary skew.dq3=-500..450:50 --vary jitter=0,1 \
        --runs "$RUNS" --stop-time-us 260 -j "$j" --csv "$ROOT/target/bench_regress_j$j.csv")
    T[$j]=$wall
    awk -v t="$wall" -v c="$cpu" -v n="$TOTAL" -v j="$j" 'BEGIN {
        printf "  -j%d: %6.2f s wall %8.1f scenarios/s   cpu %6.2f s = %.2f ms/scenario\n",
            j, t, n / t, c, 1000 * c / n }'
done
cmp -s "$ROOT/target/bench_regress_j1.csv" "$ROOT/target/bench_regress_j2.csv" \
    && echo "  -j1 and -j2 CSV identical" || { echo "  -j1 and -j2 CSV DIFFER"; exit 1; }
awk -v a="${T[1]}" -v b="${T[2]}" 'BEGIN { printf "  speed-up 1 -> 2 threads (wall): %.2fx\n", a / b }'
echo "  load average now: $(cut -d' ' -f1-3 /proc/loadavg)"

t=$(secs "$BIN" regress "$ROOT/sim/scenarios")
echo "regress sim/scenarios: $t s ($(find "$ROOT/sim/scenarios" -name '*.toml' | wc -l) scenarios)"
