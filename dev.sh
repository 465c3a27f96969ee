#!/usr/bin/env bash
# custode's developer entry point, as root on Debian 12:
#   ./dev.sh demo [--down]   install the demo's packages, build what it runs, bring up the demo site
#   ./dev.sh test [ctest args]  install everything, build everything, run the whole suite (unit, netns, vm, browser)
#   ./dev.sh deb             build the Debian package into build/deb/ (docs/install.md)
#   ./dev.sh deps [demo|test] | build [demo|all] | pwsh   the single steps (pwsh: PowerShell 7 for the pwsh tests)
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}

# The one list of Debian packages: what the build links and what the demo and
# the tests run (found with `strace -f -e trace=execve` over a whole test run;
# docs/development.md). A test that needs a program that is missing fails and
# names its package here.
DEMO_PACKAGES=(
  # the build
  build-essential cmake pkg-config git
  libboost-program-options-dev libnl-3-dev libnl-route-3-dev libpcap-dev libtomlplusplus-dev
  nlohmann-json3-dev libsqlite3-dev libssh-dev libsodium-dev libfmt-dev
  libcurl4-openssl-dev  # the morning message's webhook ([notify] webhook)
  catch2            # configure: the demo and the LAN simulator live beside the tests
  # what custode itself reads or runs
  ieee-data         # vendor names of scanned hosts (/usr/share/ieee-data/oui.txt)
  # the testbed (demo site, netns tests)
  iproute2          # ip: namespaces, veth, bridges, macvlans of the simulated site
  iputils-ping      # ping: the demo's last check and the netns ping helper
  procps            # pkill: a task's process tree killed at its timeout (the PCs run it)
  util-linux        # nsenter: custode run inside the testbed's gateway namespace
  openssh-server    # sshd on every simulated PC, and the sftp end of the lab's backup repository
  openssh-client    # ssh-keygen (PC and technician keys), ssh (restic's sftp backend)
  # the maintenance tasks, run on the simulated PCs (this machine's programs)
  clamav            # clamscan: antivirus (with a local EICAR signature, no download)
  smartmontools     # smartctl: disk health
  restic            # backup, and the lab-side repository's init
)
TEST_PACKAGES=(
  rclone            # the lab's append-only backup server in the backup tests (rclone serve restic, docs/backups.md)
  minisign          # signing tests: custode's signatures checked by the reference tool
  sqlite3           # state tests that read the state file as a user would
  python3           # the browser test's PNG check; the webhook receiver of the notify tests
  exim4-daemon-light  # the notify tests: a real MTA behind /usr/sbin/sendmail, delivering to a test mailbox
  chromium          # the browser test: the HTML report rendered headless
  qemu-system-x86 busybox-static   # vm tests: Debian's stock kernel for 802.1Q (tests/vm/prepare.sh)
  groff-base mandoc man-db         # man page tests: groff -ww, mandoc -T lint and man -l render custode(8) and custode-netconf(5)
  clang-14 libclang-rt-14-dev      # tests/fuzz/run.sh: the libFuzzer targets, with the fuzzer, ASan and UBSan runtimes
  ninja-build       # tests/mutation/run.sh: a rebuild that finds nothing to do takes 0.03 s, make's 7 s
)
DEB_PACKAGES=(
  debhelper dpkg-dev  # ./dev.sh deb: dpkg-buildpackage with dh and its CMake build (debian/)
  lintian             # ./dev.sh deb: the package checked as Debian checks its own
)

# PowerShell 7 for the tests that run the Windows task scripts (label pwsh):
# a .NET tool from NuGet, installed where only this project looks (.tools/pwsh,
# gitignored; CMake finds it there as CUSTODE_PWSH), when the .NET SDK is on
# PATH. 7.6.10 is the newest that installs with .NET 10 (docs/development.md).
# Without dotnet the pwsh tests are reported as not run, by name.
PWSH_VERSION=7.6.10
PWSH_DIR=.tools/pwsh

install_pwsh() {
  if [[ -x $PWSH_DIR/pwsh && -d $PWSH_DIR/.store/powershell/$PWSH_VERSION ]]; then return 0; fi
  if ! command -v dotnet >/dev/null; then
    echo "dev.sh: no dotnet on PATH: the pwsh tests will not run (install the .NET SDK, then ./dev.sh pwsh)" >&2
    return 0
  fi
  # .NET and PowerShell need ICU; a .NET SDK from Microsoft's packages pulls
  # it in, one bound in from elsewhere (CI's fresh root) does not.
  install libicu72
  echo "dev.sh: installing PowerShell $PWSH_VERSION into $PWSH_DIR"
  rm -rf "$PWSH_DIR"
  if ! dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$PWSH_DIR"; then
    echo "dev.sh: error: dotnet is here but PowerShell $PWSH_VERSION did not install (NuGet reachable?)" >&2
    exit 1
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# install PACKAGE...: apt-get install what is missing (idempotent; no recommends:
# they would pull in a desktop stack none of this uses).
install() {
  local missing=() package
  for package in "$@"; do installed "$package" || missing+=("$package"); done
  ((${#missing[@]})) || return 0
  echo "dev.sh: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

deps() {
  case "${1:-test}" in
    demo) install "${DEMO_PACKAGES[@]}"; install_pwsh ;;
    test) install "${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; install_pwsh ;;
    *) echo "usage: ./dev.sh deps [demo|test]" >&2; exit 2 ;;
  esac
}

configure() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUSTODE_WERROR=ON >/dev/null
}

# build [demo|all]: the demo needs only custode, the demo program and the LAN simulator.
build() {
  configure
  case "${1:-all}" in
    demo) cmake --build "$BUILD_DIR" -j"$(nproc)" --target custode custode-demo custode-lansim ;;
    all)  cmake --build "$BUILD_DIR" -j"$(nproc)" ;;
    *) echo "usage: ./dev.sh build [demo|all]" >&2; exit 2 ;;
  esac
}

# deb: the package from debian/ (the CMake build without the tests), then
# lintian; the .deb and lintian's report land in $BUILD_DIR/deb/.
deb() {
  install "${DEMO_PACKAGES[@]}" "${DEB_PACKAGES[@]}"
  local out=$BUILD_DIR/deb version
  version=$(dpkg-parsechangelog -S Version)
  rm -rf "$out" && mkdir -p "$out"
  dpkg-buildpackage -us -uc -b -j"$(nproc)" >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
  mv ../custode_"$version"_* ../custode-dbgsym_"$version"_* "$out/"
  debian/rules clean >/dev/null 2>&1
  # Errors fail; the warnings that remain are explained in docs/install.md.
  # As root here (CI, a gateway); the package itself is built without root.
  lintian --allow-root --fail-on error --info "$out"/custode_"$version"_*.changes | tee "$out/lintian.txt"
  echo "dev.sh: built $(ls "$out"/custode_*.deb) (lintian: $out/lintian.txt)"
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
  deps)  require_root; deps "${2:-test}" ;;
  build) build "${2:-all}" ;;
  pwsh)  install_pwsh ;;
  demo)
    require_root
    if [[ ${2:-} == --down ]]; then
      # Taking the demo down needs only what brought it up.
      [[ -x $BUILD_DIR/tests/custode-demo ]] || { deps demo; build demo; }
    else
      deps demo; build demo
    fi
    demo_command "${2:-}" ;;
  test)  require_root; deps test; build all; shift; run_tests "$@" ;;
  deb)   require_root; deb ;;
  *) echo "usage: ./dev.sh demo [--down] | test [ctest args] | deb | deps [demo|test] | build [demo|all] | pwsh" >&2; exit 2 ;;
esac
