#!/usr/bin/env bash
# custode's developer entry point, as root on Debian 12:
#   ./dev.sh demo [--down]   install, build, bring up the demo site and run custode on it
#   ./dev.sh test            install, build, run the whole test suite (unit, netns, vm)
#   ./dev.sh deps | build    the single steps
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}

# Debian packages the build, the tests and the demo need (ARCHITECTURE.md).
PACKAGES=(
  build-essential cmake pkg-config git
  libboost-program-options-dev libnl-3-dev libnl-route-3-dev libpcap-dev
  catch2 libtomlplusplus-dev nlohmann-json3-dev libsqlite3-dev libssh-dev
  libsodium-dev minisign libfmt-dev ieee-data iproute2 iputils-ping sqlite3 procps util-linux arp-scan chromium
  openssh-server openssh-client
)

deps() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "dev.sh: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
}

build() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUSTODE_WERROR=ON >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

run_tests() {
  tests/vm/prepare.sh
  # netns tests create their own uniquely named namespaces; two at a time fits 2 cores.
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
}

demo_command() {
  case "$1" in
    "")     "$BUILD_DIR/tests/custode-demo" up ;;
    --down) "$BUILD_DIR/tests/custode-demo" down ;;
    *) echo "usage: ./dev.sh demo [--down]" >&2; exit 2 ;;
  esac
}

require_root() {
  [[ $EUID -eq 0 ]] || { echo "dev.sh: run as root (namespaces, apt-get)" >&2; exit 2; }
}

case "${1:-}" in
  deps)  require_root; deps ;;
  build) build ;;
  demo)  require_root; deps; build; demo_command "${2:-}" ;;
  test)  require_root; deps; build; shift; run_tests "$@" ;;
  *) echo "usage: ./dev.sh demo [--down] | test [ctest args] | deps | build" >&2; exit 2 ;;
esac
