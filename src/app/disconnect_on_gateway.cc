/// `disconnect` on the real gateway: the kernel, the state file, the
/// targets file and the signed record.

#include <algorithm>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "custode/app/audit.h"
#include "custode/app/disconnect.h"
#include "custode/app/links_json.h"
#include "custode/core/canonical_json.h"
#include "custode/core/error.h"
#include "custode/core/isolation_script.h"
#include "custode/core/utc_time.h"
#include "custode/core/version.h"
#include "custode/os/disconnection_store.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"
#include "custode/os/local_time.h"
#include "custode/os/user.h"

namespace custode::app {
namespace {

namespace fs = std::filesystem;

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

/// `last`, a client's newest audit record, is of a disconnect killed (or cut
/// by a reboot) after its teardown began and before its signed record was
/// stored: still `running`, or marked `interrupted` (the final audit record
/// and the signed record are stored together).
bool is_interrupted_disconnect(const os::AuditRecord& last) {
    return last.command == "disconnect" && (last.result == "running" || last.result == "interrupted");
}

std::string compact_time(std::string iso) {
    iso.erase(std::remove_if(iso.begin(), iso.end(), [](char c) { return c == '-' || c == ':'; }), iso.end());
    return iso;
}

/// An ISO 8601 UTC time in the gateway's time zone: "2026-12-06 22:00:00 +01:00".
std::string local_time_text(const std::string& utc) {
    const auto seconds = parse_utc_seconds(utc);
    if (!seconds) return "";
    const std::chrono::sys_seconds at{std::chrono::seconds(static_cast<long long>(*seconds))};
    const auto local = os::to_local(at);
    const auto offset = std::chrono::duration_cast<std::chrono::minutes>(local.time_since_epoch() - at.time_since_epoch());
    const auto minutes = offset.count() < 0 ? -offset.count() : offset.count();
    return fmt::format("{:%Y-%m-%d %H:%M:%S} {}{:02}:{:02}", std::chrono::sys_seconds(local.time_since_epoch()),
                       offset.count() < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

std::string trusted_comment(const Disconnection& d) {
    return fmt::format("custode disconnect id={} client={} finished={} verdict={}", d.id, d.subject.client,
                       d.finished, verdict_of(d));
}

}  // namespace

DisconnectOutcome disconnect(const Netconf& netconf, const fs::path& state, const DisconnectRequest& request) {
    const auto& name = request.client;
    if (!ClientName::parse(name)) throw UsageError("'" + name + "' is not a client name");
    if (!netconf.find(name)) throw UsageError(fmt::format("no client '{}' in netconf", name));
    const auto say = [&](const std::string& line) {
        if (request.progress) request.progress(line);
    };
    const auto lock = lock_runs(state, request.wait);
    auto store = os::StateStore::open(state);
    store.check_writable();  // the teardown's audit record and the proof go there
    auto system = os::make_kernel_link_system();
    const auto& prefix = netconf.site.namespace_prefix;
    const auto live = system->read_namespace(prefix + name);
    // Its namespace gone, a disconnect that was cut after its teardown began
    // is finished: torn down (whatever is left), checked and signed.
    const auto last = store.last_audit_of(name);
    const bool resumed = !live.exists && last && is_interrupted_disconnect(*last);
    if (!live.exists && !resumed && last && last->command == "disconnect")
        throw UsageError(fmt::format("client '{}' is not provisioned: it was disconnected at {} and has no "
                                     "namespace {} (custode disconnections {})",
                                     name, last->at, live.name, name));
    const Client& client = resumed ? *netconf.find(name) : provisioned_client(netconf, name, live);
    if (!resumed) delete_leftover_probe(*system, name, live);

    // Refusals first, before anything is probed or written.
    const auto preview = remove_client(prefix, name, *system, Removal::plan_only);
    if (preview.result == ClientOutcome::Result::refused)
        throw UsageError(fmt::format("cannot tear down {}: {}", name, fmt::join(preview.plan.refusals, "; ")));

    DisconnectOutcome outcome;
    auto& d = outcome.disconnection;
    d.site = netconf.site.name;
    d.user = os::invoking_user();
    d.started = os::utc_now();
    d.id = fmt::format("{}-{}", name, compact_time(d.started));
    d.resumed = resumed;
    const auto directory = fs::absolute(request.targets_file).parent_path();
    outcome.script = directory / isolation_script_name(name);
    if (resumed) {
        say(fmt::format("{} is gone: finishing the teardown of an interrupted disconnect (no baseline: the cut run "
                        "took it, in the targets file it wrote)",
                        live.name));
        if (fs::exists(request.targets_file))
            outcome.targets = nlohmann::json::parse(os::read_text_file(request.targets_file), nullptr, false);
    } else {
        say(fmt::format("baseline: probing the lab targets from {}", live.name));
        const auto targets = lab_targets(netconf, client, live.find(bridge_link)->mac);
        d.baseline = run_baseline(*system, live.name, name, targets, {});
        outcome.targets = targets_file_json(name, d.started, d.baseline, client.lan.control);
        os::write_file_atomically(request.targets_file, outcome.targets.dump(2) + "\n");
        // The same check for a Windows PC, from the same data.
        os::write_file_atomically(
            outcome.script, isolation_check_script(lab_targets_file(name, d.started, d.baseline, client.lan.control),
                                                   IsolationSettings{}.tcp_ports, fmt::format("custode {}", version())));
    }

    say(fmt::format("tearing down {}", live.name));
    const auto old_namespace = system->namespace_identity(live.name);
    std::vector<ClientOutcome> removal{remove_client(prefix, name, *system, Removal::plan_only)};
    const auto started = begin_audit(store, "disconnect", removal);
    carry_out_pending(*system, removal);
    system.reset();  // its sockets must not keep the old namespace alive

    std::vector<MacAddress> macs;
    for (const auto& host : os::load_inventory(store, name).hosts) macs.push_back(host.mac);
    d.subject = subject_of(netconf, client, std::move(macs));
    // A fresh view of the kernel: the old one's socket in the client's
    // namespace would keep that namespace alive.
    d.removal = removal.front();
    d.checks = run_checks(*os::make_kernel_link_system(), d.subject, old_namespace);
    d.finished = os::utc_now();

    // Canonical JSON, signed with the site key when there is one, in the
    // state file and beside the targets file.
    const auto record_path = directory / (name + "-disconnect.json");
    const auto certificate_path = directory / certificate_file_name(d.id);
    d.files = {{"record", record_path.string()}, {"certificate", certificate_path.string()}};
    if (fs::exists(request.targets_file)) d.files["targets"] = fs::absolute(request.targets_file).string();
    if (fs::exists(outcome.script)) d.files["script"] = outcome.script.string();
    const auto text = canonical_json(record_json(d));
    const auto key = fs::exists(request.key) ? std::optional(os::load_secret_key(request.key)) : std::nullopt;
    outcome.record = write_signed_record(record_path, text, trusted_comment(d),
                                         key ? &*key : nullptr);

    // The certificate for the client, beside the files it names.
    const HandedOver files{request.targets_file.filename().string(), outcome.script.filename().string(),
                           outcome.record.record.filename().string(), outcome.record.signature,
                           outcome.record.key_id.value_or(""), key ? key->public_key().base64() : ""};
    outcome.certificate = certificate_path;
    os::write_file_atomically(outcome.certificate, render_certificate_html(certificate_of(
                                                       d, client.description, local_time_text(d.finished), files)));

    // Last, together: the teardown's final audit record and the signed
    // record. Until then a kill leaves the disconnect resumable (above).
    store.transaction([&] {
        record_audit(store, "disconnect", removal, started);
        if (resumed && started.empty()) {
            // Nothing was left to tear down: the final record says so.
            os::AuditRecord record{0, "", d.user, "disconnect", name, outcome_json(d.removal).dump(), "ok",
                                   "finished an interrupted disconnect: its teardown was already complete"};
            store.append_audit(record);
        }
        outcome.state_id =
            os::append_disconnection(store, {0, name, d.finished, d.user, text, outcome.record.signature});
    });
    return outcome;
}

}  // namespace custode::app
