#include "custode/app/run_lock.h"

#include <cerrno>

#include "custode/core/error.h"

namespace custode::app {

os::FileLock lock_runs(const std::filesystem::path& state, Wait wait, RunKind kind) {
    const bool nightly = kind == RunKind::maintenance;
    const auto path = state.string() + (nightly ? ".maintain.lock" : ".lock");
    auto lock = os::FileLock::acquire(path, wait == Wait::yes);
    if (!lock)
        throw SystemError("lock " + path, EWOULDBLOCK,
                          nightly ? "another maintain run is in progress; use --wait to queue"
                                  : "another custode run is changing the system; use --wait to queue");
    return std::move(*lock);
}

}  // namespace custode::app
