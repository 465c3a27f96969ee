#!/bin/sh
# The site overview in headless Chromium: at a phone's width (412 px) the page
# itself does not scroll sideways, the 30-night grid scrolls inside its own box
# with the client names held at its left edge; at 1280 px the whole grid shows
# without scrolling. The DOM holds the cells' states in text, and each
# screenshot is a real picture.
# Usage: overview_render_test.sh SAMPLE_PROGRAM
# Set OVERVIEW_SHOTS=DIR to keep the screenshots there.
# Fails, naming the package, without chromium or python3.
set -eu
sample=$1
here=$(dirname "$0")
. "$here/chromium.sh"
"$sample" "$work/overview.html"
cp "$here/overflow_probe.html" "$work/probe.html"

browse dom 412 915 --dump-dom "file://$work/overview.html" >"$work/dom.html"
browse phone 412 1800 --screenshot="$work/phone.png" "file://$work/overview.html" >/dev/null
browse desktop 1280 1300 --screenshot="$work/desktop.png" "file://$work/overview.html" >/dev/null

fail=0
for text in 'lab at a glance' acme bianchi rossi verdi 'href="run-130.html"' '<span class="sr">needs attention</span>' \
    '<span class="sr">failed</span>' '<span class="sr">no run</span>' 'the circuit has no carrier' \
    'Win.Test.EICAR_HDB-1' '&lt;script&gt;x&lt;/script&gt;'; do
    grep -qF -- "$text" "$work/dom.html" || { echo "FAIL: the rendered page lacks '$text'"; fail=1; }
done
if grep -q '<script' "$work/dom.html"; then echo "FAIL: a script element made it into the page"; fail=1; fi

# measure WIDTH: "frame=.. page=.. box_scroll=.. box_client=.. box_scrolled=.. sticky_offset=.."
measure() {
    browse "probe$1" "$1" 1000 --allow-file-access-from-files --virtual-time-budget=10000 --dump-dom \
        "file://$work/probe.html?page=overview.html&width=$1&box=.gridbox&sticky=th.name" |
        sed -n 's/.*<pre id="result">\([^<]*\)<.*/\1/p'
}
value() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
phone=$(measure 412)
desktop=$(measure 1280)
echo "412 px: $phone"
echo "1280 px: $desktop"
[ -n "$(value page "$phone")" ] || { echo "FAIL: the probe measured nothing at 412 px"; exit 1; }
if [ "$(value page "$phone")" -gt 412 ]; then echo "FAIL: at 412 px the page is $(value page "$phone") px wide: it scrolls sideways"; fail=1; fi
if [ "$(value box_scroll "$phone")" -le "$(value box_client "$phone")" ]; then
    echo "FAIL: at 412 px the grid does not scroll in its box"; fail=1
fi
if [ "$(value box_scrolled "$phone")" -le 0 ] || [ "$(value sticky_offset "$phone")" -gt 1 ]; then
    echo "FAIL: scrolled to its end, the grid's client names left its edge"; fail=1
fi
if [ "$(value page "$desktop")" -gt 1280 ]; then echo "FAIL: at 1280 px the page scrolls sideways"; fail=1; fi
if [ "$(value box_scroll "$desktop")" -gt "$(value box_client "$desktop")" ]; then
    echo "FAIL: at 1280 px the grid does not fit: $(value box_scroll "$desktop") px in $(value box_client "$desktop")"; fail=1
fi

python3 "$here/png_check.py" "$work/phone.png" 412 || fail=1
python3 "$here/png_check.py" "$work/desktop.png" 1280 || fail=1
if [ -n "${OVERVIEW_SHOTS:-}" ]; then
    mkdir -p "$OVERVIEW_SHOTS"
    cp "$work/phone.png" "$work/desktop.png" "$OVERVIEW_SHOTS/"
fi
[ "$fail" = 0 ] && echo "ok: overview rendered at 412 px ($(wc -c <"$work/phone.png") bytes) and 1280 px ($(wc -c <"$work/desktop.png") bytes)"
exit "$fail"
