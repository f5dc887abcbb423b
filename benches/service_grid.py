#!/usr/bin/env python3
"""Designed vs simulated service (issue 23): the first table of the issue plus a few more rows.

Usage: python3 benches/service_grid.py BINARY [--days N] [--replications N]

Every row is `BINARY policy --json --simulate --days N --replications N --seed 1
--customer backorder` with the row's flags; prints a Markdown table of the designed measure
(the target) against the simulated one with its 95% interval.
"""
import json
import subprocess
import sys

BASE = "--demand-mean 20 --demand-sd 6 --lead-time 10 --lead-time-sd 2"
SKEWED = "--demand-mean 5 --demand-sd 6.7 --lead-time 17.4 --demand-dist gamma"
ROWS = [
    (BASE, "--policy sQ --service-level 0.95 --order-qty 300"),
    (BASE, "--policy sS --service-level 0.95 --order-cost 100 --holding-cost 2"),
    (BASE, "--policy RS --review-period 7 --service-level 0.95"),
    (BASE, "--policy RS --review-period 1 --service-level 0.95"),
    (BASE, "--policy sQ --fill-rate 0.98 --order-qty 300"),
    (BASE, "--policy RS --review-period 7 --fill-rate 0.98"),
    (BASE, "--policy sS --fill-rate 0.98 --order-cost 100 --holding-cost 2"),
    # More rows: no lead-time spread, (R,s,S), other means and spreads.
    ("--demand-mean 20 --demand-sd 6 --lead-time 10", "--policy RS --review-period 1 --service-level 0.95"),
    ("--demand-mean 20 --demand-sd 6 --lead-time 10", "--policy RS --review-period 1 --fill-rate 0.98"),
    (BASE, "--policy RsS --review-period 7 --service-level 0.95 --order-qty 300"),
    (BASE, "--policy RsS --review-period 7 --fill-rate 0.98 --order-qty 300"),
    ("--demand-mean 5 --demand-sd 4 --lead-time 5", "--policy sQ --service-level 0.9 --order-qty 60"),
    ("--demand-mean 5 --demand-sd 4 --lead-time 5", "--policy RS --review-period 14 --fill-rate 0.95"),
    ("--demand-mean 100 --demand-sd 20 --lead-time 3 --lead-time-sd 0.5", "--policy sS --service-level 0.9 --order-qty 400"),
    (BASE, "--policy RS --review-period 1 --fill-rate 0.98"),
    (BASE, "--policy RS --review-period 2 --service-level 0.95"),
    (BASE, "--policy RS --review-period 3 --fill-rate 0.98"),
    (BASE, "--policy RS --review-period 4 --fill-rate 0.98"),
    ("--demand-mean 259 --demand-sd 73.15 --lead-time 16 --lead-time-sd 1.86", "--policy RS --review-period 1 --service-level 0.85"),
    # Skewed daily demand (gamma, CV 1.34; negative binomial): the design's shifted gamma.
    (SKEWED + " --lead-time-sd 1.8", "--policy sS --service-level 0.97 --order-cost 100 --holding-cost 1.2"),
    (SKEWED + " --lead-time-sd 6.3", "--policy sS --service-level 0.97 --order-cost 100 --holding-cost 1.2"),
    (SKEWED + " --lead-time-sd 14.4", "--policy sS --service-level 0.97 --order-cost 100 --holding-cost 1.2"),
    (SKEWED + " --lead-time-sd 6.3", "--policy sQ --service-level 0.95 --order-qty 100"),
    (SKEWED + " --lead-time-sd 6.3", "--policy RS --review-period 7 --service-level 0.95"),
    (SKEWED + " --lead-time-sd 6.3", "--policy RsS --review-period 7 --service-level 0.95 --order-qty 100"),
    (SKEWED + " --lead-time-sd 6.3", "--policy sS --fill-rate 0.98 --order-cost 100 --holding-cost 1.2"),
    (SKEWED + " --lead-time-sd 6.3", "--policy sQ --fill-rate 0.98 --order-qty 100"),
    (SKEWED + " --lead-time-sd 6.3", "--policy RS --review-period 7 --fill-rate 0.98"),
    ("--demand-mean 2 --demand-sd 3 --lead-time 10 --lead-time-sd 3 --demand-dist negbin", "--policy sS --service-level 0.95 --order-cost 50 --holding-cost 1"),
]


def main():
    binary = sys.argv[1]
    days = sys.argv[sys.argv.index("--days") + 1] if "--days" in sys.argv else "20000"
    reps = sys.argv[sys.argv.index("--replications") + 1] if "--replications" in sys.argv else "20"
    print("| inputs | policy flags | designed | simulated (± 95%) |")
    print("|---|---|---|---|")
    for base, flags in ROWS:
        cmd = [binary, "policy", "--json", *base.split(), *flags.split(), "--simulate",
               "--days", days, "--replications", reps, "--seed", "1", "--customer", "backorder"]
        out = json.loads(subprocess.run(cmd, capture_output=True, check=True, text=True).stdout)
        key = "fill_rate" if "--fill-rate" in flags else "cycle_service_level"
        designed = out["expected_" + key] if key == "fill_rate" else out["expected_cycle_service_level"]
        sim, ci = out["simulated"][key], out["simulated"]["ci95"][key]
        print(f"| `{base}` | `{flags}` | {designed:.4f} | {sim:.4f} ± {ci:.4f} |")


if __name__ == "__main__":
    main()
