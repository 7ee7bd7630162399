#!/usr/bin/env bash
# Whole-program speed of `migcal diagnose` on a >= 100 MB capture, against baselines measured in
# the same run on the same file: `wc -l` (the disk) and `migcal signals` (reading every change
# through the same reader and name binding, no analysis). Reports seconds, MB/s, the ratios and
# peak RSS. Usage: scripts/bench_diagnose.sh [megabytes] (default 100).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-100}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q --bin migcal --example gen_synth_vcd -p migcal -p migcal-traces
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
f="$dir/synth.vcd"
target/release/examples/gen_synth_vcd "$f" "$mb" 1
size=$(stat -c %s "$f")
run() { # label, command...: prints "label seconds rss_kb"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null 2>&1 || true
  read -r secs kb < <(tail -n 1 "$dir/t")
  echo "$label $secs $kb"
}
results=$(
  run wc_l wc -l "$f"
  run signals target/release/migcal signals "$f"
  run diagnose target/release/migcal diagnose "$f"
)
echo "$results" | awk -v size="$size" '
  { secs[$1]=($2 < 0.01 ? 0.01 : $2); rss[$1]=$3; order[NR]=$1 }
  END {
    printf "file: %.1f MB\n", size/1e6
    for (i=1;i<=NR;i++) { l=order[i]; printf "%-9s %7.2f s  %8.1f MB/s  peak RSS %6.1f MB\n", l, secs[l], size/1e6/secs[l], rss[l]/1024 }
    printf "diagnose / signals (analysis overhead over reading): %.2fx\n", secs["diagnose"]/secs["signals"]
  }'
