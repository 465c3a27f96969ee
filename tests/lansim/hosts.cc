#include "hosts.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "custode/core/error.h"

namespace custode::lansim {
namespace {

/// Ten minutes: longer is a typo, and would keep a test waiting.
constexpr long kMaxMillis = 600'000;

Millis parse_millis(std::string_view key, std::string_view text) {
    long value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > kMaxMillis)
        throw UsageError(std::string(key) + ": '" + std::string(text) + "' is not 0.." + std::to_string(kMaxMillis));
    return Millis(value);
}

double parse_loss(std::string_view text) {
    double value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || !(value >= 0.0 && value <= 1.0))
        throw UsageError("loss: '" + std::string(text) + "' is not a fraction 0..1");
    return value;
}

void apply_option(SimHost& host, std::string_view word) {
    if (word == "sleeping") {
        host.sleeping = true;
        return;
    }
    const auto equals = word.find('=');
    if (equals == std::string_view::npos) throw UsageError("unknown word '" + std::string(word) + "'");
    const auto key = word.substr(0, equals);
    const auto value = word.substr(equals + 1);
    if (key == "delay_ms") host.delay = parse_millis(key, value);
    else if (key == "boot_ms") host.boot = parse_millis(key, value);
    else if (key == "loss") host.loss = parse_loss(value);
    else throw UsageError("unknown option '" + std::string(key) + "'");
}

/// Remembers the IPs and MACs seen so far.
class UniqueHosts {
public:
    void add(const SimHost& host) {
        if (!ips_.insert(host.ip).second) throw UsageError("IP " + host.ip.to_string() + " listed twice");
        if (!macs_.insert(host.mac).second) throw UsageError("MAC " + host.mac.to_string() + " listed twice");
    }

private:
    std::set<Ipv4Address> ips_;
    std::set<MacAddress> macs_;
};

}  // namespace

SimHost parse_host(std::string_view spec) {
    std::istringstream words{std::string(spec)};
    std::string ip_text, mac_text;
    if (!(words >> ip_text >> mac_text)) throw UsageError("expected: ip mac [options]");
    const auto ip = Ipv4Address::parse(ip_text);
    if (!ip) throw UsageError("'" + ip_text + "' is not an IPv4 address");
    const auto mac = MacAddress::parse(mac_text);
    if (!mac || mac->is_multicast() || mac->is_zero()) throw UsageError("'" + mac_text + "' is not a unicast MAC");
    SimHost host{*ip, *mac};
    for (std::string word; words >> word;) apply_option(host, word);
    return host;
}

std::vector<SimHost> parse_hosts(std::istream& input, const std::string& source) {
    std::vector<SimHost> hosts;
    UniqueHosts seen;
    int number = 0;
    for (std::string line; std::getline(input, line);) {
        ++number;
        if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            hosts.push_back(parse_host(line));
            seen.add(hosts.back());
        } catch (const UsageError& error) {
            throw UsageError(source + ":" + std::to_string(number) + ": " + error.what());
        }
    }
    return hosts;
}

std::vector<SimHost> load_hosts_file(const std::filesystem::path& path) {
    std::ifstream input(path);
    if (!input) throw UsageError(path.string() + ": cannot be read");
    return parse_hosts(input, path.string());
}

std::vector<SimHost> generate_hosts(Ipv4Address first, std::uint32_t count) {
    std::vector<SimHost> hosts;
    for (std::uint32_t n = 0; n < count; ++n) {
        const auto k = n + 1;
        const MacAddress mac({0x02, 0x5a, 0x00, 0x00, static_cast<std::uint8_t>(k >> 8), static_cast<std::uint8_t>(k)});
        hosts.push_back(SimHost{Ipv4Address(first.value() + n), mac});
    }
    return hosts;
}

void check_unique(const std::vector<SimHost>& hosts) {
    UniqueHosts seen;
    for (const auto& host : hosts) seen.add(host);
}

}  // namespace custode::lansim
