#!/usr/bin/env bash
# Simulation throughput at catalogue scale (issue 5 benchmark).
#
# Generates a 30,490-SKU data set (the M5 SKU count; sparse 3-year history, since simulation
# cost does not depend on history length), then runs `replenish simulate` on the baseline
# scenario: (s,Q) alone with full backorders and with patience, and the three families
# sQ, sS, RS together (the 30,490 × 3 × 365 days × 200 replications target).
# The `simulate` line of -v output gives the simulation time and million SKU-days/s
# (SKU-days include the 60 warm-up days).
#
# Usage: benches/simulate_m5.sh [BINARY] [DIR]
set -euo pipefail
bin=${1:-target/release/replenish}
dir=${2:-/tmp/replenish-sim-bench}
if [ ! -f "$dir/data/plan.toml" ]; then
  "$bin" generate --skus 30490 --days 1095 --seed 5 --out "$dir/data" -q
fi
run() {
  echo "== $*"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" "$bin" simulate -v -q --no-optimise \
    --config "$dir/data/plan.toml" --scenarios baseline --out "$dir/out" "$@" 2>&1 |
    grep -E "^(design policies|simulate|forecast|wall)"
}
run --policies sQ --customer backorder --no-current
run --policies sQ --customer patience --no-current
run --policies sQ,sS,RS --customer backorder --no-current
run --policies sQ,sS,RS --customer patience --no-current
