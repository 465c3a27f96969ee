#pragma once
/// The client-side isolation check: probes every lab target and the control
/// host with raw frames on one PacketIo (ARP, ICMP echo, TCP SYN), keeps a
/// passive capture of everything for the whole run, then writes the signed
/// report (docs/isolation.md).

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/isolation.h"
#include "custode/os/packet_io.h"

namespace custode::app {

/// What the probe loop needs to know; everything else it learns on the wire.
struct ProbePlan {
    std::vector<IsolationTarget> targets;
    std::optional<IsolationTarget> control;
    ControlSource control_source = ControlSource::none;
    Ipv4Prefix own;                          ///< the interface's address and subnet
    std::optional<Ipv4Address> gateway;      ///< default route's next hop
    IsolationSettings settings;
    std::uint16_t icmp_id = 0x6375;          ///< random per run in the real check
    std::uint16_t port_base = 40000;         ///< TCP source ports: port_base + probe number
    /// Frames kept for the capture file (about 27 MB of pcap at the 256-byte
    /// snaplen). Every frame is judged; past this a flooded LAN's frames are
    /// counted, not kept, so memory and the file stay bounded whatever the rate.
    std::size_t max_kept_frames = 100000;
};

struct ProbeRun {
    Evidence evidence;
    std::vector<os::ReceivedFrame> frames;  ///< the first max_kept_frames captured, in arrival order
    os::Clock::time_point start, end;
};

/// Sends the plan's probes in rounds (all targets pipelined) and listens until
/// `settings.reply_timeout` after the last one and at least
/// `settings.min_duration`. Matches answers to probes, records every frame
/// from a lab MAC. Runs on `now` (a fake clock in tests).
ProbeRun run_probes(const ProbePlan& plan, os::PacketIo& io,
                    const std::function<os::Clock::time_point()>& now = os::Clock::now);

/// The whole check as the command runs it.
struct CheckRequest {
    std::string interface;
    std::optional<std::string> namespace_name;
    std::vector<IsolationTarget> targets;
    std::optional<Ipv4Address> control;
    ControlSource control_source = ControlSource::none;
    std::string client;
    std::string targets_source;
    std::optional<std::filesystem::path> key;  ///< nullopt: unsigned (--unsigned)
    std::filesystem::path out;
    IsolationSettings settings;
};

struct CheckOutcome {
    Assessment assessment;
    nlohmann::json report;
    std::filesystem::path report_path, capture_path;
    std::optional<std::filesystem::path> signature_path;
    std::string report_id;
};

/// Reads a targets file `custode disconnect` wrote; a missing file or bad
/// content is a UsageError naming it.
TargetsFile read_targets_file(const std::filesystem::path& path);

/// Opens the capture in the interface's namespace, probes, writes
/// `out`, `out`.pcap and `out`.minisig. UsageError for a missing interface or
/// one without IPv4; SystemError when the kernel refuses.
CheckOutcome run_isolation_check(const CheckRequest& request);

}  // namespace custode::app
