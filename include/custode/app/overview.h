#pragma once
/// The site at a glance (`custode overview`, and overview.html beside the
/// run reports after each scheduled night): the overview's inputs read from
/// the state file, the kernel's links and the clock (core/site_overview.h).

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <optional>

#include "custode/core/netconf.h"
#include "custode/core/site_overview.h"
#include "custode/os/link_system.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// Where the page goes and where the run reports it links to are.
struct OverviewFiles {
    std::optional<std::filesystem::path> html;  ///< the page to write; nullopt: build the model only
    std::filesystem::path report_dir;           ///< run-ID.html live here; a cell links its run's report when it exists
};

/// The model from the store and the live links: every netconf client, the
/// runs of the last 31 days (`store` null: none yet). `links` null, or a client whose namespace
/// cannot be read (not root), gives that client's link as unknown, with why.
/// Nights are the gateway's local ones, as of `now`.
SiteOverview read_site_overview(const Netconf& netconf, const os::StateStore* store, os::LinkSystem* links,
                                const OverviewFiles& files, std::chrono::sys_seconds now);

/// read_site_overview on the real gateway, and the page written atomically
/// when files.html is set. A state file that does not exist yet reads as no
/// runs and no scans.
SiteOverview overview_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                 const OverviewFiles& files);

/// The page at `path`, written atomically.
void write_overview_html(const SiteOverview& overview, const std::filesystem::path& path);

/// "overview.html": the page a scheduled night leaves beside its run reports.
inline constexpr std::string_view overview_file_name = "overview.html";

/// After a scheduled night: overview.html in `report_dir`, linking the run
/// reports there. The night is done whatever happens here: a failure is told
/// to `log` and gives nullopt.
std::optional<std::filesystem::path> write_night_overview(const Netconf& netconf, const os::StateStore& store,
                                                          const std::filesystem::path& report_dir,
                                                          const std::function<void(const std::string&)>& log);

}  // namespace custode::app
