#pragma once
/// The morning message after a scheduled night (site.toml [notify],
/// docs/notify.md): built from the run record alone, so the mail and the
/// webhook say the same thing. Pure: the sending is app/notify's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/run_record.h"

namespace custode {

/// One thing the technician must look at.
struct NightProblem {
    std::string client;
    std::string host;    ///< empty when the whole client did not run
    std::string where;   ///< how to find the PC: "192.168.1.21, 00:11:22:33:44:55"
    std::string what;    ///< short, as the subject says it: "did not wake", "threat found", "not run"
    std::string detail;  ///< the long form: the error, or each problem task's summary
    std::vector<std::string> findings;  ///< the first few of the problem tasks' findings
};

struct NightMessage {
    std::string site;
    std::int64_t run = 0;
    bool all_well = true;  ///< no PC and no client needs the technician
    std::string subject;
    std::vector<std::string> client_lines;  ///< one per client: "acme: 3 PCs, 1 needs you"
    std::vector<NightProblem> problems;
    /// PCs fine tonight that still need a restart (pending, a user logged
    /// on, a reboot loop): listed, and the message goes out for them too.
    std::vector<NightProblem> attention;
    std::vector<std::string> reports;  ///< the run's report files
    std::string body;                  ///< the plain text under the subject
};

/// The subject's length at most, in characters: about what a phone's
/// notification and a mail list show on one line.
inline constexpr std::size_t max_subject_length = 120;
/// Findings listed per problem; the report has them all.
inline constexpr std::size_t max_findings_listed = 5;

/// The message about `record`, naming `reports` (the HTML report, ...).
NightMessage night_message(const RunRecord& record, const std::vector<std::string>& reports);

/// A message for `custode maintain --notify-test`: says it is a test, and where from.
NightMessage test_message(std::string_view site);

/// True when the message goes out: something needs the technician, a PC
/// still needs a restart, or [notify] always = true.
bool should_notify(const NightMessage& message, bool always);

/// The whole mail for `sendmail -t -oi`: To, Subject (RFC 2047 encoded when
/// not ASCII), UTF-8 plain-text MIME headers, Auto-Submitted, then the body.
std::string mail_message(const NightMessage& message, const std::vector<std::string>& to);

/// "https://hooks.example.org/…": what logs and records show of a webhook
/// URL, whose path or query often is the secret token.
std::string redacted_url(std::string_view url);

}  // namespace custode
