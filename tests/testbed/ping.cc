#include "testbed/ping.h"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/os/unique_fd.h"
#include "testbed/netns.h"

namespace custode::testbed {
namespace {

using Clock = std::chrono::steady_clock;

os::UniqueFd open_icmp_socket() {
    os::UniqueFd socket(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (socket.get() < 0) throw SystemError("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", errno, "");
    return socket;
}

std::uint16_t checksum(const std::uint8_t* data, std::size_t size) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (size % 2) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

void send_echo(const os::UniqueFd& socket, Ipv4Address target, std::uint16_t id, std::uint16_t sequence) {
    std::uint8_t packet[16] = {ICMP_ECHO, 0, 0, 0};
    packet[4] = static_cast<std::uint8_t>(id >> 8);
    packet[5] = static_cast<std::uint8_t>(id);
    packet[6] = static_cast<std::uint8_t>(sequence >> 8);
    packet[7] = static_cast<std::uint8_t>(sequence);
    std::memcpy(packet + 8, "custode!", 8);
    const std::uint16_t sum = checksum(packet, sizeof packet);
    packet[2] = static_cast<std::uint8_t>(sum >> 8);
    packet[3] = static_cast<std::uint8_t>(sum);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(target.value());
    /// A full neighbour queue or no route yet: the next round retries.
    (void)::sendto(socket.get(), packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

/// The source of an echo reply carrying our id, if `buffer` is one.
std::optional<Ipv4Address> parse_reply(const std::uint8_t* buffer, std::size_t size, std::uint16_t id) {
    if (size < 20) return std::nullopt;
    const std::size_t header = static_cast<std::size_t>(buffer[0] & 0x0f) * 4;
    if (size < header + 8) return std::nullopt;
    const std::uint8_t* icmp = buffer + header;
    const auto reply_id = static_cast<std::uint16_t>(icmp[4] << 8 | icmp[5]);
    if (icmp[0] != ICMP_ECHOREPLY || reply_id != id) return std::nullopt;
    std::uint32_t source = 0;
    std::memcpy(&source, buffer + 12, 4);
    return Ipv4Address(ntohl(source));
}

void receive_for(const os::UniqueFd& socket, std::uint16_t id, Clock::time_point until, std::size_t expected,
                 std::set<Ipv4Address>& answered) {
    std::uint8_t buffer[1500];
    for (auto now = Clock::now(); now < until && answered.size() < expected; now = Clock::now()) {
        pollfd pfd{socket.get(), POLLIN, 0};
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
        if (::poll(&pfd, 1, static_cast<int>(wait) + 1) <= 0) continue;
        const ssize_t n = ::recv(socket.get(), buffer, sizeof buffer, 0);
        if (n <= 0) continue;
        if (auto source = parse_reply(buffer, static_cast<std::size_t>(n), id)) answered.insert(*source);
    }
}

std::set<Ipv4Address> sweep_here(const std::vector<Ipv4Address>& targets, std::chrono::milliseconds timeout) {
    const auto socket = open_icmp_socket();
    static std::atomic<unsigned> counter{0};
    const auto id = static_cast<std::uint16_t>(static_cast<unsigned>(::getpid()) ^ (++counter << 8));
    std::set<Ipv4Address> answered;
    const auto deadline = Clock::now() + timeout;
    for (std::uint16_t round = 0; Clock::now() < deadline; ++round) {
        for (Ipv4Address target : targets)
            if (!answered.count(target)) send_echo(socket, target, id, round);
        receive_for(socket, id, std::min(deadline, Clock::now() + std::chrono::milliseconds(200)), targets.size(),
                    answered);
        if (answered.size() >= targets.size()) break;
    }
    return answered;
}

}  // namespace

std::set<Ipv4Address> ping_sweep(const std::string& ns, const std::vector<Ipv4Address>& targets,
                                 std::chrono::milliseconds timeout) {
    std::set<Ipv4Address> answered;
    in_namespace(ns, [&] { answered = sweep_here(targets, timeout); });
    return answered;
}

bool ping(const std::string& ns, Ipv4Address target, std::chrono::milliseconds timeout) {
    return ping_sweep(ns, {target}, timeout).count(target) > 0;
}

}  // namespace custode::testbed
