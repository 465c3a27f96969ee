#include "custode/app/discovery.h"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "custode/app/links.h"
#include "custode/core/frames.h"
#include "custode/core/link_plan.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"

namespace custode::app {
namespace {

constexpr auto progress_interval = std::chrono::milliseconds(100);

/// Shared by the scanning threads: each publishes its own counters.
class TotalsBoard {
public:
    explicit TotalsBoard(std::size_t clients) : per_client_(clients) {}

    void publish(std::size_t client, const ScanProgress& progress, bool done) {
        std::lock_guard lock(mutex_);
        per_client_[client] = {progress, done};
    }
    ScanTotals totals() const {
        std::lock_guard lock(mutex_);
        ScanTotals totals;
        totals.clients = per_client_.size();
        for (const auto& [progress, done] : per_client_) {
            totals.clients_done += done ? 1 : 0;
            totals.targets += progress.targets;
            totals.done += progress.done;
            totals.answered += progress.answered;
        }
        return totals;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<ScanProgress, bool>> per_client_;
};

/// One client's scan, in its own thread: open, plan from the inventory, run.
void scan_one(const Netconf& netconf, const Client& client, const Inventory& inventory, const PacketIoOpener& open,
              const ScanSettings& settings, ClientScan& out, TotalsBoard& board, std::size_t slot) {
    try {
        require_provisioned(netconf, client);
        auto io = open(netconf.namespace_of(client));
        const auto declared = declared_hosts(client);
        const auto known = known_addresses(inventory, declared);
        ArpScan scan(plan_subnet_scan(io->mac(), client.lan.address, known, settings), os::Clock::now());
        out.result = run_scan(scan, *io, [&](const ScanProgress& p) { board.publish(slot, p, false); });
        board.publish(slot, scan.progress(), true);
    } catch (const std::exception& error) {
        out.error = error.what();
        board.publish(slot, {}, true);
    }
}

}  // namespace

PacketIoOpener pcap_opener(const std::string& filter) {
    return [filter](const std::string& namespace_name) {
        return os::open_pcap(std::string(bridge_link), filter, namespace_name);
    };
}

ScanResult run_scan(ArpScan& scan, os::PacketIo& io, const std::function<void(const ScanProgress&)>& on_progress,
                    const std::function<os::Clock::time_point()>& now) {
    auto next_report = now();
    while (!scan.finished(now())) {
        for (const auto ip : scan.next_requests(now())) io.send(scan.request_frame(ip));
        const auto wakeup = scan.next_wakeup();
        if (!wakeup) break;
        if (auto frame = io.receive(*wakeup)) {
            if (auto arp = parse_arp(frame->bytes)) scan.on_frame(*arp, frame->at);
        }
        if (on_progress && now() >= next_report) {
            on_progress(scan.progress());
            next_report = now() + progress_interval;
        }
    }
    auto result = scan.result();
    // Frames the capture lost may have been replies: nothing may be called missing.
    result.dropped_frames = io.dropped();
    if (result.dropped_frames > 0) result.complete = false;
    return result;
}

std::vector<DeclaredHost> declared_hosts(const Client& client) {
    std::vector<DeclaredHost> declared;
    for (const auto& host : client.hosts) declared.push_back({host.name, host.mac, host.ip});
    return declared;
}

std::vector<ClientScan> scan_clients(const Netconf& netconf, const std::vector<const Client*>& clients,
                                     os::StateStore& store, const OuiTable& vendors, const PacketIoOpener& open,
                                     const ScanSettings& settings,
                                     const std::function<void(const ScanTotals&)>& on_progress) {
    std::vector<ClientScan> scans(clients.size());
    std::vector<Inventory> before;
    for (const Client* client : clients) before.push_back(os::load_inventory(store, client->name.str()));

    TotalsBoard board(clients.size());
    std::atomic<std::size_t> running{clients.size()};
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        scans[i].client = clients[i]->name.str();
        workers.emplace_back([&, i] {
            scan_one(netconf, *clients[i], before[i], open, settings, scans[i], board, i);
            --running;
        });
    }
    while (on_progress && running > 0) {
        on_progress(board.totals());
        std::this_thread::sleep_for(progress_interval);
    }
    workers.clear();  // joins

    const auto now = os::utc_now();
    for (std::size_t i = 0; i < clients.size(); ++i) {
        auto& scan = scans[i];
        if (!scan.error.empty()) continue;
        auto update = update_inventory(before[i], scan.result, declared_hosts(*clients[i]), vendors, now);
        scan.inventory = std::move(update.inventory);
        scan.changes = std::move(update.changes);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(scan.result.elapsed).count();
        os::save_scan(store, scan.client, scan.inventory,
                      {now, elapsed, static_cast<std::int64_t>(scan.result.hosts.size()), scan.result.complete});
    }
    return scans;
}

std::vector<ClientScan> scan_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                        const std::vector<const Client*>& clients,
                                        const std::function<void(const ScanTotals&)>& on_progress) {
    auto store = os::StateStore::open(state);
    store.check_writable();  // learn it now, not after the scan
    return scan_clients(netconf, clients, store, load_vendors(), pcap_opener(), ScanSettings{}, on_progress);
}

ClientInventory read_inventory(const std::filesystem::path& state, const Client& client) {
    const auto store = os::StateStore::open(state);
    return {os::load_inventory(store, client.name.str()), os::last_scan(store, client.name.str())};
}

OuiTable load_vendors() {
    const std::filesystem::path oui_list = "/usr/share/ieee-data/oui.txt";
    if (!std::filesystem::exists(oui_list)) return {};
    return OuiTable::parse(os::read_text_file(oui_list));
}

}  // namespace custode::app
