#include "custode/cli/common.h"

#include <fmt/format.h>
#include <iostream>

#include "custode/app/netconf_source.h"
#include "custode/core/error.h"

namespace custode::cli {

Netconf require_netconf(const GlobalOptions& global) {
    auto load = app::load_netconf_directory(global.netconf_dir);
    if (load.ok()) return std::move(load.netconf);
    for (const auto& diagnostic : load.diagnostics) std::cerr << diagnostic.to_string() << '\n';
    throw UsageError(fmt::format("netconf in {} has {} error(s); nothing was changed", global.netconf_dir,
                                 load.error_count()));
}

std::filesystem::path state_path(const GlobalOptions& global, const Netconf& netconf) {
    return global.state ? std::filesystem::path(*global.state) : std::filesystem::path(netconf.site.state);
}

app::Wait wait_flag(const po::variables_map& values) {
    return values["wait"].as<bool>() ? app::Wait::yes : app::Wait::no;
}

std::vector<std::string> client_arguments(const po::variables_map& values) {
    return values.count("client") ? values["client"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

std::filesystem::path report_directory(const po::variables_map& values, const std::filesystem::path& state) {
    if (values.count("report-dir")) return values["report-dir"].as<std::string>();
    return state.parent_path() / "reports";
}

}  // namespace custode::cli
