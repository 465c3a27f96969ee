/// The real MaintenanceSystem: everything happens inside the client's
/// namespace, through the same adapters as `scan`, `wake` and `status`.

#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <random>
#include <thread>

#include "custode/app/backup_care.h"
#include "custode/app/discovery.h"
#include "custode/app/links.h"
#include "custode/app/maintain.h"
#include "custode/core/error.h"
#include "custode/core/link_plan.h"
#include "custode/os/link_system.h"
#include "custode/os/netns.h"
#include "custode/os/state_store.h"
#include "custode/os/udp_broadcast.h"

namespace custode::app {
namespace {

constexpr std::chrono::milliseconds off_poll_interval{1000};

class KernelMaintenanceSystem final : public MaintenanceSystem {
public:
    KernelMaintenanceSystem(const Netconf& netconf, std::string state_path, os::SshOptions ssh)
        : netconf_(netconf), state_path_(std::move(state_path)), ssh_(std::move(ssh)),
          links_(os::make_kernel_link_system()), vendors_(load_vendors()) {}

    std::string link_problem(const Client& client) override {
        if (!std::filesystem::exists(netconf_.known_hosts_of(client)))
            return fmt::format("no SSH host keys recorded in {} (custode enroll {})", netconf_.known_hosts_of(client),
                               client.name.str());
        const std::lock_guard lock(links_mutex_);  // one netlink socket set for all clients
        return circuit_problem(link_status(netconf_, *links_, {&client}).front());
    }

    std::vector<LanHost> scan(const Client& client) override {
        // A store per call: clients scan at once, and one SQLite connection
        // must not interleave their transactions.
        auto store = os::StateStore::open(state_path_);
        const auto scans = scan_clients(netconf_, {&client}, store, vendors_, pcap_opener(), ScanSettings{});
        if (!scans.front().error.empty()) throw SystemError("scan of " + client.name.str(), 0, scans.front().error);
        std::vector<LanHost> live;
        for (const auto& host : scans.front().result.hosts) live.push_back({host.ip, host.mac});
        return live;
    }

    std::vector<WakeResult> wake(const Client& client, const std::vector<WakeTarget>& targets,
                                 std::chrono::milliseconds wait) override {
        const auto ns = netconf_.namespace_of(client);
        auto io = os::open_pcap(std::string(bridge_link), "arp", ns);
        auto udp = os::open_udp_broadcast(std::string(bridge_link), ns);
        WakeSettings settings;
        settings.wait = wait;
        return wake_hosts(*io, *udp, client.lan.address, targets, settings);
    }

    std::vector<WakeResult> wait_on(const Client& client, const std::vector<WakeTarget>& targets,
                                    std::chrono::milliseconds wait) override {
        auto io = os::open_pcap(std::string(bridge_link), "arp", netconf_.namespace_of(client));
        return wait_hosts_on(*io, client.lan.address, targets, wait, WakeSettings{}.poll_interval);
    }

    os::SshConnectResult connect(const Client& client, Ipv4Address ip) override {
        const auto ns = os::NamespaceFd::open_named(netconf_.namespace_of(client));
        auto options = ssh_;
        options.known_hosts = netconf_.known_hosts_of(client);
        return os::in_namespace(ns, [&] { return os::ssh_connect(ip, options); });
    }

    std::vector<bool> wait_off(const Client& client, const std::vector<LanHost>& hosts,
                               std::chrono::milliseconds wait) override {
        auto io = os::open_pcap(std::string(bridge_link), "arp", netconf_.namespace_of(client));
        return wait_hosts_off(*io, client.lan.address, hosts, wait, off_poll_interval);
    }

    BackupCare care_for_backups(const Client& client) override {
        auto store = os::StateStore::open(state_path_);  // this client's thread's own connection
        return app::care_for_backups(client, *restic_, store, std::chrono::system_clock::now(), std::random_device{}());
    }

    os::Clock::time_point now() override { return os::Clock::now(); }
    void pause(std::chrono::milliseconds how_long) override { std::this_thread::sleep_for(how_long); }

private:
    const Netconf& netconf_;
    std::string state_path_;
    os::SshOptions ssh_;
    std::mutex links_mutex_;
    std::unique_ptr<os::LinkSystem> links_;
    OuiTable vendors_;
    std::unique_ptr<LabRestic> restic_ = lab_restic();
};

}  // namespace

std::unique_ptr<MaintenanceSystem> kernel_maintenance_system(const Netconf& netconf, const std::string& state_path,
                                                           const os::SshOptions& ssh) {
    return std::make_unique<KernelMaintenanceSystem>(netconf, state_path, ssh);
}

}  // namespace custode::app
