#include "custode/core/inventory.h"

#include <algorithm>
#include <map>
#include <set>

namespace custode {
namespace {

/// The update under construction, indexed for the rules below.
class Updater {
public:
    Updater(const Inventory& previous, const OuiTable& vendors, std::string_view now)
        : previous_(previous), vendors_(vendors), now_(now) {
        for (const auto& host : previous.hosts) hosts_.emplace(host.mac, host);
        for (const auto& record : previous.history) history_.emplace(std::pair{record.ip, record.mac}, record);
        for (const auto& host : previous.hosts)
            if (host.ip) previous_mac_at_.emplace(*host.ip, host.mac);
    }

    void observe(const FoundHost& found) {
        const bool known_mac = hosts_.contains(found.mac);
        const auto before = previous_mac_at_.find(found.ip);
        const bool ip_had_other_mac = before != previous_mac_at_.end() && before->second != found.mac;
        if (ip_had_other_mac) {
            changes_.push_back({ChangeKind::mac_changed, found.ip, found.mac, before->second, {}, {}});
            replaced_.insert(before->second);
        } else if (!known_mac) {
            changes_.push_back({ChangeKind::new_host, found.ip, found.mac, std::nullopt, {}, {}});
        }
        seen(found.ip, found.mac);
    }

    void observe(const ScanConflict& conflict) {
        changes_.push_back({ChangeKind::conflict, conflict.ip, conflict.macs.front(), std::nullopt, conflict.macs, {}});
        for (const auto mac : conflict.macs)
            if (!answered_.contains(mac)) seen(conflict.ip, mac);
    }

    /// Inventoried hosts asked for at their IP that stayed silent.
    void find_missing(const ScanResult& scan) {
        if (!scan.complete) return;
        const std::set<Ipv4Address> silent(scan.silent.begin(), scan.silent.end());
        for (const auto& host : previous_.hosts) {
            if (!host.ip || !silent.contains(*host.ip)) continue;
            if (answered_.contains(host.mac) || replaced_.contains(host.mac)) continue;
            changes_.push_back({ChangeKind::missing, *host.ip, host.mac, std::nullopt, {}, {}});
        }
    }

    InventoryUpdate finish(std::span<const DeclaredHost> declared) {
        std::map<MacAddress, std::string> names;
        for (const auto& host : declared) names.emplace(host.mac, host.name);
        InventoryUpdate update;
        for (auto& [mac, host] : hosts_) {
            const auto name = names.find(mac);
            host.name = name == names.end() ? std::string() : name->second;
            update.inventory.hosts.push_back(host);
        }
        for (const auto& [key, record] : history_) update.inventory.history.push_back(record);
        for (auto& change : changes_) {
            const auto name = names.find(change.mac);
            if (name != names.end()) change.name = name->second;
        }
        update.changes = std::move(changes_);
        sort(update);
        return update;
    }

private:
    void seen(Ipv4Address ip, MacAddress mac) {
        answered_.insert(mac);
        auto [host, added] = hosts_.try_emplace(mac, InventoryHost{mac, ip, {}, {}, now_, now_});
        host->second.ip = ip;
        host->second.last_seen = now_;
        if (host->second.vendor.empty())
            if (const auto vendor = vendors_.vendor(mac)) host->second.vendor = std::string(*vendor);
        auto [record, fresh] = history_.try_emplace({ip, mac}, IpMacRecord{ip, mac, now_, now_});
        record->second.last_seen = now_;
    }

    static void sort(InventoryUpdate& update) {
        auto& hosts = update.inventory.hosts;
        std::sort(hosts.begin(), hosts.end(), [](const InventoryHost& a, const InventoryHost& b) {
            if (a.ip.has_value() != b.ip.has_value()) return a.ip.has_value();
            return std::tie(a.ip, a.mac) < std::tie(b.ip, b.mac);
        });
        std::stable_sort(update.changes.begin(), update.changes.end(),
                         [](const InventoryChange& a, const InventoryChange& b) {
                             return std::tie(a.ip, a.kind) < std::tie(b.ip, b.kind);
                         });
    }

    const Inventory& previous_;
    const OuiTable& vendors_;
    std::string now_;
    std::map<MacAddress, InventoryHost> hosts_;
    std::map<std::pair<Ipv4Address, MacAddress>, IpMacRecord> history_;
    std::map<Ipv4Address, MacAddress> previous_mac_at_;
    std::set<MacAddress> answered_;
    std::set<MacAddress> replaced_;  ///< old MACs of a mac_changed IP: not also `missing`
    std::vector<InventoryChange> changes_;
};

}  // namespace

std::string_view to_string(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::new_host: return "new";
        case ChangeKind::missing: return "missing";
        case ChangeKind::mac_changed: return "mac_changed";
        case ChangeKind::conflict: return "conflict";
    }
    return "unknown";
}

InventoryUpdate update_inventory(const Inventory& previous, const ScanResult& scan,
                                 std::span<const DeclaredHost> declared, const OuiTable& vendors,
                                 std::string_view now) {
    Updater updater(previous, vendors, now);
    for (const auto& found : scan.hosts) updater.observe(found);
    for (const auto& conflict : scan.conflicts) updater.observe(conflict);
    updater.find_missing(scan);
    return updater.finish(declared);
}

std::vector<Ipv4Address> known_addresses(const Inventory& inventory, std::span<const DeclaredHost> declared) {
    std::set<Ipv4Address> known;
    for (const auto& host : inventory.hosts)
        if (host.ip) known.insert(*host.ip);
    for (const auto& host : declared)
        if (host.ip) known.insert(*host.ip);
    return {known.begin(), known.end()};
}

}  // namespace custode
