#include "custode/cli/common.h"

#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <pwd.h>
#include <unistd.h>

#include "custode/app/netconf_source.h"
#include "custode/core/error.h"

namespace custode::cli {

Netconf require_netconf(const GlobalOptions& global) {
    auto load = app::load_netconf_directory(global.netconf_dir);
    if (load.ok()) return std::move(load.netconf);
    for (const auto& diagnostic : load.diagnostics) std::cerr << diagnostic.to_string() << '\n';
    throw UsageError(fmt::format("netconf in {} has {} error(s); nothing was changed", global.netconf_dir,
                                 load.diagnostics.size()));
}

std::filesystem::path state_path(const GlobalOptions& global, const Netconf& netconf) {
    return global.state ? std::filesystem::path(*global.state) : std::filesystem::path(netconf.site.state);
}

os::FileLock lock_runs(const std::filesystem::path& state, bool wait, RunKind kind) {
    const bool nightly = kind == RunKind::maintenance;
    const auto path = state.string() + (nightly ? ".maintain.lock" : ".lock");
    auto lock = os::FileLock::acquire(path, wait);
    if (!lock)
        throw SystemError("lock " + path, EWOULDBLOCK,
                          nightly ? "another maintain run is in progress; use --wait to queue"
                                  : "another custode run is changing the system; use --wait to queue");
    return std::move(*lock);
}

std::string invoking_user() {
    if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user && *sudo_user) return sudo_user;
    if (const passwd* entry = ::getpwuid(::geteuid())) return entry->pw_name;
    return std::to_string(::geteuid());
}

std::vector<std::string> client_arguments(const po::variables_map& values) {
    return values.count("client") ? values["client"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace custode::cli
