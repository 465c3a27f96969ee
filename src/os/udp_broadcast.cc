#include "custode/os/udp_broadcast.h"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

#include "custode/core/error.h"
#include "custode/os/netns.h"
#include "custode/os/unique_fd.h"

namespace custode::os {
namespace {

UniqueFd open_bound_socket(const std::string& device) {
    UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) throw SystemError("socket(AF_INET, SOCK_DGRAM)", errno, "");
    const int on = 1;
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0)
        throw SystemError("setsockopt SO_BROADCAST", errno, "");
    /// The length excludes the NUL: the kernel takes up to IFNAMSIZ bytes.
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                     static_cast<socklen_t>(device.size())) != 0)
        throw SystemError("setsockopt SO_BINDTODEVICE " + device, errno, "");
    return socket;
}

class DeviceUdpBroadcast final : public UdpBroadcast {
public:
    explicit DeviceUdpBroadcast(const std::string& device) : device_(device), socket_(open_bound_socket(device)) {}

    void send(Ipv4Address address, std::uint16_t port, std::span<const std::uint8_t> payload) override {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(address.value());
        const auto sent = ::sendto(socket_.get(), payload.data(), payload.size(), 0,
                                   reinterpret_cast<const sockaddr*>(&to), sizeof to);
        if (sent < 0) throw SystemError(where(address, port), errno, "");
        if (static_cast<std::size_t>(sent) != payload.size()) throw SystemError(where(address, port), 0, "short write");
    }

private:
    std::string where(Ipv4Address address, std::uint16_t port) const {
        return "sendto " + address.to_string() + ":" + std::to_string(port) + " on " + device_;
    }

    std::string device_;
    UniqueFd socket_;
};

}  // namespace

std::unique_ptr<UdpBroadcast> open_udp_broadcast(const std::string& device,
                                                 const std::optional<std::string>& namespace_name) {
    const auto open = [&]() -> std::unique_ptr<UdpBroadcast> { return std::make_unique<DeviceUdpBroadcast>(device); };
    if (!namespace_name) return open();
    return in_namespace(NamespaceFd::open_named(*namespace_name), open);
}

}  // namespace custode::os
