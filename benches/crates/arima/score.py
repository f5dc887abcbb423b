"""Score forecast CSVs on M1 monthly test parts, with the formulas of benches/m1.py.

Per series: sMAPE = mean over the 18 test months of 200|y - f| / (|y| + |f|) (denominator 0 -> 1);
MASE = MAE / in-sample seasonal-naive (12) MAE of the training part (0 -> 1). Means over series.
Usage: python3 score.py DIR NAME.csv ...    (files written by arima-crates-bench in DIR,
        beside train.csv and test.csv from export_m1.py)
       Also scores /tmp/m1-peers/AutoARIMA.csv (statsforecast) when it is there.
"""
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from benches.m1 import per_series  # noqa: E402


def scores(fc, test, train):
    """benches/m1.py's scores (its `per_series`) on this folder's step-indexed files."""
    key = {"t": "ds"}
    per = per_series(fc.rename(columns=key), test.rename(columns=key), train.rename(columns=key))
    return per["smape"].mean(), per["mase"].mean(), per


def main():
    d = sys.argv[1]
    train = pd.read_csv(os.path.join(d, "train.csv"))
    test = pd.read_csv(os.path.join(d, "test.csv"))
    print("| forecasts | series | failures | sMAPE | MASE | fit+forecast (s) |")
    print("|---|---|---|---|---|---|")
    for name in sys.argv[2:]:
        fc = pd.read_csv(os.path.join(d, name)).rename(columns={"step": "t"})
        per_series = fc.groupby("unique_id").first()
        fails = int(per_series["failed"].sum())
        secs = per_series["secs"].sum()
        s, m, per = scores(fc[["unique_id", "t", "yhat"]], test, train)
        ok = per_series.index[per_series["failed"] == 0]
        s_ok, m_ok = per.loc[ok, "smape"].mean(), per.loc[ok, "mase"].mean()
        print(f"| {name} | {len(per_series)} | {fails} | {s:.3f} | {m:.4f} | {secs:.1f} |"
              f"  (non-failed only: sMAPE {s_ok:.3f}, MASE {m_ok:.4f})")
    peer = "/tmp/m1-peers/AutoARIMA.csv"
    if os.path.exists(peer):
        fc = pd.read_csv(peer, parse_dates=["ds"]).sort_values(["unique_id", "ds"])
        fc["t"] = fc.groupby("unique_id").cumcount()
        s, m, _ = scores(fc[["unique_id", "t", "yhat"]], test, train)
        print(f"| statsforecast AutoARIMA (cached) | {fc['unique_id'].nunique()} | - | {s:.3f} | "
              f"{m:.4f} | {fc['secs'].iloc[0]:.1f} |")


if __name__ == "__main__":
    main()
