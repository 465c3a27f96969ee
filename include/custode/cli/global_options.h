#pragma once
/// The options every command takes (--netconf, --state, --json, -v/-q),
/// apart from command.h so that printing code needs no Boost.Program_options.

#include <optional>
#include <string>

namespace custode::cli {

struct GlobalOptions {
    std::string netconf_dir;           ///< --netconf, else $CUSTODE_NETCONF, else /etc/custode
    std::optional<std::string> state;  ///< --state; else site.toml's, else the default
    bool json = false;
    int verbosity = 0;  ///< -v adds one, -q takes one away
};

}  // namespace custode::cli
