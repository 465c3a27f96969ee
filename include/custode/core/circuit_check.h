#pragma once
/// `custode check`: the acceptance test of a provisioned circuit, pure part.
/// What was measured from the client's namespace goes in; whether the
/// circuit is fit for the first night, and why not, comes out.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/address.h"

namespace custode {

/// Bisection for the largest IPv4 packet (bytes, headers included) that
/// crosses the path with DF set, between `smallest` and `largest`: the
/// largest first (a path that carries the circuit's MTU is done in one
/// probe), then halfway between the largest that came back and the
/// smallest that did not.
class MtuSearch {
public:
    MtuSearch(int smallest, int largest);
    /// The next size to try, or nothing when the search is over.
    std::optional<int> next() const;
    void record(int size, bool came_back);
    /// The largest size that came back; nothing when not even `smallest` did.
    std::optional<int> largest_passed() const;

private:
    int smallest_;
    int largest_;
    int passed_;  ///< the largest size that came back, or smallest_ - 1
    int lost_;    ///< the smallest size that did not, or largest_ + 1
};

/// What `check` measured on the client's LAN.
struct CircuitMeasurements {
    int circuit_mtu = 0;
    bool carrier = false;
    std::optional<MacAddress> control_mac;        ///< the control's ARP answer
    int echoes_sent = 0;
    std::vector<double> echo_rtt_ms;              ///< one per echo reply
    std::optional<int> path_mtu;                  ///< the largest DF echo that came back
    std::vector<MacAddress> address_claimants;    ///< other MACs answering for the gateway's LAN address
    std::vector<Ipv4Address> dhcp_servers;        ///< seen answering on UDP 67 during the check
};

struct CircuitVerdict {
    bool fit = false;
    std::vector<std::string> findings;  ///< what makes the circuit unfit, one line each
    std::vector<std::string> notes;     ///< informational: latency, loss, DHCP
};

/// Unfit when: no carrier; the control does not answer ARP, or no echo;
/// the path carries less than the circuit's MTU; another host answers for
/// the gateway's address. Loss above 5 % is a finding too.
CircuitVerdict assess_circuit(const CircuitMeasurements& measured, Ipv4Address control, Ipv4Address own_address);

}  // namespace custode
