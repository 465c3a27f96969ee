/// A client's [lan] and [maintenance].

#include <algorithm>
#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

// An ARP scan sweeps every address of the subnet: /16 is the most worth
// sweeping; /30 the least that holds the gateway and one host.
constexpr int min_subnet_length = 16;
constexpr int max_subnet_length = 30;

std::optional<Located<Ipv4Prefix>> read_prefix(TableReader& lan, std::string_view key) {
    const auto text = lan.string(key, Presence::required);
    if (!text) return std::nullopt;
    const auto prefix = Ipv4Prefix::parse(text->value);
    if (prefix && prefix->length() >= 0) return Located<Ipv4Prefix>{*prefix, text->at};
    lan.diagnostics().error(text->at, fmt::format("{}: {} is not an IPv4 prefix (a.b.c.d/length)",
                                                  lan.qualified(key), in_quotes(text->value)));
    return std::nullopt;
}

std::optional<Ipv4Prefix> read_subnet(TableReader& lan) {
    const auto subnet = read_prefix(lan, "subnet");
    if (!subnet) return std::nullopt;
    const Ipv4Prefix& value = subnet->value;
    if (!value.is_network()) {
        lan.diagnostics().error(subnet->at, fmt::format("lan.subnet: {} has host bits set; the network is {}/{}",
                                                        value.to_string(), value.network().to_string(),
                                                        value.length()));
        return std::nullopt;
    }
    if (value.length() < min_subnet_length || value.length() > max_subnet_length) {
        lan.diagnostics().error(subnet->at, fmt::format("lan.subnet: prefix length /{} is outside /{}../{}",
                                                        value.length(), min_subnet_length, max_subnet_length));
        return std::nullopt;
    }
    return value;
}

/// Why `address` cannot be a host on `subnet`, or "" when it can.
std::string host_address_problem(Ipv4Address address, const Ipv4Prefix& subnet) {
    const auto shown = address.to_string();
    if (!subnet.contains(address)) return fmt::format("{} is outside lan.subnet {}", shown, subnet.to_string());
    if (address == subnet.network())
        return fmt::format("{} is the network address of {}", shown, subnet.to_string());
    if (address == subnet.broadcast())
        return fmt::format("{} is the broadcast address of {}", shown, subnet.to_string());
    return "";
}

std::optional<Ipv4Prefix> read_gateway_address(TableReader& lan, const std::optional<Ipv4Prefix>& subnet) {
    const auto address = read_prefix(lan, "address");
    if (!address || !subnet) return std::nullopt;
    if (address->value.length() != subnet->length()) {
        lan.diagnostics().error(address->at,
                                fmt::format("lan.address: prefix length /{} differs from lan.subnet's /{}",
                                            address->value.length(), subnet->length()));
        return std::nullopt;
    }
    if (auto problem = host_address_problem(address->value.address(), *subnet); !problem.empty()) {
        lan.diagnostics().error(address->at, "lan.address: " + problem);
        return std::nullopt;
    }
    return address->value;
}

std::optional<Ipv4Address> read_control(TableReader& lan, const std::optional<LanSpec>& spec) {
    const auto control = lan.ipv4("control", Presence::optional);
    if (!control || !spec) return std::nullopt;
    auto problem = host_address_problem(control->value, spec->subnet);
    if (problem.empty() && control->value == spec->address.address())
        problem = "is the gateway's own lan.address; the control must be a client host";
    if (problem.empty()) return control->value;
    lan.diagnostics().error(control->at, "lan.control: " + problem);
    return std::nullopt;
}

std::vector<MaintenanceTask> read_tasks(TableReader& maintenance) {
    std::vector<MaintenanceTask> tasks;
    const auto names = maintenance.strings("tasks", Presence::optional);
    if (!names) return tasks;
    for (const auto& name : *names) {
        const auto task = parse_maintenance_task(name.value);
        if (!task) {
            maintenance.diagnostics().error(name.at, fmt::format("maintenance.tasks: {} is not one of antivirus, "
                                                                 "disk-health, disk-optimize, backup, empty-trash, "
                                                                 "updates",
                                                                 in_quotes(name.value)));
        } else if (std::find(tasks.begin(), tasks.end(), *task) != tasks.end()) {
            maintenance.diagnostics().error(name.at, fmt::format("maintenance.tasks: {} is listed twice",
                                                                 in_quotes(name.value)));
        } else {
            tasks.push_back(*task);
        }
    }
    return tasks;
}

}  // namespace

std::optional<LanSpec> parse_lan(TableReader& lan) {
    const auto subnet = read_subnet(lan);
    const auto address = read_gateway_address(lan, subnet);
    std::optional<LanSpec> spec;
    if (subnet && address) spec = LanSpec{*subnet, *address, std::nullopt};
    const auto control = read_control(lan, spec);
    if (spec) spec->control = control;
    lan.report_unknown_keys();
    return spec;
}

MaintenanceSpec parse_maintenance(TableReader& maintenance) {
    MaintenanceSpec spec;
    if (const auto window = maintenance.string("window", Presence::optional)) {
        spec.window = MaintenanceWindow::parse(window->value);
        if (!spec.window)
            maintenance.diagnostics().error(window->at, fmt::format("maintenance.window: {} is not HH:MM-HH:MM "
                                                                    "(00:00..23:59, start and end differ)",
                                                                    in_quotes(window->value)));
    }
    spec.tasks = read_tasks(maintenance);
    if (const auto shutdown = maintenance.choice("shutdown", Presence::optional, {"woken", "all", "never"}))
        spec.shutdown = *parse_shutdown_policy(shutdown->value);
    if (const auto force = maintenance.boolean("shutdown_force", Presence::optional)) spec.shutdown_force = force->value;
    spec.settings = parse_task_settings(maintenance);
    maintenance.report_unknown_keys();
    return spec;
}

}  // namespace custode::netconf_detail
