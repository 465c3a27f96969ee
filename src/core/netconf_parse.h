#pragma once
/// Private to the netconf loader: what one file parses into before the
/// cross-file checks, with the positions those checks point at.

#include <optional>
#include <string>
#include <vector>

#include "custode/core/netconf.h"
#include "netconf_toml.h"

namespace custode::netconf_detail {

/// [link] of one client. `spec` is set when kind and its keys are all valid.
struct ParsedLink {
    std::optional<LinkSpec> spec;
    std::optional<Located<std::string>> trunk;      ///< vlan
    std::optional<Located<std::int64_t>> vlan;      ///< vlan
    std::optional<Located<std::string>> interface;  ///< port
    std::optional<Located<std::int64_t>> vni;       ///< vxlan
    std::optional<Located<std::string>> underlay;   ///< vxlan
    std::vector<Located<std::string>> lab_ports;
    std::optional<int> mtu;
};

/// [backup] of one client. `spec` is set when every key is valid.
struct ParsedBackup {
    std::optional<BackupSpec> spec;
    std::optional<Located<std::string>> repository;  ///< for the check that no two clients share one
};

/// One [[host]]: each field set when it is valid.
struct ParsedHost {
    std::optional<Located<std::string>> name;
    std::optional<Located<MacAddress>> mac;
    std::optional<Located<Ipv4Address>> ip;
    std::optional<HostOs> os;
    TaskSettings settings;  ///< [host.maintenance]
};

/// One clients/<name>.toml.
struct ParsedClient {
    std::string file;
    std::string name;                      ///< the file name without ".toml", valid or not
    std::optional<ClientName> valid_name;  ///< set when `name` is a valid client name
    std::string description;
    ParsedLink link;
    std::optional<LanSpec> lan;
    MaintenanceSpec maintenance;
    std::vector<ParsedHost> hosts;
    ParsedBackup backup;

    /// The model, when every part that has no default parsed.
    std::optional<Client> to_client() const;
};

/// "acme" for "/etc/custode/clients/acme.toml".
std::string client_name_from_path(std::string_view path);

/// Parses a TOML document; a syntax error is reported and gives nothing.
std::optional<toml::table> parse_toml(const SourceFile& file, FileDiagnostics& diagnostics);

Site parse_site(const toml::table& root, FileDiagnostics& diagnostics);
ParsedClient parse_client(const toml::table& root, const SourceFile& file, FileDiagnostics& diagnostics);
ParsedLink parse_link(TableReader& link);
std::optional<LanSpec> parse_lan(TableReader& lan);
MaintenanceSpec parse_maintenance(TableReader& maintenance);
/// [backup] of a client file; no spec when a key is missing or wrong (reported).
ParsedBackup parse_backup(TableReader& backup);
/// The task settings keys of [maintenance] or [host.maintenance] and their
/// [*.commands] subtable; leaves other keys to the caller.
TaskSettings parse_task_settings(TableReader& maintenance);
std::vector<ParsedHost> parse_hosts(TableReader& file);
/// Reports hosts whose ip lies outside the LAN, and duplicate names, MACs and IPs.
void check_hosts(const std::vector<ParsedHost>& hosts, const std::optional<LanSpec>& lan,
                 FileDiagnostics& diagnostics);

/// Duplicate VLAN ids per trunk, duplicate VNIs, interfaces claimed twice,
/// backup repositories named twice.
/// Reported on the later file (in the order given), naming the earlier one.
void check_across_clients(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out);

}  // namespace custode::netconf_detail
