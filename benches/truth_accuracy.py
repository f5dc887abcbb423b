"""Forecast accuracy and bias against the generator's true demand (what customers wanted before
stockouts censored the sales), beside the usual score against sales — per demand class.

Held-out scores against sales (`replenish forecast --holdout`) penalise a forecast of demand on
stockout days, where sales fall short of demand; this script scores the same forecasts against
`demand_truth.csv` (written by `replenish generate --truth`), so that a change to the censored-
demand handling can be judged on what it is meant to estimate.

Usage:
    replenish generate --skus 1000 --days 1941 --seed 7 --dense --truth --out DATA
    replenish forecast --config DATA/plan.toml --planning-date DATE --horizon 28 --out A/f.csv
        (sales on or after DATE are rejected as future rows: raise [validation]
        max_reject_share in a copy of plan.toml, e.g. to 0.05)
    python3 benches/truth_accuracy.py DATA DATE A [B ...]
Prints per class and build: SKUs, MASE against true demand and against sales (both scaled by
the in-sample seasonal-naive (7) MAE of the sales before DATE), RMSSE against true demand (M5's:
scaled by the in-sample one-step naive MSE; squared error is least at the mean, absolute error
at the median, so for sporadic demand MASE rewards forecasting the usual zero and RMSSE an
unbiased mean), and the bias of the summed forecast against summed true demand (percent). Classes from the first build's classes.csv.
Needs: pip install pandas numpy.
"""
import os
import sys

import numpy as np
import pandas as pd


def scale(v):
    v = v.values
    d = np.abs(v[7:] - v[:-7]).mean() if v.size > 7 else 0.0
    return d if d > 0 else 1.0


def mse_scale(v):
    v = v.values
    d = ((v[1:] - v[:-1]) ** 2).mean() if v.size > 1 else 0.0
    return d if d > 0 else 1.0


def main():
    data, date, builds = sys.argv[1], pd.Timestamp(sys.argv[2]), sys.argv[3:]
    truth = pd.read_csv(os.path.join(data, "demand_truth.csv"), parse_dates=["date"])
    sales = pd.read_csv(os.path.join(data, "sales.csv"), parse_dates=["date"])
    hist = sales[sales.date < date].sort_values(["sku", "date"])
    sc = hist.groupby("sku")["quantity"].apply(scale)
    sc2 = hist.groupby("sku")["quantity"].apply(mse_scale)
    cls = pd.read_csv(os.path.join(builds[0], "classes.csv")).set_index("sku")["class"]
    test_t = truth[truth.date >= date]  # demand_truth.csv lists days with demand > 0 only
    test_s = sales[sales.date >= date][["sku", "date", "quantity"]]
    rows = []
    for b in builds:
        f = pd.read_csv(os.path.join(b, "f.csv"), parse_dates=["date"])
        m = (
            f.merge(test_t, on=["sku", "date"], how="left")
            .merge(test_s, on=["sku", "date"], how="left")
            .fillna({"demand": 0, "quantity": 0})
        )
        m["ae_t"] = (m.forecast - m.demand).abs()
        m["ae_s"] = (m.forecast - m.quantity).abs()
        m["err_t"] = m.forecast - m.demand
        m["se_t"] = m.err_t**2
        per = m.groupby("sku").agg(
            ae_t=("ae_t", "mean"), ae_s=("ae_s", "mean"), se_t=("se_t", "mean"),
            bias=("err_t", "sum"), dem=("demand", "sum"),
        )
        per["rmsse_t"] = np.sqrt(per.se_t / sc2.reindex(per.index))
        per["mase_t"] = per.ae_t / sc.reindex(per.index)
        per["mase_s"] = per.ae_s / sc.reindex(per.index)
        per["cls"] = cls.reindex(per.index)
        for c, g in list(per.groupby("cls")) + [("all", per)]:
            rows.append((os.path.basename(b.rstrip("/")), c, len(g), g.mase_t.mean(),
                         g.rmsse_t.mean(), g.mase_s.mean(), 100 * g.bias.sum() / g.dem.sum()))
    out = pd.DataFrame(
        rows, columns=["build", "class", "skus", "MASE true", "RMSSE true", "MASE sales", "bias %"]
    )
    print(out.pivot(index="class", columns="build").round(3).to_string())


if __name__ == "__main__":
    main()
