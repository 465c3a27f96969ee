#include "custode/app/netconf_source.h"

#include <algorithm>

#include "custode/os/files.h"

namespace custode::app {
namespace {

SourceFile read_source(const std::filesystem::path& path) { return {path.string(), os::read_text_file(path)}; }

}  // namespace

NetconfSources read_netconf_sources(const std::filesystem::path& dir, std::vector<Diagnostic>& problems) {
    NetconfSources sources;
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error)) {
        problems.push_back({dir.string(), 0, 0, "netconf directory not found (see --netconf, $CUSTODE_NETCONF)"});
        return sources;
    }
    const auto site = dir / "site.toml";
    if (std::filesystem::is_regular_file(site, error)) {
        sources.site = read_source(site);
    } else {
        problems.push_back({site.string(), 0, 0, "missing: every netconf directory needs a site.toml"});
    }
    for (const auto& path : os::list_files(dir / "clients", ".toml")) sources.clients.push_back(read_source(path));
    return sources;
}

NetconfLoad load_netconf_directory(const std::filesystem::path& dir) {
    std::vector<Diagnostic> problems;
    NetconfLoad load = load_netconf(read_netconf_sources(dir, problems));
    load.diagnostics.insert(load.diagnostics.end(), problems.begin(), problems.end());
    std::sort(load.diagnostics.begin(), load.diagnostics.end());
    return load;
}

}  // namespace custode::app
