#pragma once
/// `disconnect`, the lab side of the disconnection proof (docs/disconnect.md):
/// record that every lab target answers now (the baseline), write the
/// targets file the client-side isolation check reads, tear the client's
/// circuit down, then prove from the gateway that nothing of the client is
/// left (checks), in a signed record.
///
/// The pure parts (targets, the targets file, check evaluation, the record)
/// take data; the kernel parts (probing, observing the gateway) are separate
/// functions so the rules are unit-tested without root.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "custode/app/links.h"
#include "custode/app/signing.h"
#include "custode/core/address.h"
#include "custode/core/certificate_html.h"
#include "custode/core/isolation.h"
#include "custode/core/link_plan.h"
#include "custode/core/live_links.h"
#include "custode/core/netconf.h"
#include "custode/os/bridge_fdb.h"
#include "custode/os/packet_io.h"

namespace custode::app {

// ---- the baseline ------------------------------------------------------------

/// A lab machine (or the gateway itself) the client must no longer reach.
struct LabTarget {
    std::string name;                ///< "gateway", or the [[lab.host]] name
    Ipv4Address ip;
    std::optional<MacAddress> mac;   ///< br0's MAC for the gateway; the configured one for a lab host
    bool on_client_lan = false;      ///< inside the client's lan.subnet: probed from the client's bridge
};

/// What the baseline found for one target.
struct BaselineResult {
    LabTarget target;
    bool probed = false;                     ///< false: not on the client LAN, not probed
    bool answered = false;
    std::optional<MacAddress> answered_mac;  ///< the MAC in the first ARP reply
    std::int64_t answer_ms = 0;              ///< from the first request to the reply

