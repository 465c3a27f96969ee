#!/usr/bin/env bash
# Benchmark: a PC's backup through the lab's append-only account (restic's
# rclone backend over ssh to `rclone serve restic --stdio --append-only`
# behind a forced command, docs/backups.md) against what a technician would
# otherwise set up, restic's sftp backend over the same ssh. One sshd on
# loopback (127.0.0.1:2299), one key for each way in, the same data, runs
# interleaved, medians. Per round and way: a first backup into a new
# repository (all data new) and a second one with MIB/100+1 files rewritten.
#   bench/backups.sh [ROUNDS] [MIB]     (defaults 5 and 200; as root)
set -euo pipefail
ROUNDS=${1:-5}
MIB=${2:-200}
[[ $EUID -eq 0 ]] || { echo "bench/backups.sh: run as root" >&2; exit 2; }
for program in restic rclone /usr/sbin/sshd ssh ssh-keygen bc; do
  command -v "$program" > /dev/null || { echo "bench/backups.sh: $program not found (./dev.sh deps test; bc: apt-get install bc)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/custode-bench-backups.XXXXXX)
cleanup() {
  [[ -f $WORK/sshd.pid ]] && kill "$(cat "$WORK/sshd.pid")" 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The data: MIB MiB in 1 MiB files of random bytes (no dedup, no compression).
mkdir -p "$WORK/data"
for ((i = 0; i < MIB; i++)); do head -c 1048576 /dev/urandom > "$WORK/data/f$i"; done
echo custode-bench > "$WORK/password"

ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/sftp_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/lab_key"
{
  echo "$(cat "$WORK/sftp_key.pub")"
  echo "restrict,command=\"rclone serve restic --stdio --append-only --config /dev/null $WORK/lab-repo\" $(cat "$WORK/lab_key.pub")"
} > "$WORK/authorized_keys"
cat > "$WORK/sshd_config" << EOF
ListenAddress 127.0.0.1
Port 2299
HostKey $WORK/host_key
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -f "$WORK/sshd_config"
for _ in $(seq 50); do [[ -s $WORK/sshd.pid ]] && break; sleep 0.1; done
echo "[127.0.0.1]:2299 $(cat "$WORK/host_key.pub")" > "$WORK/known_hosts"
SSH="ssh -o BatchMode=yes -o UserKnownHostsFile=$WORK/known_hosts -p 2299"

sftp_args=(--repo "sftp:root@127.0.0.1:$WORK/sftp-repo" --option "sftp.command=$SSH -i $WORK/sftp_key root@127.0.0.1 -s sftp")
lab_args=(--repo rclone:custode-lab: --option "rclone.program=$SSH -i $WORK/lab_key root@127.0.0.1")

seconds() { local start=$EPOCHREALTIME; "$@" > /dev/null 2>&1 || { echo "bench/backups.sh: failed: $*" >&2; exit 1; }; echo "$EPOCHREALTIME - $start" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A times
for ((round = 1; round <= ROUNDS; round++)); do
  for way in sftp lab; do
    rm -rf "$WORK/sftp-repo" "$WORK/lab-repo"
    restic --repo "$WORK/$way-repo" --password-file "$WORK/password" init > /dev/null
    declare -n args=${way}_args
    times[$way-first]+="$(seconds restic "${args[@]}" --password-file "$WORK/password" backup "$WORK/data") "
    for ((i = 0; i < MIB / 100 + 1; i++)); do head -c 1048576 /dev/urandom > "$WORK/data/f$i"; done
    times[$way-second]+="$(seconds restic "${args[@]}" --password-file "$WORK/password" backup "$WORK/data") "
  done
done

printf '%-28s %10s %10s %8s\n' "backup of $MIB MiB, $ROUNDS rounds" "sftp (s)" "lab (s)" "lab/sftp"
for step in first second; do
  s=$(tr ' ' '\n' <<< "${times[sftp-$step]}" | grep . | median)
  l=$(tr ' ' '\n' <<< "${times[lab-$step]}" | grep . | median)
  printf '%-28s %10.2f %10.2f %8.2f\n' "$step backup (median)" "$s" "$l" "$(echo "$l / $s" | bc -l)"
done
