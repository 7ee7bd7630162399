#!/usr/bin/env bash
# Issue 13's speed targets for the fault catalogue (`migcal diagnose --dictionary`), measured
# whole-program on this machine, with the ratio of each to its target (never a pass/fail):
#   catalogue  the single-fault catalogue of the nominal board simulated and cached (an empty
#              cache, the 9.9 MB nominal golden): target 5 s
#   warm       the same capture again, the cache warm: target 1 s
#   fault1     golden fault1 (DQ3 open), cache warm
#   pairs      a capture of two faults at once (DQ3 open and DQ12 stuck high, 600 us, simulated
#              here), which no single fault explains: the single faults from the warm cache,
#              then the pair search: target 60 s
# and, as the baseline of the same run, `migcal diagnose` without the catalogue on the nominal
# golden (reading and analysing 9.9 MB). Wall and CPU seconds; the targets are for 2 cores.
# Usage: scripts/bench_catalogue.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q --bin migcal
bin=target/release/migcal
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
golden=../shared/golden/mig17_minimodule
[ -f "${golden}_nominal.vcd.gz" ] || { echo "no shared goldens at $golden*" >&2; exit 2; }
zcat "${golden}_nominal.vcd.gz" >"$dir/nominal.vcd"
zcat "${golden}_fault1.vcd.gz" >"$dir/fault1.vcd"
sed -e '/^\[expect/,$d' sim/scenarios/golden/nominal.toml >"$dir/pair.toml"
cat >>"$dir/pair.toml" <<'EOF'

[[fault]]
kind = "dq_open"
dq = 3

[[fault]]
kind = "dq_stuck"
dq = 12
high = true
EOF
"$bin" simulate "$dir/pair.toml" -o "$dir/pair.vcd" >/dev/null 2>&1 || true
[ -s "$dir/pair.vcd" ] || { echo "could not simulate the two-fault capture" >&2; exit 2; }
export MIGCAL_CACHE="$dir/cache"
run() { # label, target seconds (- for none), command...: prints "label wall cpu target"
  local label=$1 target=$2; shift 2
  /usr/bin/time -f "%e %U %S" -o "$dir/t" "$@" >"$dir/$label.json" 2>/dev/null || true
  read -r wall user sys < <(tail -n 1 "$dir/t")
  echo "$label $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $target"
}
results=$(
  run plain - "$bin" diagnose --json "$dir/nominal.vcd"
  run catalogue 5 "$bin" diagnose --dictionary --json "$dir/nominal.vcd"
  run warm 1 "$bin" diagnose --dictionary --json "$dir/nominal.vcd"
  run fault1 - "$bin" diagnose --dictionary --json "$dir/fault1.vcd"
  run pairs 60 "$bin" diagnose --dictionary --json "$dir/pair.vcd"
)
echo "capture: $(stat -c %s "$dir/nominal.vcd" | awk '{printf "%.1f MB", $1/1e6}') (nominal golden), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "$results" | awk '
  { printf "%-9s %7.2f s wall %7.2f s cpu", $1, $2, $3
    if ($4 != "-") printf "  target %3d s: %.2fx the target (wall)", $4, $2 / $4
    printf "\n" }'
grep -o '"explanation_search":\[[^]]*\]' "$dir/pairs.json" | head -c 600 || true
echo
