#!/usr/bin/env bash
# Runs one test script inside a throw-away qemu VM booting Debian's stock
# kernel (this machine's kernel lacks 802.1Q). See docs/vm.md.
#
# Usage: run-in-vm.sh [--timeout S] [--bin FILE]... [--file SRC[:DEST]]... SCRIPT [ARG]...
#   --timeout S        time limit for SCRIPT inside the VM (default 120)
#   --bin FILE         carry a program and its shared libraries; it lands in
#                      /usr/bin/<name>, which comes first on the VM's PATH
#   --file SRC[:DEST]  carry a data file (default DEST: /data/<name>)
#   SCRIPT [ARG]...    the test body, run as /test/body ARG... (honours its #!).
#                      Write it for /bin/bash, which is always carried: busybox's
#                      /bin/sh runs its own applets (ip, ping...) before PATH.
#
# Exit status: SCRIPT's own, 124 if it or the VM timed out, 3 if the VM ended
# without reporting one, 2 for bad usage or an unprepared machine.
# Environment: CUSTODE_VM_CACHE (see prepare.sh), CUSTODE_VM_MEMORY (MiB, 512),
# CUSTODE_VM_KEEP=1 keeps the work directory (initramfs, console log).
set -euo pipefail

CACHE=${CUSTODE_VM_CACHE:-/var/cache/custode-vm}
KERNEL_DIR=$CACHE/kernel
MEMORY=${CUSTODE_VM_MEMORY:-512}
BOOT_MARGIN=90   # host-side allowance on top of --timeout for boot and power-off under TCG
BUSYBOX=/bin/busybox

timeout_s=120
bins=()
files=()

