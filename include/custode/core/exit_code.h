#pragma once
/// Process exit codes shared by every command; what each means is in
/// exit_code_meanings below.

#include <array>
#include <string_view>

namespace custode {

enum class ExitCode : int {
    ok = 0,
    problem = 1,
    usage = 2,
    system = 3,
    inconclusive = 4,
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

struct ExitCodeMeaning {
    ExitCode code;
    std::string_view meaning;
};

/// What each code means, as `custode --help` and custode(8) say it.
inline constexpr std::array<ExitCodeMeaning, 5> exit_code_meanings{{
    {ExitCode::ok, "done; in sync; all hosts ok; isolated"},
    {ExitCode::problem, "ran, and found a problem: drift, pending changes, a PC that did not wake or failed a task, "
                        "NOT isolated"},
    {ExitCode::usage, "usage or configuration error: nothing was changed; the message names file:line:column "
                      "where a file is at fault"},
    {ExitCode::system, "system error (privilege, kernel refused, missing program): partial changes were undone"},
    {ExitCode::inconclusive, "inconclusive (isolation check: the positive control or the capture failed)"},
}};

}  // namespace custode
