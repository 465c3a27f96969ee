/// custode-lansim: plays many PCs on one interface of a simulated client LAN
/// (docs/lansim.md). Prints "ready" on stdout once capturing; stops cleanly
/// on SIGTERM or SIGINT.
///
///   custode-lansim --interface br0 [--namespace NS] --hosts FILE
///                  [--host SPEC]... [--generate FIRST_IP COUNT]
///                  [--stats FILE] [--seed N] [--no-promiscuous] [--check]

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/error.h"
#include "custode/os/packet_io.h"
#include "hosts.h"
#include "simulator.h"

namespace custode::lansim {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) { stop_requested = 1; }

struct Options {
    std::string interface;
    std::optional<std::string> ns;
    std::vector<SimHost> hosts;
    std::optional<std::string> stats;
    std::uint32_t seed = 1;
    os::Promiscuous promiscuous = os::Promiscuous::on;
    bool check_only = false;
};

constexpr const char* kUsage =
    "usage: custode-lansim --interface IF [--namespace NS] (--hosts FILE | --host SPEC | --generate IP COUNT)...\n"
    "                      [--stats FILE] [--seed N] [--no-promiscuous] [--check]\n"
    "  SPEC / hosts file line: ip mac [delay_ms=N] [loss=P] [sleeping] [boot_ms=N]\n";

std::uint32_t parse_count(const std::string& flag, const std::string& text) {
    try {
        std::size_t end = 0;
        const unsigned long value = std::stoul(text, &end);
        if (end == text.size() && value <= 0xffffffffUL) return static_cast<std::uint32_t>(value);
    } catch (const std::exception&) {
    }
    throw UsageError(flag + ": '" + text + "' is not a number");
}

void add_generated(Options& options, const std::string& first, const std::string& count) {
    const auto ip = Ipv4Address::parse(first);
    if (!ip) throw UsageError("--generate: '" + first + "' is not an IPv4 address");
    const auto more = generate_hosts(*ip, parse_count("--generate", count));
    options.hosts.insert(options.hosts.end(), more.begin(), more.end());
}

Options parse_options(const std::vector<std::string>& args) {
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& flag = args[i];
        const auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
            return args[++i];
        };
        if (flag == "--interface") options.interface = value();
        else if (flag == "--namespace") options.ns = value();
        else if (flag == "--hosts") {
            const auto more = load_hosts_file(value());
            options.hosts.insert(options.hosts.end(), more.begin(), more.end());
        } else if (flag == "--host") options.hosts.push_back(parse_host(value()));
        else if (flag == "--generate") {
            const std::string first = value();
            add_generated(options, first, value());
        } else if (flag == "--stats") options.stats = value();
        else if (flag == "--seed") options.seed = parse_count("--seed", value());
        else if (flag == "--no-promiscuous") options.promiscuous = os::Promiscuous::off;
        else if (flag == "--check") options.check_only = true;
        else throw UsageError("unknown argument '" + flag + "'");
    }
    if (options.interface.empty() && !options.check_only) throw UsageError("--interface is required");
    if (options.hosts.empty()) throw UsageError("no hosts: give --hosts, --host or --generate");
    check_unique(options.hosts);
    return options;
}

/// No SA_RESTART: the signal only has to set the flag; the loop below never
/// sleeps longer than kStopLatency.
void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    /// A test that stopped reading our stdout must not kill us mid-run.
    std::signal(SIGPIPE, SIG_IGN);
}

constexpr auto kStopLatency = std::chrono::milliseconds(50);

void run_loop(os::PacketIo& io, Simulator& simulator) {
    while (stop_requested == 0) {
        simulator.send_due(Clock::now());
        auto deadline = Clock::now() + kStopLatency;
        if (const auto due = simulator.next_due(); due && *due < deadline) deadline = *due;
        if (const auto frame = io.receive(deadline)) simulator.handle(*frame);
    }
}

void write_stats(const std::string& path, const Simulator& simulator, std::uint64_t dropped) {
    auto stats = simulator.stats();
    stats["dropped"] = dropped;
    std::ofstream out(path);
    out << stats.dump(2) << "\n";
    if (!out) throw SystemError("write " + path, 0, "");
}

int run(const Options& options) {
    if (options.check_only) {
        std::cout << options.hosts.size() << " hosts\n";
        return 0;
    }
    install_signal_handlers();
    /// ARP, raw magic packets, and UDP (magic packets to any port).
    const auto io = os::open_pcap(options.interface, "arp or ether proto 0x0842 or udp", options.ns,
                                  os::PcapOptions{.promiscuous = options.promiscuous});
    Simulator simulator(*io, options.hosts, options.seed, std::cerr);
    std::cout << "ready" << std::endl;
    run_loop(*io, simulator);
    const auto stats = simulator.stats();
    std::cerr << "custode-lansim: stopped: " << stats["requests"] << " requests, " << stats["replies"]
              << " replies, " << stats["wakes"] << " wakes\n";
    if (options.stats) write_stats(*options.stats, simulator, io->dropped());
    return 0;
}

}  // namespace
}  // namespace custode::lansim

int main(int argc, char** argv) {
    using namespace custode;
    try {
        const auto options = lansim::parse_options(std::vector<std::string>(argv + 1, argv + argc));
        return lansim::run(options);
    } catch (const UsageError& error) {
        std::cerr << "custode-lansim: " << error.what() << "\n" << lansim::kUsage;
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "custode-lansim: " << error.what() << "\n";
        return 3;
    }
}
