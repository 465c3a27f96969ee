#!/usr/bin/env bash
# Installs custode and its nightly timer, as root:
#   dist/install.sh [--netconf DIR] [--destdir DIR] [--binary PATH] [--no-start]
# --destdir writes everything under DIR (for packaging and tests) and starts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

NETCONF=/etc/custode
DESTDIR=
BINARY=build/src/custode
START=yes
BINDIR=/usr/local/bin
METRICS=/var/lib/prometheus/node-exporter/custode.prom

while (($#)); do
  case "$1" in
    --netconf) NETCONF=$2; shift 2 ;;
    --destdir) DESTDIR=$2; START=no; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    --no-start) START=no; shift ;;
    *) echo "usage: dist/install.sh [--netconf DIR] [--destdir DIR] [--binary PATH] [--no-start]" >&2; exit 2 ;;
  esac
done

[[ -x $BINARY ]] || { echo "install: $BINARY is missing: run ./dev.sh build first" >&2; exit 2; }
# The timer follows the windows: a netconf that does not validate installs nothing.
calendar=$("$BINARY" --netconf "$NETCONF" maintain --calendar)

install -D -m 0755 "$BINARY" "$DESTDIR$BINDIR/custode"
install -d -m 0755 "$DESTDIR/usr/local/share/doc/custode" "$DESTDIR$(dirname "$METRICS")"
install -m 0644 docs/*.md "$DESTDIR/usr/local/share/doc/custode/"
# bash completion (commands and options read from custode --help; clients and hosts from the netconf)
install -D -m 0644 dist/custode.bash "$DESTDIR/usr/local/share/bash-completion/completions/custode"

units=$DESTDIR/etc/systemd/system
install -d "$units"
sed -e "s|@BINDIR@|$BINDIR|" -e "s|@NETCONF@|$NETCONF|" -e "s|@METRICS@|$METRICS|" \
  dist/systemd/custode-maintain.service >"$units/custode-maintain.service"
on_calendar=$(sed 's/^/OnCalendar=/' <<<"$calendar")
awk -v lines="$on_calendar" '$0 == "@CALENDAR@" { print lines; next } { print }' \
  dist/systemd/custode-maintain.timer >"$units/custode-maintain.timer"
echo "installed custode and its timer ($(wc -l <<<"$calendar") start time(s): $(tr '\n' ' ' <<<"$calendar"))"

if [[ $START == yes ]]; then
  if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl enable --now custode-maintain.timer
    systemctl list-timers custode-maintain.timer --no-pager
  else
    echo "systemd is not running here: enable custode-maintain.timer when it is" >&2
  fi
fi
