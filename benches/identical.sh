#!/usr/bin/env bash
# Proves that a refactor changed no output: builds a pre-refactor commit and the refactored
# tree, runs both binaries on the same inputs with the same seeds and thread count, and compares
# the SHA-256 of every output file (and of each command's stdout and exit code). Prints one
# table per case (file, same/different) and exits 1 on any difference (2 on a setup error:
# a build that fails, a command that exits other than 0 or 3).
#
#   benches/identical.sh [BASE_COMMIT] [NEW]
#
#   BASE_COMMIT  commit (or any rev) before the refactor; default 08f1095.
#   NEW          a commit/rev, or a folder holding a git work tree; default: the work tree of the
#                repository this script lives in, as it is now (uncommitted and untracked,
#                not ignored files included).
#
# A commit is checked out with `git worktree add --detach`; a work tree is snapshotted (its
# tracked and untracked-not-ignored files copied), so edits made while the build runs cannot
# mix into it (files are written with the current time, so cargo cannot take them for
# already built). Both are built with `cargo build --release --locked` in the SAME temporary
# folder, one after the other, so both binaries find the bundled example (`data/plan.toml`
# under their build folder, see `bundled_config` in src/cli/mod.rs) at the same path and
# run.json records the same input paths.
#
# Target folder: the shared one ($CARGO_TARGET_DIR, else /work/target if it exists, else
# <repo>/target) is only READ: its release/ folder (built dependencies, polars included) is
# copied into a private target folder under the temporary folder and both builds run there.
# Building in the shared folder is unsafe here: cargo records this crate's source files by
# paths relative to the package, so a build of another checkout of the same crate in the same
# target folder can be taken as up to date for it — a later `cargo build --release` in the
# work tree could silently get the pre-refactor binary, and a build here could get whatever
# another engineer built last (the second happened while this script was tested). The private
# copy also keeps other builds from overwriting release/replenish before it is copied away,
# and from waiting on the build lock. Each build's JSON messages are checked: the binary must
# have been compiled by that build (not "fresh"), else the sources are touched and it is built
# again.
#
# Environment:
#   CASES="..."        cases to run (default: all, in this order): bundled validate generate
#                      run3k forecast plan simulate policy shard
#   THREADS=N          --threads passed to both binaries (default: nproc)
#   BASE_BIN=/path     use this binary as the base instead of building BASE_COMMIT (same for
#   NEW_BIN=/path      NEW). Caveat: a prebuilt binary reads the bundled example from the
#                      folder it was built in; if the two were built in different folders the
#                      `bundled` case's run.json differs in its input paths (only there); if
#                      the build folder no longer exists, data/ of NEW is used from $W/run.
#   KEEP=1             keep the temporary folder (binaries, inputs, outputs; not the private
#                      target folder) and print its path
#   IDENTICAL_SELFTEST=1  flip one byte of one NEW output (bundled/out/recommendations.csv, or
#                      the first file of the first case run) before hashing: must exit 1.
#
# What is masked before hashing (everything else is compared byte for byte). Found by running
# one binary twice on each case and diffing every file: the only bytes that change run to run
# are wall-clock stage timings.
#   - timings.json, and a shard's timings.shard-K-of-N.json: every number (seconds per stage;
#     for merge, per-shard totals and the merge) is replaced by 0; the stage names and their
#     order are still compared. pipeline.rs keeps timings out of run.json for this reason.
#   - stdout: the wall time (and the rate derived from it) in three lines, the rest of each line
#     compared: `run`'s "stages took X s (timings.json)", `forecast`'s "forecast N series x H
#     day buckets in X s (R series/s)", `merge`'s "merged N shards into DIR in X s".
# Nothing else is masked: both sides run from the same folder and write to the same path
# (moved away after each case), and read the same input files, so paths printed on stdout or
# recorded in run.json (input paths and SHA-256) must match too.
# stderr (progress lines with rates and ETAs, log lines) is saved but not compared.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
base_spec=${1:-08f1095}
new_spec=${2:-$repo}
shared_target=${CARGO_TARGET_DIR:-}
if [ -z "$shared_target" ]; then
  if [ -d /work/target ]; then shared_target=/work/target; else shared_target=$repo/target; fi
fi
threads=${THREADS:-$(nproc)}
all_cases="bundled validate generate run3k forecast plan simulate policy shard"
cases=${CASES:-$all_cases}
for c in $cases; do
  case " $all_cases " in *" $c "*) ;; *) echo "unknown case '$c' (known: $all_cases)" >&2; exit 2 ;; esac
