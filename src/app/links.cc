#include "custode/app/links.h"

#include <algorithm>
#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/os/netns.h"

namespace custode::app {
namespace {

CircuitSpec circuit_of(const LinkSpec& link) {
    struct Convert {
        CircuitSpec operator()(const VlanLink& l) const { return VlanCircuit{l.trunk, l.vlan.value()}; }
        CircuitSpec operator()(const PortLink& l) const { return PortCircuit{l.interface}; }
        CircuitSpec operator()(const VxlanLink& l) const {
            return VxlanCircuit{l.vni, l.local, l.remote, l.underlay, l.port};
        }
    };
    return std::visit(Convert{}, link);
}

bool adopts(const LinkSpec& link) {
    const auto* port = std::get_if<PortLink>(&link);
    return port && port->adopt;
}

ClientOutcome planned(std::string namespace_name, ClientPlan plan, bool removal) {
    ClientOutcome outcome;
    outcome.namespace_name = std::move(namespace_name);
    outcome.plan = std::move(plan);
    outcome.removal = removal;
    if (!outcome.plan.refusals.empty()) {
        outcome.result = ClientOutcome::Result::refused;
    } else if (!outcome.plan.steps.empty()) {
        outcome.result = ClientOutcome::Result::pending;
    }
    return outcome;
}

/// Namespaces under the site's prefix that hold links marked for a client
/// netconf no longer names.
std::vector<ClientOutcome> plan_prune(const Netconf& netconf, os::LinkSystem& system) {
    std::vector<ClientOutcome> removals;
    const auto& prefix = netconf.site.namespace_prefix;
    for (const auto& name : system.list_namespaces()) {
        if (!name.starts_with(prefix)) continue;
        const auto client = name.substr(prefix.size());
        if (!ClientName::parse(client) || netconf.find(client)) continue;
        const auto live = system.read_namespace(name);
        const bool managed = std::any_of(live.links.begin(), live.links.end(),
                                         [&](const LiveLink& link) { return is_marked_for(link.alias, client); });
        if (managed) removals.push_back(planned(name, plan_removal(client, live), true));
    }
    return removals;
}

std::string step_error(const Step& step, const std::exception& error) {
    const auto view = describe(step);
    return fmt::format("{} {} {}: {}", view.op, view.object, view.attribute, error.what());
}

}  // namespace

ClientLinks links_of(const Netconf& netconf, const Client& client) {
    ClientLinks links;
    links.client = client.name.str();
    links.namespace_name = netconf.namespace_of(client);
    links.circuit = circuit_of(client.link);
    links.lab_ports = client.lab_ports;
    links.mtu = client.mtu;
    links.address = client.lan.address;
    links.adopt = adopts(client.link);
    return links;
}

std::vector<const Client*> select_clients(const Netconf& netconf, const std::vector<std::string>& names) {
    std::vector<const Client*> selected;
    if (names.empty()) {
        for (const auto& client : netconf.clients) selected.push_back(&client);
        return selected;
    }
    for (const auto& name : names) {
        const Client* client = netconf.find(name);
        if (!client) throw UsageError(fmt::format("no client '{}' in netconf", name));
        if (std::find(selected.begin(), selected.end(), client) == selected.end()) selected.push_back(client);
    }
    return selected;
}

std::string_view to_string(ClientOutcome::Result result) {
    static constexpr std::string_view names[] = {"in_sync", "pending", "applied", "refused", "failed"};
    return names[static_cast<int>(result)];
}

std::vector<ClientOutcome> plan_links(const Netconf& netconf, os::LinkSystem& system,
                                      const std::vector<const Client*>& clients, bool prune) {
    const auto gateway = system.read_gateway();
    std::vector<ClientOutcome> outcomes;
    for (const Client* client : clients) {
        const auto want = links_of(netconf, *client);
        const auto live = system.read_namespace(want.namespace_name);
        outcomes.push_back(planned(want.namespace_name, plan_client(want, gateway, live), false));
    }
    if (prune) {
        for (auto& removal : plan_prune(netconf, system)) outcomes.push_back(std::move(removal));
    }
    return outcomes;
}

void carry_out_plan(os::LinkSystem& system, ClientOutcome& outcome) {
    const os::StepTarget target{outcome.plan.client, outcome.namespace_name};
    std::vector<Step> done;
    try {
        for (const auto& step : outcome.plan.steps) {
            try {
                system.carry_out(target, step);
            } catch (const std::exception& error) {
                throw SystemError(step_error(step, error), 0, "");
            }
            done.push_back(step);
        }
        outcome.result = ClientOutcome::Result::applied;
    } catch (const SystemError& error) {
        outcome.result = ClientOutcome::Result::failed;
        outcome.error = error.what();
        for (auto step = done.rbegin(); step != done.rend(); ++step) {
            for (const auto& undo : inverse(*step)) {
                try {
                    system.carry_out(target, undo);
                } catch (const std::exception& undo_error) {
                    outcome.undo_errors.push_back(step_error(undo, undo_error));
                }
            }
        }
    }
}

std::vector<ClientOutcome> apply_links(const Netconf& netconf, os::LinkSystem& system,
                                       const std::vector<const Client*>& clients, const ApplyOptions& options) {
    auto outcomes = plan_links(netconf, system, clients, options.prune);
    if (options.dry_run) return outcomes;
    for (auto& outcome : outcomes) {
        if (outcome.result == ClientOutcome::Result::pending) carry_out_plan(system, outcome);
    }
    return outcomes;
}

ClientOutcome remove_client(const std::string& prefix, const std::string& client, os::LinkSystem& system,
                            bool dry_run) {
    const auto name = prefix + client;
    auto outcome = planned(name, plan_removal(client, system.read_namespace(name)), true);
    if (!dry_run && outcome.result == ClientOutcome::Result::pending) carry_out_plan(system, outcome);
    return outcome;
}

void require_provisioned(const Netconf& netconf, const Client& client) {
    const auto ns = netconf.namespace_of(client);
    if (!os::named_namespace_exists(ns))
        throw UsageError(fmt::format("client '{}' is not provisioned: no namespace {} (run custode apply)",
                                     client.name.str(), ns));
}

std::vector<ClientStatus> link_status(const Netconf& netconf, os::LinkSystem& system,
                                      const std::vector<const Client*>& clients) {
    const auto gateway = system.read_gateway();
    std::vector<ClientStatus> statuses;
    for (const Client* client : clients) {
        const auto want = links_of(netconf, *client);
        const auto live = system.read_namespace(want.namespace_name);
        ClientStatus status;
        status.client = want.client;
        status.namespace_name = want.namespace_name;
        status.namespace_exists = live.exists;
        if (const LiveLink* circuit = live.find(circuit_link)) status.circuit = *circuit;
        if (const LiveLink* bridge = live.find(bridge_link)) status.bridge = *bridge;
        status.in_sync = plan_client(want, gateway, live).in_sync();
        statuses.push_back(std::move(status));
    }
    return statuses;
}

}  // namespace custode::app
