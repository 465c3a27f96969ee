/// `custode check CLIENT`: the acceptance test of a provisioned circuit.
/// Exit 0 when it is fit for the first night, 1 with the findings.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/circuit_check.h"
#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace check_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client to check");
    options.positional.add("client", 1);
}

nlohmann::json measured_json(const CircuitMeasurements& measured) {
    nlohmann::json claimants = nlohmann::json::array();
    for (const auto& mac : measured.address_claimants) claimants.push_back(mac.to_string());
    nlohmann::json servers = nlohmann::json::array();
    for (const auto& server : measured.dhcp_servers) servers.push_back(server.to_string());
    return {{"carrier", measured.carrier},
            {"circuit_mtu", measured.circuit_mtu},
            {"control_mac", measured.control_mac ? nlohmann::json(measured.control_mac->to_string()) : nullptr},
            {"echoes_sent", measured.echoes_sent},
            {"echo_rtt_ms", measured.echo_rtt_ms},
            {"path_mtu", measured.path_mtu ? nlohmann::json(*measured.path_mtu) : nullptr},
            {"address_claimants", claimants},
            {"dhcp_servers", servers}};
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, {values["client"].as<std::string>()});
    const auto check = app::check_on_gateway(netconf, *clients.front());
    if (global.json) {
        print_json("check", check.verdict.fit,
                   {{"client", check.client},
                    {"address", check.own_address.to_string()},
                    {"control", check.control.to_string()},
                    {"fit", check.verdict.fit},
                    {"findings", check.verdict.findings},
                    {"notes", check.verdict.notes},
                    {"measured", measured_json(check.measured)},
                    {"seconds", check.seconds}});
    } else {
        std::cout << fmt::format("{}: {} ({:.1f} s)\n", check.client,
                                 check.verdict.fit ? "the circuit is fit" : "the circuit is NOT fit", check.seconds);
        for (const auto& finding : check.verdict.findings) std::cout << "  finding: " << finding << '\n';
        for (const auto& note : check.verdict.notes) std::cout << "  " << note << '\n';
    }
    return to_int(check.verdict.fit ? ExitCode::ok : ExitCode::problem);
}

}  // namespace check_cmd

Command check_command() {
    return {"check", "CLIENT",
            "the acceptance test of a provisioned circuit: the control answers, the path carries the circuit's MTU, "
            "no address conflict, latency and loss",
            check_cmd::declare, check_cmd::run};
}

}  // namespace custode::cli
