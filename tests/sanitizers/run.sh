#!/bin/sh
# The unit and netns suites built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-DCUSTODE_SANITIZE=ON) in a build directory of
# their own, and run once: the parsers of frames, SSH output, netconf and run
# records meet random and hostile input in the unit suite; the netns suite
# runs the sanitized custode and custode-lansim (CUSTODE_BINARY and
# CUSTODE_LANSIM are this build's) on real namespaces, sockets, libnl,
# libpcap, libssh, SQLite and libcurl. LeakSanitizer is on: a leak is a
# defect like any other report (docs/reliability.md, "Sanitizers").
# Every process the suites start inherits the options below and writes its
# report, if any, to a file of its own in BUILD_DIR/sanitizer-reports (a
# report of a custode started by a test that expects a failing exit code, or
# of a simulator the test kills, would otherwise be lost in a log nobody
# reads); any such file fails the run and is shown.
# Usage: tests/sanitizers/run.sh [BUILD_DIR]   (default: build-sanitize; as root)
# Exit 0 when both suites pass and no process wrote a report, 1 when a test
# failed or a report was written, 2 when it could not build or run.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-sanitize}
[ "$(id -u)" -eq 0 ] || { echo "sanitizers: the netns suite needs root" >&2; exit 2; }
mkdir -p "$build"
started=$(date +%s)
cmake -S "$root" -B "$build" -DCUSTODE_SANITIZE=ON -DCUSTODE_WERROR=ON >/dev/null
# Only what the two suites run (the netns suite depends on custode and custode-lansim).
cmake --build "$build" -j"$(nproc)" --target custode_unit_tests custode_netns_tests >"$build/build.log" 2>&1 ||
    { tail -30 "$build/build.log" >&2; echo "sanitizers: the build failed ($build/build.log)" >&2; exit 2; }
built=$(date +%s)
echo "sanitizers: built in $((built - started)) s"

reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir "$reports"
# halt_on_error: the first report ends the process, with an exit code no
# custode command or test uses (70, EX_SOFTWARE), so the test that started it
# fails too; log_path: the report goes to reports/<program>.<pid>, not stderr.
common="halt_on_error=1:exitcode=70:log_path=$reports/report:log_exe_name=1"
ASAN_OPTIONS="$common:detect_leaks=1"
UBSAN_OPTIONS="$common:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0
"$build/tests/custode_unit_tests" >"$build/unit.log" 2>&1 ||
    { tail -40 "$build/unit.log" >&2; echo "sanitizers: the unit suite failed ($build/unit.log)" >&2; failed=1; }
unit_done=$(date +%s)
echo "sanitizers: the unit suite took $((unit_done - built)) s"

# The netns suite, two tests at a time as ./dev.sh test runs it. Left out,
# by label (pwsh; not built here): the three tests that are both pwsh and
# netns run the Windows scripts in PowerShell 7, a .NET program ASan does not
# see, for about 3 min; the custode commands they start (maintain,
# isolation-check) run here in the netns suite:
#   pwsh: a night on Windows-like PCs: woken, scanned, checked, ...
#   pwsh: a dry run on a Windows-like PC: elevated, every program there, ...
#   pwsh: isolation-check.ps1 on a LAN agrees with the Linux check, case by case
# and, by name, the three hostile-LAN tests: they assert rates and wall times
# (a flood of at least 10 000 frames a second from the test's own sender,
# nothing dropped by custode's capture, a night within its bound) that code
# run 2-3 times slower by ASan does not keep; their parsers are fuzzed.
ctest --test-dir "$build" -L netns -LE pwsh -E '^netns:hostile:' -j2 --output-on-failure >"$build/netns.log" 2>&1 ||
    { grep -A60 'The following tests FAILED' "$build/netns.log" >&2 || tail -40 "$build/netns.log" >&2
      echo "sanitizers: the netns suite failed ($build/netns.log)" >&2; failed=1; }
grep -E '^[0-9]+% tests passed' "$build/netns.log" || true
echo "sanitizers: the netns suite took $(($(date +%s) - unit_done)) s"

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
    for file in $found; do
        echo "==== $file" >&2
        cat "$file" >&2
    done
    echo "sanitizers: $(echo "$found" | wc -l) report(s), shown above" >&2
    exit 1
fi
[ "$failed" -eq 0 ] || exit 1
echo "sanitizers: the unit and netns suites passed under ASan and UBSan, no report"
