/// `custode remove CLIENT [--dry-run] [--wait]`: tear down a client's links.

#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/link_output.h"

namespace custode::cli {
namespace remove_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client to remove")
        ("dry-run", po::bool_switch(), "show what would be removed, change nothing")
        ("wait", po::bool_switch(), "queue behind another running apply instead of failing");
    options.positional.add("client", 1);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const app::ApplyOptions options{.dry_run = values["dry-run"].as<bool>(), .wait = wait_flag(values)};
    const std::vector outcomes{
        app::remove_on_gateway(netconf, state_path(global, netconf), values["client"].as<std::string>(), options)};
    print_outcomes(global, "remove", outcomes);
    return to_int(exit_code_for(outcomes, false));
}

}  // namespace remove_cmd

Command remove_command() {
    return {"remove", "CLIENT [--dry-run] [--wait]", "tear down a client's circuit, bridge and namespace", remove_cmd::declare,
            remove_cmd::run};
}

}  // namespace custode::cli
