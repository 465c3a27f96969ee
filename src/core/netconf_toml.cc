#include "netconf_toml.h"

#include <algorithm>
#include <fmt/format.h>

#include "custode/core/netconf_keys.h"

namespace custode::netconf_detail {

Position position_of(const toml::source_region& region) {
    // toml++ leaves regions of synthesized nodes at 0:0; 1:1 is the file.
    if (region.begin.line == 0) return {};
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

Position position_of(const toml::node& node) { return position_of(node.source()); }

void FileDiagnostics::error(Position at, std::string message) {
    out_.push_back({file_, at.line, at.column, std::move(message)});
}

void FileDiagnostics::warning(Position at, std::string message) {
    out_.push_back({file_, at.line, at.column, std::move(message), Diagnostic::Severity::warning});
}

std::string_view type_description(toml::node_type type) {
    switch (type) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

std::string in_quotes(std::string_view text) { return fmt::format("\"{}\"", text); }

TableReader::TableReader(const toml::table& table, std::string path, FileDiagnostics& diagnostics,
                         TableForm form)
    : table_(table), path_(std::move(path)), diagnostics_(diagnostics), form_(form) {}

std::string TableReader::qualified(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

std::string TableReader::where() const {
    if (path_.empty()) return "at the top level";
    return form_ == TableForm::array_element ? fmt::format("in [[{}]]", path_) : fmt::format("in [{}]", path_);
}

const toml::node* TableReader::node(std::string_view key, Presence presence) {
    known_.emplace_back(key);
    const toml::node* found = table_.get(key);
    if (!found && presence == Presence::required)
        diagnostics_.error(header(), fmt::format("missing required key '{}' {}", key, where()));
    return found;
}

const toml::node* TableReader::typed(std::string_view key, Presence presence, toml::node_type type) {
    const toml::node* found = node(key, presence);
    if (!found || found->type() == type) return found;
    diagnostics_.error(*found, fmt::format("{}: expected {}, found {}", qualified(key), type_description(type),
                                           type_description(found->type())));
    return nullptr;
}

std::optional<Located<std::string>> TableReader::string(std::string_view key, Presence presence) {
    const toml::node* found = typed(key, presence, toml::node_type::string);
    if (!found) return std::nullopt;
    return Located<std::string>{found->as_string()->get(), position_of(*found)};
}

std::optional<Located<std::string>> TableReader::absolute_path(std::string_view key, Presence presence) {
    auto text = string(key, presence);
    if (!text || text->value.starts_with('/')) return text;
    diagnostics_.error(text->at, fmt::format("{}: {} is not an absolute path", qualified(key), in_quotes(text->value)));
    return std::nullopt;
}

std::optional<Located<std::int64_t>> TableReader::integer(std::string_view key, Presence presence,
                                                          std::int64_t min, std::int64_t max) {
    const toml::node* found = typed(key, presence, toml::node_type::integer);
    if (!found) return std::nullopt;
    const std::int64_t value = found->as_integer()->get();
    if (value < min || value > max) {
        diagnostics_.error(*found, fmt::format("{}: {} is out of range {}..{}", qualified(key), value, min, max));
        return std::nullopt;
    }
    return Located<std::int64_t>{value, position_of(*found)};
}

std::optional<Located<bool>> TableReader::boolean(std::string_view key, Presence presence) {
    const toml::node* found = typed(key, presence, toml::node_type::boolean);
    if (!found) return std::nullopt;
    return Located<bool>{found->as_boolean()->get(), position_of(*found)};
}

const toml::table* TableReader::table(std::string_view key, Presence presence) {
    const toml::node* found = node(key, Presence::optional);
    if (!found) {
        if (presence == Presence::required)
            diagnostics_.error(header(), fmt::format("missing required table [{}]", qualified(key)));
        return nullptr;
    }
    if (const toml::table* table = found->as_table()) return table;
    diagnostics_.error(*found, fmt::format("{}: expected a table, found {}", qualified(key),
                                           type_description(found->type())));
    return nullptr;
}

std::optional<std::vector<Located<std::string>>> TableReader::strings(std::string_view key, Presence presence) {
    const toml::node* found = typed(key, presence, toml::node_type::array);
    if (!found) return std::nullopt;
    std::vector<Located<std::string>> values;
    for (const toml::node& element : *found->as_array()) {
        if (const auto* text = element.as_string()) {
            values.push_back({text->get(), position_of(element)});
        } else {
            diagnostics_.error(element, fmt::format("{}: expected an array of strings, found {} in it",
                                                    qualified(key), type_description(element.type())));
        }
    }
    return values;
}

std::vector<const toml::table*> TableReader::tables(std::string_view key) {
    std::vector<const toml::table*> tables;
    const toml::node* found = node(key, Presence::optional);
    if (!found) return tables;
    const toml::array* array = found->as_array();
    if (!array) {
        diagnostics_.error(*found, fmt::format("{}: expected an array of tables ([[{}]]), found {}",
                                               qualified(key), qualified(key), type_description(found->type())));
        return tables;
    }
    for (const toml::node& element : *array) {
        if (const toml::table* table = element.as_table()) {
            tables.push_back(table);
        } else {
            diagnostics_.error(element, fmt::format("{}: expected a table, found {}", qualified(key),
                                                    type_description(element.type())));
        }
    }
    return tables;
}

std::optional<Located<std::string>> TableReader::interface_name(std::string_view key, Presence presence) {
    auto name = string(key, presence);
    if (!name || is_valid_interface_name(name->value)) return name;
    diagnostics_.error(name->at, fmt::format("{}: {} is not a valid interface name (1..15 bytes; no '/', ':' "
                                             "or whitespace; not \".\" or \"..\")",
                                             qualified(key), in_quotes(name->value)));
    return std::nullopt;
}

std::optional<Located<Ipv4Address>> TableReader::ipv4(std::string_view key, Presence presence) {
    auto text = string(key, presence);
    if (!text) return std::nullopt;
    if (auto address = Ipv4Address::parse(text->value)) return Located<Ipv4Address>{*address, text->at};
    diagnostics_.error(text->at, fmt::format("{}: {} is not an IPv4 address (a.b.c.d)", qualified(key),
                                             in_quotes(text->value)));
    return std::nullopt;
}

std::optional<Located<IpAddress>> TableReader::ip_address(std::string_view key, Presence presence) {
    auto text = string(key, presence);
    if (!text) return std::nullopt;
    if (auto address = IpAddress::parse(text->value)) return Located<IpAddress>{*address, text->at};
    diagnostics_.error(text->at, fmt::format("{}: {} is not an IPv4 address (a.b.c.d) or an IPv6 address (2001:db8::1)",
                                             qualified(key), in_quotes(text->value)));
    return std::nullopt;
}

std::optional<Located<MacAddress>> TableReader::unicast_mac(std::string_view key, Presence presence) {
    auto text = string(key, presence);
    if (!text) return std::nullopt;
    auto mac = MacAddress::parse(text->value);
    if (!mac) {
        diagnostics_.error(text->at, fmt::format("{}: {} is not a MAC address (aa:bb:cc:dd:ee:ff)",
                                                 qualified(key), in_quotes(text->value)));
        return std::nullopt;
    }
    if (mac->is_multicast() || mac->is_zero()) {
        diagnostics_.error(text->at, fmt::format("{}: {} is not a unicast MAC address", qualified(key),
                                                 in_quotes(text->value)));
        return std::nullopt;
    }
    return Located<MacAddress>{*mac, text->at};
}

std::optional<Located<std::string>> TableReader::choice(std::string_view key, Presence presence,
                                                        std::initializer_list<std::string_view> choices) {
    auto text = string(key, presence);
    if (!text) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), text->value) != choices.end()) return text;
    diagnostics_.error(text->at, fmt::format("{}: {} is not one of {}", qualified(key), in_quotes(text->value),
                                             fmt::join(choices, ", ")));
    return std::nullopt;
}

void TableReader::reject(std::string_view key, std::string_view why) {
    known_.emplace_back(key);
    const auto found = table_.find(key);
    if (found != table_.end())
        diagnostics_.error(position_of(found->first.source()), fmt::format("{}: {}", qualified(key), why));
}

void TableReader::report_unknown_keys() {
    if (NetconfKeyLog* log = NetconfKeyLog::active())
        for (const auto& key : known_) log->record(qualified(key));
    for (const auto& [key, value] : table_) {
        if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
        diagnostics_.error(position_of(key.source()), fmt::format("unknown key '{}' {}", key.str(), where()));
    }
}

}  // namespace custode::netconf_detail
