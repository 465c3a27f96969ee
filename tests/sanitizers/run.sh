#!/bin/sh
# The unit suite built with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DCUSTODE_SANITIZE=ON), stopping at the first report: the parsers of frames,
# SSH output, netconf and run records meet random and hostile input there.
# Usage: tests/sanitizers/run.sh [BUILD_DIR]   (default: build-sanitize)
# Exit 0 when the suite passes with no sanitizer report.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-sanitize}
cmake -S "$root" -B "$build" -DCUSTODE_SANITIZE=ON -DCUSTODE_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target custode_unit_tests >"$build/build.log" 2>&1 ||
    { tail -30 "$build/build.log" >&2; echo "sanitizers: the build failed ($build/build.log)" >&2; exit 2; }
# halt_on_error: the first report fails the run; detect_leaks: leaks count too.
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/tests/custode_unit_tests"
echo "sanitizers: the unit suite passed under ASan and UBSan"
