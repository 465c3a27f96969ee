#include "custode/app/links.h"

#include <algorithm>
#include <array>
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
/// netconf no longer names, or that a killed custode left half-made.
std::vector<ClientOutcome> plan_prune(const Netconf& netconf, os::LinkSystem& system, const LiveNamespace& gateway) {
    std::vector<ClientOutcome> removals;
    const auto& prefix = netconf.site.namespace_prefix;
    for (const auto& name : system.list_namespaces()) {
        if (!name.starts_with(prefix)) continue;
        const auto client = name.substr(prefix.size());
        if (!ClientName::parse(client) || netconf.find(client)) continue;
        const auto live = system.read_namespace(name);
        const bool managed = std::any_of(live.links.begin(), live.links.end(),
                                         [&](const LiveLink& link) { return is_marked_for(link.alias, client); });
        if (managed || live.half_made) removals.push_back(planned(name, plan_removal(client, gateway, live), true));
    }
    return removals;
}

/// The kernel's words; when it gave none, custode's own of what to look at.
std::string step_error(const Step& step, const std::exception& error) {
    const auto view = describe(step);
    auto text = fmt::format("{} {} {}: {}", view.op, view.object, view.attribute, error.what());
    if (const auto* system = dynamic_cast<const SystemError*>(&error); system && system->detail().empty())
        text += fmt::format(" (the kernel gave no reason; {})", refusal_causes(step));
    return text;
}

}  // namespace

ActionView action_view(const ClientOutcome& outcome, const Step& step) {
    auto view = describe(step);
    if (view.object == "namespace") (view.op == "create" ? view.to : view.from) = outcome.namespace_name;
    return view;
}

ClientLinks links_of(const Netconf& netconf, const Client& client) {
    ClientLinks links;
    links.client = client.name.str();
    links.namespace_name = netconf.namespace_of(client);
    links.circuit = circuit_of(client.link);
    links.lab_ports = client.lab_ports;
    links.mtu = client.mtu;
    links.file = client.file;
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
        for (auto& removal : plan_prune(netconf, system, gateway)) outcomes.push_back(std::move(removal));
    }
    return outcomes;
}

namespace {

/// A step that moves a link into or out of a client's namespace. Each costs
/// ~17 ms on the test kernel (an rcu_barrier under the rtnl lock), so they
/// run back to back for all clients, between the cheap steps.
bool moves_a_link(const Step& step) {
    return std::holds_alternative<AdoptPort>(step) || std::holds_alternative<CreateCircuit>(step) ||
           std::holds_alternative<ReleasePort>(step);
}

/// A client's steps in three runs, in plan order: before its first move,
/// from its first move to its last, after its last (empty runs allowed).
std::array<std::size_t, 4> phase_bounds(const std::vector<Step>& steps) {
    std::size_t first = steps.size(), last = steps.size();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!moves_a_link(steps[i])) continue;
        if (first == steps.size()) first = i;
        last = i + 1;
    }
    if (first == steps.size()) last = first;  // no move: everything is "before"
    return {0, first, last, steps.size()};
}

/// One client's transaction: its steps done so far, undone in reverse on failure.
struct Transaction {
    ClientOutcome* outcome;
    os::StepTarget target;
    std::array<std::size_t, 4> bounds;
    std::vector<Step> done;
    bool failed = false;
};

void undo(os::LinkSystem& system, Transaction& transaction) {
    for (auto step = transaction.done.rbegin(); step != transaction.done.rend(); ++step) {
        for (const auto& undo_step : inverse(*step)) {
            try {
                system.carry_out(transaction.target, undo_step);
            } catch (const std::exception& undo_error) {
                transaction.outcome->undo_errors.push_back(step_error(undo_step, undo_error));
            }
        }
    }
    transaction.done.clear();
}

/// Carries out one phase of one client; on failure undoes all its steps so far.
void run_phase(os::LinkSystem& system, Transaction& transaction, std::size_t phase) {
    const auto& steps = transaction.outcome->plan.steps;
    for (std::size_t i = transaction.bounds[phase]; i < transaction.bounds[phase + 1]; ++i) {
        try {
            system.carry_out(transaction.target, steps[i]);
        } catch (const std::exception& error) {
            transaction.failed = true;
            transaction.outcome->result = ClientOutcome::Result::failed;
            transaction.outcome->error = step_error(steps[i], error);
            undo(system, transaction);
            return;
        }
        transaction.done.push_back(steps[i]);
    }
}

}  // namespace

void carry_out_plans(os::LinkSystem& system, const std::vector<ClientOutcome*>& outcomes) {
    std::vector<Transaction> transactions;
    transactions.reserve(outcomes.size());
    for (ClientOutcome* outcome : outcomes)
        transactions.push_back(Transaction{outcome, {outcome->plan.client, outcome->namespace_name},
                                           phase_bounds(outcome->plan.steps), {}});
    for (std::size_t phase = 0; phase < 3; ++phase) {
        for (auto& transaction : transactions)
            if (!transaction.failed) run_phase(system, transaction, phase);
    }
    for (auto& transaction : transactions)
        if (!transaction.failed) transaction.outcome->result = ClientOutcome::Result::applied;
}

void carry_out_plan(os::LinkSystem& system, ClientOutcome& outcome) { carry_out_plans(system, {&outcome}); }

std::vector<ClientOutcome> apply_links(const Netconf& netconf, os::LinkSystem& system,
                                       const std::vector<const Client*>& clients, const ApplyOptions& options) {
    auto outcomes = plan_links(netconf, system, clients, options.prune);
    if (!options.dry_run) carry_out_pending(system, outcomes);
    return outcomes;
}

void carry_out_pending(os::LinkSystem& system, std::vector<ClientOutcome>& outcomes) {
    std::vector<ClientOutcome*> pending;
    for (auto& outcome : outcomes)
        if (outcome.result == ClientOutcome::Result::pending) pending.push_back(&outcome);
    carry_out_plans(system, pending);
}

ClientOutcome remove_client(const std::string& prefix, const std::string& client, os::LinkSystem& system,
                            Removal removal) {
    const auto name = prefix + client;
    const auto gateway = system.read_gateway();
    auto outcome = planned(name, plan_removal(client, gateway, system.read_namespace(name)), true);
    if (removal == Removal::carry_out && outcome.result == ClientOutcome::Result::pending)
        carry_out_plan(system, outcome);
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

std::string circuit_problem(const ClientStatus& status) {
    if (!status.namespace_exists) return fmt::format("not provisioned: no namespace {} (custode apply)", status.namespace_name);
    if (!status.circuit) return "no circuit link in " + status.namespace_name;
    if (!status.bridge) return "no bridge in " + status.namespace_name;
    if (!status.bridge->admin_up) return "the bridge is down";
    if (!status.circuit->admin_up) return "the circuit is down";
    if (!status.circuit->carrier) return "the circuit has no carrier";
    return "";
}

}  // namespace custode::app
