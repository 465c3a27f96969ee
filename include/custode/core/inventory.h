#pragma once
/// The inventory of one client's LAN and how a scan changes it. Plain data
/// shaped like the store's tables (src/os/state_store.cc, migration 2):
/// `hosts` is keyed by MAC, `host_macs` is the IP-to-MAC history. Times are
/// the store's ISO-8601 UTC text ("2024-05-01T21:30:00Z"), given by the caller.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/arp_scan.h"
#include "custode/core/oui.h"

namespace custode {

/// One row of `hosts`: a network card seen on the LAN.
struct InventoryHost {
    MacAddress mac;
    std::optional<Ipv4Address> ip;  ///< where it answered last
    std::string vendor;             ///< from the OUI list; empty when unknown
    std::string name;               ///< from netconf; empty for an undeclared host
    std::string first_seen;
    std::string last_seen;
    bool operator==(const InventoryHost&) const = default;
};

/// One row of `host_macs`: this IP was answered by this MAC between these times.
struct IpMacRecord {
    Ipv4Address ip;
    MacAddress mac;
    std::string first_seen;
    std::string last_seen;
    bool operator==(const IpMacRecord&) const = default;
};

struct Inventory {
    std::vector<InventoryHost> hosts;    ///< by IP (hosts without one last), then MAC
    std::vector<IpMacRecord> history;    ///< by IP, then MAC
};

/// A `[[host]]` of the client's netconf file.
struct DeclaredHost {
    std::string name;
    MacAddress mac;
    std::optional<Ipv4Address> ip;
};

enum class ChangeKind { new_host, missing, mac_changed, conflict };
/// The JSON and text word: new, missing, mac_changed, conflict.
std::string_view to_string(ChangeKind kind);

struct InventoryChange {
    ChangeKind kind = ChangeKind::new_host;
    Ipv4Address ip;
    MacAddress mac;                          ///< new / missing: the host; mac_changed: the new MAC
    std::optional<MacAddress> previous_mac;  ///< mac_changed: the MAC the IP had
    std::vector<MacAddress> macs;            ///< conflict: every MAC that answered
    std::string name;                        ///< the netconf name, when declared
    bool operator==(const InventoryChange&) const = default;
};

struct InventoryUpdate {
    Inventory inventory;
    std::vector<InventoryChange> changes;  ///< by IP, then kind
};

/// The inventory after `scan`, and what changed:
/// * new: a MAC never seen before, at an IP no other MAC held;
/// * mac_changed: an IP the inventory had under another MAC now answered by
///   this one (reported instead of `new`, and instead of `missing` for the old MAC);
/// * missing: an inventoried host whose IP was asked and stayed silent, and
///   whose MAC answered nowhere else; only when the scan was complete;
/// * conflict: an IP answered by two or more MACs in this scan.
/// Names come from `declared` (by MAC) and only from there.
InventoryUpdate update_inventory(const Inventory& previous, const ScanResult& scan,
                                 std::span<const DeclaredHost> declared, const OuiTable& vendors,
                                 std::string_view now);

/// The IPs the next scan should treat as known: the inventory's, and the
/// declared hosts' with an IP.
std::vector<Ipv4Address> known_addresses(const Inventory& inventory, std::span<const DeclaredHost> declared);

}  // namespace custode