done

W=$(mktemp -d "${TMPDIR:-/tmp}/identical.XXXXXX")
src=$W/src
cleanup() {
  if git -C "$repo" worktree list --porcelain | grep -qxF "worktree $src"; then
    git -C "$repo" worktree remove --force "$src" || true
  fi
  git -C "$repo" worktree prune || true
  rm -rf "$W/target"
  if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$W/bin" "$W/base" "$W/new" "$W/run"

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# Puts SPEC's sources at $src: a folder (work tree) is snapshotted, anything else is a rev.
checkout() {
  local spec=$1
  if [ -d "$spec" ]; then
    local top
    top=$(git -C "$spec" rev-parse --show-toplevel)
    mkdir -p "$src"
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
      tar --null -T - -cf -) | tar -C "$src" -m -xf -
    echo "work tree $top (HEAD $(git -C "$top" rev-parse --short HEAD), $(git -C "$top" status --porcelain | wc -l) changed/untracked paths)"
  else
    local sha
    sha=$(git -C "$repo" rev-parse --verify --quiet "$spec^{commit}") ||
      { echo "not a folder nor a commit: $spec" >&2; exit 2; }
    git -C "$repo" worktree add --quiet --detach "$src" "$sha"
    echo "commit $(git -C "$repo" log -1 --format='%h %s' "$sha" | cut -c1-90)"
  fi
}

# Frees $src for the next checkout.
uncheckout() {
  if git -C "$repo" worktree list --porcelain | grep -qxF "worktree $src"; then
    git -C "$repo" worktree remove --force "$src"
  else
    rm -rf "$src"
  fi
}

# build SIDE SPEC [PREBUILT]
build() {
  local side=$1 spec=$2 prebuilt=${3:-}
  if [ -e "$src" ]; then uncheckout; fi
  if [ -n "$prebuilt" ]; then
    cp "$prebuilt" "$W/bin/$side"
    echo "$side: prebuilt $prebuilt"
    if [ "$side" = new ]; then checkout "$spec" >/dev/null; fi  # the bundled example's data
    return 0
  fi
  echo "$side: $(checkout "$spec")"
  local t0 try exe
  t0=$(now)
  if [ ! -d "$W/target" ]; then
    mkdir -p "$W/target"
    if [ -d "$shared_target/release" ]; then
      cp -a --reflink=auto "$shared_target/release" "$W/target/"
      echo "$side: seeded the private target folder from $shared_target/release ($(du -sh "$W/target" | cut -f1)) in $(secs "$t0" "$(now)") s"
    else
      echo "$side: no $shared_target/release to seed from: dependencies are built from scratch" >&2
    fi
  fi
  for try in 1 2; do
    if ! (cd "$src" && CARGO_TARGET_DIR=$W/target cargo build --release --locked \
      --message-format=json-render-diagnostics >"$W/build-$side.json"); then
      echo "$side: build failed ($spec)" >&2
      exit 2
    fi
    # The executable of the replenish binary, if this build compiled it ("fresh": false).
    exe=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "replenish" \
            and "bin" in m["target"]["kind"] and not m["fresh"]:
        print(m["executable"])
' "$W/build-$side.json")
    [ -n "$exe" ] && break
    echo "$side: cargo found the binary up to date; touching the sources and building again" >&2
    find "$src" -path "$src/.git" -prune -o -type f -exec touch {} +
  done
  [ -n "$exe" ] || { echo "$side: could not get a fresh build" >&2; exit 2; }
  cp "$exe" "$W/bin/$side"
  echo "$side: built in $(secs "$t0" "$(now)") s ($(sha256sum "$W/bin/$side" | cut -c1-12))"
}

base_label=${BASE_BIN:-$base_spec}
new_label=${NEW_BIN:-$new_spec}
echo "== identical.sh: base=$base_label new=$new_label threads=$threads (dependencies from $shared_target)"
echo "   work folder $W"
build base "$base_spec" "${BASE_BIN:-}"
build new "$new_spec" "${NEW_BIN:-}"
# From here on $src holds NEW's sources: both binaries read the bundled example from it
# (the base's build folder was this same path). A prebuilt binary whose build folder is gone
# falls back to data/plan.toml under the current folder ($W/run): give it the same data.
if [ -d "$src/data" ]; then cp -a "$src/data" "$W/run/data"; fi

