#!/bin/sh
# The CMake install rules the Debian package is made from (debian/rules runs
# them): everything lands where docs/install.md says, the units run the
# installed binary, and the installed example netconf validates.
#   tests/package/install_rules_test.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d /tmp/custode-install-rules-XXXXXX)
trap 'rm -rf "$dest"' EXIT INT TERM
fail() { echo "install rules: $*" >&2; exit 1; }

# The prefix the build was configured with (the units name the program by it;
# the package configures /usr, a developer's build /usr/local).
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
p=${prefix#/}
DESTDIR=$dest cmake --install "$build" >/dev/null
for file in $p/sbin/custode lib/systemd/system/custode-apply.service lib/systemd/system/custode-maintain.service \
    lib/systemd/system/custode-maintain.timer $p/share/bash-completion/completions/custode \
    $p/share/doc/custode/netconf.md $p/share/doc/custode/install.md $p/share/doc/custode/examples/site.toml \
    $p/share/man/man8/custode.8 $p/share/man/man5/custode-netconf.5; do
    [ -f "$dest/$file" ] || fail "/$file is not installed"
done
for page in development testbed lansim vm; do
    [ ! -e "$dest/$p/share/doc/custode/$page.md" ] || fail "the developer's $page.md is installed"
done
grep -qx "ExecStart=$prefix/sbin/custode apply" "$dest/lib/systemd/system/custode-apply.service" ||
    fail "custode-apply.service does not run $prefix/sbin/custode apply"
grep -qx "ExecStart=$prefix/sbin/custode maintain --scheduled --wait" "$dest/lib/systemd/system/custode-maintain.service" ||
    fail "custode-maintain.service does not run $prefix/sbin/custode maintain --scheduled --wait"
grep -qx 'OnCalendar=\*:0/10' "$dest/lib/systemd/system/custode-maintain.timer" || fail "the timer does not look every 10 minutes"
if grep -n '@[A-Z]*@' "$dest"/lib/systemd/system/custode-*; then fail "a placeholder is left in a unit"; fi
"$dest/$p/sbin/custode" --netconf "$dest/$p/share/doc/custode/examples" validate >/dev/null ||
    fail "the installed example netconf does not validate"
echo "install rules: ok ($(find "$dest" -type f | wc -l) files)"
