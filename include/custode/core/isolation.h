#pragma once
/// The isolation check's pure half: the targets file, the probe frames
/// (IPv4 ICMP echo and TCP SYN, built and parsed), the evidence a check
/// gathers, the verdict rules, the report model (canonical JSON) and the
/// pcap file of the passive capture. No system calls: app/isolation_check
/// drives the probes on a PacketIo, os/probes reads the machine's facts.
/// Decisions and formats: docs/isolation.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "custode/core/address.h"
#include "custode/core/exit_code.h"
#include "custode/core/frames.h"

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

// ---------------------------------------------------------------- frames

inline constexpr std::uint8_t ip_protocol_icmp = 1;
inline constexpr std::uint8_t ip_protocol_tcp = 6;
inline constexpr std::uint8_t tcp_flag_rst = 0x04;
inline constexpr std::uint8_t tcp_flag_syn = 0x02;
inline constexpr std::uint8_t tcp_flag_ack = 0x10;

struct IpEndpoints {
    MacAddress source_mac;
    MacAddress destination_mac;
    Ipv4Address source_ip;
    Ipv4Address destination_ip;
};

/// ICMP echo request (18 bytes of payload: the frame is 60 bytes).
Frame build_icmp_echo(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence);
/// TCP SYN without options, padded to 60 bytes.
Frame build_tcp_syn(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                    std::uint32_t sequence);
/// An ICMP echo reply (what a host answers; for tests).
Frame build_icmp_echo_reply(const IpEndpoints& from, std::uint16_t id, std::uint16_t sequence);
/// A TCP segment with `flags` (SYN-ACK or RST; for tests).
Frame build_tcp_reply(const IpEndpoints& from, std::uint16_t source_port, std::uint16_t destination_port,
                      std::uint8_t flags);

/// An IPv4 reply as the check reads it.
struct IpReply {
    enum class Kind { icmp_echo_reply, tcp };
    Kind kind = Kind::icmp_echo_reply;
    MacAddress ethernet_source;
    Ipv4Address source_ip;
    Ipv4Address destination_ip;
    std::uint16_t icmp_id = 0, icmp_sequence = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint8_t tcp_flags = 0;
};

/// An untagged Ethernet/IPv4 ICMP echo reply or TCP segment (first fragment,
/// checksums not checked: a corrupt answer still shows who answered), or nullopt.
std::optional<IpReply> parse_ip_reply(std::span<const std::uint8_t> frame);

/// The Ethernet source and EtherType of any frame of at least 14 bytes.
struct EthernetHeader {
    MacAddress source;
    std::uint16_t ethertype = 0;
};
std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame);

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
};

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

// ---------------------------------------------------------------- report

/// Where and when the check ran, and what it produced beside the report.
struct ReportContext {
    std::string report_id;  ///< random hex
    std::string user;
    std::string hostname;
    std::string interface;
    std::optional<std::string> namespace_name;
    MacAddress interface_mac;
    std::optional<Ipv4Prefix> interface_ipv4;
    std::string client;
    std::chrono::system_clock::time_point start, end;
    bool ntp_synchronized = false;
    std::int64_t clock_max_error_us = 0;
    std::string capture_file;    ///< the pcap's file name, beside the report
    std::string capture_sha256;  ///< lower-case hex
    std::string version;
    std::string targets_source;  ///< the targets file's path, or "command line"
};

/// "2025-01-31T12:34:56.789Z".
std::string utc_iso(std::chrono::system_clock::time_point at);
/// "20250131T123456Z", for file names.
std::string utc_stamp(std::chrono::system_clock::time_point at);

/// The report as JSON (integers only; serialise with canonical_json).
nlohmann::json report_json(const ReportContext& context, const IsolationSettings& settings, const Evidence& evidence,
                           const Assessment& assessment);

/// One target's (or the control's) result as in the report.
nlohmann::json target_json(const TargetResult& result, const Evidence& evidence);

/// The trusted comment of the report's signature (one line).
std::string trusted_comment(const ReportContext& context, const Assessment& assessment, std::string_view file_name);

// ---------------------------------------------------------------- capture file

struct CapturedFrame {
    std::vector<std::uint8_t> bytes;
    std::chrono::system_clock::time_point at;
};

/// A classic pcap file (microsecond stamps, little-endian, LINKTYPE_ETHERNET).
std::vector<std::uint8_t> pcap_file(const std::vector<CapturedFrame>& frames, std::uint32_t snaplen);

}  // namespace custode
