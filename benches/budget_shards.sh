#!/usr/bin/env bash
# Order budget across shards (issue 24 item 1): what `merge` costs when it makes the budget's
# cut for the whole catalogue. Generates a 2,000-SKU catalogue, then
#   - with `--budget BUDGET`: one unsharded `run`, the 3 shards (`run --shard K/3`) and
#     `merge --no-report`, and checks that the merged folder equals the unsharded one byte for
#     byte (timings.json aside);
#   - without a budget: the 3 shards and `merge --no-report`, for the merge time without the cut.
# All runs with --no-simulate --no-report (the plan stage; the cut does not touch simulation).
# Prints wall times (s), the size of the shards' budget_lines files and the merge's steps.
#
#   benches/budget_shards.sh BIN [BUDGET=20000]
#
# Data under $BUDGET_DIR (default /tmp/budget-shards), generated once:
#   BIN generate --skus 2000 --days 730 --seed 1
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi
bin=$(cd -- "$(dirname -- "$1")" && echo "$(pwd)/$(basename -- "$1")")
budget=${2:-20000}
dir=${BUDGET_DIR:-/tmp/budget-shards}
mkdir -p "$dir"
[ -f "$dir/gen/plan.toml" ] || "$bin" generate -q --skus 2000 --days 730 --seed 1 --out "$dir/gen"
cfg="$dir/gen/plan.toml"
t() { # label, command...: runs it, prints "label seconds"
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2> "$dir/err.txt" || { rc=$?; [ $rc -eq 3 ] || { cat "$dir/err.txt"; exit $rc; }; }
  end=$(date +%s.%N)
  printf '%s %.2f\n' "$label" "$(echo "$end - $start" | bc)"
}
for c in budget plain; do
  extra=()
  [ "$c" = budget ] && extra=(--budget "$budget")
  rm -rf "$dir/$c-whole" "$dir/$c-shards" "$dir/$c-merged"
  if [ "$c" = budget ]; then
    t "$c unsharded run" "$bin" run -q --no-simulate --no-report --config "$cfg" --out "$dir/$c-whole" "${extra[@]}"
  fi
  for k in 0 1 2; do
    t "$c shard $k/3" "$bin" run -q --no-simulate --config "$cfg" --out "$dir/$c-shards" --shard "$k/3" "${extra[@]}"
  done
  t "$c merge" "$bin" merge -q --no-report --from "$dir/$c-shards" --out "$dir/$c-merged"
done
echo "budget_lines files (bytes):"
ls -l "$dir"/budget-shards/budget_lines.shard-* | awk '{print "  " $NF, $5}'
if diff -r -x timings.json "$dir/budget-whole" "$dir/budget-merged" > "$dir/diff.txt"; then
  echo "merged == unsharded (byte for byte, timings.json aside)"
else
  echo "merged DIFFERS from unsharded:"; head -20 "$dir/diff.txt"; exit 1
fi
