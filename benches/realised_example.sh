#!/usr/bin/env bash
# Service delivered on the planner's own data (issue 23 item 5), on the bundled example: a
# `run` planned DAYS days before the example's planning date on the sales up to then, then a
# `run` on the whole history into the same folder; prints the console line and the report's
# per-class table of realised vs target (from report.html, standard-library Python only).
#
#   benches/realised_example.sh [BINARY] [DAYS]     # defaults: target/release/replenish 28
set -euo pipefail
bin=${1:-target/release/replenish}
days=${2:-28}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
earlier=$(python3 -c "import datetime as d; print(d.date(2026,1,1) - d.timedelta(days=$days))")
awk -F, -v e="$earlier" 'NR == 1 || $1 < e' "$root/data/sales.csv" > "$tmp/sales_early.csv"
"$bin" run -q --config "$root/data/plan.toml" --sales "$tmp/sales_early.csv" \
  --planning-date "$earlier" --no-simulate --no-report --out "$tmp/out"
"$bin" run --config "$root/data/plan.toml" --no-simulate --out "$tmp/out" | grep '^realised'
python3 - "$tmp/out/report.html" <<'PY'
import html, re, sys
s = open(sys.argv[1]).read()
i = s.index('<section id="realised">')
sec = s[i:s.index('</section>', i)]
table = re.search(r'<table>.*?</table>', sec, re.S).group(0)
for tr in re.findall(r'<tr>(.*?)</tr>', table):
    cells = [html.unescape(re.sub('<.*?>', '', c)) for c in re.findall(r'<t[hd][^>]*>(.*?)</t[hd]>', tr)]
    print('| ' + ' | '.join(cells) + ' |')
for p in re.findall(r'<p>(The earlier run said.*?)</p>', sec):
    print(html.unescape(p))
PY
