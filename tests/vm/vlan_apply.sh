#!/bin/bash
# VM test body (run by run-in-vm.sh with --bin custode): custode's kind = "vlan"
# circuits end-to-end on a real 802.1Q kernel. See docs/vm.md.
#
#   VM root namespace = the lab gateway          carrier namespace           client LANs
#   cu-acme:    br0 .250 ── circuit (vlan 101) ┐                      ┌ trunk0.101 ─ lan-101: eth0 .10 .30
#                                              trunk0 ═══ veth ═══ trunk0 ─ trunk0.102 ─ lan-102: eth0 .10 .20
#   cu-bianchi: br0 .250 ── circuit (vlan 102) ┘                      └ trunk0.103 ─ lan-103: eth0 .10
#
# Every LAN is 192.168.1.0/24 on purpose; each LAN host has its own MAC, so
# the ARP entry tells which VLAN answered. custode runs in the VM's root
# namespace (the gateway): it makes client namespaces with bind mounts under
# /run/netns, so it must never run under `ip netns exec`.
#
# Checks: plan/apply/plan/status/--json apply exit codes; the circuits are
# 802.1Q with the right id and custode's ownership alias; each client reaches
# its own LAN's .10 (by MAC) and nothing of the other VLAN; a VLAN id change is
# planned as an interrupting recreate and applied (and back); a VLAN already
# taken by an unmanaged link is refused (exit 2) with nothing created; remove
# tears a client down and leaves the other working.
set -euo pipefail

NETCONF=/tmp/netconf
STATE=/tmp/custode-state.db
export CUSTODE_NETCONF=$NETCONF
OUT=/tmp/custode.out
ERR=/tmp/custode.err

# The LAN hosts' MACs (VLAN links inherit the trunk's MAC: set our own).
declare -A LAN_MAC=([101]=02:00:00:00:01:0a [102]=02:00:00:00:02:0a [103]=02:00:00:00:03:0a)

# Prefixed with the VM's uptime: shows where the (emulated, slow) time goes.
step() { echo "vlan_apply [$(cut -d' ' -f1 /proc/uptime)s]: $*"; }
ok() { echo "vlan_apply:   ok: $*"; }

fail() {
  echo "vlan_apply: FAIL: $*" >&2
  local ns
  {
    echo "--- gateway (root namespace)"
    ip -d -br link || true
    echo "--- namespaces: $(ip netns list | cut -d' ' -f1 | tr '\n' ' ')"
    for ns in $(ip netns list | cut -d' ' -f1); do
      echo "--- $ns"
      ip -n "$ns" -d link || true
      ip -n "$ns" -br addr || true
      ip -n "$ns" neigh || true
    done
  } >&2
  exit 1
}

# busybox's nsenter is static: far faster than ip netns exec under TCG. Used
# for the test's own LAN namespaces; custode's are entered the technician's
# way, with ip netns exec (which also proves they are made like ip netns add).
in_ns() { nsenter --net="/run/netns/$1" "${@:2}"; }

# ---------------------------------------------------------------- topology

# LAN namespaces send nothing on their own (no IPv6, no IGMP reports), so the
# packet counters below move only for the test's pings.
make_lan_namespace() {
  ip netns add "$1"
  in_ns "$1" sh -c '
    echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
    echo 0 >/proc/sys/net/ipv4/igmp_link_local_mcast_reports
    ip link set lo up'
}

build_topology() {
  local id address
  ip netns add carrier
  make_lan_namespace lan-101
  make_lan_namespace lan-102
  make_lan_namespace lan-103
  # The gateway's trunk end stays in the root namespace, where custode runs.
  ip link add trunk0 type veth peer name trunk0 netns carrier
  ip link set trunk0 up
  # The carrier's trunk goes up before its VLANs exist: bringing a trunk up
  # brings up its VLANs everywhere, and an up link cannot be renamed.
  {
    echo "link set trunk0 up"
    for id in 101 102 103; do
      echo "link add link trunk0 name trunk0.$id type vlan id $id"
      echo "link set trunk0.$id netns lan-$id"
    done
  } | ip -n carrier -batch -
  for id in 101 102 103; do
    {
      echo "link set trunk0.$id name eth0 address ${LAN_MAC[$id]}"
      echo "addr add 192.168.1.10/24 dev eth0"
      case $id in
        101) echo "addr add 192.168.1.30/24 dev eth0" ;;   # only on VLAN 101
        102) echo "addr add 192.168.1.20/24 dev eth0" ;;   # only on VLAN 102
      esac
      echo "link set eth0 up"
    } | ip -n "lan-$id" -batch -
  done
  for address in 101:10 101:30 102:10 102:20 103:10; do
    ip -n "lan-${address%%:*}" -br addr show eth0 | grep -q "192.168.1.${address##*:}/24" \
      || fail "lan-${address%%:*} lacks 192.168.1.${address##*:}"
  done
}

