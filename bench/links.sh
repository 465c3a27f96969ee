#!/usr/bin/env bash
# Benchmark: provision N clients of kind "port" with custode and with
# iproute2 doing the same work (what a technician's shell script would do),
# in one run, side by side. Everything lives in namespaces this script makes
# (prefix "bl"), removed at the end even on failure.
#   bench/links.sh [N]        (default 1000; run as root from the repo root)
set -euo pipefail
N=${1:-1000}
CUSTODE=${CUSTODE:-build/src/custode}
WORK=$(mktemp -d /tmp/custode-bench-links.XXXXXX)
GW=bl-gw CARRIER=bl-carrier
GATEWAY_RUN="nsenter --net=/run/netns/$GW"   # custode stays in the host's mount namespace

cleanup() {
  ip -all netns list 2>/dev/null | awk '{print $1}' | grep -E '^(bl-|bi-|bc-)' | sed 's/^/netns del /' \
    | ip -batch - 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup_namespaces_of() { ip -all netns list | awk '{print $1}' | grep "^$1" | sed 's/^/netns del /' | ip -batch -; }

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

make_ports() {  # N veth pairs: pI in the gateway namespace, their peers in the carrier's
  for ((i = 0; i < N; i++)); do echo "link add p$i type veth peer name c$i netns $CARRIER"; done \
    | ip -n "$GW" -batch -
}

write_netconf() {
  mkdir -p "$WORK/netconf/clients" "$WORK/empty/clients"
  printf '[site]\nname = "bench"\nnamespace_prefix = "bc-"\nstate = "%s/state.db"\n' "$WORK" \
    | tee "$WORK/netconf/site.toml" > "$WORK/empty/site.toml"
  for ((i = 0; i < N; i++)); do
    printf '[link]\nkind = "port"\ninterface = "p%d"\n[lan]\nsubnet = "192.168.1.0/24"\naddress = "192.168.1.250/24"\n' \
      "$i" > "$WORK/netconf/clients/c$i.toml"
  done
}

iproute2_apply() {
  for ((i = 0; i < N; i++)); do echo "netns add bi-$i"; done | ip -batch -
  for ((i = 0; i < N; i++)); do echo "link set p$i netns bi-$i name circuit"; done | ip -n "$GW" -batch -
  for ((i = 0; i < N; i++)); do
    printf 'link add br0 type bridge\nlink set circuit master br0\naddr add 192.168.1.250/24 dev br0\nlink set circuit up\nlink set br0 up\n' \
      | ip -n "bi-$i" -batch -
  done
}

iproute2_remove() {
  for ((i = 0; i < N; i++)); do echo "link set circuit netns $GW name p$i" | ip -n "bi-$i" -batch -; done
  cleanup_namespaces_of bi-
}

cleanup_namespaces_of bl- 2>/dev/null || true   # a run killed before its trap
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
ip netns add "$GW"; ip netns add "$CARRIER"
write_netconf
make_ports

# Deleted namespaces are cleaned up by the kernel in the background, holding
# the rtnl lock the next phase needs: wait SETTLE seconds, then until the
# kernel's count of live namespaces (the net_namespace slab) stops falling,
# so neither tool pays for the other's cleanup.
live_namespaces() { awk '$1 == "net_namespace" {print $2}' /proc/slabinfo 2>/dev/null || echo 0; }
settle() {
  sleep "${SETTLE:-5}"
  local before after
  for _ in $(seq 60); do
    before=$(live_namespaces); sleep 1; after=$(live_namespaces)
    [ "$after" -ge "$before" ] && return
  done
}

run_iproute2() {
  start=$(now); iproute2_apply; ip_apply=$(elapsed "$start")
  start=$(now); iproute2_remove; ip_remove=$(elapsed "$start")
}

run_custode() {
  start=$(now); $GATEWAY_RUN "$CUSTODE" -q --netconf "$WORK/netconf" apply > /dev/null; cu_apply=$(elapsed "$start")
  settle
  cu_plan=999
  for run in 1 2 3 4 5; do  # the best of five: the plan reads, it does not change anything
    start=$(now); $GATEWAY_RUN "$CUSTODE" -q --netconf "$WORK/netconf" plan > /dev/null; t=$(elapsed "$start")
    cu_plan=$(echo "if ($t < $cu_plan) $t else $cu_plan" | bc -l)
  done
  start=$(now); $GATEWAY_RUN "$CUSTODE" -q --netconf "$WORK/empty" apply --prune > /dev/null; cu_remove=$(elapsed "$start")
}

# FIRST=custode runs custode first: whichever runs second starts after the
# other's teardown of N namespaces, which can leave the kernel slower.
if [ "${FIRST:-iproute2}" = custode ]; then
  run_custode; settle; run_iproute2
else
  run_iproute2; settle; run_custode
fi

ports_back=$(ip -n "$GW" -o link show | grep -c ' p[0-9]*[:@]' || true)
printf '%-28s %10s %10s %8s\n' "clients: $N (kind port)" iproute2 custode ratio
printf '%-28s %9.2fs %9.2fs %8.2f\n' "apply from empty" "$ip_apply" "$cu_apply" "$(echo "$cu_apply / $ip_apply" | bc -l)"
printf '%-28s %9.2fs %9.2fs %8.2f\n' "remove all (ports back)" "$ip_remove" "$cu_remove" "$(echo "$cu_remove / $ip_remove" | bc -l)"
printf '%-28s %10s %9.3fs\n' "plan, all in sync (best of 5)" "-" "$cu_plan"
echo "ports back in the gateway after custode's removal: $ports_back of $N"
echo "order: ${FIRST:-iproute2} first"
echo "load average (1, 5, 15 min): before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
