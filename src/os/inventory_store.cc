#include "custode/os/inventory_store.h"

#include <chrono>

#include "custode/core/error.h"
#include "custode/core/utc_time.h"

namespace custode::os {
namespace {

MacAddress mac_column(const Statement& row, int column, const StateStore& store) {
    auto mac = MacAddress::parse(row.column_text(column));
    if (!mac) throw SystemError("read inventory", 0, store.path().string() + ": a stored MAC is malformed");
    return *mac;
}

std::optional<Ipv4Address> ip_column(const Statement& row, int column) {
    const auto text = row.column_optional_text(column);
    return text ? Ipv4Address::parse(*text) : std::nullopt;
}

std::optional<std::string> ip_text(const std::optional<Ipv4Address>& ip) {
    return ip ? std::optional<std::string>(ip->to_string()) : std::nullopt;
}

}  // namespace

Inventory load_inventory(const StateStore& store, std::string_view client) {
    Inventory inventory;
    auto hosts = store.prepare(
        "SELECT mac, ip, vendor, name, first_seen, last_seen FROM hosts WHERE client = ?1");
    hosts.bind_all(client);
    while (hosts.step()) {
        inventory.hosts.push_back({mac_column(hosts, 0, store), ip_column(hosts, 1),
                                   hosts.column_optional_text(2).value_or(""),
                                   hosts.column_optional_text(3).value_or(""), hosts.column_text(4),
                                   hosts.column_text(5)});
    }
    auto history = store.prepare("SELECT ip, mac, first_seen, last_seen FROM host_macs WHERE client = ?1");
    history.bind_all(client);
    while (history.step()) {
        const auto ip = ip_column(history, 0);
        if (!ip) continue;
        inventory.history.push_back({*ip, mac_column(history, 1, store), history.column_text(2),
                                     history.column_text(3)});
    }
    return inventory;
}

void save_scan(StateStore& store, std::string_view client, const Inventory& inventory, const ScanRecord& scan) {
    store.transaction([&] {
        auto clear_hosts = store.prepare("DELETE FROM hosts WHERE client = ?1");
        clear_hosts.bind_all(client).run();
        auto clear_history = store.prepare("DELETE FROM host_macs WHERE client = ?1");
        clear_history.bind_all(client).run();
        auto host = store.prepare(
            "INSERT INTO hosts (client, mac, ip, vendor, name, first_seen, last_seen) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        for (const auto& entry : inventory.hosts) {
            host.reset();
            host.bind_all(client, entry.mac.to_string(), ip_text(entry.ip), entry.vendor, entry.name,
                          entry.first_seen, entry.last_seen)
                .run();
        }
        auto record = store.prepare(
            "INSERT INTO host_macs (client, ip, mac, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const auto& entry : inventory.history) {
            record.reset();
            record.bind_all(client, entry.ip.to_string(), entry.mac.to_string(), entry.first_seen, entry.last_seen)
                .run();
        }
        auto scans = store.prepare(
            "INSERT INTO scans (client, at, elapsed_ms, hosts_found, complete) VALUES (?1, ?2, ?3, ?4, ?5)");
        scans.bind_all(client, scan.at, scan.elapsed_ms, scan.hosts_found, std::int64_t{scan.complete ? 1 : 0}).run();
    });
}

std::optional<ScanRecord> last_scan(const StateStore& store, std::string_view client) {
    auto query = store.prepare(
        "SELECT at, elapsed_ms, hosts_found, complete FROM scans WHERE client = ?1 ORDER BY at DESC, id DESC LIMIT 1");
    query.bind_all(client);
    if (!query.step()) return std::nullopt;
    return ScanRecord{query.column_text(0), query.column_int64(1), query.column_int64(2), query.column_int64(3) != 0};
}

std::string utc_now() { return utc_iso_seconds(std::chrono::system_clock::now()); }

}  // namespace custode::os