# ---------------------------------------------------------------- netconf

write_site() {
  mkdir -p "$NETCONF/clients"
  cat >"$NETCONF/site.toml" <<EOF
[site]
name = "vm"
namespace_prefix = "cu-"
state = "$STATE"
EOF
}

# write_client NAME VLAN: a vlan client on trunk0, all in 192.168.1.0/24.
write_client() {
  cat >"$NETCONF/clients/$1.toml" <<EOF
description = "client $1 on VLAN $2"

[link]
kind = "vlan"
trunk = "trunk0"
vlan = $2

[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
EOF
}

# ---------------------------------------------------------------- custode

# expect_custode RC ARG...: runs custode, shows its output, checks the exit code.
expect_custode() {
  local want=$1 rc=0
  shift
  step "custode $* (expect exit $want)"
  custode "$@" >"$OUT" 2>"$ERR" || rc=$?
  sed 's/^/      | /' "$OUT"
  sed 's/^/      ! /' "$ERR"
  ((rc == want)) || fail "custode $* exited $rc, expected $want"
  ok "exit $rc"
}

# output_has TEXT WHAT: the last custode run printed TEXT (stdout or stderr).
output_has() {
  grep -qF -- "$1" "$OUT" "$ERR" || fail "custode did not print '$1' ($2)"
  ok "$2: '$1'"
}

output_lacks() {
  ! grep -qF -- "$1" "$OUT" "$ERR" || fail "custode printed '$1' ($2)"
  ok "$2: no '$1'"
}

# count_in_stdout TEXT N WHAT
count_in_stdout() {
  local seen
  seen=$(grep -cF -- "$1" "$OUT" || true)
  ((seen == $2)) || fail "'$1' appears $seen times on stdout, expected $2 ($3)"
  ok "$3: '$1' x$2"
}

# ---------------------------------------------------------------- checks

# check_circuit CLIENT VLAN: circuit in cu-CLIENT is 802.1Q VLAN on the gateway's
# trunk, marked custode:CLIENT, enslaved to br0 and up; br0 has the address.
check_circuit() {
  local client=$1 id=$2 details
  details=$(ip -n "cu-$client" -d link show circuit) || fail "cu-$client has no circuit"
  grep -q "vlan protocol 802.1Q id $id " <<<"$details" \
    || fail "circuit of $client is not 802.1Q id $id: $details"
  grep -q "alias custode:$client\$" <<<"$details" || fail "circuit of $client lacks alias custode:$client: $details"
  grep -q "master br0" <<<"$details" || fail "circuit of $client is not in br0: $details"
  grep -q "state UP" <<<"$details" || fail "circuit of $client is not up: $details"
  ok "cu-$client circuit: type vlan id $id, alias custode:$client, master br0, UP"
  details=$(ip -n "cu-$client" -d link show br0) || fail "cu-$client has no br0"
  grep -q "alias custode:$client\$" <<<"$details" || fail "br0 of $client lacks alias custode:$client: $details"
  ip -n "cu-$client" -br addr show br0 | grep -q "192.168.1.250/24" || fail "br0 of $client lacks 192.168.1.250/24"
  ok "cu-$client br0: alias custode:$client, 192.168.1.250/24"
}

# A first echo can be lost while ARP resolves under a slow emulated CPU: retry.
client_ping_ok() {
  local client=$1 address=$2 _
  for _ in 1 2 3; do
    if ip netns exec "cu-$client" ping -q -c1 -W2 "$address" >/dev/null 2>&1; then
      ok "cu-$client reaches $address"
      return 0
    fi
  done
  fail "cu-$client cannot ping $address"
}

client_ping_fails() {
  local client=$1 address=$2
  # Should ARP leak across VLANs, the answer would come within milliseconds.
  if ip netns exec "cu-$client" ping -q -c1 -W2 "$address" >/dev/null 2>&1; then
    fail "cu-$client reached $address, which is not on its VLAN: traffic leaks between VLANs"
  fi
  ok "cu-$client does not reach $address (not on its VLAN)"
}

neighbour_mac() {
  ip -n "$1" neigh show "$2" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# reaches_lan CLIENT VLAN: cu-CLIENT pings .10 and the answer came from LAN VLAN's host.
reaches_lan() {
  local client=$1 id=$2 seen
  # A recreated circuit leaves br0's ARP cache: start from a clean entry.
  ip -n "cu-$client" neigh flush to 192.168.1.10 2>/dev/null || true
  client_ping_ok "$client" 192.168.1.10
  seen=$(neighbour_mac "cu-$client" 192.168.1.10)
  [[ $seen == "${LAN_MAC[$id]}" ]] \
    || fail "cu-$client: 192.168.1.10 answered from '$seen', expected VLAN $id's host ${LAN_MAC[$id]}"
  ok "cu-$client: 192.168.1.10 is VLAN $id's host (ARP entry ${LAN_MAC[$id]})"
}

# From /proc/net/dev, which follows the reader's namespace.
rx_packets() {
  # shellcheck disable=SC2016  # awk's own $fields
  in_ns "$1" awk -v dev="$2" '
    { sub(/^ +/, ""); split($0, side, ":") }
    side[1] == dev { split(side[2], field, " "); print field[2] }' /proc/net/dev
}

# No link in the gateway is a VLAN ID on trunk0 (none left behind, none moved back).
gateway_lacks_vlan() {
  local id=$1 index _
  index=$(cat /sys/class/net/trunk0/ifindex)
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    # Namespace teardown frees its links asynchronously: allow a few seconds.
    if ! ip -d link show | grep -q "vlan protocol 802.1Q id $id "; then
      ok "no VLAN $id link on trunk0 (index $index) left in the gateway"
      return 0
    fi
    sleep 0.5
  done
  fail "a VLAN $id link is still in the gateway: $(ip -d link show | grep -B2 "id $id ")"
}

no_temporary_links() {
  ! ip link show | grep -q ": c-" || fail "a temporary circuit (c-*) is left in the gateway: $(ip -br link)"
  ok "no temporary c-* link left in the gateway"
}

# ---------------------------------------------------------------- the test

main() {
  step "topology: gateway trunk0 (VM root ns) = veth = carrier trunk0, VLANs 101/102/103 into lan-101/102/103"
  build_topology
  write_site
  write_client acme 101
  write_client bianchi 102

  expect_custode 0 validate
  output_has "2 clients ok" "validate sees both clients"

  step "first plan: everything to create"
  expect_custode 1 plan
  output_has "acme (cu-acme):" "acme planned"
  output_has "bianchi (cu-bianchi):" "bianchi planned"
  output_has "vlan 101 on trunk0" "acme's circuit is VLAN 101 on trunk0"
  output_has "vlan 102 on trunk0" "bianchi's circuit is VLAN 102 on trunk0"
  [[ ! -e /run/netns/cu-acme && ! -e /run/netns/cu-bianchi ]] || fail "plan created a namespace"
  ok "plan changed nothing (no cu-* namespace)"

  step "apply"
  expect_custode 0 apply
  count_in_stdout "change(s) applied" 2 "both clients applied"
  for ns in cu-acme cu-bianchi; do
    ip netns list | grep -q "^$ns\\b" || fail "ip netns list does not show $ns"
  done
  ok "ip netns list shows cu-acme and cu-bianchi"
  no_temporary_links

  step "second plan and status: in sync"
  expect_custode 0 plan
  count_in_stdout ": in sync" 2 "both clients in sync"
  expect_custode 0 status
  count_in_stdout ": in sync" 2 "status: both in sync"
  count_in_stdout "circuit: up carrier vlan" 2 "status: both circuits up with carrier"

  step "apply again, --json: nothing to do"
  expect_custode 0 --json apply
  output_has '"command": "apply"' "JSON command"
  output_has '"ok": true' "JSON ok"
  count_in_stdout '"actions": []' 2 "no actions for either client"
  count_in_stdout '"result": "in_sync"' 2 "both results in_sync"

  step "circuits as the kernel has them"
  check_circuit acme 101
  check_circuit bianchi 102

  step "VLAN 101: acme reaches its own LAN, nothing of VLAN 102"
  local lan101_before lan102_before lan101_after lan102_after
  lan101_before=$(rx_packets lan-101 eth0)
  lan102_before=$(rx_packets lan-102 eth0)
  reaches_lan acme 101
  client_ping_ok acme 192.168.1.30
  client_ping_fails acme 192.168.1.20
  lan101_after=$(rx_packets lan-101 eth0)
  lan102_after=$(rx_packets lan-102 eth0)
  ((lan101_after > lan101_before)) || fail "lan-101 eth0 rx counter did not move: counters unusable"
  [[ $lan102_after == "$lan102_before" ]] \
    || fail "lan-102 eth0 received $((lan102_after - lan102_before)) packets during acme's (VLAN 101) traffic"
  ok "during acme's traffic lan-101 received $((lan101_after - lan101_before)) packets, lan-102 none"

  step "VLAN 102: bianchi reaches its own LAN (same subnet), nothing of VLAN 101"
  reaches_lan bianchi 102
  client_ping_ok bianchi 192.168.1.20
  client_ping_fails bianchi 192.168.1.30

  step "the LAN side reaches the gateway's address on its own VLAN"
  in_ns lan-101 ping -q -c1 -W2 192.168.1.250 >/dev/null 2>&1 \
    || in_ns lan-101 ping -q -c1 -W2 192.168.1.250 >/dev/null 2>&1 \
    || fail "lan-101 cannot ping 192.168.1.250"
  ok "lan-101 reaches 192.168.1.250"

  step "drift: acme's VLAN 101 -> 103 in netconf"
  write_client acme 103
  expect_custode 1 plan
  output_has "- circuit vlan 101 -> 103  [interrupts traffic]" "the circuit is deleted, flagged as interrupting"
  output_has "+ circuit kind vlan 103 on trunk0" "and created on VLAN 103"
  output_has "bianchi (cu-bianchi): in sync" "bianchi untouched"
  expect_custode 1 --json plan acme
  output_has '"interrupts": true' "JSON flags the recreate as interrupting"
  expect_custode 0 apply
  output_has "acme (cu-acme):" "acme applied"
  output_has "bianchi (cu-bianchi): in sync" "bianchi untouched"
  check_circuit acme 103
  no_temporary_links
  gateway_lacks_vlan 101
  reaches_lan acme 103
  client_ping_fails acme 192.168.1.30
  expect_custode 0 plan

  step "drift back: acme's VLAN 103 -> 101"
  write_client acme 101
  expect_custode 1 plan
  output_has "- circuit vlan 103 -> 101  [interrupts traffic]" "the circuit is deleted, flagged as interrupting"
  output_has "+ circuit kind vlan 101 on trunk0" "and created on VLAN 101"
  expect_custode 0 apply
  check_circuit acme 101
  reaches_lan acme 101
  expect_custode 0 plan

  step "a VLAN already used by an unmanaged link: trunk0.104 made by hand, client conti on VLAN 104"
  ip link add link trunk0 name trunk0.104 type vlan id 104
  write_client conti 104
  expect_custode 2 apply
  output_has "trunk0.104" "the refusal names the link"
  output_has "VLAN 104 on 'trunk0' is already used by 'trunk0.104', which custode does not manage" "the reason"
  output_has "acme (cu-acme): in sync" "acme still in sync"
  output_has "bianchi (cu-bianchi): in sync" "bianchi still in sync"
  [[ ! -e /run/netns/cu-conti ]] || fail "/run/netns/cu-conti was created"
  ! ip netns list | grep -q "^cu-conti\\b" || fail "ip netns list shows cu-conti"
  ok "no cu-conti namespace"
  ip -d link show trunk0.104 | grep -q "vlan protocol 802.1Q id 104 " || fail "trunk0.104 was changed: $(ip -d link show trunk0.104)"
  ! ip -d link show trunk0.104 | grep -q "alias" || fail "trunk0.104 got an alias: $(ip -d link show trunk0.104)"
  ok "trunk0.104 still VLAN 104, still unmarked"
  no_temporary_links
  expect_custode 0 plan acme bianchi
  count_in_stdout ": in sync" 2 "the other clients stay in sync"
  rm "$NETCONF/clients/conti.toml"
  ip link del trunk0.104

  step "remove acme"
  expect_custode 0 remove acme
  [[ ! -e /run/netns/cu-acme ]] || fail "/run/netns/cu-acme still exists"
  ! ip netns list | grep -q "^cu-acme\\b" || fail "ip netns list still shows cu-acme"
  ok "cu-acme is gone"
  gateway_lacks_vlan 101
  ! ip -d link show | grep -q "alias custode:acme" || fail "a link marked custode:acme is left in the gateway"
  ok "no link marked custode:acme in the gateway"
  if in_ns lan-101 ping -q -c1 -W2 192.168.1.250 >/dev/null 2>&1; then
    fail "lan-101 still reaches 192.168.1.250 after acme was removed"
  fi
  ok "lan-101 no longer reaches 192.168.1.250"
  reaches_lan bianchi 102
  expect_custode 0 plan bianchi
  output_has "bianchi (cu-bianchi): in sync" "bianchi in sync"
  expect_custode 0 status bianchi
  expect_custode 1 plan acme
  output_has "acme (cu-acme):" "acme's netconf is still there: plan would create it again"

  step "PASS"
}

main "$@"
