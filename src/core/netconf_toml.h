#pragma once
/// Private to the netconf loader: typed, position-aware reading of toml++
/// tables. Every lookup reports its own problems (wrong type, missing key,
/// bad value) and remembers the key, so that the keys nobody asked for can
/// be reported as unknown.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/netconf.h"

namespace custode::netconf_detail {

struct Position {
    int line = 1;
    int column = 1;
};

Position position_of(const toml::source_region& region);
Position position_of(const toml::node& node);

/// A value together with where it was written, for checks made later (across files).
template <typename T>
struct Located {
    T value;
    Position at;
};

/// Collects the diagnostics of one file.
class FileDiagnostics {
public:
    FileDiagnostics(std::string file, std::vector<Diagnostic>& out) : file_(std::move(file)), out_(out) {}

    void error(Position at, std::string message);
    void error(const toml::node& node, std::string message) { error(position_of(node), std::move(message)); }
    void warning(Position at, std::string message);
    const std::string& file() const { return file_; }

private:
    std::string file_;
    std::vector<Diagnostic>& out_;
};

enum class Presence { required, optional };

/// A table of its own (`[link]`), or one of an array of tables (`[[host]]`).
enum class TableForm { single, array_element };

/// Reads one TOML table. `path` names it in messages: "" for the file's top
/// level, "link" for [link], "host" for one [[host]].
class TableReader {
public:
    TableReader(const toml::table& table, std::string path, FileDiagnostics& diagnostics,
                TableForm form = TableForm::single);

    /// The key's node, now marked as known; nullptr when absent (and then,
    /// if required, reported as missing).
    const toml::node* node(std::string_view key, Presence presence);

    std::optional<Located<std::string>> string(std::string_view key, Presence presence);
    std::optional<Located<std::int64_t>> integer(std::string_view key, Presence presence, std::int64_t min,
                                                 std::int64_t max);
    std::optional<Located<bool>> boolean(std::string_view key, Presence presence);
    const toml::table* table(std::string_view key, Presence presence);
    /// An array of strings; elements of another type are reported and skipped.
    std::optional<std::vector<Located<std::string>>> strings(std::string_view key, Presence presence);
    /// An array of tables (`[[host]]`); other elements are reported and skipped.
    std::vector<const toml::table*> tables(std::string_view key);

    /// A string that must be an absolute path on the gateway: custode runs from any directory.
    std::optional<Located<std::string>> absolute_path(std::string_view key, Presence presence);
    /// A string that must be a valid Linux interface name.
    std::optional<Located<std::string>> interface_name(std::string_view key, Presence presence);
    std::optional<Located<Ipv4Address>> ipv4(std::string_view key, Presence presence);
    /// An IPv4 or an IPv6 address.
    std::optional<Located<IpAddress>> ip_address(std::string_view key, Presence presence);
    std::optional<Located<MacAddress>> unicast_mac(std::string_view key, Presence presence);
    /// A string that must be one of `choices`.
    std::optional<Located<std::string>> choice(std::string_view key, Presence presence,
                                               std::initializer_list<std::string_view> choices);

    /// Reports a key as wrong here (e.g. a vxlan key with kind = "port") and marks it known.
    void reject(std::string_view key, std::string_view why);
    /// Reports every key not looked up as unknown.
    void report_unknown_keys();

    /// "link.vlan", or "vlan" at the top level.
    std::string qualified(std::string_view key) const;
    /// Where a missing key would go: the table header, or 1:1 at the top level.
    Position header() const { return position_of(table_); }
    FileDiagnostics& diagnostics() { return diagnostics_; }

private:
    std::string where() const;
    const toml::node* typed(std::string_view key, Presence presence, toml::node_type type);

    const toml::table& table_;
    std::string path_;
    FileDiagnostics& diagnostics_;
    TableForm form_;
    std::vector<std::string> known_;
};

/// "a string", "an integer", ...: for "expected X, found Y" messages.
std::string_view type_description(toml::node_type type);

/// "\"eth1\"": a string value quoted as it would be written in TOML.
std::string in_quotes(std::string_view text);

}  // namespace custode::netconf_detail
