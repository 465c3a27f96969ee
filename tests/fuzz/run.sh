#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*.cc: -DCUSTODE_FUZZ=ON, clang-14,
# ASan + UBSan) and runs each for SECONDS, two at a time, from its seed corpus
# in tests/fixtures/fuzz/<target>/ (read only: what a run finds new goes to the
# build directory). Prints each target's executions from libFuzzer's final
# stats. Exit 0: no finding; 1: a finding (the target and the input that made
# it are named); 2: clang-14 or its fuzzer runtime is missing, or the build failed.
# Usage: tests/fuzz/run.sh [SECONDS] [BUILD_DIR]   (defaults: 60, /tmp/custode-fuzz)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=${2:-/tmp/custode-fuzz}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a positive whole number, not '$seconds'" >&2; exit 2; }

command -v clang++-14 >/dev/null || { echo "fuzz: clang++-14 is missing: apt-get install clang-14" >&2; exit 2; }
runtime=$(clang++-14 -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a
[[ -f $runtime ]] || { echo "fuzz: the libFuzzer runtime ($runtime) is missing: apt-get install libclang-rt-14-dev" >&2; exit 2; }

configure=(-DCUSTODE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14)
command -v ninja >/dev/null && [[ ! -f $build/Makefile ]] && configure+=(-G Ninja)
command -v ccache >/dev/null && configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p "$build"
{ cmake -S "$root" -B "$build" "${configure[@]}" && cmake --build "$build" -j2 --target custode_fuzz_targets; } \
    >"$build/build.log" 2>&1 ||
    { tail -30 "$build/build.log" >&2; echo "fuzz: the build failed ($build/build.log)" >&2; exit 2; }

targets=()
for source in "$root"/tests/fuzz/*.cc; do targets+=("$(basename "$source" .cc)"); done

# run TARGET: one libFuzzer run; its log and exit code land in $build/work/TARGET/.
run() {
    local target=$1 work=$build/work/$1
    rm -rf "$work" && mkdir -p "$work/corpus" "$work/findings"
    # -timeout: one input past 10 s is a hang; -rss_limit_mb: past 2 GiB is
    # unbounded memory (and one allocation past it too: -malloc_limit_mb
    # follows it). New inputs go to the first directory; the seeds are read only.
    set +e
    "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/findings/" \
        "$work/corpus" "$root/tests/fixtures/fuzz/$target" >"$work/log" 2>&1
    echo $? >"$work/rc"
}

started=$SECONDS
running=0
for target in "${targets[@]}"; do
    if ((running >= 2)); then wait -n || true; running=$((running - 1)); fi
    run "$target" &
    running=$((running + 1))
done
wait

failed=0
for target in "${targets[@]}"; do
    work=$build/work/$target
    stat() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -1; }
    rc=$(cat "$work/rc" 2>/dev/null || echo "?")
    finding=$(find "$work/findings" -type f | head -1)
    if [[ $rc == 0 && -z $finding ]]; then
        printf 'fuzz: %-13s %10s executions (%s/s), %s new inputs, peak %s MB\n' "$target" \
            "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "$(stat new_units_added)" "$(stat peak_rss_mb)"
    else
        failed=1
        tail -40 "$work/log" >&2
        echo "fuzz: FINDING in $target (exit $rc): input ${finding:-(none written; see $work/log)}" >&2
        echo "fuzz: replay with $build/tests/fuzz/fuzz_$target ${finding:-}; once fixed, keep the input in tests/fixtures/fuzz/$target/" >&2
    fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, 2 at a time: $((SECONDS - started)) s"
exit $failed
