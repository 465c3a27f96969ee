/// PacketIo on libpcap: one non-blocking capture handle per interface, opened
/// inside the client's namespace so its packet socket stays there.

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "custode/core/error.h"
#include "custode/os/netns.h"
#include "custode/os/packet_io.h"

namespace custode::os {
namespace {

struct PcapCloser {
    void operator()(pcap_t* handle) const { pcap_close(handle); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

/// A compiled BPF program, freed however the open ends.
class BpfProgram {
public:
    BpfProgram(pcap_t* handle, const std::string& filter, const std::string& interface) {
        /// PCAP_NETMASK_UNKNOWN: our filters never test "ip broadcast".
        if (pcap_compile(handle, &program_, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
            throw SystemError("pcap_compile '" + filter + "' on " + interface, 0, pcap_geterr(handle));
    }
    BpfProgram(const BpfProgram&) = delete;
    BpfProgram& operator=(const BpfProgram&) = delete;
    ~BpfProgram() { pcap_freecode(&program_); }
    bpf_program* get() { return &program_; }

private:
    bpf_program program_{};
};

/// pcap_set_* fail only on an activated handle; checked anyway, cheaply.
void check_setting(int status, const char* call, const std::string& interface) {
    if (status != 0) throw SystemError(std::string(call) + " " + interface, 0, pcap_statustostr(status));
}

/// Positive statuses are warnings (e.g. promiscuous mode not supported): the
/// capture works. Negative ones carry a code, and for most a text too.
void activate(pcap_t* handle, const std::string& interface) {
    const int status = pcap_activate(handle);
    if (status >= 0) return;
    std::string text = pcap_statustostr(status);
    if (const char* detail = pcap_geterr(handle); detail != nullptr && *detail != '\0')
        text += std::string(": ") + detail;
    throw SystemError("pcap_activate " + interface, 0, text);
}

PcapHandle create_handle(const std::string& interface, const PcapOptions& options) {
    char errors[PCAP_ERRBUF_SIZE] = "";
    PcapHandle handle(pcap_create(interface.c_str(), errors));
    if (!handle) throw SystemError("pcap_create " + interface, 0, errors);
    pcap_t* h = handle.get();
    check_setting(pcap_set_snaplen(h, options.snaplen), "pcap_set_snaplen", interface);
    check_setting(pcap_set_promisc(h, options.promiscuous == Promiscuous::on ? 1 : 0), "pcap_set_promisc", interface);
    /// Without immediate mode the kernel batches frames into blocks and a
    /// reply can sit there for the whole block timeout: the scan's timing
    /// would measure libpcap, not the LAN.
    check_setting(pcap_set_immediate_mode(h, 1), "pcap_set_immediate_mode", interface);
    check_setting(pcap_set_buffer_size(h, options.buffer_bytes), "pcap_set_buffer_size", interface);
    activate(h, interface);
    return handle;
}

/// Filter, direction and non-blocking mode, on an active handle.
void configure(pcap_t* h, const std::string& interface, const std::string& filter) {
    if (pcap_datalink(h) != DLT_EN10MB) throw SystemError("pcap_datalink " + interface, 0, "not an Ethernet interface");
    /// Our own sends would otherwise come back through the capture (on a
    /// bridge too: they leave as PACKET_OUTGOING).
    if (pcap_setdirection(h, PCAP_D_IN) != 0) throw SystemError("pcap_setdirection " + interface, 0, pcap_geterr(h));
    BpfProgram program(h, filter, interface);
    if (pcap_setfilter(h, program.get()) != 0)
        throw SystemError("pcap_setfilter '" + filter + "' on " + interface, 0, pcap_geterr(h));
    char errors[PCAP_ERRBUF_SIZE] = "";
    if (pcap_setnonblock(h, 1, errors) != 0) throw SystemError("pcap_setnonblock " + interface, 0, errors);
}

/// The interface's MAC, asked through the capture's own socket: that socket
/// lives in the interface's namespace, wherever the caller is.
MacAddress interface_mac(int socket, const std::string& interface) {
    ifreq request{};
    if (interface.size() >= sizeof(request.ifr_name))
        throw SystemError("SIOCGIFHWADDR " + interface, ENAMETOOLONG, "");
    std::memcpy(request.ifr_name, interface.c_str(), interface.size());
    if (::ioctl(socket, SIOCGIFHWADDR, &request) != 0) throw SystemError("SIOCGIFHWADDR " + interface, errno, "");
    if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        throw SystemError("SIOCGIFHWADDR " + interface, 0, "not an Ethernet interface");
    MacAddress::Bytes bytes{};
    std::memcpy(bytes.data(), request.ifr_hwaddr.sa_data, bytes.size());
    return MacAddress(bytes);
}

int poll_timeout_ms(Clock::duration left) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, INT_MAX));
}

class PcapIo final : public PacketIo {
public:
    /// `foreign_namespace`: opened in another namespace than the process's
    /// mount of /sys shows (see dropped()).
    PcapIo(std::string interface, const std::string& filter, const PcapOptions& options, bool foreign_namespace)
        : interface_(std::move(interface)),
          handle_(create_handle(interface_, options)),
          foreign_namespace_(foreign_namespace),
          max_wire_length_(options.max_wire_length) {
        configure(handle_.get(), interface_, filter);
        fd_ = pcap_get_selectable_fd(handle_.get());
        if (fd_ < 0) throw SystemError("pcap_get_selectable_fd " + interface_, 0, "no selectable descriptor");
        mac_ = interface_mac(pcap_fileno(handle_.get()), interface_);
    }

