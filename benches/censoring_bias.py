#!/usr/bin/env python3
"""Forecast bias on censored SKUs of the bundled example, with and without censored-demand
handling, against the generator's true (uncensored) demand.

Usage: python3 benches/censoring_bias.py [path/to/replenish] [holdout_days]

1. Regenerates the bundled example with `generate --truth` (same seed as data/, checked
   byte-identical to data/sales.csv) to get demand_truth.csv: what customers wanted each day.
2. Hides the last `holdout_days` (default 28) of sales, forecasts them from the rest twice:
   `--censoring impute` (the default) and `--censoring ignore` (sales taken as demand).
   A third forecast is fitted on the true demand history itself ("oracle": what the models
   would say had nothing been censored), so the bias that censoring causes can be told apart
   from ordinary forecast error (seasonal peaks, trend) that no censoring method can remove.
3. Per SKU, over the hidden days: bias vs the true demand, and the gap to the oracle forecast.
   Reports, for SKUs with stockout days in their training history ("censored") and without,
   the total relative bias sum(forecast - truth) / sum(truth) and the median per-SKU one.

Standard library only; prints a Markdown table.
"""
import csv
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/replenish")
HOLDOUT = int(sys.argv[2]) if len(sys.argv) > 2 else 28
PLANNING = dt.date(2026, 1, 1)


def run(*args):
    subprocess.run([BIN, "-q", *args], check=True)


def main():
    tmp = tempfile.mkdtemp(prefix="censoring-")
    gen = os.path.join(tmp, "gen")
    run("generate", "--out", gen, "--truth")
    with open(os.path.join(gen, "sales.csv"), "rb") as a, open(
        os.path.join(ROOT, "data/sales.csv"), "rb"
    ) as b:
        assert a.read() == b.read(), "regenerated sales differ from data/sales.csv"
    cut = PLANNING - dt.timedelta(days=HOLDOUT)
    train = os.path.join(tmp, "train.csv")
    with open(os.path.join(gen, "sales.csv")) as src, open(train, "w", newline="") as dst:
        r = csv.reader(src)
        w = csv.writer(dst, lineterminator="\n")
        w.writerow(next(r))
        for row in r:
            if dt.date.fromisoformat(row[0]) < cut:
                w.writerow(row)
    truth = {}
    with open(os.path.join(gen, "demand_truth.csv")) as f:
        for row in csv.DictReader(f):
            d = dt.date.fromisoformat(row["date"])
            if cut <= d < PLANNING:
                truth[row["sku"]] = truth.get(row["sku"], 0.0) + float(row["demand"])
    oracle_sales = os.path.join(tmp, "oracle.csv")
    with open(os.path.join(gen, "demand_truth.csv")) as src, open(oracle_sales, "w") as dst:
        r = csv.reader(src)
        next(r)
        dst.write("date,sku,quantity\n")
        for row in r:
            if dt.date.fromisoformat(row[0]) < cut:
                dst.write(",".join(row) + "\n")
    results = {}
    censored = {}
    for mode, sales in (("impute", train), ("ignore", train), ("oracle", oracle_sales)):
        out = os.path.join(tmp, mode, "forecast.csv")
        run(
            "forecast", "--sales", sales, "--planning-date", str(cut),
            "--horizon", str(HOLDOUT), "--censoring", "ignore" if mode == "oracle" else mode,
            "--out", out,
        )
        fc = {}
        with open(out) as f:
            for row in csv.DictReader(f):
                fc[row["sku"]] = fc.get(row["sku"], 0.0) + float(row["forecast"])
        results[mode] = fc
        if mode != "oracle":
            with open(os.path.join(os.path.dirname(out), "classes.csv")) as f:
                for row in csv.DictReader(f):
                    censored[row["sku"]] = int(row["censored_days"]) > 0
    print(f"Hidden days: {HOLDOUT} (from {cut} to {PLANNING - dt.timedelta(days=1)}); "
          f"truth = generator demand before stockouts.\n")
    print("| SKUs | n | vs | censoring ignored | imputed (default) | oracle (true history) |")
    print("|---|---|---|---|---|---|")
    for label, want in (("censored (stockout days in history)", True), ("never out of stock", False)):
        skus = [
            s for s in results["impute"]
            if censored.get(s) == want and truth.get(s, 0) > 0 and s in results["oracle"]
        ]
        for ref_name, ref in (("true demand", truth), ("oracle forecast", results["oracle"])):
            tot = sum(ref[s] for s in skus)
            cells = []
            for mode in ("ignore", "impute", "oracle"):
                b = sum(results[mode][s] - ref[s] for s in skus)
                med = statistics.median(
                    (results[mode][s] - ref[s]) / ref[s] for s in skus if ref[s] > 0
                )
                cells.append(f"{100 * b / tot:+.1f}% (median {100 * med:+.1f}%)")
            print(f"| {label} | {len(skus)} | {ref_name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
