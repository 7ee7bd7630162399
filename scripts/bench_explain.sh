#!/usr/bin/env bash
# Whole-program speed of the fault catalogue (`migcal diagnose --dictionary`: every single fault
# simulated on the capture's board and compared with it exactly, then pairs when none explains
# it), on the shared goldens, against a baseline measured in the same run on the same file:
# `migcal diagnose` without the catalogue (reading and analysing the capture). Each capture is
# run with an empty cache (cold) and again with the cache it left (warm). Reports wall and CPU
# seconds and the ratios to the baseline; never a pass/fail on time.
# Usage: scripts/bench_explain.sh [golden names...] (default: fault1 nominal skew dqs1_open).
set -euo pipefail
cd "$(dirname "$0")/.."
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(fault1 nominal skew dqs1_open)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q --bin migcal
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { # label, command...: prints "label wall cpu"
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$dir/t" "$@" >/dev/null 2>&1 || true
  read -r wall user sys < <(tail -n 1 "$dir/t")
  echo "$label $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')"
}
for n in "${names[@]}"; do
  f=../shared/golden/mig17_minimodule_$n.vcd.gz
  [ -f "$f" ] || { echo "$n: no $f" >&2; continue; }
  rm -rf "$dir/cache"
  results=$(
    run plain target/release/migcal diagnose --json "$f"
    MIGCAL_CACHE="$dir/cache" run cold target/release/migcal diagnose --dictionary --json "$f"
    MIGCAL_CACHE="$dir/cache" run warm target/release/migcal diagnose --dictionary --json "$f"
  )
  echo "$results" | awk -v n="$n" '
    { wall[$1]=($2 < 0.01 ? 0.01 : $2); cpu[$1]=($3 < 0.01 ? 0.01 : $3); order[NR]=$1 }
    END {
      printf "%s\n", n
      for (i=1;i<=NR;i++) { l=order[i]; printf "  %-5s %7.2f s wall %7.2f s cpu  (%.1fx / %.1fx the plain diagnose)\n", l, wall[l], cpu[l], wall[l]/wall["plain"], cpu[l]/cpu["plain"] }
    }'
done
