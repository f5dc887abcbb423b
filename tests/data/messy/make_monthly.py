"""Writes the two monthly messy-export fixtures of tests/data/messy/ (committed with them).

monthly_first.csv: the first 20 SKUs of the bundled example's sales (data/sales.csv),
summed per calendar month and dated on the 1st — the usual ERP export of monthly totals.

monthly_1996.csv: 25+ years of monthly history (1996-01 .. 2025-12) for 5 SKUs, a level with a
yearly season and a little noise (seeded), dated on the 1st, plus one sentinel row dated
1900-01-01 (a placeholder date some ERPs write for "unknown").

Run from the repository root: python3 tests/data/messy/make_monthly.py
"""
import csv
import collections
import math
import random

here = "tests/data/messy/"
totals = collections.defaultdict(float)
skus = []
with open("data/sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        sku = row["sku"]
        if sku not in skus:
            skus.append(sku)
        if skus.index(sku) >= 20:
            continue
        totals[(sku, row["date"][:7] + "-01")] += float(row["quantity"])
with open(here + "monthly_first.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["date", "sku", "quantity"])
    for (sku, month), q in sorted(totals.items()):
        w.writerow([month, sku, f"{q:g}"])

rng = random.Random(1996)
with open(here + "monthly_1996.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["date", "sku", "quantity"])
    for k in range(5):
        level = 100 * (k + 1)
        for year in range(1996, 2026):
            for month in range(1, 13):
                season = 1 + 0.3 * math.sin(2 * math.pi * (month - 1) / 12 + k)
                q = round(level * season * rng.uniform(0.85, 1.15))
                w.writerow([f"{year}-{month:02d}-01", f"M{k + 1:03d}", q])
    w.writerow(["1900-01-01", "M003", 120])
