#include "custode/app/enroll.h"

#include <algorithm>
#include <fmt/format.h>
#include <future>

#include "custode/core/error.h"
#include "custode/os/netns.h"

namespace custode::app {
namespace {

bool recorded(const std::vector<os::KnownHostKey>& keys, const os::SshHostKey& key) {
    return std::any_of(keys.begin(), keys.end(), [&](const os::KnownHostKey& known) {
        return known.type == key.type && known.base64 == key.base64;
    });
}

EnrollResult judge(const EnrollTarget& target, std::variant<os::SshHostKey, os::SshError> fetched,
                   const EnrollSettings& settings) {
    EnrollResult result{target};
    if (const auto* error = std::get_if<os::SshError>(&fetched)) {
        result.status = EnrollStatus::unreachable;
        result.message = error->message;
        return result;
    }
    const auto& key = std::get<os::SshHostKey>(fetched);
    result.key = key;
    const auto known = os::known_host_keys(settings.known_hosts, *target.ip, settings.port);
    if (known.empty()) {
        os::record_known_host(settings.known_hosts, *target.ip, settings.port, key);
        result.status = EnrollStatus::added;
    } else if (recorded(known, key)) {
        result.status = EnrollStatus::same;
    } else if (settings.replace) {
        os::record_known_host(settings.known_hosts, *target.ip, settings.port, key);
        result.status = EnrollStatus::replaced;
    } else {
        result.status = EnrollStatus::changed;
        result.message = fmt::format("{} records another key for {}: left unchanged (--replace to take the new one)",
                                     settings.known_hosts, target.ip->to_string());
    }
    return result;
}

}  // namespace

std::string_view to_string(EnrollStatus status) {
    switch (status) {
        case EnrollStatus::added: return "new";
        case EnrollStatus::same: return "same";
        case EnrollStatus::changed: return "changed";
        case EnrollStatus::replaced: return "replaced";
        case EnrollStatus::unreachable: return "unreachable";
        case EnrollStatus::no_address: return "no_address";
    }
    return "unreachable";
}

std::vector<EnrollTarget> enroll_targets(const Client& client, const Inventory& inventory,
                                         const std::vector<std::string>& names) {
    if (client.hosts.empty())
        throw UsageError(fmt::format("client '{}' declares no [[host]] to enroll", client.name.str()));
    for (const auto& name : names) {
        const bool declared = std::any_of(client.hosts.begin(), client.hosts.end(),
                                          [&](const HostSpec& host) { return host.name == name; });
        if (!declared) throw UsageError(fmt::format("client '{}' has no [[host]] named '{}'", client.name.str(), name));
    }
    std::vector<EnrollTarget> targets;
    for (const auto& host : client.hosts) {
        if (!names.empty() && std::find(names.begin(), names.end(), host.name) == names.end()) continue;
        EnrollTarget target{host.name, host.ip};
        if (!target.ip) {
            for (const auto& seen : inventory.hosts)
                if (seen.mac == host.mac && seen.ip) target.ip = seen.ip;
        }
        targets.push_back(std::move(target));
    }
    return targets;
}

FetchHostKey fetch_in_namespace(std::string ns, std::uint16_t port, std::chrono::seconds timeout) {
    return [ns = std::move(ns), port, timeout](Ipv4Address ip) {
        const auto fd = os::NamespaceFd::open_named(ns);
        return os::in_namespace(fd, [&] { return os::ssh_fetch_host_key(ip, port, timeout); });
    };
}

std::vector<EnrollResult> enroll_hosts(const std::vector<EnrollTarget>& targets, const EnrollSettings& settings,
                                       const FetchHostKey& fetch) {
    using Fetched = std::variant<os::SshHostKey, os::SshError>;
    // Fetching waits on the network (up to the timeout per host): all at once.
    const auto fetch_all = [&fetch](const std::vector<Ipv4Address>& ips) {
        std::vector<std::future<Fetched>> started;
        for (const auto ip : ips) started.push_back(std::async(std::launch::async, [&fetch, ip] { return fetch(ip); }));
        std::vector<Fetched> fetched;
        for (auto& one : started) fetched.push_back(one.get());
        return fetched;
    };
    std::vector<Ipv4Address> ips;
    for (const auto& target : targets)
        if (target.ip) ips.push_back(*target.ip);
    auto fetched = fetch_all(ips);
    // A burst of connections can lose ARP on a busy LAN: the PCs that did not
    // answer get a second chance, together.
    std::vector<Ipv4Address> again;
    for (std::size_t i = 0; i < ips.size(); ++i)
        if (std::holds_alternative<os::SshError>(fetched[i])) again.push_back(ips[i]);
    auto second = fetch_all(again);
    for (std::size_t i = 0, next = 0; i < ips.size(); ++i)
        if (std::holds_alternative<os::SshError>(fetched[i])) fetched[i] = std::move(second[next++]);

    // Recording touches one file: one host after the other.
    std::vector<EnrollResult> results;
    std::size_t next = 0;
    for (const auto& target : targets) {
        if (!target.ip) {
            results.push_back({target, EnrollStatus::no_address, std::nullopt, "no address: run custode scan"});
            continue;
        }
        results.push_back(judge(target, fetched[next++], settings));
    }
    return results;
}

bool enroll_ok(const std::vector<EnrollResult>& results) {
    return std::all_of(results.begin(), results.end(), [](const EnrollResult& result) {
        return result.status == EnrollStatus::added || result.status == EnrollStatus::same ||
               result.status == EnrollStatus::replaced;
    });
}

}  // namespace custode::app
