#include <catch2/catch.hpp>

#include "custode/core/inventory.h"
#include "support/literals.h"

using namespace custode;
using custode::testing::ip;
using custode::testing::mac;

namespace {

const OuiTable vendors = OuiTable::parse("52-54-00   (hex)\t\tQEMU virtual NIC\n");
const MacAddress reception = mac("52:54:00:00:00:15");
const MacAddress printer = mac("00:11:22:33:44:55");
const MacAddress stranger = mac("66:77:88:99:aa:bb");

ScanResult scan_of(std::vector<FoundHost> hosts, std::vector<Ipv4Address> silent, bool complete = true) {
    ScanResult result;
    result.hosts = std::move(hosts);
    result.silent = std::move(silent);
    result.complete = complete;
    return result;
}

Inventory yesterday() {
    Inventory inventory;
    inventory.hosts = {{reception, ip("192.168.1.21"), "QEMU virtual NIC", "old-name", "2024-05-01T20:00:00Z",
                        "2024-05-01T20:00:00Z"},
                       {printer, ip("192.168.1.30"), "", "", "2024-05-01T20:00:00Z", "2024-05-01T20:00:00Z"}};
    inventory.history = {{ip("192.168.1.21"), reception, "2024-05-01T20:00:00Z", "2024-05-01T20:00:00Z"},
                         {ip("192.168.1.30"), printer, "2024-05-01T20:00:00Z", "2024-05-01T20:00:00Z"}};
    return inventory;
}

constexpr const char* now = "2024-05-02T20:00:00Z";

}  // namespace

TEST_CASE("inventory: a first scan makes every host new, with vendor and times", "[inventory]") {
    const auto update = update_inventory({}, scan_of({{ip("192.168.1.21"), reception, {}, 1}}, {}), {}, vendors, now);
    REQUIRE(update.inventory.hosts.size() == 1);
    CHECK(update.inventory.hosts[0] == InventoryHost{reception, ip("192.168.1.21"), "QEMU virtual NIC", "", now, now});
    CHECK(update.inventory.history == std::vector<IpMacRecord>{{ip("192.168.1.21"), reception, now, now}});
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0].kind == ChangeKind::new_host);
    CHECK(to_string(update.changes[0].kind) == "new");
}

TEST_CASE("inventory: hosts seen again keep first_seen and move last_seen — no changes", "[inventory]") {
    const auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}, {ip("192.168.1.30"), printer, {}, 1}}, {});
    const auto update = update_inventory(yesterday(), scan, {}, vendors, now);
    CHECK(update.changes.empty());
    REQUIRE(update.inventory.hosts.size() == 2);
    CHECK(update.inventory.hosts[0].first_seen == "2024-05-01T20:00:00Z");
    CHECK(update.inventory.hosts[0].last_seen == now);
    CHECK(update.inventory.history[1].last_seen == now);
}

TEST_CASE("inventory: a silent host is missing only when the scan was complete", "[inventory]") {
    const auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}}, {ip("192.168.1.30")});
    const auto update = update_inventory(yesterday(), scan, {}, vendors, now);
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0] == InventoryChange{ChangeKind::missing, ip("192.168.1.30"), printer, {}, {}, {}});
    CHECK(update.inventory.hosts.size() == 2);  // kept, with its old last_seen
    CHECK(update.inventory.hosts[1].last_seen == "2024-05-01T20:00:00Z");

    auto incomplete = scan;
    incomplete.complete = false;
    CHECK(update_inventory(yesterday(), incomplete, {}, vendors, now).changes.empty());
}

TEST_CASE("inventory: a host that moved to another IP is not missing", "[inventory]") {
    const auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}, {ip("192.168.1.31"), printer, {}, 1}},
                              {ip("192.168.1.30")});
    const auto update = update_inventory(yesterday(), scan, {}, vendors, now);
    CHECK(update.changes.empty());
    CHECK(update.inventory.hosts[1].ip == ip("192.168.1.31"));
    CHECK(update.inventory.history.size() == 3);  // the old IP stays in the history
}

TEST_CASE("inventory: an IP answered by another MAC is mac_changed, not new nor missing", "[inventory]") {
    const auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}, {ip("192.168.1.30"), stranger, {}, 1}}, {});
    const auto update = update_inventory(yesterday(), scan, {}, vendors, now);
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0] == InventoryChange{ChangeKind::mac_changed, ip("192.168.1.30"), stranger, printer, {}, {}});
    CHECK(update.inventory.hosts.size() == 3);
    CHECK(update.inventory.history.size() == 3);
}

TEST_CASE("inventory: a conflict lists every MAC and records each", "[inventory]") {
    auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}}, {});
    scan.conflicts = {{ip("192.168.1.21"), {reception, stranger}}};
    const auto update = update_inventory(yesterday(), scan, {}, vendors, now);
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0].kind == ChangeKind::conflict);
    CHECK(update.changes[0].macs == std::vector{reception, stranger});
    CHECK(update.inventory.hosts.size() == 3);
}

TEST_CASE("inventory: names come from netconf by MAC", "[inventory]") {
    const std::vector<DeclaredHost> declared = {{"reception", reception, ip("192.168.1.21")},
                                                {"printer", printer, std::nullopt}};
    const auto scan = scan_of({{ip("192.168.1.21"), reception, {}, 1}}, {ip("192.168.1.30")});
    const auto update = update_inventory(yesterday(), scan, declared, vendors, now);
    CHECK(update.inventory.hosts[0].name == "reception");
    CHECK(update.inventory.hosts[1].name == "printer");
    REQUIRE(update.changes.size() == 1);
    CHECK(update.changes[0].name == "printer");
    CHECK(update_inventory(yesterday(), scan, {}, vendors, now).inventory.hosts[0].name.empty());
}

TEST_CASE("inventory: known addresses for the next scan", "[inventory]") {
    const std::vector<DeclaredHost> declared = {{"nas", stranger, ip("192.168.1.5")},
                                                {"laptop", mac("00:00:00:00:00:01"), std::nullopt}};
    CHECK(known_addresses(yesterday(), declared) ==
          std::vector{ip("192.168.1.5"), ip("192.168.1.21"), ip("192.168.1.30")});
}