# rb SIDE DIR ARGS...: runs SIDE's binary with ARGS in $W/run; stdout -> DIR/stdout.txt,
# exit code -> DIR/exit_code.txt, stderr -> $W/logs/... (not compared). 0 and 3 are accepted.
rb() {
  local side=$1 dir=$2
  shift 2
  local rel=${dir#"$W"/}
  local err=$W/logs/$side/${rel/#case/$cur_case}.stderr
  mkdir -p "$dir" "$(dirname "$err")"
  local rc=0
  (cd "$W/run" && "$W/bin/$side" --threads "$threads" "$@") >"$dir/stdout.txt" 2>"$err" || rc=$?
  echo "$rc" >"$dir/exit_code.txt"
  if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
    echo "$side: replenish $* exited $rc:" >&2
    tail -n 20 "$err" >&2
    exit 2
  fi
}

cur_case=setup
gen=$W/gen  # the generated catalogue every generated-data case reads (written by the base)
gen_ready=
need_gen() {
  if [ -z "$gen_ready" ]; then
    rb base "$W/gen-log" generate --skus 3000 --days 1095 --seed 1 --out "$gen"
    gen_ready=1
  fi
}

# Commands of each case; $1 = side, $2 = the case's folder for that side.
case_bundled() { rb "$1" "$2" run --out "$2/out"; }
case_validate() { rb "$1" "$2" validate --out "$2/out"; }
case_generate() {
  # 3,000 SKUs as the other cases use, plus a small dense Parquet set (the M5 layout).
  rb "$1" "$2/csv" generate --skus 3000 --days 1095 --seed 1 --out "$2/csv/out"
  rb "$1" "$2/parquet" generate --skus 200 --days 400 --dense --format parquet --seed 2 --out "$2/parquet/out"
}
case_run3k() { need_gen; rb "$1" "$2" run --config "$gen/plan.toml" --out "$2/out"; }
case_forecast() {
  need_gen
  rb "$1" "$2/gen" forecast --config "$gen/plan.toml" --holdout 28 --out "$2/gen/out/forecast.csv"
  rb "$1" "$2/week" forecast --freq week --horizon 12 --models ses,croston,tsb,ma \
    --quantiles 0.05,0.5,0.95 --out "$2/week/out/forecast.parquet"
}
case_plan() {
  need_gen
  rb "$1" "$2/bundled" plan --out "$2/bundled/out"
  rb "$1" "$2/gen" plan --config "$gen/plan.toml" --policy RS --service-measure fill_rate \
    --method empirical --seed 3 --out "$2/gen/out"
}
case_simulate() {
  need_gen
  rb "$1" "$2/bundled" simulate --seed 7 --out "$2/bundled/out"
  rb "$1" "$2/gen" simulate --config "$gen/plan.toml" --policies sQ,sS,RS --scenarios baseline \
    --customer patience --replications 50 --no-optimise --seed 1 --out "$2/gen/out"
}
case_policy() {
  local p="--demand-mean 20 --demand-sd 6 --lead-time 10 --lead-time-sd 2"
  # shellcheck disable=SC2086
  {
    rb "$1" "$2/sQ" policy $p --policy sQ --order-qty 300 --json
    rb "$1" "$2/RS" policy $p --policy RS --review-period 7 --json
    rb "$1" "$2/sim" policy $p --policy sQ --order-qty 300 --simulate --days 2000 \
      --replications 5 --seed 1 --json
    rb "$1" "$2/whatif" policy $p --reorder-point 250 --order-qty 300 --json
    rb "$1" "$2/fill-text" policy $p --fill-rate 0.98 --order-cost 40 --holding-rate 0.25 \
      --unit-cost 8 --policy sS
  }
}
case_shard() {
  need_gen
  local k
  for k in 0 1 2; do
    rb "$1" "$2/shard$k" run --config "$gen/plan.toml" --shard "$k/3" --out "$2/shards"
  done
  rb "$1" "$2/merge" merge --from "$2/shards" --out "$2/merged"
}

# compare CASE BASE_DIR NEW_DIR: hashes every file under both folders after masking the
# timing fields (see the header) and prints the table (file, both digests, same/DIFFERENT;
# a file on one side only is DIFFERENT). Exit 1 on a difference.
compare() {
  python3 - "$@" <<'PY'
import hashlib, json, os, re, sys

case, base, new = sys.argv[1:4]
TIMINGS = re.compile(r"^timings(\.shard-\d+-of-\d+)?\.json$")
# stdout lines carrying a wall time (and a rate from it): the number is replaced, the rest of
# the line is compared.
STDOUT_TIMINGS = [
    # run, run --shard
    (rb"(?m)^stages took [0-9.]+ s", b"stages took X s"),
    # forecast: "forecast 3000 series x 28 day buckets in 1.8380 s (1632 series/s)"
    (rb"(?m)^(forecast \d+ series x \d+ \w+ buckets) in [0-9.]+ s \([0-9.]+ series/s\)",
     rb"\1 in X s (X series/s)"),
    # merge: "merged 3 shards into DIR in 1.7 s"
    (rb"(?m)^(merged \d+ shards into .*) in [0-9.]+ s$", rb"\1 in X s"),
]

def zero(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return 0
    if isinstance(v, list):
        return [zero(x) for x in v]
    if isinstance(v, dict):
        return {k: zero(x) for k, x in v.items()}
    return v

def digest(path):
    data = open(path, "rb").read()
    name = os.path.basename(path)
    if TIMINGS.match(name):
        data = json.dumps(zero(json.loads(data))).encode()
    elif name == "stdout.txt":
        for pat, rep in STDOUT_TIMINGS:
            data = re.sub(pat, rep, data)
    return hashlib.sha256(data).hexdigest()

def files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = digest(p)
    return out

b, n = files(base), files(new)
rows, diff = [], 0
for rel in sorted(set(b) | set(n)):
    if rel not in n:
        verdict = "DIFFERENT (only in base)"
    elif rel not in b:
        verdict = "DIFFERENT (only in new)"
    elif b[rel] == n[rel]:
        verdict = "same"
    else:
        verdict = "DIFFERENT"
    diff += verdict != "same"
    rows.append((rel, b.get(rel, "-")[:12], n.get(rel, "-")[:12], verdict))
w = max(len(r[0]) for r in rows)
print(f"  {'file':<{w}}  {'base sha256':<12}  {'new sha256':<12}  result")
for r in rows:
    print(f"  {r[0]:<{w}}  {r[1]:<12}  {r[2]:<12}  {r[3]}")
print(f"  {case}: {len(rows)} files, {len(rows) - diff} same, {diff} different")
sys.exit(1 if diff else 0)
PY
}

declare -A t_base t_new verdict
ndiff=0
selftest_done=
for c in $cases; do
  echo
  echo "== case $c"
  cur_case=$c
  for side in base new; do
    # Both sides write to the same path ($W/case), moved away afterwards: outputs and stdout
    # that name their own folder ("wrote .../report.html") compare equal without masking.
    rm -rf "$W/case"
    t0=$(now)
    "case_$c" "$side" "$W/case"
    t=$(secs "$t0" "$(now)")
    mv "$W/case" "$W/$side/$c"
    if [ "$side" = base ]; then t_base[$c]=$t; else t_new[$c]=$t; fi
  done
  if [ -n "${IDENTICAL_SELFTEST:-}" ] && [ -z "$selftest_done" ]; then
    victim=$W/new/bundled/out/recommendations.csv
    [ -f "$victim" ] || victim=$(find "$W/new/$c" -type f | sort | head -n 1)
    python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = len(b) // 2
b[i] ^= 0x01
open(p, "wb").write(bytes(b))
print(f"  SELFTEST: flipped bit 0 of byte {i} of {p}")
PY
    selftest_done=1
  fi
  if compare "$c" "$W/base/$c" "$W/new/$c"; then verdict[$c]=identical; else verdict[$c]=DIFFERENT; ndiff=$((ndiff + 1)); fi
  echo "  time: base ${t_base[$c]} s, new ${t_new[$c]} s"
done

echo
echo "== summary (base=$base_label, new=$new_label, --threads $threads)"
printf '| %-9s | %-9s | %8s | %8s |\n' case result "base s" "new s"
printf '|%s|%s|%s|%s|\n' ----------- ----------- ---------- ----------
for c in $cases; do
  printf '| %-9s | %-9s | %8s | %8s |\n' "$c" "${verdict[$c]}" "${t_base[$c]}" "${t_new[$c]}"
done
if [ "$ndiff" -gt 0 ]; then
  echo "DIFFERENT: $ndiff case(s) differ"
  exit 1
fi
echo "IDENTICAL: every compared output is byte-identical (timings masked)"
