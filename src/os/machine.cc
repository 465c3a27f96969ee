#include "custode/os/machine.h"

#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <fmt/format.h>
#include <fstream>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sstream>
#include <sys/timex.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/os/netns.h"

namespace custode::os {
namespace {

int prefix_length(std::uint32_t netmask_host_order) {
    int length = 0;
    while (length < 32 && (netmask_host_order & (0x80000000u >> length)) != 0) ++length;
    return length;
}

/// /proc/thread-self/net: the namespace of THIS thread (/proc/self/net shows
/// the thread group leader's, which never moves).
std::optional<Ipv4Address> default_gateway_of(const std::string& interface) {
    std::ifstream routes("/proc/thread-self/net/route");
    std::string line;
    std::getline(routes, line);  // header
    while (std::getline(routes, line)) {
        std::istringstream fields(line);
        std::string name, destination, gateway, flags, refcnt, use, metric, mask;
        if (!(fields >> name >> destination >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
        if (name != interface || destination != "00000000" || mask != "00000000") continue;
        /// The file holds addresses in network byte order, printed as a host-order number.
        const auto raw = static_cast<std::uint32_t>(std::stoul(gateway, nullptr, 16));
        if (raw == 0) continue;
        return Ipv4Address(ntohl(raw));
    }
    return std::nullopt;
}

InterfaceInfo read_here(const std::string& interface) {
    InterfaceInfo info;
    info.exists = ::if_nametoindex(interface.c_str()) != 0;
    if (!info.exists) return info;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) throw SystemError("getifaddrs", errno, "");
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || interface != entry->ifa_name)
            continue;
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        const auto* mask = reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask);
        const int length = mask ? prefix_length(ntohl(mask->sin_addr.s_addr)) : 32;
        info.ipv4 = Ipv4Prefix(Ipv4Address(ntohl(address->sin_addr.s_addr)), length);
        break;
    }
    ::freeifaddrs(list);
    info.default_gateway = default_gateway_of(interface);
    return info;
}

}  // namespace

InterfaceInfo interface_info(const std::string& interface, const std::optional<std::string>& namespace_name) {
    /// Always from a fresh thread: getifaddrs uses a netlink socket of the
    /// caller's namespace, /proc/thread-self the thread's.
    const auto ns = namespace_name ? NamespaceFd::open_named(*namespace_name) : NamespaceFd::open_current();
    return in_namespace(ns, [&] { return read_here(interface); });
}

ClockStatus clock_status() {
    timex state{};
    const int result = ::adjtimex(&state);
    if (result < 0) throw SystemError("adjtimex", errno, "");
    constexpr long kMaxErrorLimitUs = 16'000'000;  ///< timedatectl's NTPSynchronized threshold
    ClockStatus status;
    status.max_error_us = state.maxerror;
    status.ntp_synchronized = (state.status & STA_UNSYNC) == 0 && state.maxerror < kMaxErrorLimitUs;
    return status;
}

std::string hostname() {
    char name[HOST_NAME_MAX + 1] = "";
    if (::gethostname(name, sizeof(name)) != 0) throw SystemError("gethostname", errno, "");
    name[HOST_NAME_MAX] = '\0';
    return name;
}

}  // namespace custode::os
