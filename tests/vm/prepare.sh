#!/usr/bin/env bash
# Prepares what tests/vm/run-in-vm.sh needs, as root, idempotently:
#   * checks qemu-system-x86 and busybox-static are installed (dev.sh's one
#     package list installs them: ./dev.sh deps),
#   * Debian's stock kernel (linux-image-amd64's current flavour) unpacked into
#     a cache: vmlinuz plus the network modules this machine's kernel lacks.
#
# Usage: tests/vm/prepare.sh            install/fetch what is missing
#        tests/vm/prepare.sh --check    only verify; exit 1 with a reason if not ready
#        tests/vm/prepare.sh --refresh  fetch the kernel again (a newer ABI, a broken cache)
#
# Cache: $CUSTODE_VM_CACHE (default /var/cache/custode-vm). Layout:
#   kernel/vmlinuz  kernel/config  kernel/version  kernel/package
#   kernel/modules/NAME.ko (uncompressed)  kernel/modules.load (insmod order)
#   kernel/READY    (written last: a cache without it is incomplete)
set -euo pipefail

CACHE=${CUSTODE_VM_CACHE:-/var/cache/custode-vm}
KERNEL_DIR=$CACHE/kernel
PACKAGES=(qemu-system-x86 busybox-static)

# The stock 6.1 kernel has all of these as modules; whatever the kernel has
# built in is skipped. Dependencies (read from each module) are added and
# ordered automatically.
REQUIRED_MODULES=(llc stp garp mrp 8021q bridge veth macvlan)
OPTIONAL_MODULES=(vxlan udp_tunnel ip6_udp_tunnel)

log() { echo "prepare.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# Returns non-zero and says why if something is missing; never changes anything.
check_ready() {
  local package
  for package in "${PACKAGES[@]}"; do
    installed "$package" || { log "package $package is not installed: apt-get install $package (./dev.sh deps)"; return 1; }
  done
  command -v qemu-system-x86_64 >/dev/null || { log "qemu-system-x86_64 not found"; return 1; }
  [[ -x /bin/busybox ]] || { log "/bin/busybox (busybox-static) not found"; return 1; }
  [[ -f $KERNEL_DIR/READY && -f $KERNEL_DIR/vmlinuz && -f $KERNEL_DIR/modules.load ]] \
    || { log "no prepared kernel in $KERNEL_DIR"; return 1; }
  local name
  while read -r name; do
    [[ -f $KERNEL_DIR/modules/$name.ko ]] || { log "module $name.ko missing from $KERNEL_DIR"; return 1; }
  done <"$KERNEL_DIR/modules.load"
}

apt_updated=false
apt_update_once() {
  $apt_updated && return 1   # a second update would not help
  log "apt-get update"
  apt-get update -q >&2
  apt_updated=true
}

require_packages() {
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  die "not installed: ${missing[*]}: apt-get install ${missing[*]} (./dev.sh deps installs them)"
}

# linux-image-amd64 is a metapackage; its Depends names the real image,
# e.g. linux-image-6.1.0-56-amd64.
resolve_kernel_package() {
  local name
  name=$(apt-cache depends linux-image-amd64 2>/dev/null \
    | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
  if [[ -z $name ]] && apt_update_once; then
    name=$(apt-cache depends linux-image-amd64 2>/dev/null \
      | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
  fi
  [[ -n $name ]] || die "cannot resolve the kernel package behind linux-image-amd64"
  echo "$name"
}

download_package() {
  local package=$1 dir=$2
  # apt's download sandbox user must be able to write here.
  chown _apt "$dir" 2>/dev/null || true
  if ! (cd "$dir" && apt-get download -q "$package" >&2); then
    apt_update_once || die "apt-get download $package failed"
    (cd "$dir" && apt-get download -q "$package" >&2)
  fi
}

# Copies one module file uncompressed to DEST (busybox insmod reads plain .ko only).
copy_module() {
  local file=$1 dest=$2
  case $file in
    *.ko)     cp "$file" "$dest" ;;
    *.ko.xz)  if command -v xz >/dev/null; then xz -dc "$file" >"$dest"; else /bin/busybox unxz -c "$file" >"$dest"; fi ;;
    *.ko.gz)  gzip -dc "$file" >"$dest" ;;
    *.ko.zst) command -v zstd >/dev/null || die "$file is zstd-compressed: apt-get install zstd"
              zstd -q -dc "$file" >"$dest" ;;
    *) die "unknown module format: $file" ;;
  esac
}

