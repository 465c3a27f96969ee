#pragma once
/// `custode doctor`, pure part: what was read on the gateway (GatewayFacts)
/// goes in; what stops custode from working, where, and how to fix it comes
/// out. Every rule and why it is checked: docs/doctor.md.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/live_links.h"
#include "custode/core/netconf.h"

namespace custode {

// ---- kernel modules ---------------------------------------------------------

enum class ModuleState {
    builtin,   ///< compiled into the kernel
    loaded,    ///< a module, loaded now
    loadable,  ///< a module of the running kernel, not loaded: the kernel loads it on first use
    missing,   ///< neither built in nor shipped for the running kernel
    unknown,   ///< the kernel lists neither its modules nor its built-ins: only trying would tell
};

/// "built in", "loaded", "loadable", "missing", "unknown".
std::string_view to_string(ModuleState state);

/// What the kernel says of its modules, as read (never by loading one).
struct ModuleSources {
    std::optional<std::string> proc_modules;  ///< /proc/modules; none: a kernel without loadable modules
    std::optional<std::string> builtin;       ///< /lib/modules/$(uname -r)/modules.builtin
    std::optional<std::string> dep;           ///< /lib/modules/$(uname -r)/modules.dep
    /// Names with a live trace: /sys/module/NAME, or /proc/net/vlan for 8021q.
    std::set<std::string> present;
    /// Modules whose absence from `present` proves they are not running
    /// (8021q always makes /proc/net/vlan).
    std::set<std::string> traceable;
};

/// The state of `module` ("8021q", "vxlan"; '-' and '_' are the same).
ModuleState module_state(std::string_view module, const ModuleSources& sources);

// ---- the facts --------------------------------------------------------------

/// A file as stat() saw it.
struct FileFacts {
    bool exists = false;
    bool regular = false;
    unsigned mode = 0;   ///< permission bits (07777)
    unsigned owner = 0;  ///< st_uid
};

/// The state file, read without creating or migrating it.
struct StateFacts {
    std::string path;  ///< --state, else [site] state
    bool exists = false;
    bool writable = false;              ///< the file, or else the nearest directory that would hold it
    std::optional<int> schema_version;  ///< none: could not be read (see error)
    std::string error;                  ///< why it could not be read
};

/// What was read of one client.
struct ClientGatewayFacts {
    LiveNamespace links;  ///< its namespace (exists false: not provisioned)
    /// Sysctls inside its namespace, by dotted name ("net.ipv4.conf.br0.arp_ignore");
    /// a name is absent when the file is.
    std::map<std::string, int> sysctls;
    bool known_hosts_exists = false;
    std::set<std::string> hosts_with_key;  ///< [[host]] names whose netconf ip has a recorded key
};

struct GatewayFacts {
    std::map<std::string, ModuleState> modules;  ///< by module name
    LiveNamespace gateway;                       ///< the namespace custode runs in
    std::map<std::string, ClientGatewayFacts> clients;  ///< by client name
    /// Sysctls of the gateway's namespace, by dotted name; absent when the file is.
    std::map<std::string, int> sysctls;
    FileFacts identity;  ///< [ssh] identity
    unsigned user = 0;   ///< the uid custode runs as
    StateFacts state;
    int latest_schema = 0;  ///< the schema this custode writes
    bool systemd_running = false;  ///< /run/systemd/system exists (sd_booted)
    bool timer_installed = false;  ///< custode-maintain.timer is a unit file on the system
    bool timer_enabled = false;    ///< linked from timers.target.wants
    std::optional<bool> clock_synchronised;  ///< none: adjtimex failed
};

/// The modules custode's links need, and the sysctls it reads, for one netconf.
std::vector<std::string> modules_needed(const Netconf& netconf);
std::vector<std::string> gateway_sysctls_read(const Netconf& netconf);
std::vector<std::string> client_sysctls_read();

// ---- the verdict ------------------------------------------------------------

struct DoctorFinding {
    std::string check;  ///< kernel, link, ssh-identity, known-hosts, state, timer, systemd, clock, sysctl
    std::string what;   ///< the problem
    std::string where;  ///< the file, interface, namespace or sysctl at fault
    std::string fix;    ///< what to do about it

    bool operator==(const DoctorFinding&) const = default;
};

struct DoctorReport {
    std::vector<DoctorFinding> findings;  ///< none: all is well (exit 0)
    std::vector<std::string> notes;       ///< worth knowing, stops nothing
    std::vector<std::string> passed;      ///< what was checked and found right, one line each
};

DoctorReport diagnose(const Netconf& netconf, const GatewayFacts& facts);

}  // namespace custode
