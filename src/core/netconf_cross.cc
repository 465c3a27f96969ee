/// Checks across client files: what one circuit uses, no other may take.

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <tuple>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

/// One use of a gateway interface by a client's [link].
struct Claim {
    std::string interface;
    std::string key;    ///< "link.trunk", "link.lab_ports", ...
    std::string role;   ///< "trunk", "underlay", "port", "lab port"
    bool shared = false;  ///< trunks and underlays carry many circuits; ports and lab ports one
    std::size_t client = 0;
    Position at;
};

std::string client_reference(const ParsedClient& client, Position at) {
    return fmt::format("client {} ({}:{}:{})", in_quotes(client.name), client.file, at.line, at.column);
}

std::vector<Claim> claims_of(const ParsedClient& client, std::size_t index) {
    std::vector<Claim> claims;
    const ParsedLink& link = client.link;
    if (link.trunk) claims.push_back({link.trunk->value, "link.trunk", "trunk", true, index, link.trunk->at});
    if (link.underlay)
        claims.push_back({link.underlay->value, "link.underlay", "underlay", true, index, link.underlay->at});
    if (link.interface)
        claims.push_back({link.interface->value, "link.interface", "port", false, index, link.interface->at});
    for (const auto& port : link.lab_ports)
        claims.push_back({port.value, "link.lab_ports", "lab port", false, index, port.at});
    std::sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) {
        return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
    });
    return claims;
}

void check_interfaces(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out) {
    std::vector<Claim> earlier;
    for (std::size_t index = 0; index < clients.size(); ++index) {
        for (const Claim& claim : claims_of(clients[index], index)) {
            const auto conflict = std::find_if(earlier.begin(), earlier.end(), [&](const Claim& other) {
                return other.interface == claim.interface && !(other.shared && claim.shared);
            });
            if (conflict != earlier.end()) {
                FileDiagnostics(clients[index].file, out)
                    .error(claim.at, fmt::format("{}: interface {} is already the {} of {}", claim.key,
                                                 in_quotes(claim.interface), conflict->role,
                                                 client_reference(clients[conflict->client], conflict->at)));
            }
            earlier.push_back(claim);
        }
    }
}

void check_vlans(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out) {
    std::map<std::pair<std::string, std::int64_t>, const ParsedClient*> first_user;
    for (const auto& client : clients) {
        const ParsedLink& link = client.link;
        if (!link.trunk || !link.vlan) continue;
        const auto [entry, inserted] = first_user.try_emplace({link.trunk->value, link.vlan->value}, &client);
        if (inserted) continue;
        FileDiagnostics(client.file, out)
            .error(link.vlan->at, fmt::format("link.vlan: VLAN {} on trunk {} is already used by {}", link.vlan->value,
                                              in_quotes(link.trunk->value),
                                              client_reference(*entry->second, entry->second->link.vlan->at)));
    }
}

void check_vnis(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out) {
    std::map<std::int64_t, const ParsedClient*> first_user;
    for (const auto& client : clients) {
        const ParsedLink& link = client.link;
        if (!link.vni) continue;
        const auto [entry, inserted] = first_user.try_emplace(link.vni->value, &client);
        if (inserted) continue;
        FileDiagnostics(client.file, out)
            .error(link.vni->at, fmt::format("link.vni: VNI {} is already used by {}", link.vni->value,
                                             client_reference(*entry->second, entry->second->link.vni->at)));
    }
}

/// Retention goes by each client's own record of its repository: two
/// clients on one repository would forget each other's snapshots.
void check_backup_repositories(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out) {
    std::map<std::string, const ParsedClient*> first_user;
    for (const auto& client : clients) {
        const auto& repository = client.backup.repository;
        if (!repository) continue;
        const auto [entry, inserted] = first_user.try_emplace(repository->value, &client);
        if (inserted) continue;
        FileDiagnostics(client.file, out)
            .error(repository->at, fmt::format("backup.repository: {} is already the repository of {}",
                                               in_quotes(repository->value),
                                               client_reference(*entry->second, entry->second->backup.repository->at)));
    }
}

}  // namespace

void check_across_clients(const std::vector<ParsedClient>& clients, std::vector<Diagnostic>& out) {
    check_vlans(clients, out);
    check_vnis(clients, out);
    check_interfaces(clients, out);
    check_backup_repositories(clients, out);
}

}  // namespace custode::netconf_detail
