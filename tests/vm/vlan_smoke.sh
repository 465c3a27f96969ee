#!/bin/bash
# VM test body (run by run-in-vm.sh): proves the 802.1Q facilities custode's
# "vlan" circuits rely on, with iproute2 alone.
#
#   client-a: br0 192.168.1.1 ── circuit (trunk.101) ┐              ┌ trunk.101 = eth0 ── lan-a: .10 .30
#                                                    gateway: trunk ═ carrier: trunk
#   client-b: br0 192.168.1.1 ── circuit (trunk.102) ┘    (veth)    └ trunk.102 = eth0 ── lan-b: .10 .20
#
# The two clients use the same subnet on purpose. Passes when each client
# reaches its own LAN host (checked by MAC), and nothing sent on VLAN 101
# reaches VLAN 102's side or vice versa.
set -euo pipefail

# Recognisable MACs: VLAN links inherit their parent's MAC, so without these
# both LANs' hosts would answer with the same address.
MAC_BR_A=02:00:00:00:a0:01 MAC_LAN_A=02:00:00:00:a0:0a
MAC_BR_B=02:00:00:00:b0:01 MAC_LAN_B=02:00:00:00:b0:0a

# Prefixed with the VM's uptime: shows where the (emulated, slow) time goes.
step() { echo "vlan_smoke [$(cut -d' ' -f1 /proc/uptime)s]: $*"; }

fail() {
  echo "vlan_smoke: FAIL: $*" >&2
  local ns
  for ns in $(ip netns list | cut -d' ' -f1); do
    echo "--- $ns" >&2
    ip -n "$ns" -br link >&2 || true
    ip -n "$ns" -br addr >&2 || true
    ip -n "$ns" neigh >&2 || true
  done
  exit 1
}

# busybox's nsenter is static: under an emulated CPU it starts far faster
# than ip netns exec, which is why the builders below also batch their ip calls.
in_ns() { nsenter --net="/run/netns/$1" "${@:2}"; }

# Namespaces that send nothing on their own (docs/testbed.md: a silent bridge):
# no IPv6 autoconfiguration or MLD, no IGMP reports. Set before any link
# arrives so that moved-in links get these defaults too; then the packet
# counters below move only for the test's own pings.
make_namespaces() {
  local ns
  for ns in "$@"; do
    ip netns add "$ns"
    in_ns "$ns" sh -c '
      echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
      echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
      echo 0 >/proc/sys/net/ipv4/igmp_link_local_mcast_reports
      ip link set lo up'
  done
}

# The trunk, and on each end one 802.1Q subinterface per client, moved into
# that client's namespace (renamed there), the way custode provisions a circuit.
# The trunk goes up first: bringing a trunk up also brings up every VLAN on
# it (in whatever namespace), and an up link cannot be renamed (EBUSY).
build_trunk() {
  ip -n gateway -batch - <<EOF
link add trunk type veth peer name trunk netns carrier
link set trunk up
link add link trunk name trunk.101 type vlan id 101
link add link trunk name trunk.102 type vlan id 102
link set trunk.101 netns client-a
link set trunk.102 netns client-b
EOF
  ip -n carrier -batch - <<EOF
link set trunk up
link add link trunk name trunk.101 type vlan id 101
link add link trunk name trunk.102 type vlan id 102
link set trunk.101 netns lan-a
link set trunk.102 netns lan-b
EOF
}

# The client's side: circuit and gateway address on a bridge, as custode makes it.
build_client() {
  local ns=$1 id=$2 mac=$3 circuit_mac
  # VLAN links inherit their parent's MAC: give each a distinct one.
  circuit_mac=$(printf '02:00:00:01:%02x:%02x' $((id >> 8)) $((id & 255)))
  ip -n "$ns" -batch - <<EOF
link set trunk.$id name circuit address $circuit_mac
link add br0 address $mac type bridge
link set circuit master br0
addr add 192.168.1.1/24 dev br0
link set circuit up
link set br0 up
EOF
}

# A client's LAN behind the carrier: one "host" with the given addresses.
build_lan() {
  local ns=$1 id=$2 mac=$3 address
  shift 3
  {
    echo "link set trunk.$id name eth0 address $mac"
    for address in "$@"; do echo "addr add $address dev eth0"; done
    echo "link set eth0 up"
  } | ip -n "$ns" -batch -
}

build_topology() {
  make_namespaces gateway carrier client-a client-b lan-a lan-b
  build_trunk
  build_client client-a 101 "$MAC_BR_A"
  build_client client-b 102 "$MAC_BR_B"
  build_lan lan-a 101 "$MAC_LAN_A" 192.168.1.10/24 192.168.1.30/24
  build_lan lan-b 102 "$MAC_LAN_B" 192.168.1.10/24 192.168.1.20/24
}

