#!/usr/bin/env python3
"""Realised service of `replenish plan` policies, replayed on the generator's true demand.

What is measured. For each of several planning dates D (origins), `replenish plan
--planning-date D` designs every SKU's policy from the history before D alone (later sales rows
are rejected as future rows, which is expected here). Each SKU's designed levels (policy.csv:
family, s, Q, S, review period) are then **replayed** on the demand that really followed D —
the generator's uncensored demand, `demand_truth.csv` of `replenish generate --truth`, not the
sales, which stockouts censor — in a small daily event simulation that follows the project's
one time convention exactly (module docs of src/policy/mod.rs, docs/planning.md):

- within day t: receipts first, then the day's demand (served from stock on hand, the rest
  backordered), then the review; continuous review (sQ, sS) reviews after every day's demand,
  periodic review (RS, RsS) every R days;
- an order placed at the review of day t with lead time L arrives at the start of day t + L
  (L >= 1 whole days), so (R,S) protects L + R - 1 days and a reorder point protects the
  undershoot plus L - 1 days — the simulation does not assume either, it just runs;
- lead times are drawn at random, per order, from the SKU's own purchase-order history (days
  from order to receipt of every received line; the supplier's lines when the SKU has none;
  the planned mean lead time when neither has any);
- sQ orders enough multiples of Q to lift the position above s; sS / RsS / RS order up to S.

Counting follows the promise of each measure, per replenishment cycle as the project's
simulator counts it (receipt to receipt):
- **cycle service** = share of cycles without a day of unmet demand;
- **fill rate** = 1 - (units short in the cycles) / (units ordered by the orders that close
  them): the design's "1 - shortage per cycle / demand per cycle", with the demand per cycle
  measured by the order quantity (its steady-state mean), so that a cycle which starts
  mid-way (the replay's first) does not count too little demand.
Each (SKU, origin) is replayed REPS times with different lead-time draws and starting
positions (stratified over (s, top], top = S or s + Q; RS starts at S), the pipeline empty. A
cycle counts when the order that closes it was placed within the first TRIGGER_DAYS days
after D (levels are re-planned about monthly, so later cycles would judge a stale forecast)
and its receipt falls inside the true-demand file. Results are per demand class (the
classifier's, policy.csv `class`), every (SKU, origin) weighing the same: its own cycles'
share without stockout and its own fill rate are compared with its designed service
(policy.csv expected_cycle_service_level, expected_fill_rate), then averaged — so a SKU whose
tiny S - s makes a cycle every few days does not outweigh the class. The designed service is
the target for the measure the run designs for, except where the safety stock floors at 0
(the order quantity alone exceeds the target), and for simulation-designed SKUs (method
`simulated`), whose promise is their simulated service in that measure (policy.csv
simulated_service: the cheapest levels whose simulated service meets the target, often above
it where demand comes in whole units); "mean target" is shown beside it. The "+-" is
1.96 standard errors of the mean over (SKU, origin) units. --json also gives realised minus
target per measure.
--by-censoring splits each class by the SKU's stockout days in the training history
(policy.csv censored_days: 0, 1-59, 60+), where the forecast's censoring bias shows.

Why a replay rather than P(D(protection) <= level) at each origin: the policy promises
service per cycle, and what decides a cycle is the undershoot of s at the triggering review
plus the demand over the lead time that follows, with the lead time the supplier really
delivers; evaluating P(D(L) <= s) needs an assumption about both (it skipped the undershoot
and took L days where the convention has L - 1), while the replay has none. It also gives
the fill rate, which a quantile check cannot.

Runs: each RUN is METHOD or METHOD:MEASURE (method auto|normal|empirical, measure
cycle|fill_rate; default measure cycle). Cycle-service targets are judged on cycle service,
fill-rate targets on fill rate; the other measure is shown beside it against its designed
expectation (policy.csv expected_*).

Usage: python3 benches/plan_calibration.py DATA_DIR BINARY [RUN ...] [--tag TAG] [--json] [--by-censoring]
       [--trigger-days N] [--origins D1,D2,...] [--leads MODE] [--oracle-mean]
--leads all|before|designed|fixed: where each order's lead time is drawn from: the SKU's whole
  purchase-order history (all, the default: what suppliers really delivered, before and after
  the date), only the receipts before the date (before: what the plan saw), a normal with the
  plan's lead_time_mean_days and lead_time_sd_days, rounded (designed: isolates the demand
  side), or the plan's mean, rounded (fixed).
--oracle-mean shifts every SKU's levels by what knowing the mean true demand of the days that
  follow would have changed (protection mean x (true / forecast - 1)): a diagnostic of how much
  of the gap is the forecast's level.
--origins replaces the five planning dates (a subset when the machine is too slow for all).
  e.g. python3 benches/plan_calibration.py /tmp/cal/s29 target/release/replenish auto auto:fill_rate
DATA_DIR is written by `replenish generate --skus 1000 --seed S --truth --out DATA_DIR`.
Plan outputs go to /tmp/cal/TAG-RUN-ORIGIN (reused when policy.csv exists there; TAG defaults
to the data folder's name). Standard library only.
"""
import csv
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
from collections import defaultdict

