#!/usr/bin/env bash
# The report's browser test (CTest label `report`): renders report.html of known results in
# headless Chromium (Debian's package, installed by scripts/setup) and checks that the page loads
# without console errors and that every chart exists with its expected series. Keeps the
# screenshot (WORK/report.png) for a person and for CI's artifacts.
#   browser_check.sh GAUNTLET KNOWN_RESULTS WORK
# REPORT_WINDOW=W,H sets the window (and screenshot) size; default 1280,2600 (a laptop's width).
set -euo pipefail
gauntlet=$1 known=$2 work=$3

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "report test: chromium is not installed (scripts/setup installs Debian's chromium)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 77  # skipped, with the reason above
fi

rm -rf "$work"
mkdir -p "$work"
"$known" "$work/results"
status=0
"$gauntlet" report "$work/results" --out "$work/report" --quiet || status=$?
if [ "$status" != 1 ]; then  # the known results hold one FAIL
  echo "report test: gauntlet report exited $status, expected 1 (one known run fails)" >&2
  exit 1
fi

page="file://$work/report/report.html"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --mute-audio
       --no-first-run --user-data-dir="$work/profile" --enable-logging=stderr --v=0
       --virtual-time-budget=5000 --window-size="${REPORT_WINDOW:-1280,2600}")
"$chromium" "${flags[@]}" --dump-dom "$page" >"$work/dom.html" 2>"$work/chromium-dom.log"
"$chromium" "${flags[@]}" --screenshot="$work/report.png" "$page" >/dev/null \
  2>"$work/chromium-screenshot.log"

fail=0
problem() { echo "report test: $*" >&2; fail=1; }

# Console messages of the page (errors, uncaught exceptions): the page logs nothing when well.
if grep -h "CONSOLE" "$work/chromium-dom.log" "$work/chromium-screenshot.log"; then
  problem "the page wrote to the console (above)"
fi
grep -q 'data-errors=' "$work/dom.html" && problem "the page recorded errors: $(grep -o 'data-errors="[^"]*"' "$work/dom.html")"

# 3 runs x 4 charts, plus CPU and RSS for the run with a monitor.
grep -q 'data-charts-drawn="14"' "$work/dom.html" ||
  problem "expected 14 charts drawn, the page says $(grep -o 'data-charts-drawn="[0-9]*"' "$work/dom.html" || echo none)"
[ "$(grep -o 'class="uplot' "$work/dom.html" | wc -l)" = 14 ] || problem "expected 14 uPlot charts in the DOM"
for expected in 'data-chart="latency" data-series="p50,p95,p99" data-drawn="p50,p95,p99"' \
                'data-chart="throughput" data-series="completed,failed,dropped" data-drawn="completed,failed,dropped"' \
                'data-chart="users" data-series="users" data-drawn="users"' \
                'data-chart="distribution" data-series="count" data-drawn="count"' \
                'data-chart="cpu" data-series="" data-drawn="ad-api,postgres"' \
                'data-chart="rss" data-series="" data-drawn="ad-api,postgres"'; do
  grep -qF "$expected" "$work/dom.html" || problem "no chart with: $expected"
done
for label in p50 p95 p99 completed failed dropped users count ad-api postgres; do
  grep -q "<div class=\"u-label\">$label</div>" "$work/dom.html" || problem "no legend entry $label"
done
# A real picture: Chromium wrote a PNG, and not a blank one.
if [ ! -s "$work/report.png" ] || [ "$(stat -c %s "$work/report.png")" -lt 50000 ]; then
  problem "the screenshot $work/report.png is missing or suspiciously small"
fi
[ "$fail" = 0 ] && echo "report test: report.html drew 14 charts without console errors; screenshot $work/report.png"
exit "$fail"
