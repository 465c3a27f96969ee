#!/bin/sh
# The disconnection certificate in headless Chromium: at a phone's width
# (412 px) and a desktop's (1280 px) the DOM holds its text and each
# screenshot is a real picture; printed to PDF it makes a few A4 pages.
# Usage: certificate_render_test.sh SAMPLE_PROGRAM
# Set CERTIFICATE_SHOTS=DIR to keep the screenshots and the PDF there.
# Fails, naming the package, without chromium or python3.
set -eu
sample=$1
. "$(dirname "$0")/chromium.sh"
"$sample" "$work/certificate.html"

browse dom 412 915 --dump-dom "file://$work/certificate.html" >"$work/dom.html"
browse phone 412 3400 --screenshot="$work/phone.png" "file://$work/certificate.html" >/dev/null
browse desktop 1280 1900 --screenshot="$work/desktop.png" "file://$work/certificate.html" >/dev/null
browse pdf 1280 900 --no-pdf-header-footer --print-to-pdf="$work/certificate.pdf" "file://$work/certificate.html" >/dev/null

fail=0
for text in 'Disconnection certificate' 'acme-20261206T210000Z' 'VLAN 101 on eth1' 'ping -n 3 192.168.1.250' \
    'acme-isolation-check.ps1' 'minisign -Vm acme-disconnect.json -P' '&lt;script&gt;'; do
    grep -qF -- "$text" "$work/dom.html" || { echo "FAIL: the rendered page lacks '$text'"; fail=1; }
done
if grep -q '<script' "$work/dom.html"; then echo "FAIL: a script element made it into the page"; fail=1; fi

python3 "$(dirname "$0")/png_check.py" "$work/phone.png" 412 || fail=1
python3 "$(dirname "$0")/png_check.py" "$work/desktop.png" 1280 || fail=1

# A4 pages (595x842 points); the sample fits in 2 or 3 when nothing is cut badly.
# Chromium writes the page tree's /Count and each page's MediaBox as text.
pages=$(grep -a -o '/Count [0-9]*' "$work/certificate.pdf" | awk '$2 > n { n = $2 } END { print n + 0 }')
a4=$(grep -a -o 'MediaBox *\[0 0 59[45][.0-9]* 84[12][.0-9]*\]' "$work/certificate.pdf" | wc -l)
echo "pdf: $pages page(s), $a4 of them A4, $(wc -c <"$work/certificate.pdf") bytes"
if [ "$pages" -lt 1 ] || [ "$pages" -gt 3 ]; then echo "FAIL: $pages pages printed, expected 1 to 3"; fail=1; fi
if [ "$a4" -ne "$pages" ]; then echo "FAIL: $a4 of $pages pages are A4"; fail=1; fi

if [ -n "${CERTIFICATE_SHOTS:-}" ]; then
    mkdir -p "$CERTIFICATE_SHOTS"
    cp "$work/phone.png" "$work/desktop.png" "$work/certificate.pdf" "$CERTIFICATE_SHOTS/"
fi
[ "$fail" = 0 ] && echo "ok: certificate rendered at 412 px ($(wc -c <"$work/phone.png") bytes) and 1280 px ($(wc -c <"$work/desktop.png") bytes), printed on $pages A4 page(s)"
exit "$fail"
