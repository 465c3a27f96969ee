#pragma once
/// The netconf model (site.toml + clients/*.toml) and its loader. Pure: the
/// caller reads the files; the loader parses and validates them all, within
/// and across files, and reports every problem with file:line:column.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/backup_retention.h"
#include "custode/core/names.h"

namespace custode {

/// One netconf file: the path as messages should show it, and its text.
struct SourceFile {
    std::string path;
    std::string text;
};

/// A problem in a netconf file. Line and column are 1-based; both 0 when the
/// problem has no position in the file (the file itself is missing).
struct Diagnostic {
    /// A warning is worth reading but stops nothing: the netconf still loads.
    enum class Severity { error, warning };

    std::string file;
    int line = 0;
    int column = 0;
    std::string message;
    Severity severity = Severity::error;

    /// `file:line:column: message` (`... warning: message` for a warning),
    /// or `file: message` without a position.
    std::string to_string() const;

    /// Orders by file, line, column, then message: the order diagnostics are reported in.
    auto operator<=>(const Diagnostic&) const = default;
};

// ---- [link] ---------------------------------------------------------------

/// An 802.1Q VLAN on a trunk from the carrier.
struct VlanLink {
    std::string trunk;  ///< parent interface in the gateway's namespace
    VlanId vlan;        ///< unique per trunk across the site
};

/// A dedicated physical port, moved into the client's namespace.
struct PortLink {
    std::string interface;
    /// Take over a port that already has addresses or a master; without it
    /// custode refuses a port that looks in use.
    bool adopt = false;
};

/// A VXLAN tunnel whose underlay stays in the gateway's namespace.
struct VxlanLink {
    static constexpr std::uint32_t max_vni = 16777215;
    static constexpr std::uint16_t default_port = 4789;

    std::uint32_t vni = 0;  ///< 1..16777215, unique across the site
    IpAddress local;  ///< IPv4 or IPv6, the same family as remote
    IpAddress remote;
    std::string underlay;  ///< interface carrying the tunnel; may be shared
    std::uint16_t port = default_port;
};

/// How the client's LAN reaches the gateway.
using LinkSpec = std::variant<VlanLink, PortLink, VxlanLink>;

/// "vlan", "port" or "vxlan": the `kind` key's value.
std::string_view link_kind(const LinkSpec& link);

// ---- [lan] ----------------------------------------------------------------

struct LanSpec {
    Ipv4Prefix subnet;                    ///< a network address, no host bits
    Ipv4Prefix address;                   ///< the gateway's own address inside subnet
    std::optional<Ipv4Address> control;   ///< a client host that always answers
};

// ---- [maintenance] --------------------------------------------------------

enum class MaintenanceTask { antivirus, disk_health, disk_optimize, backup, empty_trash, updates };

/// The netconf spelling: "antivirus", "disk-health", ...
std::string_view to_string(MaintenanceTask task);
std::optional<MaintenanceTask> parse_maintenance_task(std::string_view text);

/// Which hosts the nightly run shuts down afterwards.
enum class ShutdownPolicy { woken, all, never };

std::string_view to_string(ShutdownPolicy policy);
std::optional<ShutdownPolicy> parse_shutdown_policy(std::string_view text);

/// Whether a PC whose updates need a restart is restarted in the night
/// (docs/tasks.md, "updates").
enum class RebootPolicy { if_needed, never };

std::string_view to_string(RebootPolicy policy);
std::optional<RebootPolicy> parse_reboot_policy(std::string_view text);

/// How a Linux PC's pending packages are upgraded: `apt-get upgrade` (never
/// removes or adds a package) or `apt-get dist-upgrade`.
enum class AptUpgrade { upgrade, dist_upgrade };

std::string_view to_string(AptUpgrade mode);
std::optional<AptUpgrade> parse_apt_upgrade(std::string_view text);

/// The Windows Update categories netconf names (`update_categories`), as
/// Microsoft's category names; the default set is security, critical and
/// definition updates.
inline constexpr std::array<std::string_view, 8> windows_update_categories{
    "security", "critical", "definitions", "updates", "update-rollups", "feature-packs", "drivers", "upgrades"};
std::vector<std::string> default_update_categories();

/// A daily time window "HH:MM-HH:MM"; it may cross midnight ("20:30-06:30").
class MaintenanceWindow {
public:
    static std::optional<MaintenanceWindow> parse(std::string_view text);

