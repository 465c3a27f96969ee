#pragma once
/// What `custode doctor` reads of the gateway beside the link table: kernel
/// modules, files, the state file's schema, systemd, the clock, sysctls.
/// Read only: nothing here loads a module, creates a file or migrates one.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/doctor.h"

namespace custode::os {

/// /proc/modules, the running kernel's modules.builtin and modules.dep, and
/// for each of `modules` /sys/module/NAME (and /proc/net/vlan for 8021q).
ModuleSources read_module_sources(const std::vector<std::string>& modules);

/// lstat() of `path`, following no link but the path's own directories.
FileFacts file_facts(const std::filesystem::path& path);

/// The state file, opened read-only (never created or migrated).
StateFacts state_facts(const std::filesystem::path& path);

/// /run/systemd/system exists: systemd is the init (sd_booted(3)).
bool systemd_running();

/// custode-maintain.timer: a unit file in /etc/systemd/system, /lib/systemd/system
/// or /usr/lib/systemd/system; enabled: linked from /etc/systemd/system/timers.target.wants.
struct TimerFacts {
    bool installed = false;
    bool enabled = false;
};
TimerFacts maintenance_timer_facts();

/// adjtimex(2) with no change asked: false when it reports TIME_ERROR
/// (STA_UNSYNC), none when the call fails.
std::optional<bool> clock_synchronised();

/// Integer sysctls by dotted name ("net.ipv4.conf.eth1.101.arp_ignore": the
/// interface part may hold dots) in the calling thread's network namespace;
/// a missing or unreadable one is left out.
std::map<std::string, int> read_int_sysctls(const std::vector<std::string>& names);

}  // namespace custode::os
