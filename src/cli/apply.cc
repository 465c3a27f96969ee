/// `custode apply [CLIENT...] [--dry-run] [--prune] [--wait]`: make the live
/// system match netconf, one transaction per client.

#include <algorithm>
#include <fmt/format.h>
#include <iostream>

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

/// A client whose circuit this apply created has not carried a frame of
/// the client's LAN yet: prove it before the first night.
void print_check_hint(const std::vector<app::ClientOutcome>& outcomes) {
    for (const auto& outcome : outcomes) {
        if (outcome.result != app::ClientOutcome::Result::applied) continue;
        const bool created = std::any_of(outcome.plan.steps.begin(), outcome.plan.steps.end(), [](const Step& step) {
            const auto* adopted = std::get_if<AdoptPort>(&step);
            return std::holds_alternative<CreateCircuit>(step) || (adopted && !adopted->lab_port);
        });
        if (created)
            std::cout << fmt::format("{}: new circuit; prove it carries the LAN before the first night: custode check {}\n",
                                     outcome.plan.client, outcome.plan.client);
    }
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    const app::ApplyOptions options{values["dry-run"].as<bool>(), values["prune"].as<bool>(), wait_flag(values)};
    const auto outcomes = app::apply_on_gateway(netconf, state_path(global, netconf), clients, options);
    print_outcomes(global, "apply", outcomes);
    if (!global.json && !options.dry_run) print_check_hint(outcomes);
    return to_int(exit_code_for(outcomes, false));
}

}  // namespace apply_cmd

Command apply_command() {
    return {"apply", "[CLIENT...] [--dry-run] [--prune] [--wait]", "make the live system match netconf",
            apply_cmd::declare, apply_cmd::run};
}

}  // namespace custode::cli
