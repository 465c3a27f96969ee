#pragma once
/// Process exit codes shared by every command (README: "Using it").

namespace custode {

enum class ExitCode : int {
    ok = 0,            ///< done; in sync; all hosts ok; isolated
    problem = 1,       ///< ran and found a problem: drift, a host failed, NOT isolated
    usage = 2,         ///< usage or configuration error; nothing was changed
    system = 3,        ///< system error; partial changes were undone
    inconclusive = 4,  ///< the isolation check could not decide
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace custode
