#!/usr/bin/env bash
# Benchmark (issue 5): `custode maintain` against ansible-playbook (Debian's
# ansible: pipelining, ControlPersist, forks = custode's --concurrency, no
# fact gathering) on N simulated PCs with real sshd, three short tasks each
# (disk-health, empty-trash, antivirus on the PC's own home with a one-entry
# signature database), the same command texts, rounds interleaved. The work
# is bench/maintain_bench.cc; everything lives in namespaces it makes
# ("ctb-bench-maintain-*"), removed at the end even on failure.
#   bench/maintain.sh [N] [ROUNDS] [FORKS]   (default 100 3 32; root, from the repo root)
#   BUILD_DIR=build-bench CUSTODE=path/to/custode STRATEGY=free WARMUP=0 KEEP_DIR=1 bench/maintain.sh
set -euo pipefail
N=${1:-100}
ROUNDS=${2:-3}
FORKS=${3:-32}
BUILD_DIR=${BUILD_DIR:-build}
[[ $EUID -eq 0 ]] || { echo "bench/maintain.sh: run as root" >&2; exit 2; }
if ! command -v ansible-playbook > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible > /dev/null
fi
for program in sshd clamscan smartctl; do
  command -v "$program" > /dev/null || PATH=$PATH:/usr/sbin command -v "$program" > /dev/null \
    || { echo "bench/maintain.sh: $program is missing (./dev.sh installs it)" >&2; exit 2; }
done

[[ -f $BUILD_DIR/CMakeCache.txt ]] || cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$BUILD_DIR" --target custode custode-maintain-bench -j "${JOBS:-$(nproc)}" > /dev/null
BENCH=$BUILD_DIR/bench/custode-maintain-bench
CUSTODE=${CUSTODE:-$BUILD_DIR/src/custode}
[[ -x $CUSTODE ]] || { echo "bench/maintain.sh: no custode at $CUSTODE" >&2; exit 2; }

# The program cleans up after itself; a run killed before it could is swept here.
trap 'rc=$?; if [[ $rc -ne 0 ]]; then "$BENCH" --cleanup || true; fi' EXIT
echo "custode $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(ansible-playbook --version 2>/dev/null | sed -n 1p); $(nproc) cores"
echo "uptime before: $(uptime)"
"$BENCH" --custode "$CUSTODE" --pcs "$N" --rounds "$ROUNDS" --concurrency "$FORKS" \
  --strategy "${STRATEGY:-linear}" --warmup "${WARMUP:-1}" ${KEEP_DIR:+--keep-dir}
echo "uptime after: $(uptime)"
