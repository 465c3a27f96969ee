#!/bin/sh
# The Debian package as a technician meets it, in a fresh Debian 12 root that
# has never seen custode's build (CI's second root, .ci/run):
#   tests/package/check_deb.sh ./custode_VERSION_amd64.deb
# apt-get pulls what it needs; custode runs; the units are installed but not
# enabled; remove keeps the state, purge takes it, and nothing of the
# package is left. Exit 0 when all holds, 1 naming the first thing that does not.
set -eu
deb=$1
fail() { echo "check_deb: $*" >&2; exit 1; }
step() { echo "check_deb: $*"; }

step "apt-get install $deb"
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >/tmp/check-deb-install.log 2>&1 ||
    { tail -20 /tmp/check-deb-install.log >&2; fail "apt-get install failed"; }
grep -E '^(Setting up|Unpacking) ' /tmp/check-deb-install.log | sed 's/^/  /' | head -60

step "custode --version: $(custode --version)"
[ "$(command -v custode)" = /usr/sbin/custode ] || fail "custode is not /usr/sbin/custode"
custode --netconf /usr/share/doc/custode/examples validate || fail "the example netconf does not validate"

for dir in /etc/custode /var/lib/custode; do
    [ "$(stat -c %a "$dir")" = 700 ] || fail "$dir has mode $(stat -c %a "$dir"), not 0700"
done
for file in /lib/systemd/system/custode-apply.service /lib/systemd/system/custode-maintain.service \
    /lib/systemd/system/custode-maintain.timer /usr/share/bash-completion/completions/custode \
    /usr/share/man/man8/custode.8.gz /usr/share/man/man5/custode-netconf.5.gz; do
    [ -f "$file" ] || fail "$file is missing"
done
# Disabled until the technician enables them: no unit is wanted by anything.
enabled=$(find /etc/systemd/system -name 'custode*' 2>/dev/null || true)
[ -z "$enabled" ] || fail "units enabled at install: $enabled"

files=$(dpkg -L custode)
step "apt-get remove: the state stays"
echo "a record" >/var/lib/custode/state.db
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q custode >/dev/null
[ -f /var/lib/custode/state.db ] || fail "remove deleted /var/lib/custode/state.db"
[ ! -e /usr/sbin/custode ] || fail "remove left /usr/sbin/custode"

step "apt-get purge: the state goes, and nothing of the package is left"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q custode >/dev/null
[ ! -e /var/lib/custode ] || fail "purge left /var/lib/custode"
left=""
for path in $files; do
    # Directories the package shares with others (/usr/sbin, /lib/systemd/system,
    # /lib itself, a link to usr/lib on a merged-/usr system) stay.
    if [ -d "$path" ]; then
        case $path in *custode*) [ ! -e "$path" ] || left="$left $path" ;; esac
    elif [ -e "$path" ] || [ -L "$path" ]; then
        left="$left $path"
    fi
done
[ -z "$left" ] || fail "purge left:$left"
dpkg -s custode >/dev/null 2>&1 && fail "dpkg still knows custode after purge"
step "ok: $(echo "$files" | wc -l) paths installed, all gone after purge"
