#include "custode/app/wake.h"

#include <algorithm>
#include <fmt/format.h>
#include <thread>

#include "custode/app/arp_poll.h"
#include "custode/core/arp_scan.h"
#include "custode/core/link_plan.h"
#include "custode/core/error.h"

namespace custode::app {
namespace {

constexpr std::uint16_t discard_port = 9;

void send_magic_packets(os::PacketIo& io, os::UdpBroadcast& udp, Ipv4Prefix own,
                        const std::vector<WakeTarget>& targets, const WakeSettings& settings) {
    for (int round = 0; round < settings.repeats; ++round) {
        if (round > 0) std::this_thread::sleep_for(settings.repeat_gap);
        for (const auto& target : targets) {
            io.send(build_wol_frame(io.mac(), target.mac, settings.password));
            udp.send(own.broadcast(), discard_port, magic_payload(target.mac, settings.password));
        }
    }
}

/// The addresses to ask this round: each sleeper's known IP, or every
/// address of the subnet (`subnet`) when one of them has none.
std::vector<Ipv4Address> poll_addresses(const std::vector<WakeResult>& results, const std::vector<ScanTarget>& subnet) {
    std::vector<Ipv4Address> addresses;
    for (const auto& result : results) {
        if (result.woke) continue;
        if (!result.target.ip) {
            addresses.clear();
            for (const auto& target : subnet) addresses.push_back(target.ip);
            return addresses;
        }
        addresses.push_back(*result.target.ip);
    }
    return addresses;
}

/// Polls the sleepers until each answered from its MAC (and IP, when known).
class WokeRule final : public ArpPollRule {
public:
    WokeRule(std::vector<WakeResult>& results, const std::vector<ScanTarget>& subnet, os::Clock::time_point started)
        : results_(results), subnet_(subnet), started_(started) {}

    std::vector<Ipv4Address> to_ask() const override { return poll_addresses(results_, subnet_); }
    void heard(const ArpPacket& reply, os::Clock::time_point at) override {
        for (auto& result : results_) {
            if (result.woke || reply.sender_mac != result.target.mac) continue;
            if (result.target.ip && reply.sender_ip != *result.target.ip) continue;
            result.woke = true;
            result.ip = reply.sender_ip;
            result.seconds = std::chrono::duration<double>(at - started_).count();
        }
    }
    bool done() const override {
        return std::all_of(results_.begin(), results_.end(), [](const WakeResult& r) { return r.woke; });
    }

private:
    std::vector<WakeResult>& results_;
    const std::vector<ScanTarget>& subnet_;
    os::Clock::time_point started_;
};

/// Polls the hosts until each missed `quiet_polls` rounds in a row.
class OffRule final : public ArpPollRule {
public:
    OffRule(const std::vector<LanHost>& hosts, int quiet_polls)
        : hosts_(hosts), quiet_polls_(quiet_polls), missed_(hosts.size(), 0), answered_(hosts.size(), false) {}

