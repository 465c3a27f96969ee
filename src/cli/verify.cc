/// `custode verify REPORT [--pubkey FILE] [--signature FILE]`: check a
/// signed report as `minisign -V` would (docs/signing.md). Exit 0 valid,
/// 1 the signature does not verify (changed, or another key), 2 usage or
/// format errors.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/signing.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace verify_cmd {

namespace fs = std::filesystem;

void declare(CommandOptions& options) {
    options.named.add_options()
        ("report", po::value<std::string>()->value_name("REPORT")->required(), "the signed file")
        ("pubkey", po::value<std::string>()->value_name("FILE"),
         "public key (default: proof.key.pub in the netconf directory, as keygen writes it)")
        ("signature", po::value<std::string>()->value_name("FILE"), "the signature (default: REPORT.minisig)");
    options.positional.add("report", 1);
}

/// Without --pubkey, the key keygen wrote on this machine; an auditor
/// elsewhere passes the .pub file they were given.
fs::path pubkey_path(const GlobalOptions& global, const po::variables_map& values) {
    if (values.count("pubkey")) return values["pubkey"].as<std::string>();
    auto fallback = app::public_key_path(app::default_key_path(global.netconf_dir));
    if (!fs::exists(fallback))
        throw UsageError(fmt::format("no public key: {} does not exist; give --pubkey FILE", fallback.string()));
    return fallback;
}

ExitCode exit_code_for(const app::ReportCheck& check) {
    if (check.ok) return ExitCode::ok;
    return check.bad_format ? ExitCode::usage : ExitCode::problem;
}

void print_json_result(const app::ReportCheck& check) {
    nlohmann::json body = {{"report", check.report.string()},
                           {"signature", check.signature.string()},
                           {"public_key", check.pubkey.string()},
                           {"key_id", check.key_id},
                           {"verdict", check.verdict}};
    if (!check.bad_format) {
        body["signature_key_id"] = check.signature_key_id;
        body["prehashed"] = check.prehashed;
    }
    if (check.ok) body["trusted_comment"] = check.trusted_comment;
    if (!check.ok) body["reason"] = check.reason;
    print_json("verify", check.ok, std::move(body));
}

void print_text_result(const app::ReportCheck& check) {
    if (!check.ok) {
        print_error(fmt::format("{}: {}", check.report.string(), check.reason));
        return;
    }
    std::cout << fmt::format("{}: signature valid (key {}{})\ntrusted comment: {}\n", check.report.string(),
                             check.signature_key_id, check.prehashed ? "" : ", legacy format", check.trusted_comment);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const fs::path report = values["report"].as<std::string>();
    const fs::path signature = values.count("signature") ? fs::path(values["signature"].as<std::string>())
                                                         : fs::path(report.string() + ".minisig");
    const auto check = app::verify_report(report, signature, pubkey_path(global, values));
    if (global.json) {
        print_json_result(check);
    } else {
        print_text_result(check);
    }
    return to_int(exit_code_for(check));
}

}  // namespace verify_cmd

Command verify_command() {
    return {"verify", "REPORT [--pubkey FILE] [--signature FILE]", "check a signed report (minisign format)",
            verify_cmd::declare, verify_cmd::run};
}

}  // namespace custode::cli
