#include "custode/app/circuit_check.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <unistd.h>

#include "custode/app/links.h"
#include "custode/core/error.h"
#include "custode/core/frames.h"
#include "custode/core/ip_frames.h"
#include "custode/core/link_plan.h"
#include "custode/os/link_system.h"

namespace custode::app {
namespace {

using Clock = os::Clock;

constexpr std::uint16_t dhcp_server_port = 67;

/// Reads frames until `deadline`, handing each to `seen`.
void listen(os::PacketIo& io, Clock::time_point deadline, const std::function<void(const os::ReceivedFrame&)>& seen) {
    while (auto frame = io.receive(deadline)) seen(*frame);
}

class CircuitProbe {
public:
    CircuitProbe(os::PacketIo& io, Ipv4Address own, Ipv4Address control, int circuit_mtu,
                 const CircuitProbeTiming& timing, const std::function<Clock::time_point()>& now)
        : io_(io), own_(own), control_(control), circuit_mtu_(circuit_mtu), timing_(timing), now_(now),
          id_(static_cast<std::uint16_t>(::getpid())) {}

    void run(CircuitMeasurements& measured) {
        measured_ = &measured;
        arp_step();
        if (!measured.control_mac) return;  // nothing to ping
        echo_step();
        mtu_step();
    }

private:
    /// Every frame read in any step: ARP answers and DHCP servers count wherever they come.
    void read(const os::ReceivedFrame& frame) {
        if (const auto arp = parse_arp(frame.bytes); arp && arp->op == ArpPacket::Op::reply) {
            if (arp->sender_ip == control_ && !measured_->control_mac) measured_->control_mac = arp->sender_mac;
            if (arp->sender_ip == own_ && arp->sender_mac != io_.mac() &&
                std::find(measured_->address_claimants.begin(), measured_->address_claimants.end(), arp->sender_mac) ==
                    measured_->address_claimants.end())
                measured_->address_claimants.push_back(arp->sender_mac);
            return;
        }
        if (const auto server = parse_udp_source(frame.bytes, dhcp_server_port);
            server && std::find(measured_->dhcp_servers.begin(), measured_->dhcp_servers.end(), *server) ==
                          measured_->dhcp_servers.end())
            measured_->dhcp_servers.push_back(*server);
        if (const auto reply = parse_ip_reply(frame.bytes); reply && reply->kind == IpReply::Kind::icmp_echo_reply &&
                                                            reply->source_ip == control_ && reply->icmp_id == id_)
            on_echo_reply(*reply, frame.at);
    }

    /// The control's MAC, and whether anyone else answers for our address
    /// (probes with sender 0.0.0.0: no neighbour table learns from them).
    void arp_step() {
        for (int i = 0; i < 3 && !measured_->control_mac; ++i) {
            io_.send(build_arp_request(io_.mac(), own_, control_));
            io_.send(build_arp_request(io_.mac(), Ipv4Address(0), own_));
            listen(io_, now_() + std::chrono::milliseconds(200), [this](const auto& frame) { read(frame); });
        }
        listen(io_, now_() + timing_.answer_wait, [this](const auto& frame) { read(frame); });
    }

    IpEndpoints to_control() const { return {io_.mac(), *measured_->control_mac, own_, control_}; }

    void echo_step() {
        for (int i = 0; i < timing_.echoes; ++i) {
            const auto sequence = static_cast<std::uint16_t>(i);
            sent_at_[sequence] = now_();
            io_.send(build_icmp_echo(to_control(), id_, sequence));
            measured_->echoes_sent++;
            listen(io_, now_() + timing_.echo_gap, [this](const auto& frame) { read(frame); });
        }
        listen(io_, now_() + timing_.answer_wait, [this](const auto& frame) { read(frame); });
    }

