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
    {ExitCode::problem, "a problem found: drift, pending changes, a PC not woken or failed; NOT isolated"},
    {ExitCode::usage, "usage or configuration error (named file:line:column); nothing was changed"},
    {ExitCode::system, "system error (privilege, kernel, missing program); partial changes undone"},
    {ExitCode::inconclusive, "inconclusive: the isolation check's control or capture failed"},
}};

}  // namespace custode
