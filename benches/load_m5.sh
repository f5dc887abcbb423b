#!/usr/bin/env bash
# Load + validate + bucket the M5-shaped data set (30,490 SKUs x 1,941 days = 59,181,090 daily
# sales rows), from CSV and from Parquet, and report wall time, rows/second and peak memory.
# Side by side, in the same run on the same files: Python polars reading the same file and
# summing per sku and day (a bare read + group-by, no validation), when it is installed
# (pip install polars).
#
# Usage: benches/load_m5.sh [WORKDIR]     (default: /tmp/replenish-m5; needs ~2 GB of disk)
# Results go in benches/RESULTS.md by hand, with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-/tmp/replenish-m5}"
SKUS=30490
DAYS=1941
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/replenish"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)"; exit 1; }

for fmt in csv parquet; do
  if [ ! -f "$WORK/$fmt/sales.$fmt" ]; then
    "$TIME" -f "generate $fmt: %e s, peak %M KB" "$BIN" generate --skus $SKUS --days $DAYS --dense \
      --format $fmt --seed 1 -q --out "$WORK/$fmt"
  fi
done

echo
echo "| input | rows | wall s | rows/s | peak RSS MB | bucketed MB | peak / bucketed |"
echo "|---|---|---|---|---|---|---|"
for fmt in csv parquet; do
  f="$WORK/$fmt/sales.$fmt"
  out="$WORK/out-$fmt"
  # The generated history runs past today: give its planning date (from its plan.toml).
  plan=$(sed -n 's/^planning_date = "\(.*\)"/\1/p' "$WORK/$fmt/plan.toml")
  stats=$("$TIME" -f "%e %M" "$BIN" validate --sales "$f" --planning-date "$plan" --out "$out" -q 2>&1 >/dev/null | tail -1)
  secs=${stats% *}; kb=${stats#* }
  python3 - "$out/validation.json" "$secs" "$kb" "$fmt" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])); secs = float(sys.argv[2]); kb = int(sys.argv[3])
rows = v["files"][0]["rows_read"]; buckets = v["buckets"]["buckets"]
bucketed_mb = buckets * (8 + 2 + 2) / 1e6  # f64 value + u16 promo days + u16 stockout days
peak_mb = kb * 1024 / 1e6
print(f"| replenish {sys.argv[4]} | {rows:,} | {secs:.2f} | {rows/secs/1e6:.2f} M | {peak_mb:,.0f} | {bucketed_mb:,.0f} | {peak_mb/bucketed_mb:.2f} |")
PY
done

if python3 -c "import polars" 2>/dev/null; then
  for fmt in csv parquet; do
    f="$WORK/$fmt/sales.$fmt"
    res=$("$TIME" -f "%e %M" python3 benches/peer_polars.py "$f" 2>&1)
    read -r read_s group_s <<<"$(echo "$res" | head -1)"
    stats=$(echo "$res" | tail -1); secs=${stats% *}; kb=${stats#* }
    echo "| python polars $(python3 -c 'import polars; print(polars.__version__)') $fmt: read $read_s s + group-by $group_s s (no validation) | 59,181,090 | $secs | $(python3 -c "print(f'{59181090/$secs/1e6:.2f} M')") | $((kb / 1000)) | | |"
  done
else
  echo "(python polars not installed: pip install polars, to run the side-by-side peer)"
fi