ORIGINS = ["2025-01-01", "2025-02-15", "2025-04-01", "2025-05-15", "2025-07-01"]
TRIGGER_DAYS = 60
HORIZON_DAYS = 365
REPS = 4
LEADS = "all"
CLASSES = ["smooth", "erratic", "intermittent", "lumpy"]


def day(s):
    return dt.date.fromisoformat(s).toordinal()


def load(data):
    truth = defaultdict(dict)
    last = 0
    with open(f"{data}/demand_truth.csv") as f:
        for r in csv.DictReader(f):
            t = day(r["date"])
            truth[r["sku"]][t] = truth[r["sku"]].get(t, 0.0) + float(r["demand"])
            last = max(last, t)
    with open(f"{data}/plan.toml") as f:
        for line in f:
            if line.startswith("planning_date"):
                last = day(line.split("=")[1].strip().strip('"')) - 1
    leads, by_supplier = defaultdict(list), defaultdict(list)
    with open(f"{data}/purchase_orders.csv") as f:
        for r in csv.DictReader(f):
            if r["receipt_date"]:
                lt = max(1, day(r["receipt_date"]) - day(r["order_date"]))
                leads[r["sku"]].append((day(r["order_date"]), lt))
                by_supplier[r["supplier"]].append((day(r["order_date"]), lt))
    return truth, last, leads, by_supplier


def num(v):
    return float(v) if v not in ("", None) else None


def replay(row, demand, lead_sample, rng, start_frac, phase):
    """One replay of a SKU's levels on `demand` (list per day from D). Returns the cycles as
    (order placed day, order qty, units short, stockout?)."""
    kind = row["policy"]
    s, q, big_s = num(row["reorder_point"]), num(row["order_quantity"]), num(row["order_up_to"])
    r = max(1, round(float(row["review_period_days"] or 1))) if kind in ("RS", "RsS") else 1
    tie = lambda v: 1e-9 * max(abs(v), 1.0)
    if kind == "RS":
        pos = big_s
    else:
        top = s + q if kind == "sQ" else big_s
        pos = s + start_frac * (top - s)
    net = pos  # on hand (negative = backordered)
    pipeline = []  # [arrival day, qty, placed day]
    cycles = []
    short_acc, out_acc = 0.0, False
    for t in range(len(demand)):
        arriving = [o for o in pipeline if o[0] == t]
        if arriving:
            pipeline = [o for o in pipeline if o[0] != t]
            qty = sum(o[1] for o in arriving)
            placed = min(o[2] for o in arriving)
            cycles.append((placed, qty, short_acc, out_acc))
            short_acc, out_acc = 0.0, False
            net += qty
        d = demand[t]
        if d > 0:
            served = min(d, max(net, 0.0))
            if d - served > 1e-9:
                short_acc += d - served
                out_acc = True
            net -= d
        if t >= TRIGGER_DAYS or (r > 1 and (t - phase) % r != 0):
            continue
        pos = net + sum(o[1] for o in pipeline)
        order = 0.0
        if kind == "RS":
            order = max(big_s - pos, 0.0)
        elif pos <= s + tie(s):
            if kind == "sQ":
                order = max(math.floor((s + tie(s) - pos) / q) + 1, 1) * q
            else:
                order = big_s - pos
        if order > 1e-9:
            lt = lead_sample[rng.randrange(len(lead_sample))]
            pipeline.append([t + lt, order, t])
    return cycles


