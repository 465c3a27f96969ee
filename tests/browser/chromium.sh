# Sourced by the browser tests: checks for chromium and python3 (failing,
# naming the package, without them), makes the scratch folder $work
# (removed on exit) and defines
#   browse NAME WIDTH HEIGHT ARGS...   one headless Chromium with its own throw-away profile
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "FAIL: $chromium not found: apt-get install chromium (./dev.sh deps installs it)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found: apt-get install python3 (./dev.sh deps installs it)"; exit 1; }

work=$(mktemp -d /tmp/custode-browser-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

browse() {
    name=$1
    width=$2
    height=$3
    shift 3
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile-$name" --window-size="$width,$height" "$@" 2>>"$work/chromium.log" || {
        cat "$work/chromium.log"
        exit 1
    }
}
