/// The netconf loader on one site.toml and up to four client files. The
/// input is the files' text, each after the first starting at a line
/// `---`. load_netconf reports every problem as a diagnostic and never throws
/// on bad input (core/netconf.h).

#include "custode/core/netconf.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

namespace netconf_fuzz {

constexpr std::string_view separator = "\n---\n";
constexpr std::size_t max_clients = 4;

}  // namespace netconf_fuzz

void netconf(Bytes bytes) {
    using namespace netconf_fuzz;
    auto text = as_text(bytes);
    NetconfSources sources;
    std::vector<std::string> files;  // site.toml, then the clients
    while (files.size() <= max_clients) {
        const auto end = text.find(separator);
        files.emplace_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + separator.size());
    }
    sources.site = SourceFile{"site.toml", files.front()};
    for (std::size_t i = 1; i < files.size(); ++i)
        sources.clients.push_back(SourceFile{"clients/c" + std::to_string(i) + ".toml", files[i]});

    const auto load = load_netconf(sources);
    for (const auto& diagnostic : load.diagnostics)
        expect(!diagnostic.message.empty() && !diagnostic.to_string().empty(), "every diagnostic says what is wrong");
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(netconf)
