"""Peer for benches/load_m5.sh: Python polars reads a sales file and sums per sku and day.

This is a bare read + group-by, with no row validation, rejects or gap filling: the work
replenish's load + validate + bucket does, minus the checks. Prints the seconds spent reading
and grouping. Usage: python3 peer_polars.py FILE
"""
import sys
import time

import polars as pl

path = sys.argv[1]
t0 = time.perf_counter()
if path.endswith(".parquet"):
    df = pl.read_parquet(path)
else:
    df = pl.read_csv(path, try_parse_dates=True)
t1 = time.perf_counter()
out = df.group_by(["sku", "date"]).agg(pl.col("quantity").sum())
t2 = time.perf_counter()
assert out.height <= df.height
print(f"{t1 - t0:.2f} {t2 - t1:.2f}")
