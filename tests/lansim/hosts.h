#pragma once
/// The simulated PCs and their hosts file: one host per line,
///   ip mac [delay_ms=N] [loss=P] [sleeping] [boot_ms=N]
/// with '#' comments and blank lines allowed (docs/lansim.md).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/address.h"

namespace custode::lansim {

using Millis = std::chrono::milliseconds;

struct SimHost {
    Ipv4Address ip;
    MacAddress mac;
    Millis delay{0};      ///< from request to reply
    double loss = 0.0;    ///< chance that a request goes unanswered
    bool sleeping = false;  ///< silent until a magic packet for `mac`
    Millis boot{0};       ///< from the magic packet to the first answer
};

/// One host from one line's words. Throws UsageError naming the bad word.
SimHost parse_host(std::string_view spec);

/// Every host in `input`; errors name `source`:line. Also refuses a repeated
/// IP or MAC (a wake or a reply would be ambiguous).
std::vector<SimHost> parse_hosts(std::istream& input, const std::string& source);
std::vector<SimHost> load_hosts_file(const std::filesystem::path& path);

/// `count` quick hosts from `first` on, MACs 02:5a:00:00:<n high>:<n low>.
std::vector<SimHost> generate_hosts(Ipv4Address first, std::uint32_t count);

/// Throws UsageError when two hosts share an IP or a MAC.
void check_unique(const std::vector<SimHost>& hosts);

}  // namespace custode::lansim
