#pragma once
/// The passive capture as a file Wireshark and tcpdump read.

#include <chrono>
#include <cstdint>
#include <vector>

namespace custode {

struct CapturedFrame {
    std::vector<std::uint8_t> bytes;
    std::chrono::system_clock::time_point at;
};

/// A classic pcap file (microsecond stamps, little-endian, LINKTYPE_ETHERNET).
std::vector<std::uint8_t> pcap_file(const std::vector<CapturedFrame>& frames, std::uint32_t snaplen);

}  // namespace custode
