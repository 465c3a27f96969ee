#pragma once
/// The isolation check's rules: the targets file, how it probes, the
/// evidence a check gathers and the verdict. The probe frames are in
/// core/ip_frames.h, the report in core/isolation_report.h, the capture
/// file in core/pcap_file.h; app/isolation_check drives the probes on a
/// PacketIo, os/machine.h reads the machine's facts.
/// Decisions and formats: docs/isolation.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/exit_code.h"
#include "custode/core/ip_frames.h"

namespace custode {

/// One lab machine the client must no longer reach. Without a MAC every
/// answer for its IP counts as the lab's (nothing to tell it apart by).
struct IsolationTarget {
    std::string name;
    Ipv4Address ip;
    std::optional<MacAddress> mac;

    bool operator==(const IsolationTarget&) const = default;
};

/// What `custode disconnect` writes for the client side.
struct TargetsFile {
    std::string client;
    std::string created;
    std::vector<IsolationTarget> targets;
    std::optional<Ipv4Address> control;
};

/// Parses the targets file; any problem is a UsageError naming `origin`
/// and the JSON pointer of the bad value.
TargetsFile parse_targets_file(std::string_view text, std::string_view origin);

/// `IP` or `IP@MAC` (the --target option); UsageError when malformed.
IsolationTarget parse_target_argument(std::string_view text);

// ---------------------------------------------------------------- method

/// How the check probes; every figure lands in the report's "method".
struct IsolationSettings {
    int rounds = 3;                  ///< probe rounds; ARP broadcast in every round
    int arp_unicast_rounds = 2;      ///< rounds with an ARP request sent to the lab MAC (when known)
    int icmp_rounds = 3;             ///< rounds with an ICMP echo
    int tcp_rounds = 2;              ///< rounds with a SYN to every port
    std::chrono::milliseconds round_interval{400};
    std::chrono::microseconds send_gap{500};  ///< between two frames of a round
    std::chrono::milliseconds reply_timeout{1000};  ///< listening after the last probe
    std::chrono::milliseconds min_duration{2500};   ///< the passive capture lasts at least this
    std::vector<std::uint16_t> tcp_ports{22, 53, 80, 139, 443, 445, 3389, 8080};

    /// Probes one target gets (with and without a known lab MAC).
    int probes_per_target(bool mac_known) const;
};

// ---------------------------------------------------------------- evidence

enum class ProbeKind { arp_broadcast, arp_unicast, icmp_echo, tcp_syn };
std::string_view to_string(ProbeKind kind);

/// How IP probes reach a target: on the interface's subnet, through the
/// default gateway, or not at all (off-subnet and no default route).
enum class Route { direct, gateway, no_route };
std::string_view to_string(Route route);

struct ProbeAnswer {
    MacAddress mac;  ///< the Ethernet source of the reply frame
    std::chrono::microseconds rtt{};
};

struct ProbeRecord {
    ProbeKind kind = ProbeKind::arp_broadcast;
    int round = 0;
    std::uint16_t port = 0;  ///< TCP only
    bool sent = false;
    std::optional<MacAddress> destination;  ///< the Ethernet destination used
    std::string note;                        ///< why not sent, when not
    std::vector<ProbeAnswer> answers;        ///< one per answering MAC, first first
    std::chrono::microseconds sent_at{};     ///< since the check's start
    /// Answers from further non-lab MACs, past max_other_answers: counted, not kept.
    std::size_t answers_not_kept = 0;
};

/// Non-lab MACs one probe keeps as answers. A LAN that floods spoofed
/// replies for a lab IP from ever new MACs must not grow the evidence and
/// the report without end (docs/reliability.md, "Hostile LAN").
inline constexpr std::size_t max_other_answers = 8;

/// Records `mac` answering `probe` (once per MAC). A lab MAC is always kept,
/// it decides the verdict; another MAC only while the probe holds fewer than
/// max_other_answers of them, else it is counted in answers_not_kept.
void add_probe_answer(ProbeRecord& probe, MacAddress mac, std::chrono::microseconds rtt,
                      const std::set<MacAddress>& lab_macs);

struct TargetResult {
    IsolationTarget target;
    Route route = Route::direct;
    std::vector<ProbeRecord> probes;

    bool answered() const;
};

/// A frame from a lab MAC seen by the passive capture.
struct LabFrame {
    MacAddress mac;
    std::uint16_t ethertype = 0;
    std::chrono::milliseconds at{};  ///< since the check's start
};

/// Where the control host comes from (docs/isolation.md).
enum class ControlSource { option, targets_file, default_gateway, none };
std::string_view to_string(ControlSource source);

struct Evidence {
    std::vector<TargetResult> targets;
    std::optional<TargetResult> control;
    ControlSource control_source = ControlSource::none;
    std::vector<LabFrame> lab_frames;
    std::uint64_t frames_captured = 0;
    std::uint64_t frames_not_kept = 0;  ///< captured and judged, past the capture file's limit
    std::uint64_t dropped = 0;
    std::optional<Ipv4Address> gateway;      ///< the default route's next hop, if any
    std::optional<MacAddress> gateway_mac;   ///< as ARP resolved it
};

// ---------------------------------------------------------------- verdict

enum class IsolationVerdict { isolated, not_isolated, inconclusive };
std::string_view to_string(IsolationVerdict verdict);
/// ok / problem / inconclusive.
ExitCode exit_code_for(IsolationVerdict verdict);

struct IsolationWarning {
    std::string kind;  ///< address_reuse | routed_answer | no_route | no_lab_mac
    Ipv4Address ip;
    std::optional<MacAddress> mac;
    std::string detail;
};

struct Assessment {
    IsolationVerdict verdict = IsolationVerdict::inconclusive;
    std::vector<std::string> reasons;  ///< why, one sentence each (empty reasons only when isolated)
    std::vector<IsolationWarning> warnings;
};

/// The verdict rules:
/// * a lab MAC answering any probe, or seen at all by the passive capture,
///   or any answer for a target whose MAC is unknown → not_isolated;
/// * else no control, a silent control, capture drops, or an answer routed
///   through the default gateway for a lab IP → inconclusive;
/// * else isolated. A non-lab MAC answering on the LAN for a lab IP is a
///   warning (address reused after the split, proxy ARP), not a lab answer.
Assessment assess(const Evidence& evidence);

}  // namespace custode
