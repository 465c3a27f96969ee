#pragma once
/// The locks that keep custode's runs from overlapping (files beside the
/// state file): link changes with each other, nightly runs with each other,
/// so a night's work never holds up a provision.

#include <filesystem>

#include "custode/os/file_lock.h"

namespace custode::app {

enum class RunKind { links, maintenance };

/// Whether a busy lock queues the run or refuses it.
enum class Wait : bool { no = false, yes = true };

/// Takes the lock of `kind` for the state file at `state`. With Wait::no, a
/// busy lock is a SystemError naming the lock file and the --wait flag.
os::FileLock lock_runs(const std::filesystem::path& state, Wait wait, RunKind kind = RunKind::links);

}  // namespace custode::app
