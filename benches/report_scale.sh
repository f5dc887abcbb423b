#!/usr/bin/env bash
# Report at catalogue scale: time to render charts + report.html from an output folder, the
# file's size, and the time headless Chromium takes to load it and run its script (parse,
# layout, pagination) — the planner's "time to open".
#
#   benches/report_scale.sh DIR [BIN]
#
# DIR: an output folder of `replenish run` (e.g. on `replenish generate --skus 30490`).
set -euo pipefail
dir=$1
bin=${2:-target/release/replenish}
echo "== render: $bin report --from $dir"
/usr/bin/time -f "render wall %e s, peak RSS %M KB" "$bin" report --from "$dir"
bytes=$(stat -c %s "$dir/report.html")
rows=$(($(wc -l < "$dir/recommendations.csv") - 1))
echo "report.html: $bytes bytes ($((bytes / 1024 / 1024)) MiB), $rows recommendation rows"
profile=$(mktemp -d)
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-quic "--user-data-dir=$profile")
echo "== open in headless Chromium (3 runs: load, script, DOM dump)"
for i in 1 2 3; do
  start=$(date +%s.%N)
  chromium "${flags[@]}" --dump-dom "file://$(realpath "$dir/report.html")" > /tmp/report_dom.html 2>/dev/null
  end=$(date +%s.%N)
  echo "open $i: $(echo "$end - $start" | bc) s"
done
rm -rf "$profile"
