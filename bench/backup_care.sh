#!/usr/bin/env bash
# Benchmark (issue 19): the lab's care of a client's repository after a
# night (docs/backups.md, "After the night": unlock, listing and record,
# retention by id, forget, prune, check reading 5%, one restore test per
# host) against the restic commands a technician would put in cron instead:
#   restic unlock; restic forget --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune;
#   restic check --read-data-subset=5%; per host: restic ls + restore --verify of one file.
# The same repository (HOSTS hosts, a snapshot a day for DAYS days, 1 MiB of
# new data each), copied fresh for every run, the two ways interleaved, medians.
#   bench/backup_care.sh [ROUNDS] [DAYS] [HOSTS]   (defaults 5, 60, 3; as root, after a build)
set -euo pipefail
ROUNDS=${1:-5}
DAYS=${2:-60}
HOSTS=${3:-3}
BUILD=${BUILD:-build-cc}
BENCH=$BUILD/bench/custode-backup-care-bench
[[ $EUID -eq 0 ]] || { echo "bench/backup_care.sh: run as root" >&2; exit 2; }
[[ -x $BENCH ]] || { echo "bench/backup_care.sh: $BENCH not built (cmake --build $BUILD)" >&2; exit 2; }
for program in restic bc; do
  command -v "$program" > /dev/null || { echo "bench/backup_care.sh: $program not found (./dev.sh deps test; bc: apt-get install bc)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/custode-bench-care.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo custode-bench > "$WORK/password"
chmod 600 "$WORK/password"
restic() { command restic --repo "$1" --password-file "$WORK/password" --no-cache --quiet "${@:2}"; }

# The repository: each host one snapshot a day, each with 1 MiB of its own new data.
restic "$WORK/origin" init
for ((day = DAYS; day > 0; day--)); do
  for ((h = 1; h <= HOSTS; h++)); do
    mkdir -p "$WORK/src/pc$h"
    head -c 1048576 /dev/urandom > "$WORK/src/pc$h/day-$day"
    restic "$WORK/origin" backup "$WORK/src/pc$h" --host "pc$h" --time "$(date -u -d "-$day days" '+%F 01:00:00')" > /dev/null
  done
done
echo "bench/backup_care.sh: $((DAYS * HOSTS)) snapshots, $(du -sh "$WORK/origin" | cut -f1) on disk; $ROUNDS rounds" >&2

by_hand() {
  local repo=$1
  restic "$repo" unlock
  restic "$repo" forget --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune > /dev/null
  restic "$repo" check --read-data-subset=5% > /dev/null
  mkdir -p "$WORK/scratch"
  for ((h = 1; h <= HOSTS; h++)); do
    local file
    file=$(restic "$repo" ls --json latest --host "pc$h" | grep -o '"type":"file","path":"[^"]*"' | head -1 | sed 's/.*"path":"//; s/"$//')
    restic "$repo" restore latest --host "pc$h" --include "$file" --target "$WORK/scratch" --verify > /dev/null
  done
  rm -rf "$WORK/scratch"
}

seconds() { local start=$EPOCHREALTIME; "$@" > /dev/null 2>&1 || { echo "bench/backup_care.sh: failed: $*" >&2; exit 1; }; echo "$EPOCHREALTIME - $start" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

custode_times=() hand_times=()
for ((round = 1; round <= ROUNDS; round++)); do
  for way in custode hand; do
    [[ $((round % 2)) -eq 0 ]] && way=$([[ $way == custode ]] && echo hand || echo custode)  # both orders
    rm -rf "$WORK/repo"
    cp -a "$WORK/origin" "$WORK/repo"
    if [[ $way == custode ]]; then
      custode_times+=("$(seconds "$BENCH" "$WORK/repo" "$WORK/password")")
    else
      hand_times+=("$(seconds by_hand "$WORK/repo")")
    fi
  done
done
custode=$(printf '%s\n' "${custode_times[@]}" | median)
hand=$(printf '%s\n' "${hand_times[@]}" | median)
printf 'care of %d snapshots (%d hosts x %d days)  custode %.2f s  restic by hand %.2f s  ratio %.2f\n' \
  $((DAYS * HOSTS)) "$HOSTS" "$DAYS" "$custode" "$hand" "$(echo "$custode / $hand" | bc -l)"