def lead_times(mode, row, own, supplier, d0, rng):
    """The lead times a replay draws from (see --leads)."""
    mean = float(row["lead_time_mean_days"])
    if mode == "designed":
        sd = float(row["lead_time_sd_days"] or 0)
        return [max(1, round(rng.gauss(mean, sd))) for _ in range(400)]
    if mode == "fixed":
        return [max(1, round(mean))]
    if mode == "before":
        own = [o for o in own or [] if o[0] + o[1] < d0] or None
        supplier = [o for o in supplier or [] if o[0] + o[1] < d0] or None
    return [lt for _, lt in (own or supplier or [(0, max(1, round(mean)))])]


def oracle_mean(row, demand):
    """The row's levels shifted as if the forecast had known the mean true demand of the
    TRIGGER_DAYS + L days after the date (a diagnostic: what is left is the error model's)."""
    d = float(row["demand_mean_per_day"] or 0)
    span = TRIGGER_DAYS + max(1, round(float(row["lead_time_mean_days"])))
    if d <= 0 or not row["protection_demand_mean"]:
        return row
    true = sum(demand[:span]) / span
    shift = float(row["protection_demand_mean"]) * (true / d - 1)
    row = dict(row)
    for k in ("reorder_point", "order_up_to"):
        if num(row[k]) is not None:
            row[k] = str(float(row[k]) + shift)
    return row


def run_plan(binary, data, method, measure, origin, out):
    if not os.path.exists(f"{out}/policy.csv"):
        subprocess.run(
            [binary, "plan", "-q", "--no-report", "--planning-date", origin, "--method", method,
             "--service-measure", measure, "--out", out, "--config", f"{data}/plan.toml",
             # Sales on or after D are rejected as "in the future": expected here.
             "--max-reject-share", "1"],
            check=False)
        # Only policy.csv is read: the rest (forecasts, detail) would fill the disk.
        for root, dirs, files in os.walk(out, topdown=False):
            for name in files:
                if name != "policy.csv":
                    os.remove(os.path.join(root, name))
            for name in dirs:
                os.rmdir(os.path.join(root, name))
    with open(f"{out}/policy.csv") as f:
        return list(csv.DictReader(f))


class Acc:
    """The (SKU, origin) units of one (run, class, group): each with its cycles, cycles without
    stockout, units ordered and short, and its target and designed service."""

    def __init__(self):
        self.units = []

    def add(self, row, cycles):
        qty = sum(c[1] for c in cycles)
        designed = {"cycle": float(row["expected_cycle_service_level"]),
                    "fill_rate": float(row["expected_fill_rate"])}
        # A simulation-designed SKU promises its simulated service in the measure designed
        # for (the cheapest levels whose simulated service meets the target); the formula's
        # figure at those levels is not what designed them.
        sim = num(row.get("simulated_service"))
        if row["method"] == "simulated" and sim is not None:
            designed[row["service_measure"]] = sim
        self.units.append({
            "cycles": len(cycles),
            "csl": sum(1 for c in cycles if not c[3]) / len(cycles),
            "fill": 1 - sum(min(c[2], c[1]) for c in cycles) / qty if qty > 0 else 1.0,
            "target": float(row["target"]),
            "designed_csl": designed["cycle"],
            "designed_fill": designed["fill_rate"],
        })

    def mean(self, f):
        return sum(f(u) for u in self.units) / len(self.units)

    def ci(self, f):
        """1.96 standard errors of the mean of f over the units."""
        n = len(self.units)
        if n < 2:
            return float("nan")
        m = self.mean(f)
        return 1.96 * math.sqrt(sum((f(u) - m) ** 2 for u in self.units) / (n - 1) / n)

    def summary(self):
        out = {"sku_origins": len(self.units), "cycles": sum(u["cycles"] for u in self.units)}
        for k in ("target", "designed_csl", "csl", "designed_fill", "fill"):
            out[k] = round(self.mean(lambda u: u[k]), 4)
        for m in ("csl", "fill"):
            out[f"{m}_minus_designed"] = round(self.mean(lambda u: u[m] - u[f"designed_{m}"]), 6)
            out[f"{m}_minus_designed_ci95"] = round(self.ci(lambda u: u[m] - u[f"designed_{m}"]), 4)
            out[f"{m}_minus_target"] = round(self.mean(lambda u: u[m] - u["target"]), 4)
        return out