    bool is_off(std::size_t i) const { return missed_[i] >= quiet_polls_; }
    std::vector<Ipv4Address> to_ask() const override {
        std::vector<Ipv4Address> ask;
        for (std::size_t i = 0; i < hosts_.size(); ++i)
            if (!is_off(i)) ask.push_back(hosts_[i].ip);
        return ask;
    }
    void heard(const ArpPacket& reply, os::Clock::time_point) override {
        for (std::size_t i = 0; i < hosts_.size(); ++i)
            if (reply.sender_ip == hosts_[i].ip && reply.sender_mac == hosts_[i].mac) answered_[i] = true;
    }
    void round_ended() override {
        for (std::size_t i = 0; i < hosts_.size(); ++i)
            if (!is_off(i)) missed_[i] = answered_[i] ? 0 : missed_[i] + 1;
        answered_.assign(hosts_.size(), false);
    }
    bool done() const override {
        for (std::size_t i = 0; i < hosts_.size(); ++i)
            if (!is_off(i)) return false;
        return true;
    }

private:
    const std::vector<LanHost>& hosts_;
    int quiet_polls_;
    std::vector<int> missed_;
    std::vector<bool> answered_;  ///< in this round
};

}  // namespace

std::vector<WakeResult> wake_hosts(os::PacketIo& io, os::UdpBroadcast& udp, Ipv4Prefix own,
                                   const std::vector<WakeTarget>& targets, const WakeSettings& settings,
                                   const Now& now) {
    std::vector<WakeResult> results;
    for (const auto& target : targets) results.push_back({target, false, 0, std::nullopt});
    const auto started = now();
    send_magic_packets(io, udp, own, targets, settings);
    const auto subnet = plan_subnet_scan(io.mac(), own, {}).targets;  // every host address but ours
    WokeRule rule(results, subnet, started);
    run_arp_poll(io, own.address(), rule, {.interval = settings.poll_interval, .deadline = started + settings.wait},
                 now);
    return results;
}

std::vector<WakeResult> wait_hosts_on(os::PacketIo& io, Ipv4Prefix own, const std::vector<WakeTarget>& targets,
                                      std::chrono::milliseconds wait, std::chrono::milliseconds poll_interval,
                                      const Now& now) {
    std::vector<WakeResult> results;
    for (const auto& target : targets) results.push_back({target, false, 0, std::nullopt});
    const auto started = now();
    const auto subnet = plan_subnet_scan(io.mac(), own, {}).targets;
    WokeRule rule(results, subnet, started);
    run_arp_poll(io, own.address(), rule, {.interval = poll_interval, .deadline = started + wait}, now);
    return results;
}

std::vector<bool> wait_hosts_off(os::PacketIo& io, Ipv4Prefix own, const std::vector<LanHost>& hosts,
                                 std::chrono::milliseconds wait, std::chrono::milliseconds poll_interval,
                                 int quiet_polls, const Now& now) {
    OffRule rule(hosts, quiet_polls);
    run_arp_poll(io, own.address(), rule, {.interval = poll_interval, .deadline = now() + wait}, now);
    std::vector<bool> off;
    for (std::size_t i = 0; i < hosts.size(); ++i) off.push_back(rule.is_off(i));
    return off;
}

std::vector<WakeTarget> wake_targets(const Client& client, const Inventory& inventory,
                                     const std::vector<std::string>& names, bool all) {
    std::vector<WakeTarget> targets;
    const auto from_inventory_ip = [&](MacAddress mac) -> std::optional<Ipv4Address> {
        for (const auto& host : inventory.hosts)
            if (host.mac == mac) return host.ip;
        return std::nullopt;
    };
    if (all) {
        for (const auto& host : client.hosts)
            targets.push_back({host.name, host.mac, host.ip ? host.ip : from_inventory_ip(host.mac)});
        if (targets.empty()) throw UsageError(fmt::format("client '{}' declares no [[host]] to wake", client.name.str()));
        return targets;
    }
    for (const auto& name : names) {
        if (const auto mac = MacAddress::parse(name)) {  // a PC not declared anywhere yet
            targets.push_back({name, *mac, from_inventory_ip(*mac)});
            continue;
        }
        const auto declared = std::find_if(client.hosts.begin(), client.hosts.end(),
                                           [&](const HostSpec& host) { return host.name == name; });
        if (declared != client.hosts.end()) {
            targets.push_back({name, declared->mac, declared->ip ? declared->ip : from_inventory_ip(declared->mac)});
            continue;
        }
        const auto seen = std::find_if(inventory.hosts.begin(), inventory.hosts.end(),
                                       [&](const InventoryHost& host) { return host.name == name; });
        if (seen == inventory.hosts.end())
            throw UsageError(fmt::format("client '{}' has no host named '{}'", client.name.str(), name));
        targets.push_back({name, seen->mac, seen->ip});
    }
    return targets;
}

std::vector<WakeResult> wake_on_gateway(const Netconf& netconf, const Client& client,
                                        const std::vector<WakeTarget>& targets, const WakeSettings& settings) {
    const auto ns = netconf.namespace_of(client);
    auto io = os::open_pcap(std::string(bridge_link), "arp", ns);
    auto udp = os::open_udp_broadcast(std::string(bridge_link), ns);
    return wake_hosts(*io, *udp, client.lan.address, targets, settings);
}

}  // namespace custode::app
