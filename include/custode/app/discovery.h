#pragma once
/// ARP discovery of each client's LAN, inside its namespace, clients in
/// parallel; the inventory and its history in the state file.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/arp_scan.h"
#include "custode/core/inventory.h"
#include "custode/core/netconf.h"
#include "custode/core/oui.h"
#include "custode/os/inventory_store.h"
#include "custode/os/packet_io.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// Opens the packet I/O for a client: the bridge in its namespace, filtered to ARP.
using PacketIoOpener = std::function<std::unique_ptr<os::PacketIo>(const std::string& namespace_name)>;

/// The real opener: libpcap on br0 inside the namespace.
PacketIoOpener pcap_opener(const std::string& filter = "arp");

/// Drives one scan to its end on `io` (the loop documented in core/arp_scan.h).
/// `on_progress` is called now and then from this thread.
ScanResult run_scan(ArpScan& scan, os::PacketIo& io, const std::function<void(const ScanProgress&)>& on_progress = {},
                    const std::function<os::Clock::time_point()>& now = os::Clock::now);

struct ClientScan {
    std::string client;
    ScanResult result;
    std::vector<InventoryChange> changes;
    Inventory inventory;  ///< after the scan
    std::string error;    ///< a system error for this client; the others go on
};

/// Progress of all clients together, for one line on a terminal.
struct ScanTotals {
    std::size_t clients = 0, clients_done = 0;
    std::size_t targets = 0, done = 0, answered = 0;
};

/// The netconf hosts of a client, as the inventory names them.
std::vector<DeclaredHost> declared_hosts(const Client& client);

/// Scans the clients at once (a thread each), then updates each inventory.
std::vector<ClientScan> scan_clients(const Netconf& netconf, const std::vector<const Client*>& clients,
                                     os::StateStore& store, const OuiTable& vendors, const PacketIoOpener& open,
                                     const ScanSettings& settings,
                                     const std::function<void(const ScanTotals&)>& on_progress = {});

/// `scan` on the real gateway: libpcap in each client's namespace, the
/// vendors from ieee-data, the inventories in the state file at `state`.
std::vector<ClientScan> scan_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                        const std::vector<const Client*>& clients,
                                        const std::function<void(const ScanTotals&)>& on_progress = {});

/// What `hosts` shows of one client: its inventory and its last scan, if any.
struct ClientInventory {
    Inventory inventory;
    std::optional<os::ScanRecord> last_scan;
};

/// Reads one client's inventory and last scan from the state file at `state`.
ClientInventory read_inventory(const std::filesystem::path& state, const Client& client);

/// The IEEE OUI list from Debian's ieee-data; empty (vendors unknown) when
/// the package is missing.
OuiTable load_vendors();

}  // namespace custode::app
