#!/usr/bin/env bash
# Scale-out: one unsharded `run` against the same catalogue in N shards (`run --shard K/N`,
# run one after the other on this machine, each timed on its own) and `merge`; checks that
# the merged folder equals the unsharded one byte for byte (timings.json aside) and prints a
# table: wall time and peak memory of each, the slowest shard (= the job's wall time with N
# machines), and the shards' total (= the machine time sharding costs).
#
#   benches/shard_scale.sh [BIN] [SKUS] [SHARDS]      e.g. benches/shard_scale.sh target/release/replenish 10000 3
#
# Data (generate --days 1095 --seed 5, as run_scale.sh) and outputs go under
# ${SCALE_DIR:-/tmp/replenish-scale}.
set -euo pipefail
bin=${1:-target/release/replenish}
n=${2:-10000}
shards=${3:-3}
root=${SCALE_DIR:-/tmp/replenish-scale}
data="$root/data-$n"
mkdir -p "$root"
[ -f "$data/plan.toml" ] || "$bin" generate -q --skus "$n" --days 1095 --seed 5 --out "$data"
whole="$root/whole-$n"
parts="$root/shards-$n-of-$shards"
merged="$root/merged-$n-of-$shards"
rm -rf "$whole" "$parts" "$merged"
timed() { local tag=$1; shift; /usr/bin/time -f "%e %M" -o "$root/t-$tag" "$@" || [ $? -eq 3 ]; }
timed whole "$bin" run -q --config "$data/plan.toml" --out "$whole"
for ((k = 0; k < shards; k++)); do
  timed "shard-$k" "$bin" run -q --config "$data/plan.toml" --shard "$k/$shards" --out "$parts"
done
timed merge "$bin" merge -q --from "$parts" --out "$merged"
same=yes
for f in $(cd "$whole" && find . -type f ! -name timings.json | sort); do
  cmp -s "$whole/$f" "$merged/$f" || { echo "differs: $f"; same=no; }
done
python3 - "$root" "$n" "$shards" "$same" <<'PY'
import sys
root, n, shards, same = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def t(tag):
    wall, kb = open(f"{root}/t-{tag}").read().split()
    return float(wall), int(kb) / 1024 / 1024
w = t("whole")
s = [t(f"shard-{k}") for k in range(shards)]
m = t("merge")
print(f"| {n:,} SKUs, {shards} shards | wall | peak memory |")
print("|---|---|---|")
print(f"| unsharded run | {w[0]:.1f} s | {w[1]:.2f} GB |")
for k, (wall, mem) in enumerate(s):
    print(f"| shard {k}/{shards} | {wall:.1f} s | {mem:.2f} GB |")
print(f"| merge (with report) | {m[0]:.1f} s | {m[1]:.2f} GB |")
slow = max(x[0] for x in s)
total = sum(x[0] for x in s)
print(f"| **N machines: slowest shard + merge** | **{slow + m[0]:.1f} s** ({w[0] / (slow + m[0]):.2f}x faster) | |")
print(f"| machine time: all shards + merge | {total + m[0]:.1f} s ({(total + m[0]) / w[0]:.2f}x the unsharded run) | |")
print(f"\nmerged == unsharded (byte for byte, timings.json aside): {same}")
PY
