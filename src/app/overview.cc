/// The overview's inputs: netconf's clients, their live links, the store's
/// scans, inventory and runs, and which run reports exist beside the page.

#include "custode/app/overview.h"

#include <fmt/format.h>

#include "custode/app/links.h"
#include "custode/core/html_text.h"
#include "custode/core/utc_time.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"
#include "custode/os/local_time.h"
#include "custode/os/run_store.h"

namespace custode::app {
namespace overview_inputs {

namespace fs = std::filesystem;

/// The client's link as `status` reads it; unknown, saying why, when it cannot be read.
void read_link(const Netconf& netconf, os::LinkSystem* links, const Client& client, ClientFacts& facts) {
    if (!links) {
        facts.link = "not read";
        return;
    }
    try {
        const auto status = link_status(netconf, *links, {&client}).front();
        facts.link = circuit_problem(status);
        facts.link_health = facts.link.empty() ? LinkHealth::up : LinkHealth::problem;
        if (facts.link.empty()) facts.link = status.in_sync ? "up" : "up, but differs from netconf (custode plan)";
    } catch (const std::exception& error) {  // typically not root: the namespace cannot be entered
        facts.link = fmt::format("not read: {}", error.what());
    }
}

/// run-ID.html relative to the page, when the report is there.
std::string report_href(const OverviewFiles& files, std::int64_t run) {
    const auto report = files.report_dir / fmt::format("run-{}.html", run);
    std::error_code error;
    if (!fs::is_regular_file(report, error)) return "";
    const auto page_dir = files.html ? fs::absolute(*files.html).parent_path() : fs::absolute(files.report_dir);
    const auto relative = fs::relative(fs::absolute(report), page_dir, error);
    return url_path((error || relative.empty() ? fs::absolute(report) : relative).generic_string());
}

/// The kernel's link table; null when no netlink socket opens (every link then reads as unknown).
std::unique_ptr<os::LinkSystem> kernel_links() {
    try {
        return os::make_kernel_link_system();
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::chrono::sys_seconds now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace overview_inputs

SiteOverview read_site_overview(const Netconf& netconf, const os::StateStore* store, os::LinkSystem* links,
                                const OverviewFiles& files, std::chrono::sys_seconds now) {
    std::vector<ClientFacts> clients;
    for (const auto& client : netconf.clients) {
        ClientFacts facts;
        facts.name = client.name.str();
        facts.description = client.description;
        overview_inputs::read_link(netconf, links, client, facts);
        if (store) {
            if (const auto scan = os::last_scan(*store, facts.name)) facts.last_scan = scan->at;
            facts.pcs_known = static_cast<int>(os::load_inventory(*store, facts.name).hosts.size());
        }
        clients.push_back(std::move(facts));
    }
    std::vector<OverviewRun> runs;
    if (store) {
        // A day more than the nights: the oldest night began at noon, 30 days back.
        const auto since = utc_iso_seconds(now - std::chrono::days(overview_nights + 1));
        for (auto& record : os::load_runs_since(*store, since)) {
            const auto started = parse_utc_seconds(record.started);
            if (!started) continue;
            const auto local = os::to_local(std::chrono::sys_seconds(std::chrono::seconds(static_cast<long>(*started))));
            auto href = overview_inputs::report_href(files, record.id);
            runs.push_back({std::move(record), local, std::move(href)});
        }
    }
    return site_overview(netconf.site.name, std::move(clients), runs, os::to_local(now), now);
}

SiteOverview overview_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                 const OverviewFiles& files) {
    std::optional<os::StateStore> store;
    if (std::filesystem::exists(state)) store.emplace(os::StateStore::open(state));
    const auto links = overview_inputs::kernel_links();
    auto overview = read_site_overview(netconf, store ? &*store : nullptr, links.get(), files, overview_inputs::now());
    if (files.html) write_overview_html(overview, *files.html);
    return overview;
}

std::optional<std::filesystem::path> write_night_overview(const Netconf& netconf, const os::StateStore& store,
                                                          const std::filesystem::path& report_dir,
                                                          const std::function<void(const std::string&)>& log) {
    const OverviewFiles files{report_dir / overview_file_name, report_dir};
    try {
        const auto links = overview_inputs::kernel_links();
        write_overview_html(read_site_overview(netconf, &store, links.get(), files, overview_inputs::now()), *files.html);
        return files.html;
    } catch (const std::exception& error) {
        if (log) log(fmt::format("overview not written to {}: {}", files.html->string(), error.what()));
        return std::nullopt;
    }
}

void write_overview_html(const SiteOverview& overview, const std::filesystem::path& path) {
    os::write_file_atomically(path, render_overview_html(overview));
}

}  // namespace custode::app