    int start_minute() const { return start_; }  ///< minutes after midnight
    /// True when `minute_of_day` (0..1439) falls in [start, end).
    bool contains(int minute_of_day) const;
    std::string to_string() const;

    auto operator<=>(const MaintenanceWindow&) const = default;

private:
    MaintenanceWindow(int start, int end) : start_(start), end_(end) {}
    int start_;
    int end_;
};

/// What the tasks run with. Unset fields take the task profile's defaults;
/// a host's settings override its client's, field by field (commands key by key).
struct TaskSettings {
    std::optional<std::vector<std::string>> scan_paths;      ///< antivirus
    std::optional<std::vector<std::string>> backup_sources;  ///< backup
    std::optional<std::string> backup_repository;            ///< restic repository, on the lab side
    /// The lab's append-only backup account as the PC's ssh names it
    /// (`user@host`, `ssh://user@host:port`): restic reaches the client's
    /// repository through the forced command there (docs/backups.md). At
    /// most one of this and backup_repository.
    std::optional<std::string> backup_lab;
    std::optional<std::string> backup_password_file;         ///< on the PC
    std::optional<int> task_timeout;                         ///< seconds, per task
    /// Seconds for one task by name ("updates" = 14400), over task_timeout.
    std::map<std::string, int> task_timeouts;
    std::optional<std::vector<std::string>> update_categories;  ///< updates, Windows
    std::optional<AptUpgrade> apt_upgrade;                      ///< updates, Linux
    /// Unset: if_needed for a PC the night woke, never for one found on.
    std::optional<RebootPolicy> reboot;
    /// A whole command in place of the profile's, by task name ("antivirus",
    /// ...) or "shutdown". Its exit code is read the way the task's is.
    std::map<std::string, std::string> commands;

    /// `host` over `client`.
    static TaskSettings merge(const TaskSettings& client, const TaskSettings& host);
};

struct MaintenanceSpec {
    std::optional<MaintenanceWindow> window;  ///< none: whenever `maintain` is run
    std::vector<MaintenanceTask> tasks;       ///< in the order given; none by default
    ShutdownPolicy shutdown = ShutdownPolicy::woken;
    /// Shut down even with someone logged on, closing their applications
    /// unsaved (Windows `shutdown /f`); off by default.
    bool shutdown_force = false;
    TaskSettings settings;                    ///< [maintenance] keys and [maintenance.commands]
};

// ---- [[host]] -------------------------------------------------------------

/// The trailing underscore: `linux` is a predefined macro in GNU modes.
enum class HostOs { windows, linux_ };

std::string_view to_string(HostOs os);
std::optional<HostOs> parse_host_os(std::string_view text);

/// A client PC that maintenance wakes and works on.
struct HostSpec {
    std::string name;  ///< `[a-z0-9][a-z0-9-]*`, up to 63 characters
    MacAddress mac;    ///< unicast
    std::optional<Ipv4Address> ip;
    HostOs os = HostOs::windows;
    TaskSettings settings;  ///< [host.maintenance]: overrides the client's
};

/// A valid host name: `[a-z0-9][a-z0-9-]*`, 1..63 characters (a DNS label).
bool is_valid_host_name(std::string_view name);

// ---- [backup] -------------------------------------------------------------

/// The client's backup repository as the lab itself reaches it: custode
/// keeps it after each night (retention, checks) with the lab's own access,
/// never the PCs' (docs/backups.md, "After the night").
struct BackupSpec {
    std::string repository;     ///< a directory on the lab: the one the forced command serves
    std::string password_file;  ///< on the lab, root's only: the repository's password
    RetentionPolicy keep;       ///< keep_daily, keep_weekly, keep_monthly
    /// Once a week `restic check` also reads this share of the data (0: never).
    int check_read_percent = 5;
    /// A host whose newest snapshot is older than this needs the technician.
    int max_age_hours = 36;
    /// Each host's restore test comes this many days after its last that passed (0: never).
    int restore_test_days = 7;

