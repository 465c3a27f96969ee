#pragma once
/// What the netns tests share beyond tests/support: the real custode run in
/// the testbed's gateway, reading its JSON output, and simulated PCs.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "custode/core/error.h"
#include "support/lansim_process.h"
#include "support/process.h"
#include "testbed/testbed.h"

namespace custode::testing {

/// The real custode binary, in the testbed's gateway namespace (nsenter, not
/// `ip netns exec`), on one netconf; its output goes into the test's log.
struct Custode {
    testbed::Testbed& tb;
    std::filesystem::path netconf;
    std::vector<std::string> confinement;  ///< a command prefix, as units.h gives

    CommandResult operator()(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = confinement;
        argv.insert(argv.end(), {CUSTODE_BINARY, "--netconf", netconf.string()});
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = tb.in_gateway(argv);
        UNSCOPED_INFO("$ custode " << join_argv(args) << "\n-> exit " << result.exit_code << "\n"
                                   << result.output);
        return result;
    }
};

/// Writes the testbed's netconf into `dir` and provisions it: `custode apply`
/// must succeed, and the kernel must have brought every link up before the test goes on.
inline Custode provision(testbed::Testbed& tb, const std::filesystem::path& dir,
                         const testbed::NetconfOptions& options = {}) {
    Custode custode{tb, tb.write_netconf(dir, options)};
    REQUIRE(custode({"apply"}).exit_code == 0);
    tb.settle();
    return custode;
}

/// The JSON object in a command's output (stderr may be interleaved before it).
inline nlohmann::json json_of(const std::string& output) {
    const auto first = output.find('{');
    const auto last = output.rfind('}');
    REQUIRE(first != std::string::npos);
    REQUIRE(last != std::string::npos);
    return nlohmann::json::parse(output.substr(first, last - first + 1));
}

/// Replaces `from` by `to` (first occurrence, which must be there) in a netconf file.
inline void edit_file(const std::filesystem::path& file, const std::string& from, const std::string& to) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    in.close();
    std::string content = text.str();
    const auto at = content.find(from);
    REQUIRE(at != std::string::npos);
    content.replace(at, from.size(), to);
    std::ofstream(file, std::ios::trunc) << content;
}

/// ip -> mac of the hosts a scan found (or an inventory lists).
inline std::map<std::string, std::string> ip_to_mac(const nlohmann::json& hosts) {
    std::map<std::string, std::string> out;
    for (const auto& host : hosts) out[host.at("ip").get<std::string>()] = host.at("mac").get<std::string>();
    return out;
}

/// The links of `ns` as `ip -d -s -j link show` lists them.
inline nlohmann::json ip_links(const std::string& ns) {
    return nlohmann::json::parse(run_checked({"ip", "-n", ns, "-d", "-s", "-j", "link", "show"}));
}

/// The link named `name` in `ns`, as ip_links shows it, or null.
inline nlohmann::json ip_link(const std::string& ns, const std::string& name) {
    for (const auto& l : ip_links(ns))
        if (l.value("ifname", "") == name) return l;
    return nullptr;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// A host of the first client of `maintain --json`'s run, by name.
inline const nlohmann::json& host_in(const nlohmann::json& run, const std::string& name) {
    for (const auto& host : run.at("clients").at(0).at("hosts"))
        if (host.at("name") == name) return host;
    FAIL("no host " << name << " in " << run.dump(2));
    throw std::logic_error("unreachable");
}

/// One task of a host of host_in.
inline const nlohmann::json& task_in(const nlohmann::json& host, const std::string& task) {
    for (const auto& entry : host.at("tasks"))
        if (entry.at("task") == task) return entry;
    FAIL("no task " << task << " in " << host.dump(2));
    throw std::logic_error("unreachable");
}

/// Simulated PCs ("ip mac [options]" each) on the site's bridge, capturing
/// once this returns; throws when the simulator does not get ready in 5 s.
inline std::unique_ptr<LansimProcess> simulate_hosts(const testbed::Site& site, const std::vector<std::string>& specs,
                                                     const std::filesystem::path& log) {
    std::vector<std::string> args{"--interface", "br0", "--namespace", site.ns};
    for (const auto& spec : specs) {
        args.push_back("--host");
        args.push_back(spec);
    }
    auto sim = std::make_unique<LansimProcess>(args, log);
    if (!sim->wait_ready(std::chrono::seconds(5))) throw SystemError("custode-lansim did not get ready", 0, "");
    return sim;
}

}  // namespace custode::testing
