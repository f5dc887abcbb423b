#!/usr/bin/env bash
# Before/after speed of a refactor: runs two binaries interleaved (base, new, base, new, ...) on
# whole-pipeline `run` cases and prints the median wall and CPU (user + sys) time of each and
# the ratio new/base, as a Markdown table.
#
#   benches/refactor_speed.sh BASE_BIN NEW_BIN [N=5]
#
# Cases (CASES="3k m5" by default; e.g. CASES=3k for the quick one):
#   3k  `run -q --config GEN/plan.toml` on `generate --skus 3000 --days 1095 --seed 1` (CSV;
#       about 15-30 s a run on 2 cores)
#   m5  `run -q --config M5/plan.toml` on the M5 shape, `generate --skus 30490 --days 1941
#       --dense --format parquet --seed 1` (benches/RESULTS.md; about 2-3 min a run)
# Data are generated once with BASE_BIN if missing: the 3k set under $SPEED_DIR/gen3k
# (SPEED_DIR default /tmp/refactor-speed), the M5 set in $M5_DIR (default /tmp/m5, the folder
# earlier benchmark sessions used; an existing one is reused and its generate line printed).
# Every run writes into a fresh output folder (an existing folder's policy.csv could be read
# for locked overrides), removed after the run. THREADS=N passes --threads N to both.
# Each run is timed by /usr/bin/time -f '%e %U %S %M' (wall, user, sys, peak RSS); raw numbers
# go to $SPEED_DIR/runs.csv. This machine is shared and noisy: compare medians of N >= 5.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi
abspath() { (cd -- "$(dirname -- "$1")" && echo "$(pwd)/$(basename -- "$1")"); }
base_bin=$(abspath "$1")
new_bin=$(abspath "$2")
n=${3:-5}
cases=${CASES:-3k m5}
dir=${SPEED_DIR:-/tmp/refactor-speed}
m5=${M5_DIR:-/tmp/m5}
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
for b in "$base_bin" "$new_bin"; do
  [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
for c in $cases; do
  case $c in 3k | m5) ;; *) echo "unknown case '$c' (known: 3k m5)" >&2; exit 2 ;; esac
done
mkdir -p "$dir"
out=$(mktemp -d "$dir/out.XXXXXX")
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

config_of() {
  case $1 in
    3k)
      if [ ! -f "$dir/gen3k/plan.toml" ]; then
        "$base_bin" generate -q --skus 3000 --days 1095 --seed 1 --out "$dir/gen3k"
      fi
      echo "$dir/gen3k/plan.toml"
      ;;
    m5)
      if [ ! -f "$m5/plan.toml" ]; then
        "$base_bin" generate -q --skus 30490 --days 1941 --dense --format parquet --seed 1 --out "$m5"
      fi
      echo "$m5/plan.toml"
      ;;
  esac
}

echo "base: $base_bin ($(sha256sum "$base_bin" | cut -c1-12))"
echo "new:  $new_bin ($(sha256sum "$new_bin" | cut -c1-12))"
declare -A cfg
for c in $cases; do
  cfg[$c]=$(config_of "$c")
  echo "$c: ${cfg[$c]} — $(head -n 1 "${cfg[$c]}" | sed 's/^# //')"
done
raw=$dir/runs.csv
echo "case,side,round,wall_s,user_s,sys_s,peak_kb,exit" >"$raw"

for ((i = 1; i <= n; i++)); do
  for c in $cases; do
    for side in base new; do
      if [ "$side" = base ]; then bin=$base_bin; else bin=$new_bin; fi
      rm -rf "$out/run"
      rc=0
      /usr/bin/time -f '%e %U %S %M' -o "$out/time" \
        "$bin" "${threads[@]}" run -q --config "${cfg[$c]}" --out "$out/run" || rc=$?
      if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
        echo "$side $c round $i: exit $rc" >&2
        exit 1
      fi
      read -r wall user sys kb < <(tail -n 1 "$out/time")
      echo "$c,$side,$i,$wall,$user,$sys,$kb,$rc" >>"$raw"
      awk -v c="$c" -v s="$side" -v i="$i" -v w="$wall" -v u="$user" -v y="$sys" -v k="$kb" \
        'BEGIN { printf "%-3s %-4s round %d: wall %7.1f s  cpu %7.1f s  peak %5.2f GB\n", c, s, i, w, u + y, k / 1048576 }'
    done
  done
done
rm -rf "$out/run"

python3 - "$raw" $cases <<'PY'
import csv, statistics, sys
raw, cases = sys.argv[1], sys.argv[2:]
rows = list(csv.DictReader(open(raw)))
def med(case, side, f):
    return statistics.median(f(r) for r in rows if r["case"] == case and r["side"] == side)
wall = lambda r: float(r["wall_s"])
cpu = lambda r: float(r["user_s"]) + float(r["sys_s"])
rss = lambda r: int(r["peak_kb"]) / 1048576
print()
print("| case | runs each | base wall s | new wall s | new/base wall | base CPU s | new CPU s | new/base CPU | base peak GB | new peak GB |")
print("|---|---|---|---|---|---|---|---|---|---|")
for c in cases:
    k = sum(1 for r in rows if r["case"] == c and r["side"] == "base")
    bw, nw, bc, nc = med(c, "base", wall), med(c, "new", wall), med(c, "base", cpu), med(c, "new", cpu)
    print(f"| {c} | {k} | {bw:.1f} | {nw:.1f} | **{nw / bw:.3f}** | {bc:.1f} | {nc:.1f} | **{nc / bc:.3f}** "
          f"| {med(c, 'base', rss):.2f} | {med(c, 'new', rss):.2f} |")
print("\nmedians of interleaved runs (base, new, base, new, ...); raw runs:", raw)
PY
