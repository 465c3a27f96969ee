#pragma once
/// `custode enroll`: fetch each client PC's SSH host key from inside the
/// client's namespace, show its fingerprint and record it in the site's
/// known_hosts. A key that differs from the recorded one is never replaced
/// without being asked to (`replace`).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "custode/core/inventory.h"
#include "custode/core/netconf.h"
#include "custode/os/ssh.h"

namespace custode::app {

enum class EnrollStatus {
    added,        ///< "new": not known before, recorded now
    same,         ///< already recorded, unchanged
    changed,      ///< differs from the recorded key; left as it was
    replaced,     ///< differed, and `replace` recorded the new one
    unreachable,  ///< no SSH server answered
    no_address,   ///< no IP in netconf or the inventory: run custode scan
};

/// "new", "same", "changed", "replaced", "unreachable", "no_address".
std::string_view to_string(EnrollStatus status);

struct EnrollTarget {
    std::string name;
    std::optional<Ipv4Address> ip;
};

struct EnrollResult {
    EnrollTarget target;
    EnrollStatus status = EnrollStatus::unreachable;
    std::optional<os::SshHostKey> key;  ///< what the PC offered
    std::string message;                ///< why unreachable / no address
};

struct EnrollSettings {
    std::string known_hosts;
    std::uint16_t port = 22;
    std::chrono::seconds timeout{10};
    bool replace = false;
};

/// The client's `[[host]]` entries (all, or those named), each with its
/// netconf IP, else the inventory's for its MAC. An unknown name is a UsageError,
/// and so is a client without hosts.
std::vector<EnrollTarget> enroll_targets(const Client& client, const Inventory& inventory,
                                         const std::vector<std::string>& names);

/// Fetches a host key (in the caller's chosen namespace).
using FetchHostKey = std::function<std::variant<os::SshHostKey, os::SshError>(Ipv4Address)>;

/// ssh_fetch_host_key from inside `ns`.
FetchHostKey fetch_in_namespace(std::string ns, std::uint16_t port, std::chrono::seconds timeout);

/// Fetches every target's key (in parallel), compares it with known_hosts
/// and records new ones (changed ones only with settings.replace).
std::vector<EnrollResult> enroll_hosts(const std::vector<EnrollTarget>& targets, const EnrollSettings& settings,
                                       const FetchHostKey& fetch);

/// True when every host ended new, same or replaced.
bool enroll_ok(const std::vector<EnrollResult>& results);

}  // namespace custode::app
