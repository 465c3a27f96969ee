/// The loader's entry point: parse every file, check across files, sort.

#include <algorithm>
#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode {
namespace netconf_detail {

std::optional<toml::table> parse_toml(const SourceFile& file, FileDiagnostics& diagnostics) {
    try {
        return toml::parse(file.text, std::string_view(file.path));
    } catch (const toml::parse_error& error) {
        // toml++ stops at the first syntax error of a file; other files are still checked.
        diagnostics.error(position_of(error.source()), fmt::format("TOML syntax: {}", error.description()));
        return std::nullopt;
    }
}

}  // namespace netconf_detail

using namespace netconf_detail;

namespace {

Site load_site(const SourceFile& file, std::vector<Diagnostic>& out) {
    FileDiagnostics diagnostics(file.path, out);
    const auto root = parse_toml(file, diagnostics);
    return root ? parse_site(*root, diagnostics) : Site{};
}

std::vector<ParsedClient> load_clients(const std::vector<SourceFile>& files, std::vector<Diagnostic>& out) {
    std::vector<ParsedClient> clients;
    for (const auto& file : files) {
        FileDiagnostics diagnostics(file.path, out);
        if (const auto root = parse_toml(file, diagnostics)) clients.push_back(parse_client(*root, file, diagnostics));
    }
    return clients;
}

}  // namespace

NetconfLoad load_netconf(const NetconfSources& sources) {
    NetconfLoad load;
    if (sources.site) load.netconf.site = load_site(*sources.site, load.diagnostics);
    const auto parsed = load_clients(sources.clients, load.diagnostics);
    check_across_clients(parsed, load.diagnostics);
    for (const auto& client : parsed)
        if (auto model = client.to_client()) load.netconf.clients.push_back(std::move(*model));
    std::sort(load.netconf.clients.begin(), load.netconf.clients.end(),
              [](const Client& a, const Client& b) { return a.name < b.name; });
    std::sort(load.diagnostics.begin(), load.diagnostics.end());
    return load;
}

}  // namespace custode
