#include "custode/core/isolation_report.h"

#include <fmt/format.h>
#include <set>

#include "custode/core/utc_time.h"

namespace custode {

namespace chr = std::chrono;

namespace {

std::int64_t ms(chr::microseconds value) { return chr::duration_cast<chr::milliseconds>(value).count(); }

}  // namespace

nlohmann::json target_json(const TargetResult& result, const Evidence& evidence) {
    std::set<MacAddress> lab_macs;
    for (const auto& target : evidence.targets)
        if (target.target.mac) lab_macs.insert(*target.target.mac);
    nlohmann::json probes = nlohmann::json::array();
    for (const auto& probe : result.probes) {
        nlohmann::json entry = {{"kind", to_string(probe.kind)},
                                {"round", probe.round},
                                {"sent", probe.sent},
                                {"answered", !probe.answers.empty()}};
        if (probe.kind == ProbeKind::tcp_syn) entry["port"] = probe.port;
        if (probe.sent) entry["sent_at_us"] = probe.sent_at.count();
        if (probe.destination) entry["destination_mac"] = probe.destination->to_string();
        if (!probe.note.empty()) entry["note"] = probe.note;
        if (!probe.answers.empty()) {
            entry["responder_mac"] = probe.answers.front().mac.to_string();
            entry["rtt_ms"] = ms(probe.answers.front().rtt);
            entry["rtt_us"] = probe.answers.front().rtt.count();
            nlohmann::json answers = nlohmann::json::array();
            for (const auto& answer : probe.answers)
                answers.push_back({{"mac", answer.mac.to_string()},
                                   {"lab", lab_macs.count(answer.mac) > 0},
                                   {"rtt_ms", ms(answer.rtt)},
                                   {"rtt_us", answer.rtt.count()}});
            entry["answers"] = answers;
        }
        if (probe.answers_not_kept > 0) entry["answers_not_kept"] = probe.answers_not_kept;
        probes.push_back(std::move(entry));
    }
    std::set<std::string> responders;
    for (const auto& probe : result.probes)
        for (const auto& answer : probe.answers) responders.insert(answer.mac.to_string());
    nlohmann::json json = {{"name", result.target.name},
                           {"ip", result.target.ip.to_string()},
                           {"mac", result.target.mac ? nlohmann::json(result.target.mac->to_string()) : nlohmann::json()},
                           {"route", to_string(result.route)},
                           {"answered", result.answered()},
                           {"responders", responders},
                           {"probes", probes}};
    return json;
}

nlohmann::json report_json(const ReportContext& context, const IsolationSettings& settings, const Evidence& evidence,
                           const Assessment& assessment) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : evidence.targets) targets.push_back(target_json(target, evidence));
    nlohmann::json control = {{"source", to_string(evidence.control_source)}};
    if (evidence.control) control.update(target_json(*evidence.control, evidence));
    else control["answered"] = false;

    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& warning : assessment.warnings) {
        nlohmann::json entry = {{"kind", warning.kind}, {"ip", warning.ip.to_string()}, {"detail", warning.detail}};
        if (warning.mac) entry["mac"] = warning.mac->to_string();
        warnings.push_back(std::move(entry));
    }
    nlohmann::json lab_frames = nlohmann::json::array();
    constexpr std::size_t kListedFrames = 100;  ///< the pcap holds them all
    for (std::size_t i = 0; i < evidence.lab_frames.size() && i < kListedFrames; ++i) {
        const auto& frame = evidence.lab_frames[i];
        lab_frames.push_back(
            {{"mac", frame.mac.to_string()}, {"ethertype", frame.ethertype}, {"at_ms", frame.at.count()}});
    }
    const auto duration = chr::duration_cast<chr::milliseconds>(context.end - context.start).count();
    nlohmann::json ports = nlohmann::json::array();
    for (const auto port : settings.tcp_ports) ports.push_back(port);

    nlohmann::json where = {{"hostname", context.hostname},
                            {"interface", context.interface},
                            {"mac", context.interface_mac.to_string()},
                            {"ipv4", context.interface_ipv4 ? nlohmann::json(context.interface_ipv4->to_string())
                                                            : nlohmann::json()},
                            {"default_gateway", evidence.gateway ? nlohmann::json(evidence.gateway->to_string())
                                                                 : nlohmann::json()},
                            {"default_gateway_mac", evidence.gateway_mac
                                                        ? nlohmann::json(evidence.gateway_mac->to_string())
                                                        : nlohmann::json()}};
    if (context.namespace_name) where["namespace"] = *context.namespace_name;
    nlohmann::json passive = {{"frames_captured", evidence.frames_captured},
                              {"dropped", evidence.dropped},
                              {"lab_frames", evidence.lab_frames.size()},
                              {"lab_frames_listed", lab_frames}};
    if (evidence.frames_not_kept > 0) passive["frames_not_kept"] = evidence.frames_not_kept;

    return {
        {"format", "custode-isolation-report/1"},
        {"report_id", context.report_id},
        {"tool", {{"name", "custode"}, {"version", context.version}}},
        {"who", {{"user", context.user}}},
        {"client", context.client},
        {"targets_source", context.targets_source},
        {"where", where},
        {"when",
         {{"start_utc", utc_iso(context.start)},
          {"end_utc", utc_iso(context.end)},
          {"duration_ms", duration},
          {"ntp_synchronized", context.ntp_synchronized},
          {"clock_max_error_us", context.clock_max_error_us}}},
        {"method",
         {{"rounds", settings.rounds},
          {"arp_broadcast_per_target", settings.rounds},
          {"arp_unicast_per_target", std::min(settings.arp_unicast_rounds, settings.rounds)},
          {"icmp_echo_per_target", std::min(settings.icmp_rounds, settings.rounds)},
          {"tcp_syn_rounds", std::min(settings.tcp_rounds, settings.rounds)},
          {"tcp_ports", ports},
          {"round_interval_ms", settings.round_interval.count()},
          {"send_gap_us", settings.send_gap.count()},
          {"reply_timeout_ms", settings.reply_timeout.count()},
          {"min_duration_ms", settings.min_duration.count()},
          {"probes_per_target_with_mac", settings.probes_per_target(true)},
          {"probes_per_target_without_mac", settings.probes_per_target(false)},
          {"answers_counted", "ARP reply, ICMP echo reply, TCP SYN-ACK or RST; responder = Ethernet source"}}},
        {"targets", targets},
        {"control", control},
        {"passive", passive},
        {"capture", {{"file", context.capture_file}, {"sha256", context.capture_sha256}, {"format", "pcap"}}},
        {"warnings", warnings},
        {"verdict", to_string(assessment.verdict)},
        {"reasons", assessment.reasons},
    };
}

std::string trusted_comment(const ReportContext& context, const Assessment& assessment, std::string_view file_name) {
    std::string name(file_name);
    std::replace_if(name.begin(), name.end(), [](char c) { return c == '\n' || c == '\r'; }, '_');
    return fmt::format("custode isolation report id={} start={} verdict={} file={}", context.report_id,
                       utc_iso(context.start), to_string(assessment.verdict), name);
}

}  // namespace custode
