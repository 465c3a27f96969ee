/// `custode verify REPORT [--pubkey FILE] [--signature FILE]`: check a
/// signed report as `minisign -V` would (docs/signing.md). Exit 0 valid,
/// 1 the signature does not verify (changed, or another key), 2 usage or
/// format errors.

#include <fmt/format.h>
#include <iostream>

#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"
#include "custode/os/files.h"
#include "custode/os/signing.h"

namespace custode::cli {
namespace {

namespace fs = std::filesystem;

void declare(CommandOptions& options) {
    options.named.add_options()
        ("report", po::value<std::string>()->value_name("REPORT")->required(), "the signed file")
        ("pubkey", po::value<std::string>()->value_name("FILE"),
         "public key (default: proof.key.pub in the netconf directory, as keygen writes it)")
        ("signature", po::value<std::string>()->value_name("FILE"), "the signature (default: REPORT.minisig)");
    options.positional.add("report", 1);
}

struct Paths {
    fs::path report;
    fs::path signature;
    fs::path pubkey;
};

/// Without --pubkey, the key keygen wrote on this machine; an auditor
/// elsewhere passes the .pub file they were given.
fs::path pubkey_path(const GlobalOptions& global, const po::variables_map& values) {
    if (values.count("pubkey")) return values["pubkey"].as<std::string>();
    auto fallback = os::public_key_path(os::default_secret_key_path(global.netconf_dir));
    if (!fs::exists(fallback))
        throw UsageError(fmt::format("no public key: {} does not exist; give --pubkey FILE", fallback.string()));
    return fallback;
}

Paths paths(const GlobalOptions& global, const po::variables_map& values) {
    Paths result;
    result.report = values["report"].as<std::string>();
    result.signature = values.count("signature") ? fs::path(values["signature"].as<std::string>())
                                                 : fs::path(result.report.string() + ".minisig");
    result.pubkey = pubkey_path(global, values);
    return result;
}

/// A missing input is the caller's mistake (exit 2), not the system's.
std::string read_input(const fs::path& path, std::string_view what) {
    if (!fs::is_regular_file(path)) throw UsageError(fmt::format("{} {}: no such file", what, path.string()));
    return os::read_text_file(path);
}

int exit_code_for(os::Verdict verdict) {
    if (verdict == os::Verdict::valid) return to_int(ExitCode::ok);
    if (verdict == os::Verdict::bad_format) return to_int(ExitCode::usage);
    return to_int(ExitCode::problem);
}

void print_json_result(const Paths& paths, const os::PublicKey& key, const os::Verification& result) {
    nlohmann::json body = {{"report", paths.report.string()},
                           {"signature", paths.signature.string()},
                           {"public_key", paths.pubkey.string()},
                           {"key_id", os::key_id_hex(key.id)},
                           {"verdict", os::verdict_name(result.verdict)}};
    if (result.verdict != os::Verdict::bad_format) {
        body["signature_key_id"] = os::key_id_hex(result.signature_key_id);
        body["prehashed"] = result.prehashed;
    }
    /// Only a verified comment is shown: an unverified one is attacker text.
    if (result.ok()) body["trusted_comment"] = result.trusted_comment;
    if (!result.ok()) body["reason"] = result.reason;
    print_json("verify", result.ok(), std::move(body));
}

void print_text_result(const Paths& paths, const os::Verification& result) {
    if (!result.ok()) {
        print_error(fmt::format("{}: {}", paths.report.string(), result.reason));
        return;
    }
    std::cout << fmt::format("{}: signature valid (key {}{})\ntrusted comment: {}\n", paths.report.string(),
                             os::key_id_hex(result.signature_key_id), result.prehashed ? "" : ", legacy format",
                             result.trusted_comment);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const Paths files = paths(global, values);
    const auto key = os::load_public_key(files.pubkey);
    const auto report = read_input(files.report, "report");
    const auto signature = read_input(files.signature, "signature");
    const auto result = os::verify(report, signature, key);
    if (global.json) {
        print_json_result(files, key, result);
    } else {
        print_text_result(files, result);
    }
    return exit_code_for(result.verdict);
}

}  // namespace

Command verify_command() {
    return {"verify", "REPORT [--pubkey FILE] [--signature FILE]", "check a signed report (minisign format)",
            declare, run};
}

}  // namespace custode::cli