usage() {
  sed -n '5,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "run-in-vm: $*" >&2; }
die() { log "error: $*"; exit 2; }

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

parse_args() {
  while (($#)); do
    case $1 in
      --timeout) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; timeout_s=$2; shift 2 ;;
      --bin) [[ -n ${2:-} ]] || usage; bins+=("$2"); shift 2 ;;
      --file) [[ -n ${2:-} ]] || usage; files+=("$2"); shift 2 ;;
      -h|--help) usage ;;
      --) shift; break ;;
      -*) usage ;;
      *) break ;;
    esac
  done
  (($#)) || usage
  script=$1
  shift
  script_args=("$@")
  [[ -f $script ]] || die "no such script: $script"
}

check_prepared() {
  command -v qemu-system-x86_64 >/dev/null \
    || die "qemu-system-x86_64 missing: run tests/vm/prepare.sh as root"
  [[ -x $BUSYBOX ]] || die "$BUSYBOX missing: run tests/vm/prepare.sh as root"
  # A dynamic busybox would need its libraries in the initramfs before /init can even start.
  ! ldd "$BUSYBOX" >/dev/null 2>&1 || die "$BUSYBOX is not static (install busybox-static)"
  [[ -f $KERNEL_DIR/READY ]] || die "no prepared kernel in $KERNEL_DIR: run tests/vm/prepare.sh as root"
}

# Copies FILE to the same path under the staging root.
stage_same_path() {
  local file=$1
  mkdir -p "$stage$(dirname "$file")"
  cp -L "$file" "$stage$file"
}

# Copies a program to DEST inside the VM, with every shared library ldd
# names (including the dynamic loader) at the path the host has it; the
# loader's default search path covers those directories, so no ld.so.cache
# is needed.
stage_program() {
  local program=$1 dest=$2 deps lib libs
  [[ -f $program && -x $program ]] || die "not an executable file: $program"
  mkdir -p "$stage$(dirname "$dest")"
  cp -L "$program" "$stage$dest"
  if deps=$(ldd "$program" 2>&1); then
    if grep -q "not found" <<<"$deps"; then
      die "$program: missing libraries: $(grep "not found" <<<"$deps" | tr -s ' \t' ' ')"
    fi
    mapfile -t libs < <(grep -o '/[^ ]*' <<<"$deps")
    for lib in "${libs[@]}"; do
      [[ -e $stage$lib ]] || stage_same_path "$lib"
    done
  fi   # ldd fails on static programs: nothing to add
}

# Quotes each argument for a POSIX shell: 'it'\''s'.
sh_quote() {
  local arg q="'\\''"
  for arg in "$@"; do
    printf "'%s' " "${arg//\'/$q}"
  done
}

write_init() {
  # /init runs as PID 1 under busybox ash. Values from this host are
  # substituted now; \$ stays for the VM.
  cat >"$stage/init" <<EOF
#!/bin/busybox sh
export PATH=/usr/bin:/usr/sbin:/sbin:/bin HOME=/root
marker() { echo "CUSTODE-VM-EXIT-$token=\$1"; sync; poweroff -f; sleep 5; exit 1; }

/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin   # links to /bin/busybox, found through /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/netns   # where ip netns add keeps its namespaces
ip link set lo up

# Dependencies first (prepare.sh wrote the order).
while read -r module; do
  insmod /lib/modules/\$module.ko || { echo "custode-vm: insmod \$module failed"; marker 125; }
done </lib/modules/modules.load

echo "custode-vm: kernel \$(uname -r) up \$(cut -d' ' -f1 /proc/uptime)s, running /test/body (limit ${timeout_s}s)"
# A watchdog instead of busybox timeout: its exit code on expiry is not 124.
/test/body $(sh_quote "${script_args[@]}") &
body=\$!
( sleep $timeout_s; echo "custode-vm: test body still running after ${timeout_s}s, killing it"
  touch /run/custode-vm-timeout; kill -TERM \$body; sleep 2; kill -KILL \$body ) 2>/dev/null &
watchdog=\$!
wait \$body
code=\$?
kill \$watchdog 2>/dev/null
[ -e /run/custode-vm-timeout ] && code=124
marker \$code
EOF
  chmod 755 "$stage/init"
}

build_initramfs() {
  local bin src dest spec
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,root,data,test,lib/modules}
  cp "$BUSYBOX" "$stage/bin/busybox"
  # busybox's own ip has no netns: carry iproute2's. bash because busybox sh
  # would run its applet "ip" whatever PATH says.
  stage_program "$(command -v ip)" /sbin/ip
  stage_program /bin/bash /bin/bash
  for bin in "${bins[@]}"; do
    stage_program "$bin" "/usr/bin/$(basename "$bin")"
  done
  for spec in "${files[@]}"; do
    src=${spec%%:*}
    dest=${spec#*:}
    [[ $spec == *:* ]] || dest=/data/$(basename "$src")
    [[ -f $src ]] || die "no such file: $src"
    mkdir -p "$stage$(dirname "$dest")"
    cp -L "$src" "$stage$dest"
  done
  cp "$KERNEL_DIR"/modules/*.ko "$KERNEL_DIR/modules.load" "$stage/lib/modules/"
  cp "$script" "$stage/test/body"
  chmod 755 "$stage/test/body"
  # Enough of /etc for programs that look up users, hosts or protocols.
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
  printf 'root:x:0:\n' >"$stage/etc/group"
  printf '127.0.0.1 localhost\n' >"$stage/etc/hosts"
  [[ -f /etc/protocols ]] && cp /etc/protocols "$stage/etc/"
  write_init
  (cd "$stage" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/initrd.gz"
}

# The firmware resets the terminal and turns off line wrapping on the serial
# console: keep such escape sequences (and CRs) out of logs and terminals.
filter_console() {
  sed -u -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r$//'
}

# Boots the VM; the console goes to our stdout and to $work/console.log.
run_vm() {
  local rc
  set +e
  timeout --kill-after=10 "$((timeout_s + BOOT_MARGIN))" \
    qemu-system-x86_64 -accel tcg -m "$MEMORY" -smp 1 \
      -kernel "$KERNEL_DIR/vmlinuz" -initrd "$work/initrd.gz" \
      -append "console=ttyS0 panic=-1 quiet" \
      -nographic -no-reboot -nic none </dev/null 2>&1 \
    | filter_console | tee "$work/console.log"
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

main() {
  parse_args "$@"
  check_prepared
  work=$(mktemp -d /tmp/custode-vm.XXXXXX)
  stage=$work/root
  if [[ ${CUSTODE_VM_KEEP:-} == 1 ]]; then
    trap 'log "kept $work"' EXIT
  else
    trap 'rm -rf "$work"' EXIT
  fi
  # Turn signals into an ordinary exit so the EXIT trap cleans up.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Unique per run, so nothing the body prints can pass for the verdict.
  token=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

  local t0 t1 t2 qemu_rc=0 line code
  t0=$(now)
  build_initramfs
  t1=$(now)
  log "initramfs $(du -k "$work/initrd.gz" | cut -f1) KiB built in $(elapsed "$t0" "$t1") s; booting $(cat "$KERNEL_DIR/package")"
  run_vm || qemu_rc=$?
  t2=$(now)

  line=$(grep -ao "CUSTODE-VM-EXIT-$token=[0-9]*" "$work/console.log" | tail -n1 || true)
  if [[ -n $line ]]; then
    code=${line##*=}
    log "VM finished in $(elapsed "$t1" "$t2") s, test exit code $code"
    exit "$code"
  fi
  if ((qemu_rc == 124 || qemu_rc == 137)); then
    log "VM timed out after $(elapsed "$t1" "$t2") s (limit $((timeout_s + BOOT_MARGIN)) s)"
    exit 124
  fi
  log "VM ended (qemu exit $qemu_rc) after $(elapsed "$t1" "$t2") s without reporting an exit code"
  exit 3
}

main "$@"
