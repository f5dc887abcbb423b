#!/usr/bin/env python3
"""Where a SKU's realised service goes: the designed protection-period demand (policy.csv
protection_demand_mean and _sd) against the generator's true demand over the same period.

For each (SKU, planning date) planned by `benches/plan_calibration.py` (its /tmp/cal/TAG-RUN-ORIGIN
folders), the protection period is P = the lead time (mean, policy.csv lead_time_mean_days;
+ review - 1 for periodic review) starting at each of the TRIGGER_DAYS days after the date; the
true demand summed over each such window is compared with the design:

- **bias** = mean(true window sum) / protection_demand_mean - 1 (the forecast's level error,
  trend and season after the date included);
- **z** = (true window sum - protection_demand_mean) / protection_demand_sd, averaged over the
  windows of the unit: the mean of z (bias in units of the designed spread) and its spread
  across units (should be about 1 for a calibrated error model, including the forecast's own
  error);
- **fc/true** = median over units of the forecast demand per day (policy.csv
  demand_mean_per_day) / the mean true demand of the TRIGGER_DAYS + L days after the date;
- **drift** = true demand in the TRIGGER_DAYS after the date / true demand in the 56 days before
  it - 1: how much the demand itself moved (trend, yearly season), which a level forecast misses.

Groups: class x stockout days in the training history (0, 1-59, 60+), as plan_calibration.py
--by-censoring. Each (SKU, date) weighs the same. Standard library only.

Usage: python3 benches/protection_error.py DATA_DIR TAG RUN [ORIGIN ...]   (RUN as in the folder name, e.g. auto-cycle)
  e.g. python3 benches/protection_error.py /tmp/cal/s11 s11 auto-cycle 2025-01-01
"""
import csv
import math
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plan_calibration import TRIGGER_DAYS, day, load  # noqa: E402

BEFORE_DAYS = 56


def median(values):
    v = sorted(x for x in values if x is not None)
    return v[len(v) // 2] if v else float("nan")


def group(days):
    return "0" if days == 0 else ("1-59" if days < 60 else "60+")


def main():
    data, tag, run = sys.argv[1:4]
    origins = sys.argv[4:] or ["2025-01-01"]
    truth = load(data)[0]
    acc = defaultdict(list)
    for origin in origins:
        d0 = day(origin)
        with open(f"/tmp/cal/{tag}-{run}-{origin}/policy.csv") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            mean = float(row["protection_demand_mean"] or 0)
            sd = float(row["protection_demand_sd"] or 0)
            if mean <= 0 or sd <= 0:
                continue
            series = truth.get(row["sku"])
            if not series:
                continue
            lead = max(1, round(float(row["lead_time_mean_days"])))
            review = float(row["review_period_days"] or 0)
            periodic = row["policy"] in ("RS", "RsS")
            p = lead + (max(1, round(review)) - 1 if periodic else 0)
            sums = [sum(series.get(d0 + t + k, 0.0) for k in range(p)) for t in range(TRIGGER_DAYS)]
            after = sum(series.get(d0 + k, 0.0) for k in range(TRIGGER_DAYS)) / TRIGGER_DAYS
            before = sum(series.get(d0 - k, 0.0) for k in range(1, BEFORE_DAYS + 1)) / BEFORE_DAYS
            zs = [(s - mean) / sd for s in sums]
            k = float(row["safety_factor"] or 0)
            span = TRIGGER_DAYS + lead
            true_mean = sum(series.get(d0 + k, 0.0) for k in range(span)) / span
            key = (row["class"], group(int(float(row["censored_days"] or 0))))
            acc[key].append({
                "bias": sum(sums) / len(sums) / mean - 1,
                "z": sorted(zs)[len(zs) // 2],
                "zs": zs,
                "over": sum(1 for z in zs if z > k) / len(zs),
                "short": 1 - float(row["target"]),
                "ratio": float(row["demand_mean_per_day"]) / true_mean if true_mean > 0 else None,
                "drift": after / before - 1 if before > 0 else float("nan"),
                "cv": sd / mean,
            })
    print(f"{'class':<13}{'stockout days':>14}{'units':>7}{'bias':>9}{'median z':>9}{'sd z':>7}"
          f"{'drift':>8}{'sd/mean':>9}{'P(z>k)':>8}{'1-target':>9}{'fc/true':>9}")
    for cls in ["smooth", "erratic", "intermittent", "lumpy"]:
        for g in ["0", "1-59", "60+"]:
            u = acc.get((cls, g))
            if not u:
                continue
            n = len(u)
            mz = sorted(x["z"] for x in u)[n // 2]
            pooled = [z for x in u for z in x["zs"] if abs(z) < 20]
            pm = sum(pooled) / len(pooled)
            sz = math.sqrt(sum((z - pm) ** 2 for z in pooled) / max(len(pooled) - 1, 1))
            drift = [x["drift"] for x in u if not math.isnan(x["drift"])]
            print(f"{cls:<13}{g:>14}{n:>7}{sum(x['bias'] for x in u) / n:>+9.3f}{mz:>+9.2f}"
                  f"{sz:>7.2f}{sum(drift) / max(len(drift), 1):>+8.3f}"
                  f"{sum(x['cv'] for x in u) / n:>9.3f}{sum(x['over'] for x in u) / n:>8.3f}"
                  f"{sum(x['short'] for x in u) / n:>9.3f}{median([x['ratio'] for x in u]):>9.3f}")


if __name__ == "__main__":
    main()
