/// `custode disconnect CLIENT [--targets FILE] [--wait]`: the lab side of the
/// disconnection proof (docs/disconnect.md). Baseline, targets file, tear
/// down, lab-side checks, signed record. Exit 0 torn down and every check
/// passed, 1 a check failed (something is left), 2 unknown or unprovisioned
/// client, 3 system error.

#include <filesystem>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/disconnect.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace disconnect_cmd {

namespace fs = std::filesystem;
using nlohmann::json;

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client to disconnect")
        ("targets", po::value<std::string>()->value_name("FILE"),
         "where to write the lab targets for the client side (default: CLIENT-targets.json here)")
        ("wait", po::bool_switch(), "queue behind another running apply or remove instead of failing");
    options.positional.add("client", 1);
}

void print_text(const app::DisconnectOutcome& outcome, const fs::path& targets_path, const fs::path& key) {
    const auto& d = outcome.disconnection;
    const auto& written = outcome.record;
    std::cout << fmt::format("disconnect {} ({})\nbaseline:\n", d.subject.client, d.subject.namespace_name);
    for (const auto& result : d.baseline) {
        const auto mac = result.mac() ? result.mac()->to_string() : std::string("-");
        const auto state = !result.probed ? std::string("not on the client LAN, not probed")
                           : result.answered ? fmt::format("answered ({} ms, {})", result.answer_ms,
                                                           result.answered_mac->to_string())
                                             : std::string("DID NOT ANSWER");
        std::cout << fmt::format("  {:<14}{:<17}{:<19}{}\n", result.target.name, result.target.ip.to_string(), mac, state);
    }
    std::cout << fmt::format("targets file: {}\nfor a Windows PC: {} (right-click, Run with PowerShell)\nremoved ({}):\n",
                             targets_path.string(), outcome.script.string(), app::to_string(d.removal.result));
    for (const auto& step : d.removal.plan.steps) {
        const auto view = app::action_view(d.removal, step);
        std::cout << fmt::format("  - {} {}{}{}{}\n", view.op, view.object,
                                 view.attribute.empty() ? "" : " " + view.attribute,
                                 view.from.empty() ? "" : " " + view.from, view.to.empty() ? "" : " -> " + view.to);
    }
    if (!d.removal.error.empty()) std::cout << fmt::format("  error: {}\n", d.removal.error);
    std::cout << "checks:\n";
    for (const auto& check : d.checks)
        std::cout << fmt::format("  {:<5} {:<19}{}\n", check.ok ? "ok" : "FAIL", check.name, check.detail);
    std::cout << fmt::format("verdict: {}\nrecord: {} (state record #{})\ncertificate: {}\n", app::verdict_of(d),
                             written.record.string(), outcome.state_id, outcome.certificate.string());
    if (written.signature_file) {
        std::cout << fmt::format("signed: {} (key {})\n", written.signature_file->string(), *written.key_id);
    } else {
        std::cout << fmt::format("UNSIGNED: no key at {} (create one with: custode keygen)\n", key.string());
    }
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    app::DisconnectRequest request;
    request.client = values["client"].as<std::string>();
    request.targets_file = values.count("targets") ? fs::path(values["targets"].as<std::string>())
                                                   : fs::current_path() / (request.client + "-targets.json");
    request.key = app::default_key_path(global.netconf_dir);
    request.wait = wait_flag(values);
    request.progress = [&](const std::string& line) { print_info(global, 0, line); };
    const auto outcome = app::disconnect(netconf, state_path(global, netconf), request);
    const auto& d = outcome.disconnection;
    const auto& written = outcome.record;
    const auto verdict = app::verdict_of(d);
    const ExitCode code = verdict == "teardown_failed" ? ExitCode::system
                          : verdict == "leftovers"     ? ExitCode::problem
                                                               : ExitCode::ok;
    if (global.json) {
        print_json("disconnect", code == ExitCode::ok,
                   {{"client", request.client},
                    {"namespace", d.subject.namespace_name},
                    {"id", d.id},
                    {"baseline", app::baseline_json(d.baseline)},
                    {"targets_file", request.targets_file.string()},
                    {"targets", outcome.targets},
                    {"script", outcome.script.string()},
                    {"certificate", outcome.certificate.string()},
                    {"removed", app::removal_json(d.removal)},
                    {"checks", app::checks_json(d.checks)},
                    {"verdict", verdict},
                    {"resumed", d.resumed},
                    {"record",
                     {{"file", written.record.string()},
                      {"signature", written.signature_file ? json(written.signature_file->string()) : json(nullptr)},
                      {"signed", written.signature_file.has_value()},
                      {"key_id", written.key_id ? json(*written.key_id) : json(nullptr)},
                      {"state_id", outcome.state_id}}}});
    } else {
        print_text(outcome, request.targets_file, request.key);
    }
    if (!d.removal.error.empty())
        print_error(fmt::format("teardown of {} failed: {}", request.client, d.removal.error));
    return to_int(code);
}

}  // namespace disconnect_cmd

Command disconnect_command() {
    return {"disconnect", "CLIENT [--targets FILE] [--wait]", "baseline, tear down, lab-side proof (signed record)",
            disconnect_cmd::declare, disconnect_cmd::run};
}

}  // namespace custode::cli