    /// The MAC the client side should watch for: the configured one, else the one that answered.
    std::optional<MacAddress> mac() const { return target.mac ? target.mac : answered_mac; }
};

/// The gateway's own address on the client LAN (with `bridge_mac`, br0's
/// MAC in the client's namespace), then every [[lab.host]] of site.toml.
std::vector<LabTarget> lab_targets(const Netconf& netconf, const Client& client,
                                   std::optional<MacAddress> bridge_mac);

struct BaselineSettings {
    int tries = 3;                                 ///< ARP requests per target
    std::chrono::milliseconds interval{250};       ///< between tries; the last one's wait too
};

using Now = std::function<os::Clock::time_point()>;

/// ARP probes (RFC 5227: sender IP 0.0.0.0, so no neighbour table learns a
/// bogus address) for every on-LAN target through `io`, a port on the
/// client's bridge; the others are returned unprobed.
std::vector<BaselineResult> probe_baseline(os::PacketIo& io, const std::vector<LabTarget>& targets,
                                           const BaselineSettings& settings, const Now& now = os::Clock::now);

/// Deletes a probe pair an interrupted disconnect left in `live` (perhaps
/// unmarked: killed between its creation and its marker), before anything
/// refuses the namespace for holding it.
void delete_leftover_probe(os::LinkSystem& system, const std::string& client, const LiveNamespace& live);

/// The kernel side of the baseline: a temporary veth pair in the client's
/// namespace (`cdprobe`, its peer `cdprobe-br` on br0, both marked for the
/// client), probe_baseline through it, and the pair deleted again.
std::vector<BaselineResult> run_baseline(os::LinkSystem& system, const std::string& namespace_name,
                                         const std::string& client, const std::vector<LabTarget>& targets,
                                         const BaselineSettings& settings);

/// The lab targets for the client side, as data: the targets file and
/// isolation-check.ps1 are both made from it.
TargetsFile lab_targets_file(const std::string& client, const std::string& created,
                             const std::vector<BaselineResult>& baseline, std::optional<Ipv4Address> control);

/// The targets file for the client side (docs/isolation.md: the isolation check reads it):
/// `{"client","created","targets":[{"name","ip","mac"}],"control"}`; "mac"
/// is left out when unknown, "control" when lan.control is not set.
nlohmann::json targets_file_json(const std::string& client, const std::string& created,
                                 const std::vector<BaselineResult>& baseline, std::optional<Ipv4Address> control);

// ---- the lab-side checks -----------------------------------------------------

/// What must be gone.
struct DisconnectSubject {
    std::string client;
    std::string namespace_name;
    std::string namespace_prefix;
    CircuitSpec circuit;
    std::vector<std::string> lab_ports;
    std::vector<MacAddress> client_macs;  ///< inventory + netconf hosts
};

DisconnectSubject subject_of(const Netconf& netconf, const Client& client, std::vector<MacAddress> client_macs);

/// One namespace as the checks see it.
struct NamespaceObservation {
    std::string name;  ///< "" for the gateway's own
    LiveNamespace live;
    std::vector<os::FdbEntry> fdb;
};

/// The gateway after the teardown.
struct LabObservation {
    bool namespace_listed = false;     ///< /run/netns/<namespace> still there
    std::vector<std::string> holders;  ///< who still holds the old namespace
    std::vector<NamespaceObservation> namespaces;  ///< the gateway first, then the site's named namespaces
};

struct Check {
    std::string name;
    bool ok = false;
    std::string detail;
};

/// The checks, in a fixed order: namespace_gone, namespace_released,
/// circuit_gone, bridge_gone, ports_returned, no_marked_links, vlan_gone
/// (vlan) or vni_gone (vxlan), fdb_clean.
std::vector<Check> evaluate_checks(const DisconnectSubject& subject, const LabObservation& observation);

bool all_ok(const std::vector<Check>& checks);

/// Reads the gateway's namespace and every named namespace under the site's
/// prefix (links and forwarding tables), and who holds the old namespace.
LabObservation observe_lab(os::LinkSystem& system, const DisconnectSubject& subject,
                           const std::optional<os::NamespaceId>& old_namespace);

/// observe_lab + evaluate_checks, again every 100 ms until all pass or
/// `settle` ran out: the kernel destroys a namespace (and the VLAN or VXLAN
/// device in it) asynchronously, after the last reference is gone.
std::vector<Check> run_checks(os::LinkSystem& system, const DisconnectSubject& subject,
                              const std::optional<os::NamespaceId>& old_namespace,
                              std::chrono::milliseconds settle = std::chrono::seconds(3));

// ---- the record --------------------------------------------------------------

struct Disconnection {
    std::string id;  ///< "<client>-<YYYYMMDDTHHMMSSZ>"
    std::string site;
    std::string user;
    std::string started, finished;  ///< UTC ISO-8601
    DisconnectSubject subject;
    std::vector<BaselineResult> baseline;
    ClientOutcome removal;
    std::vector<Check> checks;
    /// What was handed over, by kind ("targets", "script", "record",
    /// "certificate"): absolute paths, in the record so `disconnections`
    /// names them. Left out of the record when empty.
    std::map<std::string, std::string> files;
    /// The teardown of an interrupted disconnect, finished by this run: the
    /// namespace was already gone, so there is no baseline (the cut run took
    /// it, in the targets file it wrote); the checks are this run's own.
    bool resumed = false;
};

/// "disconnected" (torn down, every check passed), "leftovers" (a check
/// failed), "teardown_failed".
std::string verdict_of(const Disconnection& disconnection);

/// The lab-side record (docs/disconnect.md), to be serialised canonically and signed.
nlohmann::json record_json(const Disconnection& disconnection);

/// JSON of the parts, shared by the record and `--json` output.
nlohmann::json baseline_json(const std::vector<BaselineResult>& baseline);
nlohmann::json checks_json(const std::vector<Check>& checks);
nlohmann::json removal_json(const ClientOutcome& removal);

/// The files handed to the client, by name (they sit side by side), and the
/// record's signature, for the certificate.
struct HandedOver {
    std::string targets_file, script_file, record_file;
    std::string signature;          ///< the .minisig text; empty when unsigned
    std::string key_id, public_key;  ///< minisign's key id and one-line public key
};

/// The certificate's data: who, what, when, the checks, the lab machines
/// (the baseline), how to check, the signature. `finished_local`: the
/// gateway's local time of `finished`, with its UTC offset.
DisconnectionCertificate certificate_of(const Disconnection& disconnection, const std::string& client_description,
                                        const std::string& finished_local, const HandedOver& files);

// ---- the use case on the gateway ---------------------------------------------

struct DisconnectRequest {
    std::string client;
    std::filesystem::path targets_file;  ///< where the client side's targets go
    std::filesystem::path key;           ///< the site's signing key; the record is unsigned without it
    Wait wait = Wait::no;
    std::function<void(const std::string&)> progress;  ///< one line per phase
};

struct DisconnectOutcome {
    Disconnection disconnection;
    nlohmann::json targets;  ///< the targets file's content
    std::filesystem::path script;  ///< `<client>-isolation-check.ps1` beside the targets file
    std::filesystem::path certificate;  ///< `certificate-<id>.html` beside the targets file
    SignedFiles record;      ///< `<client>-disconnect.json` beside the targets file
    std::int64_t state_id = 0;
};

/// The whole disconnection: run lock, refusals (unknown or unprovisioned
/// client, a teardown the planner refuses: UsageError, nothing probed or
/// written), baseline, targets file and isolation-check.ps1, teardown (audited), lab-side checks,
/// and the record signed, stored in the state file and written beside the
/// targets file, with the certificate.
DisconnectOutcome disconnect(const Netconf& netconf, const std::filesystem::path& state,
                             const DisconnectRequest& request);

}  // namespace custode::app
