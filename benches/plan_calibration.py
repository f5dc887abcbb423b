#!/usr/bin/env python3
"""Realised service of `replenish plan` reorder points, measured on later sales.

For each of several planning dates D, run `replenish plan --planning-date D` on a data set
(history before D only; later sales rows are rejected as future rows, and policy.csv does
not depend on the end-of-history inventory snapshot), then, per SKU, compare the reorder point s with the demand that
actually followed: the realised cycle service level is P(demand over [D, D + l) <= s),
averaged over l in the SKU's own observed lead times (every received order in the PO file;
the item's p50 when it has none). This is what a cycle-service target promises for an order
placed when the position reaches s. Results by demand class and method, against the mean
target.

Caveat: generated sales are censored on stockout days (sales = min(demand, stock)), so actual
demand after D is understated a little and realised service slightly overstated.

Usage: python3 benches/plan_calibration.py DATA_DIR BINARY [METHOD ...]
  e.g. python3 benches/plan_calibration.py /tmp/cal/data target/release/replenish normal empirical
Standard library only.
"""
import csv
import datetime as dt
import json
import subprocess
import sys
from collections import defaultdict

data, binary = sys.argv[1], sys.argv[2]
methods = sys.argv[3:] or ["auto"]
origins = ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01", "2025-11-01"]

daily = defaultdict(lambda: defaultdict(float))
with open(f"{data}/sales.csv") as f:
    for r in csv.DictReader(f):
        daily[r["sku"]][r["date"]] += float(r["quantity"])
leads = defaultdict(list)
with open(f"{data}/purchase_orders.csv") as f:
    for r in csv.DictReader(f):
        if r["receipt_date"]:
            a = dt.date.fromisoformat(r["order_date"])
            b = dt.date.fromisoformat(r["receipt_date"])
            leads[r["sku"]].append((b - a).days)


def demand(sku, start, days):
    d0 = dt.date.fromisoformat(start)
    return sum(daily[sku].get((d0 + dt.timedelta(days=i)).isoformat(), 0.0) for i in range(days))


out = {}
for method in methods:
    hits = defaultdict(float)
    count = defaultdict(int)
    target = defaultdict(float)
    for d in origins:
        o = f"/tmp/cal/out-{method}-{d}"
        subprocess.run(
            [binary, "plan", "-q", "--planning-date", d, "--method", method,
             "--policy", "sQ", "--out", o, "--config", f"{data}/plan.toml",
             # Sales on or after D are rejected as "in the future": expected here.
             "--max-reject-share", "1"],
            check=False,
        )
        with open(f"{o}/policy.csv") as f:
            for r in csv.DictReader(f):
                if not r["reorder_point"] or r["class"] == "none":
                    continue
                s = float(r["reorder_point"])
                ls = leads[r["sku"]] or [round(float(r["lead_time_mean_days"]))]
                p = sum(demand(r["sku"], d, l) <= s for l in ls) / len(ls)
                key = (r["class"], r["method"])
                hits[key] += p
                count[key] += 1
                target[key] += float(r["target"])
    for key in sorted(count):
        n = count[key]
        out[f"{method}:{key[0]}:{key[1]}"] = {
            "sku_origins": n,
            "mean_target": round(target[key] / n, 4),
            "realised_csl": round(hits[key] / n, 4),
        }
print(json.dumps(out, indent=1))
