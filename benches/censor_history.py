#!/usr/bin/env python3
"""Where a censored SKU's forecast deficit arises: the imputed history against the true demand,
and the forecast against the imputed history, over the last 91 days before a planning date.

The imputation is replicated from src/forecast/censor.rs (daily buckets): a censored day's
level is the mean of up to 4 uncensored days without promotion on each side, on the same
weekday, up to 26 weeks away, times the SKU's promotion lift on a promotion day (mean
uncensored promotion day / mean uncensored other day, with at least 4 of each); an empty shelf
(no sales) takes the level, a run-out day (sales x > 0) takes E[D | D >= x] over the SKU's
uncensored non-promotion days scaled to the level. Days without a sales row are zero sales,
uncensored. Per (class, stockout days in the history: 0, 1-59, 60+), medians over SKUs of
  imputed / true   the replica's 91-day mean against the true demand's (1 = unbiased history)
  fc / true        policy.csv demand_mean_per_day against the true 91-day mean
  fc / imputed     the forecast against the history it was fitted on

Data: `replenish generate --skus 1000 --seed S --truth --out DATA`, and a plan of DATA at DATE
(e.g. from benches/plan_calibration.py: /tmp/cal/TAG-auto-cycle-DATE/policy.csv).

Usage: python3 benches/censor_history.py DATA POLICY_CSV DATE
Standard library only; smooth and erratic SKUs only (the daily replica's level rule is the one
for frequent demand).
"""
import bisect
import csv
import os
import statistics as st
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from censor_neighbours import day, load, neighbours  # noqa: E402

WINDOW = 91


def main():
    data, policy, date = sys.argv[1:4]
    end = day(date)
    rows = {r["sku"]: r for r in csv.DictReader(open(policy))}
    truth, sales, out, promo = load(data)
    res = defaultdict(list)
    for sku, row in rows.items():
        c = row["class"]
        if c not in ("smooth", "erratic") or row["error"] or not out[sku]:
            continue
        cd = int(float(row["censored_days"] or 0))
        band = "0" if cd == 0 else ("1-59" if cd < 60 else "60+")
        o, s, tr, p = out[sku], sales[sku], truth[sku], promo[sku]
        hist = range(min(o), end)
        for t in hist:
            o.setdefault(t, False)
            s.setdefault(t, 0.0)
        ref = sorted(max(s[t], 0.0) for t in hist if not o[t] and not p.get(t))
        if not ref or sum(ref) <= 0:
            continue
        mean_ref = sum(ref) / len(ref)
        on_promo = [s[t] for t in hist if not o[t] and p.get(t)]
        lift = (sum(on_promo) / len(on_promo)) / mean_ref if len(on_promo) >= 4 else 1.0
        imputed = {}
        for t in hist:
            x = max(s[t], 0.0)
            if not o[t]:
                imputed[t] = x
                continue
            vals = [max(v, 0.0) for v in neighbours(t, o, p, s, hist.start, end)]
            if not vals:
                imputed[t] = x
                continue
            m = sum(vals) / len(vals) * (lift if p.get(t) else 1.0)
            if x > 0 and m > 0:
                top = ref[bisect.bisect_left(ref, x * mean_ref / m):]
                imputed[t] = max(x, sum(top) / len(top) * m / mean_ref) if top else x
            else:
                imputed[t] = max(x, m)
        window = [t for t in range(end - WINDOW, end) if t in imputed]
        if not window:
            continue
        true = sum(tr.get(t, 0.0) for t in window) / len(window)
        imp = sum(imputed[t] for t in window) / len(window)
        fc = float(row["demand_mean_per_day"])
        if true > 0 and imp > 0:
            res[(c, band)].append((imp / true, fc / true, fc / imp))
    print("| class | stockout days | SKUs | imputed / true | fc / true | fc / imputed |")
    print("|---|---|---|---|---|---|")
    for (c, band), v in sorted(res.items()):
        med = [st.median(x[i] for x in v) for i in range(3)]
        print(f"| {c} | {band} | {len(v)} | {med[0]:.3f} | {med[1]:.3f} | {med[2]:.3f} |")


if __name__ == "__main__":
    main()
