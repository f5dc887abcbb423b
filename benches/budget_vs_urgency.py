#!/usr/bin/env python3
"""Order budget (issue 24 item 1): spending a fixed budget by the ranking vs most urgent first.

A simulated portfolio of SKUs on (R,S) policies reviewed weekly. At every review each SKU wants
S - position (rounded up to its pack); the orders are worth more than the weekly budget, so
only some are bought:

- ranking: every line pack by pack, ranked by the expected shortage it avoids per unit of
  money, E[(X - (p + a))+] - E[(X - (p + b))+] / value, X = demand over the protection period
  L + R - 1 (the time convention of replenish), first fit (what `replenish plan --budget` does);
- urgency: whole lines, most urgent first (fewest days until the projected stockout, i.e.
  position / daily demand), first fit (the default order of recommendations.csv).

Unmet demand is backordered. Both strategies see the same demand and lead times (common random
numbers). Prints the portfolio fill rate (units served from stock / units demanded) of each.

    python3 benches/budget_vs_urgency.py [--skus 200] [--days 730] [--seed 1]

Standard library only.
"""
import argparse
import math
import random


def phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def Phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def excess(mean, sd, x):
    """E[(X - x)+] for X normal."""
    if sd <= 0:
        return max(mean - x, 0.0)
    k = (x - mean) / sd
    return sd * (phi(k) - k * (1 - Phi(k)))


def make_skus(n, rng):
    skus = []
    for _ in range(n):
        d = math.exp(rng.uniform(math.log(0.5), math.log(40)))
        cv = rng.uniform(0.2, 1.2)
        cost = math.exp(rng.uniform(math.log(1), math.log(200)))
        lead = rng.randint(3, 21)
        pack = max(1, round(d * rng.choice([0.5, 1, 2])))
        r = 7
        days = lead + r - 1
        mean, sd = d * days, d * cv * math.sqrt(days)
        big_s = mean + 1.645 * sd
        skus.append(dict(d=d, cv=cv, cost=cost, lead=lead, pack=pack, mean=mean, sd=sd, S=big_s))
    return skus


def allocate_ranking(lines, budget):
    chunks = []
    for i, ln in enumerate(lines):
        s, p, q = ln["sku"], ln["pos"], ln["q"]
        a, last = 0.0, math.inf
        before = excess(s["mean"], s["sd"], p)
        while a < q - 1e-9:
            b = min(q, a + s["pack"])
            after = excess(s["mean"], s["sd"], p + b)
            value = (b - a) * s["cost"]
            rank = min((before - after) / value, last)
            chunks.append((-rank, i, a, b - a, value))
            before, last, a = after, rank, b
    chunks.sort()
    kept = [0.0] * len(lines)
    dead = [False] * len(lines)
    spent = 0.0
    for _, i, _, units, value in chunks:
        if dead[i]:
            continue
        if spent + value <= budget:
            spent += value
            kept[i] += units
        else:
            dead[i] = True
    return kept


def allocate_urgency(lines, budget):
    order = sorted(range(len(lines)), key=lambda i: lines[i]["pos"] / lines[i]["sku"]["d"])
    kept = [0.0] * len(lines)
    spent = 0.0
    for i in order:
        value = lines[i]["q"] * lines[i]["sku"]["cost"]
        if spent + value <= budget:
            spent += value
            kept[i] = lines[i]["q"]
    return kept


def simulate(skus, demand, leads, budget, allocate, days, warmup):
    n = len(skus)
    net = [s["S"] - s["d"] * s["lead"] for s in skus]  # on hand - backordered
    pipeline = [dict() for _ in range(n)]  # arrival day -> units
    served = demanded = 0.0
    for t in range(days):
        for i in range(n):
            net[i] += pipeline[i].pop(t, 0.0)
            dem = demand[t][i]
            from_stock = min(max(net[i], 0.0), dem)
            net[i] -= dem
            if t >= warmup:
                served += from_stock
                demanded += dem
        if t % 7 == 0:
            lines = []
            for i, s in enumerate(skus):
                pos = net[i] + sum(pipeline[i].values())
                gap = s["S"] - pos
                if gap > 0:
                    q = math.ceil(gap / s["pack"] - 1e-9) * s["pack"]
                    lines.append(dict(sku=s, idx=i, pos=pos, q=q))
            kept = allocate(lines, budget)
            for ln, k in zip(lines, kept):
                if k > 0:
                    i = ln["idx"]
                    arrive = t + leads[t][i]
                    pipeline[i][arrive] = pipeline[i].get(arrive, 0.0) + k
    return served / demanded


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skus", type=int, default=200)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    skus = make_skus(args.skus, rng)
    demand = [[max(0.0, rng.gauss(s["d"], s["d"] * s["cv"])) for s in skus] for _ in range(args.days)]
    leads = [[max(1, s["lead"] + rng.randint(-2, 2)) for s in skus] for _ in range(args.days)]
    weekly = sum(s["d"] * 7 * s["cost"] for s in skus)
    print(f"{args.skus} SKUs, {args.days} days (first 91 not counted), weekly review, seed {args.seed}")
    print(f"weekly demand value {weekly:,.0f}")
    print("| weekly budget (share of weekly demand value) | fill rate, ranking | fill rate, most urgent first |")
    print("|---|---|---|")
    for share in (0.7, 0.85, 0.95, 1.05):
        b = share * weekly
        f_rank = simulate(skus, demand, leads, b, allocate_ranking, args.days, 91)
        f_urg = simulate(skus, demand, leads, b, allocate_urgency, args.days, 91)
        print(f"| {b:,.0f} ({share:.0%}) | {f_rank:.4f} | {f_urg:.4f} |")


if __name__ == "__main__":
    main()
