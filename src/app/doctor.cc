#include "custode/app/doctor.h"

#include "custode/os/gateway_facts.h"
#include "custode/os/netns.h"
#include "custode/os/ssh.h"
#include "custode/os/user.h"
#include "custode/os/state_store.h"

namespace custode::app {
namespace doctor_gather {

/// The client's recorded host keys and its namespace's sysctls.
ClientGatewayFacts client_facts(const Netconf& netconf, const Client& client, os::LinkSystem& links) {
    ClientGatewayFacts facts;
    facts.links = links.read_namespace(netconf.namespace_of(client));
    const auto known_hosts = netconf.known_hosts_of(client);
    facts.known_hosts_exists = os::file_facts(known_hosts).exists;
    if (facts.known_hosts_exists)
        for (const auto& host : client.hosts)
            if (host.ip && !os::known_host_keys(known_hosts, *host.ip, 22).empty()) facts.hosts_with_key.insert(host.name);
    if (facts.links.exists) {
        // /proc/sys/net shows the namespace of the thread that opens it.
        const auto ns = os::NamespaceFd::open_named(netconf.namespace_of(client));
        facts.sysctls = os::in_namespace(ns, [] { return os::read_int_sysctls(client_sysctls_read()); });
    }
    return facts;
}

}  // namespace doctor_gather

GatewayFacts gather_gateway_facts(const Netconf& netconf, const std::filesystem::path& state, os::LinkSystem& links) {
    GatewayFacts facts;
    const auto needed = modules_needed(netconf);
    const auto sources = os::read_module_sources(needed);
    for (const auto& module : needed) facts.modules[module] = module_state(module, sources);
    facts.gateway = links.read_gateway();
    for (const auto& client : netconf.clients)
        facts.clients[client.name.str()] = doctor_gather::client_facts(netconf, client, links);
    facts.sysctls = os::read_int_sysctls(gateway_sysctls_read(netconf));
    facts.identity = os::file_facts(netconf.site.ssh.identity);
    facts.user = os::effective_user_id();
    facts.state = os::state_facts(state);
    facts.latest_schema = os::StateStore::latest_schema_version();
    facts.systemd_running = os::systemd_running();
    const auto timer = os::maintenance_timer_facts();
    facts.timer_installed = timer.installed;
    facts.timer_enabled = timer.enabled;
    facts.clock_synchronised = os::clock_synchronised();
    return facts;
}

DoctorResult doctor_on_gateway(const Netconf& netconf, const std::filesystem::path& state) {
    const auto links = os::make_kernel_link_system();
    DoctorResult result{gather_gateway_facts(netconf, state, *links), {}};
    result.report = diagnose(netconf, result.facts);
    return result;
}

}  // namespace custode::app
