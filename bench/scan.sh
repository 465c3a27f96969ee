#!/usr/bin/env bash
# Benchmark: custode's ARP scan against Debian's arp-scan on the same
# namespace LANs, interleaved runs, medians (issue 4).
#   * site s24: 250 live kernel hosts (macvlans) in a /24 (192.168.1.1-250, custode at .254)
#   * site s22: 250 live kernel hosts spread over a /22 (10.20.0.0/22, every 4th address)
#   * ten clients of 100 hosts each (all 192.168.1.0/24) in one `custode scan --all`
# Each round runs, per site: custode scan, arp-scan default, arp-scan tuned
# (-q -i 100u -t 100); arp-scan runs inside custode's client namespace on br0.
# Everything lives in namespaces this script makes (prefixes "bsn-", custode's
# "bsc-" and "bsm-"), removed at the end even on failure.
#   bench/scan.sh [ROUNDS]     (default 7; run as root from the repo root after a build)
#   CUSTODE=path/to/custode bench/scan.sh
set -euo pipefail
ROUNDS=${1:-7}
MULTI_ROUNDS=${MULTI_ROUNDS:-7}
CUSTODE=${CUSTODE:-build/src/custode}
[[ $EUID -eq 0 ]] || { echo "bench/scan.sh: run as root" >&2; exit 2; }
[[ -x $CUSTODE ]] || { echo "bench/scan.sh: no custode at $CUSTODE (build first, or set CUSTODE)" >&2; exit 2; }
CUSTODE=$(realpath "$CUSTODE")
if ! command -v arp-scan > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q arp-scan > /dev/null
fi
ARP_SCAN=$(command -v arp-scan)

WORK=$(mktemp -d /tmp/custode-bench-scan.XXXXXX)
GW=bsn-gw
GATEWAY_RUN=(nsenter "--net=/run/netns/$GW")   # custode stays in the host's mount namespace

remove_namespaces() {
  ip -all netns list 2>/dev/null | awk '{print $1}' | grep -E '^(bsn-|bsc-|bsm-)' | sed 's/^/netns del /' \
    | ip -force -batch - 2>/dev/null || true
}
cleanup() { remove_namespaces; rm -rf "$WORK"; }
trap cleanup EXIT
remove_namespaces   # what a run killed before its trap left

now_ns() { date +%s%N; }

# A quiet site namespace (docs/testbed.md: "A silent bridge", "Many hosts on one
# simulated LAN"): bridge br0, STP off, only an address's owner answers ARP.
make_site() {  # NAME
  local ns=bsn-$1
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.igmp_link_local_mcast_reports=0 \
    net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.default.arp_ignore=1 \
    net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.default.arp_announce=2
  printf 'link set lo up\nlink add br0 type bridge stp_state 0 forward_delay 0\nlink set br0 up\n' | ip -n "$ns" -batch -
  # The circuit: p-NAME in the gateway (custode takes it), uplink on the site's bridge.
  ip -n "$GW" link add "p-$1" type veth peer name uplink netns "$ns"
  printf 'link set uplink master br0\nlink set uplink up\n' | ip -n "$ns" -batch -
}

# COUNT macvlan hosts on the site's br0, one ip -batch; addresses from stdin
# (one "a.b.c.d/len" a line). Writes "ip mac" lines to $WORK/expected-NAME.
add_hosts() {  # NAME SITE_INDEX
  local ns=bsn-$1 index=$2 n=0 address mac
  : > "$WORK/expected-$1"
  while read -r address; do
    n=$((n + 1))
    mac=$(printf '02:b5:%02x:00:%02x:%02x' "$index" $((n >> 8)) $((n & 255)))
    printf 'link add h%d link br0 address %s type macvlan mode bridge\naddr add %s dev h%d\nlink set h%d up\n' \
      "$n" "$mac" "$address" "$n" "$n"
    echo "${address%/*} $mac" >> "$WORK/expected-$1"
  done | ip -n "$ns" -batch -
}

client_file() {  # DIR NAME SUBNET ADDRESS
  mkdir -p "$1/clients"
  printf '[link]\nkind = "port"\ninterface = "p-%s"\n[lan]\nsubnet = "%s"\naddress = "%s"\n' "$2" "$3" "$4" \
    > "$1/clients/$2.toml"
}
site_file() {  # DIR PREFIX
  mkdir -p "$1"
  printf '[site]\nname = "bench"\nnamespace_prefix = "%s"\nstate = "%s/state.db"\n' "$2" "$1" > "$1/site.toml"
}

