/// `custode disconnect CLIENT [--targets FILE] [--wait]`: the lab side of the
/// disconnection proof (docs/disconnect.md). Baseline, targets file, tear
/// down, lab-side checks, signed record. Exit 0 torn down and every check
/// passed, 1 a check failed (something is left), 2 unknown or unprovisioned
/// client, 3 system error.

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/disconnect.h"
#include "custode/cli/audit.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/canonical_json.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"
#include "custode/os/disconnection_store.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"
#include "custode/os/signing.h"

namespace custode::cli {
namespace {

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

/// The client, provisioned: a namespace holding links custode marked for it.
const Client& provisioned_client(const Netconf& netconf, const std::string& name, const LiveNamespace& live) {
    const Client* client = netconf.find(name);
    if (!client) throw UsageError(fmt::format("no client '{}' in netconf", name));
    if (!live.exists)
        throw UsageError(fmt::format("client '{}' is not provisioned: there is no namespace {}", name, live.name));
    const bool marked = std::any_of(live.links.begin(), live.links.end(),
                                    [&](const LiveLink& link) { return is_marked_for(link.alias, name); });
    if (!marked || !live.find(bridge_link))
        throw UsageError(fmt::format("client '{}' is not provisioned: {} holds no bridge of custode's", name, live.name));
    return *client;
}

std::string compact_time(std::string iso) {
    iso.erase(std::remove_if(iso.begin(), iso.end(), [](char c) { return c == '-' || c == ':'; }), iso.end());
    return iso;
}

struct Written {
    fs::path record;
    std::optional<fs::path> signature;
    std::optional<std::string> key_id;
    fs::path key;
    std::int64_t state_id = 0;
};

/// Canonical JSON, signed with the site key when there is one, in the state
/// file and beside the targets file.
Written keep_record(const GlobalOptions& global, os::StateStore& store, const app::Disconnection& disconnection,
                    const fs::path& directory) {
    const auto text = canonical_json(app::record_json(disconnection));
    Written written;
    written.key = os::default_secret_key_path(global.netconf_dir);
    written.record = directory / (disconnection.subject.client + "-disconnect.json");
    const fs::path signature_path = written.record.string() + ".minisig";
    std::string signature;
    if (fs::exists(written.key)) {
        const auto key = os::load_secret_key(written.key);
        signature = os::sign(text,
                             fmt::format("custode disconnect id={} client={} finished={} verdict={}", disconnection.id,
                                         disconnection.subject.client, disconnection.finished,
                                         app::verdict_of(disconnection)),
                             key);
        written.key_id = os::key_id_hex(key.id());
    }
    os::write_file_atomically(written.record, text);
    if (!signature.empty()) {
        os::write_file_atomically(signature_path, signature);
        written.signature = signature_path;
    } else {
        // A signature left by an earlier run would not match this record.
        std::error_code ignored;
        fs::remove(signature_path, ignored);
    }
    written.state_id = os::append_disconnection(
        store, {0, disconnection.subject.client, disconnection.finished, disconnection.user, text, signature});
    return written;
}

void print_text(const app::Disconnection& d, const fs::path& targets_path, const Written& written) {
    std::cout << fmt::format("disconnect {} ({})\nbaseline:\n", d.subject.client, d.subject.namespace_name);
    for (const auto& result : d.baseline) {
        const auto mac = result.mac() ? result.mac()->to_string() : std::string("-");
        const auto state = !result.probed ? std::string("not on the client LAN, not probed")
                           : result.answered ? fmt::format("answered ({} ms, {})", result.answer_ms,
                                                           result.answered_mac->to_string())
                                             : std::string("DID NOT ANSWER");
        std::cout << fmt::format("  {:<14}{:<17}{:<19}{}\n", result.target.name, result.target.ip.to_string(), mac, state);
    }
    std::cout << fmt::format("targets file: {}\nremoved ({}):\n", targets_path.string(), app::to_string(d.removal.result));
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
    std::cout << fmt::format("verdict: {}\nrecord: {} (state record #{})\n", app::verdict_of(d),
                             written.record.string(), written.state_id);
    if (written.signature) {
        std::cout << fmt::format("signed: {} (key {})\n", written.signature->string(), *written.key_id);
    } else {
        std::cout << fmt::format("UNSIGNED: no key at {} (create one with: custode keygen)\n", written.key.string());
    }
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto name = values["client"].as<std::string>();
    if (!ClientName::parse(name)) throw UsageError("'" + name + "' is not a client name");
    if (!netconf.find(name)) throw UsageError(fmt::format("no client '{}' in netconf", name));
    const fs::path targets_path = values.count("targets") ? fs::path(values["targets"].as<std::string>())
                                                          : fs::current_path() / (name + "-targets.json");
    const auto state = state_path(global, netconf);
    auto lock = lock_runs(state, values["wait"].as<bool>());
    auto store = os::StateStore::open(state);
    auto system = os::make_kernel_link_system();
    const auto& prefix = netconf.site.namespace_prefix;
    const auto live = system->read_namespace(prefix + name);
    const Client& client = provisioned_client(netconf, name, live);

    // Refusals first, before anything is probed or written.
    const auto preview = app::remove_client(prefix, name, *system, true);
    if (preview.result == app::ClientOutcome::Result::refused)
        throw UsageError(fmt::format("cannot tear down {}: {}", name, fmt::join(preview.plan.refusals, "; ")));

    app::Disconnection d;
    d.site = netconf.site.name;
    d.user = invoking_user();
    d.started = os::utc_now();
    d.id = fmt::format("{}-{}", name, compact_time(d.started));
    print_info(global, 0, fmt::format("baseline: probing the lab targets from {}", live.name));
    const auto targets = app::lab_targets(netconf, client, live.find(bridge_link)->mac);
    d.baseline = app::run_baseline(live.name, name, targets, {});
    const auto targets_json = app::targets_file_json(name, d.started, d.baseline, client.lan.control);
    os::write_file_atomically(targets_path, targets_json.dump(2) + "\n");

    print_info(global, 0, fmt::format("tearing down {}", live.name));
    const auto old_namespace = os::named_namespace_id(live.name);
    d.removal = app::remove_client(prefix, name, *system, false);
    system.reset();  // its sockets must not keep the old namespace alive
    record_audit(store, "disconnect", {d.removal});

    std::vector<MacAddress> macs;
    for (const auto& host : os::load_inventory(store, name).hosts) macs.push_back(host.mac);
    d.subject = app::subject_of(netconf, client, std::move(macs));
    d.checks = app::run_checks(d.subject, old_namespace);
    d.finished = os::utc_now();

    const auto written = keep_record(global, store, d, fs::absolute(targets_path).parent_path());
    const auto verdict = app::verdict_of(d);
    const ExitCode code = verdict == "teardown_failed" ? ExitCode::system
                          : verdict == "leftovers"     ? ExitCode::problem
                                                       : ExitCode::ok;
    if (global.json) {
        print_json("disconnect", code == ExitCode::ok,
                   {{"client", name},
                    {"namespace", live.name},
                    {"id", d.id},
                    {"baseline", app::baseline_json(d.baseline)},
                    {"targets_file", targets_path.string()},
                    {"targets", targets_json},
                    {"removed", app::removal_json(d.removal)},
                    {"checks", app::checks_json(d.checks)},
                    {"verdict", verdict},
                    {"record",
                     {{"file", written.record.string()},
                      {"signature", written.signature ? json(written.signature->string()) : json(nullptr)},
                      {"signed", written.signature.has_value()},
                      {"key_id", written.key_id ? json(*written.key_id) : json(nullptr)},
                      {"state_id", written.state_id}}}});
    } else {
        print_text(d, targets_path, written);
    }
    if (!d.removal.error.empty()) print_error(fmt::format("teardown of {} failed: {}", name, d.removal.error));
    return to_int(code);
}

}  // namespace

Command disconnect_command() {
    return {"disconnect", "CLIENT [--targets FILE] [--wait]", "baseline, tear down, lab-side proof (signed record)",
            declare, run};
}

}  // namespace custode::cli
