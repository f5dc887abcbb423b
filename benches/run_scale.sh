#!/usr/bin/env bash
# Whole-pipeline scale: generate catalogues of the given sizes (3 years of daily sales, PO
# history, inventory, items), run `replenish run` with default settings on each, and print a
# per-stage table (seconds, from timings.json) with wall time and peak memory.
#
#   benches/run_scale.sh [BIN] [SIZES...]        e.g. benches/run_scale.sh target/release/replenish 3000 10000 30490
#
# Extra flags for `run` (e.g. --no-optimise) can be given in RUN_FLAGS. Data and outputs go
# under ${SCALE_DIR:-/tmp/replenish-scale}.
set -euo pipefail
bin=${1:-target/release/replenish}
shift || true
sizes=("${@:-3000 10000 30490}")
root=${SCALE_DIR:-/tmp/replenish-scale}
mkdir -p "$root"
for n in ${sizes[@]}; do
  data="$root/data-$n"
  [ -f "$data/plan.toml" ] || "$bin" generate -q --skus "$n" --days 1095 --seed 5 --out "$data"
  /usr/bin/time -f "%e %M" -o "$root/time-$n" "$bin" run -q ${RUN_FLAGS:-} --config "$data/plan.toml" --out "$root/out-$n"
  cp "$root/out-$n/timings.json" "$root/timings-$n.json"
done
python3 - "$root" ${sizes[@]} <<'PY'
import json, sys
root, sizes = sys.argv[1], sys.argv[2:]
runs = {}
for n in sizes:
    t = json.load(open(f"{root}/timings-{n}.json"))
    wall, kb = open(f"{root}/time-{n}").read().split()
    runs[n] = (dict(t), float(wall), int(kb) / 1024 / 1024)
stages = []
for n in sizes:
    for s, _ in json.load(open(f"{root}/timings-{n}.json")):
        if s not in stages:
            stages.append(s)
print("| stage | " + " | ".join(f"{int(n):,} SKUs" for n in sizes) + " |")
print("|---|" + "---|" * len(sizes))
for s in stages:
    print(f"| {s} | " + " | ".join(f"{runs[n][0].get(s, 0):.1f}" for n in sizes) + " |")
print("| **wall** | " + " | ".join(f"**{runs[n][1]:.0f} s**" for n in sizes) + " |")
print("| peak memory | " + " | ".join(f"{runs[n][2]:.1f} GB" for n in sizes) + " |")
print("| wall per 1,000 SKUs | " + " | ".join(f"{runs[n][1] / int(n) * 1000:.1f} s" for n in sizes) + " |")
PY