# A first echo can be lost while ARP resolves under a slow emulated CPU: retry.
ping_ok() {
  local ns=$1 address=$2 _
  for _ in 1 2 3; do
    in_ns "$ns" ping -q -c 1 -W 2 "$address" >/dev/null 2>&1 && return 0
  done
  fail "$ns cannot ping $address"
}

ping_fails() {
  local ns=$1 address=$2
  # Should ARP leak, the answer would come within milliseconds.
  if in_ns "$ns" ping -q -c 1 -W 2 "$address" >/dev/null 2>&1; then
    fail "$ns reached $address, which exists only on the other VLAN"
  fi
}

neighbour_mac() {
  ip -n "$1" neigh show "$2" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

expect_answered_by() {
  local ns=$1 address=$2 mac=$3 seen
  seen=$(neighbour_mac "$ns" "$address")
  [[ $seen == "$mac" ]] || fail "$ns: $address answered from '$seen', expected $mac (wrong VLAN?)"
}

# From /proc/net/dev, which shows the reader's namespace (/sys would not:
# it stays mounted for the initial one).
rx_packets() {
  # shellcheck disable=SC2016  # awk's own $fields
  in_ns "$1" awk -v dev="$2" '
    { sub(/^ +/, ""); split($0, side, ":") }
    side[1] == dev { split(side[2], field, " "); print field[2] }' /proc/net/dev
}

# Kernel facilities custode reads back or may use beyond the plain circuit.
check_facilities() {
  local details
  details=$(ip -n client-a -d link show circuit)
  grep -q "vlan protocol 802.1Q id 101" <<<"$details" \
    || fail "circuit of client-a does not read back as 802.1Q id 101: $details"
  ip -n gateway link add vf0 type bridge vlan_filtering 1 \
    || fail "a bridge with vlan_filtering cannot be created"
  ip -n gateway -d link show vf0 | grep -q "vlan_filtering 1" \
    || fail "vlan_filtering does not read back"
  ip -n gateway link del vf0
}

main() {
  step "building carrier, gateway, two clients on VLANs 101/102, two LANs"
  build_topology
  check_facilities

  # Snapshot client B's side before any client A traffic.
  local lan_a_before lan_b_before circuit_b_before
  lan_a_before=$(rx_packets lan-a eth0)
  lan_b_before=$(rx_packets lan-b eth0)
  circuit_b_before=$(rx_packets client-b circuit)

  step "VLAN 101: client-a <-> lan-a"
  ping_ok client-a 192.168.1.10
  expect_answered_by client-a 192.168.1.10 "$MAC_LAN_A"
  ping_ok lan-a 192.168.1.1
  expect_answered_by lan-a 192.168.1.1 "$MAC_BR_A"

  step "VLAN 101 must not reach VLAN 102"
  ping_fails client-a 192.168.1.20
  ping_fails lan-a 192.168.1.20
  local lan_a_after lan_b_after circuit_b_after
  # The counters do count: lan-a's moved.
  lan_a_after=$(rx_packets lan-a eth0)
  ((lan_a_after > lan_a_before)) || fail "lan-a eth0 rx counter did not move: counters unusable"
  lan_b_after=$(rx_packets lan-b eth0)
  circuit_b_after=$(rx_packets client-b circuit)
  [[ $lan_b_after == "$lan_b_before" ]] \
    || fail "lan-b eth0 received $((lan_b_after - lan_b_before)) packets during VLAN 101 traffic"
  [[ $circuit_b_after == "$circuit_b_before" ]] \
    || fail "client-b circuit received $((circuit_b_after - circuit_b_before)) packets during VLAN 101 traffic"

  step "VLAN 102: client-b <-> lan-b, same subnet as client A"
  ping_ok client-b 192.168.1.10
  expect_answered_by client-b 192.168.1.10 "$MAC_LAN_B"
  ping_ok client-b 192.168.1.20
  ping_ok lan-b 192.168.1.1
  expect_answered_by lan-b 192.168.1.1 "$MAC_BR_B"

  step "VLAN 102 must not reach VLAN 101"
  ping_fails client-b 192.168.1.30
  ping_fails lan-b 192.168.1.30

  step "PASS (during VLAN 101 traffic lan-a eth0 received $((lan_a_after - lan_a_before)) packets, lan-b eth0 $((lan_b_after - lan_b_before)))"
}

main "$@"