    MacAddress mac() const override { return mac_; }

    void send(std::span<const std::uint8_t> frame) override {
        const int sent = pcap_inject(handle_.get(), frame.data(), frame.size());
        if (sent < 0) throw SystemError("pcap_inject " + interface_, 0, pcap_geterr(handle_.get()));
        if (static_cast<std::size_t>(sent) != frame.size())
            throw SystemError("pcap_inject " + interface_, 0, "short write");
    }

    std::optional<ReceivedFrame> receive(Clock::time_point deadline) override {
        for (;;) {
            if (auto frame = next()) return frame;
            const auto now = Clock::now();
            if (now >= deadline) return std::nullopt;
            wait_readable(deadline - now);
        }
    }

    std::uint64_t dropped() const override {
        pcap_stat stats{};
        if (pcap_stats(handle_.get(), &stats) != 0)
            throw SystemError("pcap_stats " + interface_, 0, pcap_geterr(handle_.get()));
        /// ps_ifdrop is read from /sys/class/net/<name>, and /sys shows the
        /// namespace it was mounted in, not the socket's: for a capture in a
        /// client namespace it would count a same-named gateway interface.
        const std::uint64_t interface_drops = foreign_namespace_ ? 0 : stats.ps_ifdrop;
        return std::uint64_t{stats.ps_drop} + interface_drops;
    }

private:
    /// One frame if one is queued; never blocks (the handle is non-blocking).
    /// Frames longer than max_wire_length on the wire are skipped here: past
    /// this point only their first `snaplen` bytes would be seen.
    std::optional<ReceivedFrame> next() {
        for (;;) {
            pcap_pkthdr* header = nullptr;
            const u_char* data = nullptr;
            const int status = pcap_next_ex(handle_.get(), &header, &data);
            if (status == 0) return std::nullopt;
            if (status != 1) throw SystemError("pcap_next_ex " + interface_, 0, pcap_geterr(handle_.get()));
            if (max_wire_length_ && header->len > *max_wire_length_) continue;
            return ReceivedFrame{{data, data + header->caplen}, arrival(header->ts)};
        }
    }

    /// The kernel's arrival stamp (wall clock) on the steady clock: a reply
    /// read late, say after a burst of sends, still shows its true round trip.
    /// A wall clock step could make the age absurd; it is bounded by how long
    /// the handle has been open.
    Clock::time_point arrival(timeval stamp) const {
        using namespace std::chrono;
        const auto steady_now = Clock::now();
        const auto arrived = system_clock::time_point(duration_cast<system_clock::duration>(
            seconds(stamp.tv_sec) + microseconds(stamp.tv_usec)));
        const auto age = duration_cast<Clock::duration>(system_clock::now() - arrived);
        return steady_now - std::clamp(age, Clock::duration::zero(), steady_now - opened_);
    }

    void wait_readable(Clock::duration left) {
        pollfd entry{fd_, POLLIN, 0};
        /// EINTR: a signal; the caller's deadline still holds, so just go round.
        if (::poll(&entry, 1, poll_timeout_ms(left)) < 0 && errno != EINTR)
            throw SystemError("poll " + interface_, errno, "");
        if ((entry.revents & POLLNVAL) != 0) throw SystemError("poll " + interface_, EBADF, "");
    }

    std::string interface_;
    PcapHandle handle_;
    bool foreign_namespace_ = false;
    std::optional<std::size_t> max_wire_length_;
    Clock::time_point opened_ = Clock::now();
    int fd_ = -1;
    MacAddress mac_;
};

}  // namespace

std::unique_ptr<PacketIo> open_pcap(const std::string& interface, const std::string& filter,
                                    const std::optional<std::string>& namespace_name, const PcapOptions& options) {
    const auto open = [&]() -> std::unique_ptr<PacketIo> {
        return std::make_unique<PcapIo>(interface, filter, options, namespace_name.has_value());
    };
    if (!namespace_name) return open();
    return in_namespace(NamespaceFd::open_named(*namespace_name), open);
}

std::unique_ptr<PacketIo> open_pcap(const std::string& interface, const std::string& filter,
                                    const std::optional<std::string>& namespace_name) {
    return open_pcap(interface, filter, namespace_name, PcapOptions{});
}

}  // namespace custode::os
