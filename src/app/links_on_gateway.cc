/// The link commands on the real gateway: the kernel through libnl, the
/// run lock, the state file and its audit trail.

#include <fmt/format.h>

#include "custode/app/audit.h"
#include "custode/app/links.h"
#include "custode/core/error.h"
#include "custode/os/inventory_store.h"
#include "custode/os/run_store.h"

namespace custode::app {
namespace {

/// Carries out the pending outcomes between their `running` audit records
/// and the final ones (a kill in between leaves them to be marked interrupted).
void carry_out_audited(os::StateStore& store, os::LinkSystem& system, std::string_view command,
                       std::vector<ClientOutcome>& outcomes) {
    const auto started = begin_audit(store, command, outcomes);
    carry_out_pending(system, outcomes);
    record_audit(store, command, outcomes, started);
}

}  // namespace

std::vector<ClientOutcome> plan_on_gateway(const Netconf& netconf, const std::vector<const Client*>& clients,
                                           bool prune) {
    const auto system = os::make_kernel_link_system();
    return plan_links(netconf, *system, clients, prune);
}

std::vector<ClientOutcome> apply_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                            const std::vector<const Client*>& clients, const ApplyOptions& options) {
    const auto lock = lock_runs(state, options.wait);
    auto store = os::StateStore::open(state);
    if (!options.dry_run) store.check_writable();  // before any change: its record must fit
    const auto system = os::make_kernel_link_system();
    auto outcomes = plan_links(netconf, *system, clients, options.prune);
    if (!options.dry_run) carry_out_audited(store, *system, "apply", outcomes);
    return outcomes;
}

ClientOutcome remove_on_gateway(const Netconf& netconf, const std::filesystem::path& state, const std::string& client,
                                const ApplyOptions& options) {
    if (!ClientName::parse(client)) throw UsageError("'" + client + "' is not a client name");
    const auto lock = lock_runs(state, options.wait);
    auto store = os::StateStore::open(state);
    if (!options.dry_run) store.check_writable();
    const auto system = os::make_kernel_link_system();
    std::vector<ClientOutcome> outcome{remove_client(netconf.site.namespace_prefix, client, *system, Removal::plan_only)};
    if (!options.dry_run) carry_out_audited(store, *system, "remove", outcome);
    return outcome.front();
}

std::vector<ClientStatus> status_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                            const std::vector<const Client*>& clients) {
    const auto system = os::make_kernel_link_system();
    auto statuses = link_status(netconf, *system, clients);
    if (!std::filesystem::exists(state)) return statuses;
    const auto store = os::StateStore::open(state);
    for (auto& status : statuses) {
        if (const auto scan = os::last_scan(store, status.client))
            status.last_scan = fmt::format("{} ({} hosts)", scan->at, scan->hosts_found);
        if (const auto runs = os::list_runs(store, status.client, 1); !runs.empty())
            status.last_run = fmt::format("run {} at {}: {}", runs.front().id, runs.front().started,
                                          runs.front().status);
    }
    return statuses;
}

}  // namespace custode::app
