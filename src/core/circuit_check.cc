#include "custode/core/circuit_check.h"

#include <algorithm>
#include <fmt/format.h>
#include <numeric>

namespace custode {

MtuSearch::MtuSearch(int smallest, int largest)
    : smallest_(smallest), largest_(largest), passed_(smallest - 1), lost_(largest + 1) {}

std::optional<int> MtuSearch::next() const {
    if (passed_ + 1 >= lost_) return std::nullopt;
    if (passed_ < smallest_ && lost_ > largest_) return largest_;
    return passed_ + (lost_ - passed_) / 2;
}

void MtuSearch::record(int size, bool came_back) {
    if (came_back) passed_ = std::max(passed_, size);
    else lost_ = std::min(lost_, size);
}

std::optional<int> MtuSearch::largest_passed() const {
    return passed_ >= smallest_ ? std::optional<int>(passed_) : std::nullopt;
}

CircuitVerdict assess_circuit(const CircuitMeasurements& measured, Ipv4Address control, Ipv4Address own_address) {
    CircuitVerdict verdict;
    auto& findings = verdict.findings;
    if (!measured.carrier) findings.push_back("the circuit has no carrier");
    if (!measured.control_mac)
        findings.push_back(fmt::format("the control {} does not answer ARP", control.to_string()));
    const auto replies = static_cast<int>(measured.echo_rtt_ms.size());
    if (measured.echoes_sent > 0 && replies == 0)
        findings.push_back(fmt::format("the control {} answers no ping ({} sent)", control.to_string(), measured.echoes_sent));
    if (measured.echoes_sent > 0 && replies > 0) {
        const double loss = 100.0 * (measured.echoes_sent - replies) / measured.echoes_sent;
        const auto [fastest, slowest] = std::minmax_element(measured.echo_rtt_ms.begin(), measured.echo_rtt_ms.end());
        const double mean = std::accumulate(measured.echo_rtt_ms.begin(), measured.echo_rtt_ms.end(), 0.0) / replies;
        verdict.notes.push_back(fmt::format("ping {}: {} of {} answered ({:.0f}% loss), rtt min/avg/max {:.2f}/{:.2f}/{:.2f} ms",
                                            control.to_string(), replies, measured.echoes_sent, loss, *fastest, mean,
                                            *slowest));
        if (loss > 5) findings.push_back(fmt::format("{:.0f}% of the pings to the control were lost", loss));
    }
    if (measured.path_mtu && *measured.path_mtu < measured.circuit_mtu)
        findings.push_back(fmt::format(
            "the carrier's path carries {0}-byte packets, the circuit is set for {1}: larger frames are lost; "
            "ask the carrier for {1}, or set link.mtu = {0}",
            *measured.path_mtu, measured.circuit_mtu));
    if (measured.path_mtu && *measured.path_mtu >= measured.circuit_mtu)
        verdict.notes.push_back(fmt::format("the path carries the circuit's full {}-byte packets", measured.circuit_mtu));
    if (!measured.path_mtu && measured.control_mac && replies > 0)
        findings.push_back("no packet with DF set came back from the control: the path MTU is unknown");
    for (const auto& mac : measured.address_claimants)
        findings.push_back(fmt::format("{} also answers for the gateway's address {}: an address conflict",
                                       mac.to_string(), own_address.to_string()));
    if (measured.dhcp_servers.empty()) {
        verdict.notes.push_back("no DHCP server seen during the check (informational)");
    } else {
        std::vector<std::string> servers;
        for (const auto& server : measured.dhcp_servers) servers.push_back(server.to_string());
        verdict.notes.push_back(fmt::format("DHCP server seen: {}", fmt::join(servers, ", ")));
    }
    verdict.fit = findings.empty();
    return verdict;
}

}  // namespace custode
