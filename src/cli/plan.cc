/// `custode plan [CLIENT...] [--prune]`: what apply would change.

#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/link_output.h"

namespace custode::cli {
namespace plan_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::vector<std::string>>()->value_name("CLIENT"), "clients to plan (default: all)")
        ("prune", po::bool_switch(), "also show managed clients whose netconf file is gone");
    options.positional.add("client", -1);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    const auto outcomes = app::plan_on_gateway(netconf, clients, values["prune"].as<bool>());
    print_outcomes(global, "plan", outcomes);
    return to_int(exit_code_for(outcomes, true));
}

}  // namespace plan_cmd

Command plan_command() {
    return {"plan", "[CLIENT...] [--prune]", "show what apply would change, per client and attribute",
            plan_cmd::declare, plan_cmd::run};
}

}  // namespace custode::cli
