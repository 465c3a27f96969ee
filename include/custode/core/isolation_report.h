#pragma once
/// The isolation check's report: canonical JSON of what was probed, seen and
/// decided (docs/isolation.md), and the one-line trusted comment of its signature.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "custode/core/isolation.h"

namespace custode {

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

/// The report as JSON (integers only; serialise with canonical_json).
nlohmann::json report_json(const ReportContext& context, const IsolationSettings& settings, const Evidence& evidence,
                           const Assessment& assessment);

/// One target's (or the control's) result as in the report.
nlohmann::json target_json(const TargetResult& result, const Evidence& evidence);

/// The trusted comment of the report's signature (one line).
std::string trusted_comment(const ReportContext& context, const Assessment& assessment, std::string_view file_name);

}  // namespace custode
