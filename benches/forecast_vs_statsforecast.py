"""Side-by-side forecasting benchmark: replenish vs statsforecast, same data, same machine.

For each model family, both tools forecast the last H days of every series from the rest (one
fit per series: replenish runs with --folds 0 --combine 0, so no backtest), and we report
series per second (model time only: replenish's own timing line, statsforecast's
forecast() call with n_jobs = cores) and accuracy on the held-out days (mean sMAPE, MASE and
RMSSE; MASE scaled by the in-sample seasonal-naive error with season 7, RMSSE as in the M5
competition). End to end: replenish's whole `forecast` command (read and validate the CSV,
bucket, classify, forecast, write its outputs) against statsforecast reading the same CSV with
pandas, preparing it, forecasting and writing its CSV.

Usage: python3 benches/forecast_vs_statsforecast.py [SKUS] [DAYS]   (default 2000 1941)
       FREQ=month python3 benches/...   monthly series instead: the same daily data summed
       per calendar month (replenish buckets the daily file itself with --freq month;
       statsforecast gets the monthly sums), horizon 12 months, season 12, MASE scaled by
       the in-sample seasonal-naive (12) error
       FAMILIES=ses,sba,tsb python3 benches/...   runs only the families named (replenish names
       without parameters)
       TRIM_LEADING_ZEROS=1 python3 benches/...   statsforecast also starts each series at its
       first positive sale, as replenish does (to tell model differences from data differences)
Needs: pip install statsforecast pandas; a release build (cargo build --release).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoETS,
    AutoTheta,
    CrostonClassic,
    CrostonSBA,
    Naive,
    CrostonOptimized,
    SeasonalNaive,
    SimpleExponentialSmoothingOptimized,
    WindowAverage,
)

SKUS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
DAYS = int(sys.argv[2]) if len(sys.argv) > 2 else 1941
MONTHLY = os.environ.get("FREQ", "day") == "month"
H = 12 if MONTHLY else 28
SEASON = 12 if MONTHLY else 7
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "replenish")
CORES = os.cpu_count()

FAMILIES = [
    # (replenish model, statsforecast model)
    ("naive", Naive()),
    ("snaive", SeasonalNaive(season_length=SEASON)),
    ("ma(28)" if not MONTHLY else "ma(3)", WindowAverage(window_size=3 if MONTHLY else 28)),
    ("ses", SimpleExponentialSmoothingOptimized()),
    ("holt", AutoETS(model="AAN", damped=True)),
    ("ets", AutoETS(season_length=SEASON)),
    ("theta", AutoTheta(season_length=SEASON)),
    ("croston", CrostonClassic()),
    ("croston_opt", CrostonOptimized()),
    ("sba", CrostonSBA()),
    ("tsb(0.1,0.1)", TSB(alpha_d=0.1, alpha_p=0.1)),
    ("adida", ADIDA()),
    ("imapa", IMAPA()),
]


def scores(fc: pd.DataFrame, test: pd.DataFrame, train: pd.DataFrame) -> tuple[float, float, float]:
    """Mean sMAPE (percent), MASE and RMSSE over series. RMSSE (the M5 competition's measure):
    root of the held-out mean squared error over the in-sample mean squared one-step naive
    change; unlike MASE it does not reward forecasting zero for intermittent demand."""
    m = fc.merge(test, on=["unique_id", "ds"])
    m["ae"] = (m["y"] - m["yhat"]).abs()
    denom = m["y"].abs() + m["yhat"].abs()
    m["sm"] = np.where(denom > 0, 200 * m["ae"] / denom.where(denom > 0, 1), 0.0)
    def seasonal_naive_mae(s: pd.Series) -> float:
        v = s.values
        d = np.abs(v[SEASON:] - v[:-SEASON]).mean() if v.size > SEASON else 0.0
        return d if d > 0 else 1.0

    def naive_mse(s: pd.Series) -> float:
        v = s.values
        d = ((v[1:] - v[:-1]) ** 2).mean() if v.size > 1 else 0.0
        return d if d > 0 else 1.0

    ordered = train.sort_values(["unique_id", "ds"]).groupby("unique_id")["y"]
    scale = ordered.apply(seasonal_naive_mae)
    sq_scale = ordered.apply(naive_mse)
    m["se"] = m["ae"] ** 2
    per = m.groupby("unique_id").agg(mae=("ae", "mean"), smape=("sm", "mean"), mse=("se", "mean"))
    per["mase"] = per["mae"] / scale.reindex(per.index)
    per["rmsse"] = np.sqrt(per["mse"] / sq_scale.reindex(per.index))
    return per["smape"].mean(), per["mase"].mean(), per["rmsse"].mean()


def monthly(df: pd.DataFrame) -> pd.DataFrame:
    """Daily rows summed per calendar month, labelled by the month's first day."""
    out = df.assign(ds=df["ds"].dt.to_period("M").dt.start_time)
    return out.groupby(["unique_id", "ds"], as_index=False)["y"].sum()


def peer_input(train_csv: str) -> pd.DataFrame:
    """statsforecast's training frame from the daily training file replenish reads: renamed,
    summed per month in monthly mode, trimmed to the first sale with TRIM_LEADING_ZEROS=1."""
    df = pd.read_csv(train_csv, parse_dates=["date"]).rename(
        columns={"sku": "unique_id", "date": "ds", "quantity": "y"}
    )
    if MONTHLY:
        df = monthly(df)
    if os.environ.get("TRIM_LEADING_ZEROS") == "1":
        first = df[df["y"] > 0].groupby("unique_id")["ds"].min().rename("first")
        df = df.join(first, on="unique_id")
        df = df[df["ds"] >= df["first"]].drop(columns="first")
    return df


def main() -> None:
    work = tempfile.mkdtemp(prefix="fc-bench-")
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: str) -> None:
    subprocess.run(
        [BIN, "generate", "--skus", str(SKUS), "--days", str(DAYS), "--dense", "--seed", "1",
         "-q", "--out", work],
        check=True,
    )
    sales = pd.read_csv(os.path.join(work, "sales.csv"), parse_dates=["date"])
    sales = sales.rename(columns={"sku": "unique_id", "date": "ds", "quantity": "y"})
    sales["y"] = sales["y"].clip(lower=0).astype(float)
    last = sales["ds"].max()
    if MONTHLY:
        # Whole calendar months only; the last H of them are held out.
        first_month = sales["ds"].min().to_period("M")
        if sales["ds"].min() != first_month.start_time:
            first_month += 1
        last_month = last.to_period("M")
        if last != last_month.end_time.normalize():
            last_month -= 1
        cut = (last_month - (H - 1)).start_time
        sales = sales[(sales["ds"] >= first_month.start_time)
                      & (sales["ds"] <= last_month.end_time)]
    else:
        cut = last - pd.Timedelta(days=H - 1)
    daily_train = sales[sales["ds"] < cut][["unique_id", "ds", "y"]]
    test = sales[sales["ds"] >= cut][["unique_id", "ds", "y"]]
    # replenish reads the daily training part as its sales file.
    train_csv = os.path.join(work, "train.csv")
    daily_train.rename(columns={"unique_id": "sku", "ds": "date", "y": "quantity"}).to_csv(
        train_csv, index=False, date_format="%Y-%m-%d"
    )
    if MONTHLY:
        train, test = monthly(daily_train), monthly(test)
    else:
        train = daily_train
    n = train["unique_id"].nunique()
    unit = "months" if MONTHLY else "days"
    length = train.groupby("unique_id").size().max()
    print(f"{n} series x {length} training {unit}, horizon {H}, {CORES} cores\n")
    print("| model | replenish series/s | statsforecast series/s | speed ratio | end to end, replenish s | end to end, statsforecast s | end-to-end ratio | replenish sMAPE | statsforecast sMAPE | replenish MASE | statsforecast MASE | replenish RMSSE | statsforecast RMSSE |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    only = [f for f in os.environ.get("FAMILIES", "").split(",") if f]
    for ours, peer in FAMILIES:
        if only and ours.split("(")[0] not in only:
            continue
        out = os.path.join(work, "f.csv")
        # End to end: replenish's whole command (read and validate the CSV, bucket, classify,
        # forecast, write the forecast, accuracy.csv and classes.csv); statsforecast reading
        # the same file with pandas, preparing it, forecasting and writing its CSV.
        e2e = time.perf_counter()
        res = subprocess.run(
            [BIN, "forecast", "--sales", train_csv, "--planning-date", cut.strftime("%Y-%m-%d"),
             "--freq", "month" if MONTHLY else "day", "--season", str(SEASON),
             "--models", ours, "--folds", "0",
             "--combine", "0", "--horizon", str(H), "--quantiles", "0.5", "--out", out],
            check=True, capture_output=True, text=True,
        )
        r_e2e = time.perf_counter() - e2e
        secs = float(re.search(r"in ([0-9.]+) s", res.stdout).group(1))
        fc = pd.read_csv(out, parse_dates=["date"]).rename(
            columns={"sku": "unique_id", "date": "ds", "forecast": "yhat"}
        )
        r_smape, r_mase, r_rmsse = scores(fc[["unique_id", "ds", "yhat"]], test, train)
        e2e = time.perf_counter()
        peer_train = peer_input(train_csv)
        sf = StatsForecast(models=[peer], freq="MS" if MONTHLY else "D", n_jobs=CORES)
        t0 = time.perf_counter()
        pf = sf.forecast(df=peer_train, h=H)
        peer_secs = time.perf_counter() - t0
        pf.to_csv(os.path.join(work, "peer.csv"), index=False)
        p_e2e = time.perf_counter() - e2e
        col = [c for c in pf.columns if c not in ("unique_id", "ds")][0]
        pf = pf.rename(columns={col: "yhat"}).reset_index(drop=("unique_id" in pf.columns))
        p_smape, p_mase, p_rmsse = scores(pf[["unique_id", "ds", "yhat"]], test, train)
        print(
            f"| {ours} | {n / secs:,.0f} | {n / peer_secs:,.0f} | {peer_secs / secs:.1f}x | "
            f"{r_e2e:.2f} | {p_e2e:.2f} | {p_e2e / r_e2e:.1f}x | "
            f"{r_smape:.1f} | {p_smape:.1f} | {r_mase:.3f} | {p_mase:.3f} | "
            f"{r_rmsse:.3f} | {p_rmsse:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
