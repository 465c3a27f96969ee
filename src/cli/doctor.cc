/// `custode doctor`: what stops custode from working on this gateway, and
/// how to fix it. Exit 0 when all is well, 1 with the findings.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/doctor.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace doctor_cmd {

void declare(CommandOptions&) {}

nlohmann::json findings_json(const std::vector<DoctorFinding>& findings) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& finding : findings)
        list.push_back({{"check", finding.check}, {"what", finding.what}, {"where", finding.where}, {"fix", finding.fix}});
    return list;
}

int run(const GlobalOptions& global, const po::variables_map&) {
    const auto netconf = require_netconf(global);
    const auto doctor = app::doctor_on_gateway(netconf, state_path(global, netconf));
    const auto& report = doctor.report;
    const bool ok = report.findings.empty();
    if (global.json) {
        nlohmann::json kernel = nlohmann::json::object();
        for (const auto& [module, state] : doctor.facts.modules) kernel[module] = to_string(state);
        print_json("doctor", ok,
                   {{"findings", findings_json(report.findings)},
                    {"notes", report.notes},
                    {"passed", report.passed},
                    {"kernel", kernel}});
    } else {
        for (const auto& line : report.passed) std::cout << "ok       " << line << '\n';
        for (const auto& note : report.notes) std::cout << "note     " << note << '\n';
        for (const auto& finding : report.findings)
            std::cout << fmt::format("PROBLEM  {}: {}\n           where: {}\n           fix:   {}\n", finding.check,
                                     finding.what, finding.where, finding.fix);
        std::cout << (ok ? "all is well\n" : fmt::format("{} problem(s) to fix\n", report.findings.size()));
    }
    return to_int(ok ? ExitCode::ok : ExitCode::problem);
}

}  // namespace doctor_cmd

Command doctor_command() {
    return {"doctor", "",
            "checks the gateway for what custode needs (kernel, links, SSH identity and known hosts, state file, "
            "timer, clock, sysctls) and says how to fix each problem; reads only",
            doctor_cmd::declare, doctor_cmd::run};
}

}  // namespace custode::cli
