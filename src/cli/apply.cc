/// `custode apply [CLIENT...] [--dry-run] [--prune] [--wait]`: make the live
/// system match netconf, one transaction per client.

#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/link_output.h"

namespace custode::cli {
namespace apply_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::vector<std::string>>()->value_name("CLIENT"), "clients to apply (default: all)")
        ("dry-run", po::bool_switch(), "show the plan, change nothing")
        ("prune", po::bool_switch(), "also remove managed clients whose netconf file is gone")
        ("wait", po::bool_switch(), "queue behind another running apply instead of failing");
    options.positional.add("client", -1);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    const app::ApplyOptions options{values["dry-run"].as<bool>(), values["prune"].as<bool>(), wait_flag(values)};
    const auto outcomes = app::apply_on_gateway(netconf, state_path(global, netconf), clients, options);
    print_outcomes(global, "apply", outcomes);
    return to_int(exit_code_for(outcomes, false));
}

}  // namespace apply_cmd

Command apply_command() {
    return {"apply", "[CLIENT...] [--dry-run] [--prune] [--wait]", "make the live system match netconf",
            apply_cmd::declare, apply_cmd::run};
}

}  // namespace custode::cli