# The module's own .modinfo says what it needs: "depends=stp,llc".
module_depends() {
  tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '
}

# Globals used by the recursive walk below.
declare -A MODULE_STATE=()   # name -> visiting|added|builtin
LOAD_ORDER=()

find_module_file() {
  local moddir=$1 name=$2
  local alt=${name//_/-}   # a module "a_b" may live in a file "a-b.ko"
  find "$moddir/kernel" \( -name "$name.ko" -o -name "$name.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) \
    -print -quit
}

# Depth-first: dependencies first, so LOAD_ORDER is a valid insmod order.
add_module() {
  local moddir=$1 outdir=$2 name=$3 required=$4 file dep
  case ${MODULE_STATE[$name]:-} in
    added|builtin) return 0 ;;
    visiting) die "module dependency cycle at $name" ;;
  esac
  if grep -qE "(^|/)${name}\.ko$" "$moddir/modules.builtin"; then
    MODULE_STATE[$name]=builtin
    log "  $name: built into the kernel"
    return 0
  fi
  file=$(find_module_file "$moddir" "$name")
  if [[ -z $file ]]; then
    [[ $required == required ]] && die "module $name is neither built in nor shipped"
    log "  $name: not available (optional, skipped)"
    MODULE_STATE[$name]=added
    return 0
  fi
  MODULE_STATE[$name]=visiting
  copy_module "$file" "$outdir/modules/$name.ko"
  for dep in $(module_depends "$outdir/modules/$name.ko"); do
    add_module "$moddir" "$outdir" "$dep" required
  done
  MODULE_STATE[$name]=added
  LOAD_ORDER+=("$name")
}

fetch_kernel() {
  local package work root moddir version out name
  package=$(resolve_kernel_package)
  log "kernel package: $package"
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/fetch.XXXXXX")
  # shellcheck disable=SC2064  # expand now: work is local
  trap "rm -rf '$work'" EXIT
  download_package "$package" "$work"
  root=$work/root
  dpkg -x "$work"/"$package"_*.deb "$root"

  # bookworm ships /lib/modules; later releases /usr/lib/modules.
  moddir=$(find "$root" -maxdepth 4 -type d -path '*lib/modules/*' | head -n1)
  [[ -n $moddir ]] || die "no lib/modules in $package"
  version=$(basename "$moddir")

  out=$work/kernel
  mkdir -p "$out/modules"
  cp "$root/boot/vmlinuz-$version" "$out/vmlinuz"
  cp "$root/boot/config-$version" "$out/config"
  echo "$version" >"$out/version"
  # shellcheck disable=SC2016  # dpkg's own ${Field} syntax
  dpkg-deb --show --showformat='${Package} ${Version}\n' "$work"/"$package"_*.deb >"$out/package"

  log "modules for $version:"
  for name in "${REQUIRED_MODULES[@]}"; do add_module "$moddir" "$out" "$name" required; done
  for name in "${OPTIONAL_MODULES[@]}"; do add_module "$moddir" "$out" "$name" optional; done
  printf '%s\n' "${LOAD_ORDER[@]}" >"$out/modules.load"
  log "  insmod order: ${LOAD_ORDER[*]}"
  date -u +%FT%TZ >"$out/READY"

  # Swap in the complete result only at the end: a failed fetch leaves the
  # previous cache usable.
  rm -rf "$KERNEL_DIR.old"
  [[ -d $KERNEL_DIR ]] && mv "$KERNEL_DIR" "$KERNEL_DIR.old"
  mv "$out" "$KERNEL_DIR"
  rm -rf "$KERNEL_DIR.old"
}

main() {
  local mode=${1:-}
  case $mode in
    --check) check_ready && log "ready: $(cat "$KERNEL_DIR/package")"; return ;;
    ""|--refresh) ;;
    *) echo "usage: $0 [--check|--refresh]" >&2; exit 2 ;;
  esac
  [[ $EUID -eq 0 ]] || die "run as root (apt-get download, $CACHE)"
  require_packages
  if [[ $mode == --refresh || ! -f $KERNEL_DIR/READY ]] || ! check_ready 2>/dev/null; then
    fetch_kernel
  fi
  check_ready
  log "ready: $(cat "$KERNEL_DIR/package") in $KERNEL_DIR"
}

main "$@"
