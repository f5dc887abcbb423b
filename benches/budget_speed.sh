#!/usr/bin/env bash
# Order budget (issue 24 item 1): what the budget's ranking and cut add to the plan stage.
# Generates a 2,000-SKU catalogue, then runs `plan -v --no-report` without and with
# `--budget` interleaved N times, and prints the median wall time of the command and of the
# plan stage's `recommend` step (where the ranking and cut run) from the -v step timings.
#
#   benches/budget_speed.sh BIN [N=3] [BUDGET=20000]
#
# Data under $BUDGET_DIR (default /tmp/budget-speed), generated once:
#   BIN generate --skus 2000 --days 730 --seed 1
# Note: the ranking (priority, shortage_avoided_per_1000) runs with or without a budget; the
# comparison shows the cost of the cut and of the budget outputs (budget.json). The cost of
# the ranking itself is in the `recommend` step of both.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi
bin=$(cd -- "$(dirname -- "$1")" && echo "$(pwd)/$(basename -- "$1")")
n=${2:-3}
budget=${3:-20000}
dir=${BUDGET_DIR:-/tmp/budget-speed}
mkdir -p "$dir"
[ -f "$dir/gen/plan.toml" ] || "$bin" generate -q --skus 2000 --days 730 --seed 1 --out "$dir/gen"
runs="$dir/runs.csv"
echo "case,run,wall_s,recommend_s" > "$runs"
for i in $(seq 1 "$n"); do
  for c in plain budget; do
    out="$dir/out-$c"
    rm -rf "$out"
    extra=()
    [ "$c" = budget ] && extra=(--budget "$budget")
    start=$(date +%s.%N)
    "$bin" plan -q -v --no-report --config "$dir/gen/plan.toml" --out "$out" "${extra[@]}" 2> "$dir/err-$c.txt" || true
    end=$(date +%s.%N)
    rec=$(awk '$1 == "recommend" {print $2}' "$dir/err-$c.txt")
    echo "$c,$i,$(echo "$end - $start" | bc),$rec" >> "$runs"
  done
done
python3 - "$runs" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
med = {}
for c in ("plain", "budget"):
    r = [x for x in rows if x["case"] == c]
    med[c] = (statistics.median(float(x["wall_s"]) for x in r),
              statistics.median(float(x["recommend_s"] or 0) for x in r))
print("| case | plan wall (median, s) | recommend step (median, s) |")
print("|---|---|---|")
for c, (w, r) in med.items():
    print(f"| {c} | {w:.2f} | {r:.3f} |")
print(f"| budget / plain | {med['budget'][0] / med['plain'][0]:.3f} | {med['budget'][1] / max(med['plain'][1], 1e-9):.3f} |")
PY
rm -rf "$dir/out-plain" "$dir/out-budget"