echo "building the sites ..." >&2
ip netns add "$GW"
ip -n "$GW" link set lo up
make_site s24
make_site s22
for ((i = 1; i <= 250; i++)); do echo "192.168.1.$i/24"; done | add_hosts s24 1
for ((i = 0; i < 250; i++)); do
  v=$((i * 4 + 2)); echo "10.20.$((v >> 8)).$((v & 255))/22"
done | add_hosts s22 2
site_file "$WORK/main" bsc-
client_file "$WORK/main" s24 192.168.1.0/24 192.168.1.254/24
client_file "$WORK/main" s22 10.20.0.0/22 10.20.3.254/22
for ((c = 0; c < 10; c++)); do
  make_site "m$c"
  for ((i = 1; i <= 100; i++)); do echo "192.168.1.$i/24"; done | add_hosts "m$c" $((10 + c))
done
site_file "$WORK/multi" bsm-
for ((c = 0; c < 10; c++)); do client_file "$WORK/multi" "m$c" 192.168.1.0/24 192.168.1.254/24; done

"${GATEWAY_RUN[@]}" "$CUSTODE" -q --netconf "$WORK/main" apply > /dev/null
"${GATEWAY_RUN[@]}" "$CUSTODE" -q --netconf "$WORK/multi" apply > /dev/null
sleep 1   # let the new links settle (no stray frames while timing)

# One timed run; appends "wall_ms found all_found elapsed_ms" to $WORK/runs-TOOL-SITE.
# found: distinct expected (ip, mac) pairs seen; all_found: 1 when every one was.
record() {  # TOOL SITE WALL_MS OUTPUT_FILE ELAPSED_MS
  local wall=$3 found total
  total=$(wc -l < "$WORK/expected-$2")
  found=$(grep -oE '^([0-9]{1,3}\.){3}[0-9]{1,3}[[:space:]]+([0-9a-f]{2}:){5}[0-9a-f]{2}' "$4" \
            | awk '{print $1, $2}' | sort -u | grep -cxFf "$WORK/expected-$2" || true)
  echo "$wall $found $((found == total ? 1 : 0)) $5" >> "$WORK/runs-$1-$2"
}

custode_scan() {  # SITE
  local start wall out=$WORK/out
  start=$(now_ns)
  "${GATEWAY_RUN[@]}" "$CUSTODE" -q --json --netconf "$WORK/main" scan "$1" > "$out" || true
  wall=$(( ($(now_ns) - start) / 1000000 ))
  # JSON puts "ip" before "mac" in each host: reduce to "ip mac" lines for counting.
  jq -r '.clients[0].hosts[] | "\(.ip) \(.mac)"' "$out" > "$out.pairs"
  record custode "$1" "$wall" "$out.pairs" "$(jq '.clients[0].elapsed_ms' "$out")"
}

arp_scan() {  # TOOL SITE ARGS...
  local tool=$1 site=$2 start wall out=$WORK/out
  shift 2
  start=$(now_ns)
  ip netns exec "bsc-$site" "$ARP_SCAN" -I br0 --localnet "$@" > "$out" 2>&1 || true
  wall=$(( ($(now_ns) - start) / 1000000 ))
  record "$tool" "$site" "$wall" "$out" "-"
}

echo "warm-up (custode's first scan builds the inventory; not counted) ..." >&2
cold=()
for site in s24 s22; do
  start=$(now_ns)
  "${GATEWAY_RUN[@]}" "$CUSTODE" -q --json --netconf "$WORK/main" scan "$site" > "$WORK/cold-$site"
  cold+=("$site $(( ($(now_ns) - start) / 1000000 )) $(jq '.clients[0].elapsed_ms' "$WORK/cold-$site") $(jq '.clients[0].hosts | length' "$WORK/cold-$site")")
  ip netns exec "bsc-$site" "$ARP_SCAN" -q -I br0 --localnet > /dev/null 2>&1 || true
done

# custode's fixed cost without a scan: start, netconf, state file, JSON out.
custode_floor() {  # SITE
  local start
  start=$(now_ns)
  "${GATEWAY_RUN[@]}" "$CUSTODE" -q --json --netconf "$WORK/main" hosts "$1" > /dev/null
  echo $(( ($(now_ns) - start) / 1000000 )) >> "$WORK/runs-floor"
}

for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round/$ROUNDS ..." >&2
  for site in s24 s22; do
    custode_scan "$site"
    custode_floor "$site"
    arp_scan arpscan-default "$site"
    arp_scan arpscan-tuned "$site" -q -i 100u -t 100
  done
done

