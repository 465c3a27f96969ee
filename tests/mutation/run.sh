#!/bin/sh
# The mutation check (docs/development.md, "Mutation check"): each mutant in
# mutants.txt changes one rule that decides an outcome; the unit suite must
# fail on it. Works on a copy of the tree, so the checkout is never touched.
# Builds file by file (no unity batches), so a mutant recompiles one file,
# with Ninja: make spends 7 s deciding that nothing else changed, Ninja 0.03 s.
# The unit suite runs without its [slow] cases (the 5 s state-lock wait: no
# mutant touches it), so a mutant costs about 7 s instead of 17.
# Usage: tests/mutation/run.sh [LIST]   (default: tests/mutation/mutants.txt)
# Exit 0 when every mutant is killed or marked equivalent, 1 otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
list=${1:-$here/mutants.txt}
jobs=$(nproc)
unit_cases='~[slow]'
work=$(mktemp -d /tmp/custode-mutation-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

for program in cmake ninja python3 timeout; do
    command -v "$program" >/dev/null || { echo "mutation: $program not found (./dev.sh deps test installs it)" >&2; exit 2; }
done

mkdir "$work/tree"
(cd "$root" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/tree")
echo "mutation: building the unit suite in $work (file by file)"
cmake -S "$work/tree" -B "$work/build" -G Ninja -DCMAKE_UNITY_BUILD=OFF >/dev/null
cmake --build "$work/build" -j"$jobs" --target custode custode_unit_tests >"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; echo "mutation: the unmutated tree does not build" >&2; exit 2; }
"$work/build/tests/custode_unit_tests" "$unit_cases" >/dev/null 2>&1 ||
    { echo "mutation: the unit suite fails without any mutant" >&2; exit 2; }

total=0 killed=0 equivalent=0 survived=0 broken=0
started=$(date +%s)
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    total=$((total + 1))
    if ! python3 "$here/apply.py" "$work/tree" "$line" >"$work/mutant.txt" 2>&1; then
        echo "BROKEN   #$total $(cat "$work/mutant.txt")"
        broken=$((broken + 1))
        continue
    fi
    what=$(cat "$work/mutant.txt")
    if ! cmake --build "$work/build" -j"$jobs" --target custode custode_unit_tests >"$work/build.log" 2>&1; then
        outcome="killed (does not compile)"
    elif timeout 300 "$work/build/tests/custode_unit_tests" --abort "$unit_cases" >"$work/run.log" 2>&1; then
        outcome=survived
    else
        outcome="killed by: $(grep -m1 -E '^[^ -=].+$' "$work/run.log" | cut -c1-100)"
    fi
    python3 "$here/apply.py" --restore "$work/tree" "$line"
    equivalent_reason=$(printf '%s' "$line" | awk -F' [|] ' 'NF >= 5 {print $5}')
    case "$outcome" in
        killed*) killed=$((killed + 1)); echo "killed   #$total $what" ;;
        *) if [ -n "$equivalent_reason" ]; then
               equivalent=$((equivalent + 1)); echo "EQUIV    #$total $what ($equivalent_reason)"
           else
               survived=$((survived + 1)); echo "SURVIVED #$total $what"
           fi ;;
    esac
done <"$list"
cmake --build "$work/build" -j"$jobs" --target custode custode_unit_tests >/dev/null 2>&1 || true

echo "mutation score: $killed killed of $total ($equivalent equivalent, $survived survived, $broken not applicable) in $(( $(date +%s) - started )) s"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