    void on_echo_reply(const IpReply& reply, Clock::time_point at) {
        const auto sequence = reply.icmp_sequence;
        if (sequence >= mtu_sequence_base) {
            // Whole, or the size did not cross back: a reply the far side had
            // to fragment came over a path narrower than the probe.
            if (!reply.fragmented && mtu_sizes_[sequence] == reply.packet_size) mtu_answered_ = sequence;
            return;
        }
        const auto sent = sent_at_.find(sequence);
        if (sent == sent_at_.end()) return;
        measured_->echo_rtt_ms.push_back(std::chrono::duration<double, std::milli>(at - sent->second).count());
        sent_at_.erase(sent);
    }

    /// DF echoes of the size MtuSearch asks for, each given two chances.
    void mtu_step() {
        MtuSearch search(std::min(timing_.smallest_packet, circuit_mtu_), circuit_mtu_);
        std::uint16_t sequence = mtu_sequence_base;
        while (const auto size = search.next()) {
            bool came_back = false;
            for (int attempt = 0; attempt < 2 && !came_back; ++attempt) {
                const auto this_probe = sequence++;
                mtu_sizes_[this_probe] = *size;
                io_.send(build_icmp_echo_of_size(to_control(), id_, this_probe, static_cast<std::size_t>(*size)));
                const auto deadline = now_() + timing_.answer_wait;
                while (mtu_answered_ != this_probe) {
                    const auto frame = io_.receive(deadline);
                    if (!frame) break;
                    read(*frame);
                }
                came_back = mtu_answered_ == this_probe;
            }
            search.record(*size, came_back);
        }
        measured_->path_mtu = search.largest_passed();
    }

    static constexpr std::uint16_t mtu_sequence_base = 0x8000;

    os::PacketIo& io_;
    Ipv4Address own_;
    Ipv4Address control_;
    int circuit_mtu_;
    const CircuitProbeTiming& timing_;
    std::function<Clock::time_point()> now_;
    std::uint16_t id_;
    CircuitMeasurements* measured_ = nullptr;
    std::map<std::uint16_t, Clock::time_point> sent_at_;
    std::optional<std::uint16_t> mtu_answered_;
    std::map<std::uint16_t, int> mtu_sizes_;  ///< by the sequence of each DF probe
};

}  // namespace

CircuitMeasurements probe_circuit(os::PacketIo& io, Ipv4Address own, Ipv4Address control, int circuit_mtu,
                                  bool carrier, const CircuitProbeTiming& timing,
                                  const std::function<os::Clock::time_point()>& now) {
    CircuitMeasurements measured;
    measured.circuit_mtu = circuit_mtu;
    measured.carrier = carrier;
    CircuitProbe(io, own, control, circuit_mtu, timing, now).run(measured);
    return measured;
}

CircuitCheck check_on_gateway(const Netconf& netconf, const Client& client, const CircuitProbeTiming& timing) {
    if (!client.lan.control)
        throw UsageError(fmt::format("{}: [lan] control is not set: check needs a client host that always answers",
                                     client.file));
    require_provisioned(netconf, client);
    const auto started = os::Clock::now();
    const auto system = os::make_kernel_link_system();
    const auto status = link_status(netconf, *system, {&client}).front();
    if (!status.circuit || !status.bridge)
        throw UsageError(fmt::format("{}: not provisioned (no circuit or bridge in {}): run custode apply {}",
                                     client.file, status.namespace_name, client.name.str()));
    CircuitCheck check{client.name.str(), client.lan.address.address(), *client.lan.control, {}, {}, 0};
    os::PcapOptions options;
    options.snaplen = 128;
    const auto io = os::open_pcap(std::string(bridge_link), "arp or icmp or udp src port 67",
                                  netconf.namespace_of(client), options);
    check.measured = probe_circuit(*io, check.own_address, check.control, status.circuit->mtu, status.circuit->carrier,
                                   timing, [] { return os::Clock::now(); });
    check.verdict = assess_circuit(check.measured, check.control, check.own_address);
    check.seconds = std::chrono::duration<double>(os::Clock::now() - started).count();
    return check;
}

}  // namespace custode::app