    auto operator<=>(const BackupSpec&) const = default;
};

// ---- a client -------------------------------------------------------------

struct Client {
    ClientName name;   ///< from the file name
    std::string file;  ///< the file it came from, for messages
    std::string description;
    LinkSpec link;
    std::vector<std::string> lab_ports;  ///< extra interfaces joined to the client's bridge
    /// link.mtu; unset: what the circuit carries, up to 1500 (the link planner decides).
    std::optional<int> mtu;
    LanSpec lan;
    MaintenanceSpec maintenance;
    std::vector<HostSpec> hosts;
    std::optional<BackupSpec> backup;  ///< [backup]: none, the lab leaves the repository alone
};

// ---- site.toml ------------------------------------------------------------

struct SshSettings {
    std::string user = "custode";
    std::string identity = "/etc/custode/id_ed25519";
    std::string known_hosts = "/etc/custode/known_hosts";
};

/// A lab machine the isolation check must prove unreachable.
struct LabHost {
    std::string name;
    Ipv4Address ip;
    std::optional<MacAddress> mac;
};

/// site.toml's [notify]: who hears about a scheduled night (docs/notify.md).
struct NotifySettings {
    std::vector<std::string> mail_to;   ///< sent through the system's sendmail
    std::optional<std::string> webhook;  ///< an http:// or https:// URL: POST of one JSON object
    bool always = false;                 ///< also when every PC is fine

    bool any() const { return !mail_to.empty() || webhook.has_value(); }
};

/// A mail address sendmail can take from a To: header: `user` or
/// `user@domain`, no whitespace, no list or header syntax (`,;<>()"\`).
bool is_valid_mail_address(std::string_view address);
/// An absolute http:// or https:// URL with a host and no whitespace.
bool is_valid_webhook_url(std::string_view url);

struct Site {
    std::string name;
    std::string namespace_prefix = "cu-";  ///< `[a-z][a-z0-9-]{0,7}`
    std::string state = "/var/lib/custode/state.db";
    SshSettings ssh;
    std::vector<LabHost> lab_hosts;
    NotifySettings notify;
};

/// True when `prefix` follows `[a-z][a-z0-9-]{0,7}`.
bool is_valid_namespace_prefix(std::string_view prefix);

// ---- the whole configuration ----------------------------------------------

struct Netconf {
    Site site;
    std::vector<Client> clients;  ///< sorted by name

    const Client* find(std::string_view client_name) const;
    /// The client's network namespace: prefix + name.
    std::string namespace_of(const Client& client) const;
    /// The client's own known_hosts: `<[ssh] known_hosts>.d/<client>`. One
    /// file per client, because clients' subnets overlap and two PCs of two
    /// clients may share an address.
    std::string known_hosts_of(const Client& client) const;
};

/// The files of one netconf directory. No site means site.toml is missing
/// (the caller reports that); the client files are still checked.
struct NetconfSources {
    std::optional<SourceFile> site;
    std::vector<SourceFile> clients;  ///< clients/<name>.toml
};

struct NetconfLoad {
    /// Complete only when `diagnostics` holds no error; otherwise holds whatever parsed.
    Netconf netconf;
    std::vector<Diagnostic> diagnostics;  ///< errors and warnings, sorted by file, line, column

    std::size_t error_count() const;
    bool ok() const { return error_count() == 0; }
};

/// Parses and validates every file, then checks across files (VLAN ids per
/// trunk, VNIs, interfaces claimed twice). Reports all problems, never throws
/// on bad input.
NetconfLoad load_netconf(const NetconfSources& sources);

}  // namespace custode
