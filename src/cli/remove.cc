/// `custode remove CLIENT [--dry-run] [--wait]`: tear down a client's links.

#include "custode/cli/audit.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/link_output.h"
#include "custode/core/error.h"

namespace custode::cli {
namespace {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client to remove")
        ("dry-run", po::bool_switch(), "show what would be removed, change nothing")
        ("wait", po::bool_switch(), "queue behind another running apply instead of failing");
    options.positional.add("client", 1);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto client = values["client"].as<std::string>();
    if (!ClientName::parse(client)) throw UsageError("'" + client + "' is not a client name");
    const bool dry_run = values["dry-run"].as<bool>();
    const auto state = state_path(global, netconf);
    auto lock = lock_runs(state, values["wait"].as<bool>());
    auto store = os::StateStore::open(state);
    auto system = os::make_kernel_link_system();
    const std::vector outcomes{app::remove_client(netconf.site.namespace_prefix, client, *system, dry_run)};
    if (!dry_run) record_audit(store, "remove", outcomes);
    print_outcomes(global, "remove", outcomes);
    return to_int(exit_code_for(outcomes, false));
}

}  // namespace

Command remove_command() {
    return {"remove", "CLIENT [--dry-run] [--wait]", "tear down a client's circuit, bridge and namespace", declare,
            run};
}

}  // namespace custode::cli
