#!/usr/bin/env python3
"""Is the empty-shelf imputation biased? True demand of the days a SKU was out of stock all day
(stockout flag, no sales, no promotion) against the mean true demand of the neighbours the
imputation takes their level from (src/forecast/censor.rs: up to 4 uncensored days without
promotion on each side, on the same weekday, up to 26 weeks away), per demand class and
stockout-run length. A ratio of 1 means the imputed level is unbiased for those days.

Data: `replenish generate --skus 1000 --seed S --truth --out DATA`; classes from a plan's
policy.csv (e.g. one written by benches/plan_calibration.py). Only days before DATE count.

Usage: python3 benches/censor_neighbours.py DATA POLICY_CSV DATE
  e.g. python3 benches/censor_neighbours.py /tmp/cal/s11 /tmp/cal/s11-auto-cycle-2025-07-01/policy.csv 2025-07-01
Standard library only.
"""
import csv
import datetime as dt
import sys
from collections import defaultdict

NEIGHBOURS, REACH = 4, 26


def day(s):
    return dt.date.fromisoformat(s).toordinal()


def load(data):
    """True demand, sales (rows of a day summed), stockout and promotion flags, per SKU and day."""
    truth = defaultdict(dict)
    for r in csv.DictReader(open(f"{data}/demand_truth.csv")):
        t = day(r["date"])
        truth[r["sku"]][t] = truth[r["sku"]].get(t, 0.0) + float(r["demand"])
    sales, out, promo = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    for r in csv.DictReader(open(f"{data}/sales.csv")):
        t = day(r["date"])
        sales[r["sku"]][t] = sales[r["sku"]].get(t, 0.0) + float(r["quantity"])
        out[r["sku"]][t] = out[r["sku"]].get(t, False) or r["stockout"] == "1"
        promo[r["sku"]][t] = promo[r["sku"]].get(t, False) or r.get("promo") == "1"
    return truth, sales, out, promo


def neighbours(t, out, promo, values, lo, end):
    """The values on the reference days of day t: up to NEIGHBOURS uncensored days without
    promotion on each side, on t's weekday, at most REACH weeks away, within [lo, end)."""
    vals = []
    for d in (-1, 1):
        found = 0
        for k in range(1, REACH + 1):
            u = t + d * 7 * k
            if u < lo or u >= end or u not in out:
                break
            if not out[u] and not promo.get(u):
                vals.append(values.get(u, 0.0))
                found += 1
                if found == NEIGHBOURS:
                    break
    return vals


def main():
    data, policy, date = sys.argv[1:4]
    end = day(date)
    cls = {r["sku"]: r["class"] for r in csv.DictReader(open(policy))}
    truth, sales, out, promo = load(data)
    acc = defaultdict(lambda: [0.0, 0.0, 0])
    for sku, c in cls.items():
        o, s, tr, p = out[sku], sales[sku], truth[sku], promo[sku]
        for t in (t for t in o if t < end):
            if not o[t] or p.get(t) or s.get(t, 0) > 0:
                continue
            vals = neighbours(t, o, p, tr, min(o), end)
            if not vals:
                continue
            a, b = t, t
            while o.get(a - 1):
                a -= 1
            while o.get(b + 1):
                b += 1
            run = b - a + 1
            band = "run <= 7" if run <= 7 else ("run 8-28" if run <= 28 else "run > 28")
            for key in ((c, band), (c, "all")):
                acc[key][0] += tr.get(t, 0.0)
                acc[key][1] += sum(vals) / len(vals)
                acc[key][2] += 1
    print("| class | stockout run | empty-shelf days | true demand / neighbours' level |")
    print("|---|---|---|---|")
    for (c, band), (true, level, n) in sorted(acc.items()):
        print(f"| {c} | {band} | {n} | {true / level:.3f} |")


if __name__ == "__main__":
    main()
