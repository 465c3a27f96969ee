#pragma once
/// Network namespaces by name (the files under /run/netns that `ip netns`
/// manages): entering one from a worker thread, listing, removing.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/process.h"

namespace custode::testbed {

inline constexpr std::string_view netns_dir = "/run/netns";
inline constexpr std::string_view netns_etc_dir = "/etc/netns";

/// Runs `body` on a new thread that has joined namespace `ns`, and waits.
/// The calling thread never changes namespace. Exceptions from `body` (or
/// from entering) are rethrown here.
void in_namespace(const std::string& ns, const std::function<void()>& body);

/// Writes sysctls inside `ns`, e.g. {"net.ipv4.conf.all.arp_ignore", "1"}.
/// /proc/sys/net shows the namespace of the thread that opens it, so this
/// costs a thread, not a process.
void set_sysctls(const std::string& ns, const std::vector<std::pair<std::string, std::string>>& values);

/// Waits until the kernel has finished bringing up the links of `ns`: every
/// link that is up has its carrier state in its operstate, and a link with a
/// carrier has its transmit queue attached (its qdisc is no longer `noop`).
/// `ip link set X up` returns before that: the carrier event is handled later
/// by the kernel's linkwatch, at most 200 links per run and under the RTNL.
/// While another test tears namespaces down, the last links of a batch of 250
/// stayed on `noop` for seconds and dropped every frame they sent (the missing
/// h201-h250 of the discovery test). Throws SystemError naming the links that
/// have not settled after `timeout`.
void await_links_settled(const std::string& ns, std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// Runs `argv` in `ns` through `ip netns exec`: it also binds the files of
/// /etc/netns/<ns>/ over /etc (the simulated PCs' own passwd, sshd config).
testing::CommandResult exec(const std::string& ns, const std::vector<std::string>& argv);

/// Runs a shell command line in `ns` through `ip netns exec`.
testing::CommandResult run(const std::string& ns, const std::string& shell);

/// Runs `argv` in `ns` entering the network namespace only (nsenter --net).
/// Use it for custode itself: `ip netns exec` runs programs in a private
/// mount namespace, so the namespaces custode creates there would not be
/// visible to anyone else.
testing::CommandResult exec_net_only(const std::string& ns, const std::vector<std::string>& argv);

/// Names in /run/netns that start with `prefix`, sorted.
std::vector<std::string> list_namespaces(std::string_view prefix = {});

bool namespace_exists(const std::string& ns);

/// SIGKILLs every process (but this one) inside the named namespaces.
void kill_processes_in(const std::vector<std::string>& names);

/// Removes the named namespaces: kills the processes still inside them (a
/// process keeps a namespace and its links alive), deletes the names in one
/// `ip -force -batch`, and removes their /etc/netns/<ns> directories.
/// Never throws; problems go to stderr.
void remove_namespaces(const std::vector<std::string>& names);

}  // namespace custode::testbed