def main():
    global TRIGGER_DAYS, ORIGINS, LEADS
    args, flags, tag = [], set(), None
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--tag":
            tag = next(it)
        elif a == "--trigger-days":
            TRIGGER_DAYS = int(next(it))
        elif a == "--leads":
            LEADS = next(it)
        elif a == "--origins":
            ORIGINS = next(it).split(",")
        elif a in ("--json", "--by-censoring", "--oracle-mean"):
            flags.add(a)
        elif a.startswith("--"):
            raise SystemExit(f"unknown option {a} (see the docstring)")
        else:
            args.append(a)
    if LEADS not in ("all", "before", "designed", "fixed"):
        raise SystemExit(f"--leads {LEADS}: expected all, before, designed or fixed")
    if len(args) < 2:
        raise SystemExit("usage: plan_calibration.py DATA_DIR BINARY [RUN ...] [--tag TAG] [--json]"
                         " [--by-censoring] [--trigger-days N] [--origins D1,D2,...] [--leads MODE] [--oracle-mean]"
                         " (see the docstring)")
    data, binary = args[0], args[1]
    runs = args[2:] or ["auto"]
    tag = tag or os.path.basename(os.path.normpath(data))
    truth, last, leads, by_supplier = load(data)
    out = {}
    for run in runs:
        method, _, measure = run.partition(":")
        measure = measure or "cycle"
        groups = defaultdict(Acc)
        for origin in ORIGINS:
            rows = run_plan(binary, data, method, measure, origin,
                            f"/tmp/cal/{tag}-{method}-{measure}-{origin}")
            d0 = day(origin)
            n_days = min(HORIZON_DAYS, last - d0 + 1)
            for row in rows:
                if row["class"] not in CLASSES or row["error"]:
                    continue
                kind = row["policy"]
                need = {"sQ": ("reorder_point", "order_quantity"),
                        "sS": ("reorder_point", "order_up_to"),
                        "RsS": ("reorder_point", "order_up_to"),
                        "RS": ("order_up_to",)}[kind]
                if any(num(row[k]) is None for k in need):
                    continue
                sku = row["sku"]
                days = truth.get(sku, {})
                demand = [days.get(d0 + i, 0.0) for i in range(n_days)]
                if "--oracle-mean" in flags:
                    row = oracle_mean(row, demand)
                rng = random.Random(f"{sku}|{origin}")
                sample = lead_times(LEADS, row, leads.get(sku), by_supplier.get(row["supplier"]),
                                    d0, rng)
                cycles = []
                r = max(1, round(float(row["review_period_days"] or 1)))
                for k in range(REPS):
                    # The last review of the trigger window must still leave truth to count.
                    cs = replay(row, demand, sample, rng, (k + 0.5) / REPS, rng.randrange(r))
                    cycles += [c for c in cs if c[0] < TRIGGER_DAYS]
                if cycles:
                    groups[(row["class"], row["method"])].add(row, cycles)
                    groups[(row["class"], "all")].add(row, cycles)
                    if "--by-censoring" in flags:
                        cd = int(float(row["censored_days"] or 0))
                        band = "0" if cd == 0 else ("1-59" if cd < 60 else "60+")
                        groups[(row["class"], f"censored {band}")].add(row, cycles)
        for (cls, m), acc in sorted(groups.items()):
            out[f"{run}:{cls}:{m}"] = acc.summary()
    if "--json" in flags:
        print(json.dumps(out, indent=1))
        return
    print("| run | class | group | SKU x origins | cycles | mean target | designed CSL | realised CSL"
          " | CSL - designed | designed fill | realised fill | fill - designed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, v in out.items():
        run, cls, m = key.rsplit(":", 2)
        print(f"| {run} | {cls} | {m} | {v['sku_origins']} | {v['cycles']} | {v['target']:.3f}"
              f" | {v['designed_csl']:.3f} | {v['csl']:.3f}"
              f" | {100 * v['csl_minus_designed']:+.1f} ± {100 * v['csl_minus_designed_ci95']:.1f}"
              f" | {v['designed_fill']:.3f} | {v['fill']:.3f}"
              f" | {100 * v['fill_minus_designed']:+.1f} ± {100 * v['fill_minus_designed_ci95']:.1f} |")


if __name__ == "__main__":
    main()