echo "ten clients of 100 hosts, scan --all ..." >&2
"${GATEWAY_RUN[@]}" "$CUSTODE" -q --netconf "$WORK/multi" scan --all > /dev/null || true   # first: builds inventories
for ((round = 1; round <= MULTI_ROUNDS; round++)); do
  start=$(now_ns)
  "${GATEWAY_RUN[@]}" "$CUSTODE" -q --json --netconf "$WORK/multi" scan --all > "$WORK/multi-out" || true
  wall=$(( ($(now_ns) - start) / 1000000 ))
  # every client: its 100 hosts exactly, with its own MACs
  ok=1 found=0
  for ((c = 0; c < 10; c++)); do
    jq -r --arg c "m$c" '.clients[] | select(.client == $c) | .hosts[] | "\(.ip) \(.mac)"' "$WORK/multi-out" \
      | sort > "$WORK/multi-got"
    found=$((found + $(grep -cxFf "$WORK/expected-m$c" "$WORK/multi-got" || true)))
    if ! sort "$WORK/expected-m$c" | cmp -s - "$WORK/multi-got"; then
      ok=0
      echo "  run $round, client m$c: $(wc -l < "$WORK/multi-got") hosts; differences (< expected, > got):" >&2
      sort "$WORK/expected-m$c" | diff - "$WORK/multi-got" | grep '^[<>]' | head -5 >&2 || true
      jq -c --arg c "m$c" '.clients[] | select(.client == $c) | {elapsed_ms, requests, late_replies, complete, error}' \
        "$WORK/multi-out" >&2
    fi
  done
  max_elapsed=$(jq '[.clients[].elapsed_ms] | max' "$WORK/multi-out")
  echo "$wall $ok $max_elapsed $found" >> "$WORK/runs-multi"
done

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$WORK/runs-$1"; }

echo
echo "custode $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $("$ARP_SCAN" --version 2>&1 | head -1); $ROUNDS interleaved rounds; wall times in ms (medians)"
for site in s24 s22; do
  total=$(wc -l < "$WORK/expected-$site")
  case $site in s24) what="250 live in a /24" ;; s22) what="250 live in a /22" ;; esac
  echo
  echo "site $site: $what"
  printf '  %-30s %9s %9s %13s %s\n' tool "wall" "min..max" "hosts found" "every run all?"
  for tool in custode arpscan-default arpscan-tuned; do
    walls=$(col "$tool-$site" 1 | tr '\n' ' ')
    printf '  %-30s %9s %9s %13s %s\n' "$tool" "$(col "$tool-$site" 1 | median)" \
      "$(col "$tool-$site" 1 | sort -n | head -1)..$(col "$tool-$site" 1 | sort -n | tail -1)" \
      "$(col "$tool-$site" 2 | sort -n | head -1)/$total" \
      "$([[ $(col "$tool-$site" 3 | sort -u | tr -d '\n') == 1 ]] && echo yes || echo NO)"
    echo "  $tool $site runs (ms): $walls; hosts found: $(col "$tool-$site" 2 | tr '\n' ' ')" >&2
  done
  echo "  custode's own elapsed_ms (scan only, no process start): median $(col "custode-$site" 4 | median)"
  c=$(col "custode-$site" 1 | median); d=$(col "arpscan-default-$site" 1 | median); t=$(col "arpscan-tuned-$site" 1 | median)
  printf '  ratio custode / arp-scan default: %.3f (target <= 0.15)\n' "$(echo "$c / $d" | bc -l)"
  printf '  ratio custode / arp-scan tuned:   %.3f (target < 1)\n' "$(echo "$c / $t" | bc -l)"
done
echo
echo "custode's fixed cost ('custode hosts': start, netconf, state file, JSON; no scan, no vendor list): median $(median < "$WORK/runs-floor") ms"
for line in "${cold[@]}"; do
  read -r site wall elapsed found <<< "$line"
  echo "custode's first scan of $site (empty inventory): wall $wall ms, elapsed_ms $elapsed, $found hosts"
done
echo
echo "ten clients x 100 hosts, one 'custode scan --all' ($MULTI_ROUNDS runs after a first one):"
echo "  wall median $(col multi 1 | median) ms (min $(col multi 1 | sort -n | head -1), max $(col multi 1 | sort -n | tail -1); target <= 1000)"
echo "  slowest client's elapsed_ms, median $(col multi 3 | median)"
echo "  hosts found per run (of 1000): $(col multi 4 | tr '\n' ' ')"
echo "  every client's hosts exactly its own 100, every run: $([[ $(col multi 2 | sort -u | tr -d '\n') == 1 ]] && echo yes || echo NO)"
