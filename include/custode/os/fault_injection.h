#pragma once
/// A test-only switch for the kill -9 sweep (docs/reliability.md, "Killed at
/// any step"): with CUSTODE_TEST_KILL_AFTER=N in the environment, custode
/// kills itself by SIGKILL right after its Nth change to the system. Every
/// adapter that changes the system counts its change here: a netlink request
/// (not a dump), a namespace file, mount or unmount, a sysctl write, a
/// committed SQLite transaction. Without the variable it only counts.

namespace custode::os {

/// Called right after one change to the system was made.
void count_system_change();

}  // namespace custode::os
