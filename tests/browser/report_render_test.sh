#!/bin/sh
# The HTML report in headless Chromium at a phone's width (412x915): the DOM
# holds the run's text and the screenshot is a real picture, not a blank page.
# Usage: report_render_test.sh SEED_PROGRAM CUSTODE_BINARY
# Set REPORT_SCREENSHOT=FILE to keep the screenshot. Fails, naming the package, without chromium or python3.
set -eu
seed=$1
custode=$2
. "$(dirname "$0")/chromium.sh"

run=$("$seed" "$work/state.db")
"$custode" --state "$work/state.db" report "$run" --html "$work/report.html"

browse dom 412 915 --dump-dom "file://$work/report.html" >"$work/dom.html"
browse shot 412 915 --screenshot="$work/shot.png" "file://$work/report.html" >/dev/null

fail=0
for text in "Run $run" lab acme rossi reception office-2 studio nas-pc antivirus disk-health backup \
    '>ok<' '>warning<' '>failed<' '>skipped<' 'did not wake' unreachable 'host key changed' 'Needs attention' \
    '&lt;script&gt;' '40 updates: 39 installed, 1 failed' 'restarted (away 100 s)' 'pkg40:amd64'; do
    grep -qF -- "$text" "$work/dom.html" || { echo "FAIL: the rendered page lacks '$text'"; fail=1; }
done
if grep -q '<script' "$work/dom.html"; then echo "FAIL: a script element made it into the page"; fail=1; fi

python3 "$(dirname "$0")/png_check.py" "$work/shot.png" 412 || fail=1
[ -z "${REPORT_SCREENSHOT:-}" ] || cp "$work/shot.png" "$REPORT_SCREENSHOT"
[ "$fail" = 0 ] && echo "ok: report rendered at 412 px ($(wc -c <"$work/shot.png") bytes of PNG)"
exit "$fail"
