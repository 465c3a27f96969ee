/// `custode isolation-check --interface IF (--targets FILE | --target IP[@MAC]...)
/// [--control IP] [--key FILE | --unsigned] [--out FILE] [--namespace NS]`:
/// the client side of the disconnection proof (docs/isolation.md). Exit 0
/// isolated, 1 not isolated, 4 inconclusive, 2 usage, 3 system.

#include <chrono>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/isolation_check.h"
#include "custode/app/signing.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/utc_time.h"

namespace custode::cli {
namespace isolation_check_cmd {

namespace fs = std::filesystem;

void declare(CommandOptions& options) {
    options.named.add_options()
        ("interface", po::value<std::string>()->value_name("IF")->required(), "the client LAN interface to probe from")
        ("targets", po::value<std::string>()->value_name("FILE"), "the lab targets file `custode disconnect` wrote")
        ("target", po::value<std::vector<std::string>>()->value_name("IP[@MAC]"), "a lab target (repeatable)")
        ("control", po::value<std::string>()->value_name("IP"),
         "a client host that always answers (default: the targets file's, else the default gateway)")
        ("key", po::value<std::string>()->value_name("FILE"),
         "signing key (default: proof.key in the netconf directory)")
        ("unsigned", po::bool_switch(), "write the report without a signature when there is no key")
        ("out", po::value<std::string>()->value_name("FILE"),
         "the report (default: isolation-<client>-<UTC stamp>.json); FILE.pcap and FILE.minisig beside it")
        ("namespace", po::value<std::string>()->value_name("NS"),
         "test aid: probe from the interface in network namespace NS (/run/netns/NS)");
}

IsolationTarget target_argument(const std::string& text) {
    try {
        return parse_target_argument(text);
    } catch (const UsageError& error) {
        throw UsageError(fmt::format("--target {}: {}", text, error.what()));
    }
}

app::CheckRequest request_from(const GlobalOptions& global, const po::variables_map& values) {
    app::CheckRequest request;
    request.interface = values["interface"].as<std::string>();
    if (values.count("namespace")) request.namespace_name = values["namespace"].as<std::string>();
    request.targets_source = "command line";
    if (values.count("targets")) {
        const fs::path path = values["targets"].as<std::string>();
        const auto file = app::read_targets_file(path);
        request.targets = file.targets;
        request.client = file.client;
        request.targets_source = path.string();
        if (file.control) {
            request.control = file.control;
            request.control_source = ControlSource::targets_file;
        }
    }
    if (values.count("target"))
        for (const auto& text : values["target"].as<std::vector<std::string>>()) {
            auto target = target_argument(text);
            for (const auto& known : request.targets)
                if (known.ip == target.ip) throw UsageError(fmt::format("--target {}: listed twice", text));
            request.targets.push_back(std::move(target));
        }
    if (request.targets.empty()) throw UsageError("no lab targets: give --targets FILE or --target IP[@MAC]");
    if (values.count("control")) {
        const auto text = values["control"].as<std::string>();
        const auto ip = Ipv4Address::parse(text);
        if (!ip) throw UsageError(fmt::format("--control {}: not an IPv4 address", text));
        request.control = *ip;
        request.control_source = ControlSource::option;
    }
    const fs::path key = values.count("key") ? fs::path(values["key"].as<std::string>())
                                             : app::default_key_path(global.netconf_dir);
    if (fs::exists(key)) {
        request.key = key;
    } else if (!values["unsigned"].as<bool>() || values.count("key")) {
        throw UsageError(fmt::format("no signing key {}: run `custode keygen`, or pass --unsigned for a report "
                                     "nobody can check later",
                                     key.string()));
    }
    const auto client = request.client.empty() ? std::string("manual") : request.client;
    request.out = values.count("out")
                      ? fs::path(values["out"].as<std::string>())
                      : fs::path(fmt::format("isolation-{}-{}.json", client, utc_stamp(std::chrono::system_clock::now())));
    return request;
}

void print_text(const app::CheckOutcome& outcome) {
    const auto& report = outcome.report;
    std::cout << fmt::format("verdict: {}\n", report["verdict"].get<std::string>());
    for (const auto& reason : report["reasons"]) std::cout << "  " << reason.get<std::string>() << '\n';
    const auto line = [](const nlohmann::json& target) {
        std::string responders;
        for (const auto& mac : target["responders"]) responders += " " + mac.get<std::string>();
        return fmt::format("  {:<16}{:<12}{:<10}{}{}\n", target["ip"].get<std::string>(),
                           target.value("name", std::string()), target["route"].get<std::string>(),
                           target["answered"].get<bool>() ? "ANSWERED by" : "silent", responders);
    };
    std::cout << "targets:\n";
    for (const auto& target : report["targets"]) std::cout << line(target);
    const auto& control = report["control"];
    if (control.contains("ip")) std::cout << "control (" << control["source"].get<std::string>() << "):\n" << line(control);
    else std::cout << "control: none\n";
    for (const auto& warning : report["warnings"]) std::cout << "warning: " << warning["detail"].get<std::string>() << '\n';
    std::cout << fmt::format("report:    {}\ncapture:   {}\n", outcome.report_path.string(), outcome.capture_path.string());
    if (outcome.signature_path) std::cout << fmt::format("signature: {}\n", outcome.signature_path->string());
    else std::cout << "signature: none (--unsigned)\n";
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto request = request_from(global, values);
    print_info(global, 1, fmt::format("probing {} target(s) from {}", request.targets.size(), request.interface));
    const auto outcome = app::run_isolation_check(request);
    const auto code = exit_code_for(outcome.assessment.verdict);
    if (global.json) {
        const auto& report = outcome.report;
        nlohmann::json body = {{"verdict", report["verdict"]},
                               {"report", outcome.report_path.string()},
                               {"capture", outcome.capture_path.string()},
                               {"signature", outcome.signature_path ? nlohmann::json(outcome.signature_path->string())
                                                                    : nlohmann::json()},
                               {"report_id", outcome.report_id},
                               {"targets", report["targets"]},
                               {"control", report["control"]},
                               {"warnings", report["warnings"]},
                               {"reasons", report["reasons"]},
                               {"duration_ms", report["when"]["duration_ms"]}};
        print_json("isolation-check", code == ExitCode::ok, std::move(body));
    } else {
        print_text(outcome);
    }
    return to_int(code);
}

}  // namespace isolation_check_cmd

Command isolation_check_command() {
    return {"isolation-check",
            "--interface IF (--targets FILE | --target IP[@MAC]...) [--control IP] [--key FILE] [--out FILE]",
            "client side: prove the lab is unreachable, in a signed report",
            isolation_check_cmd::declare, isolation_check_cmd::run};
}

}  // namespace custode::cli
