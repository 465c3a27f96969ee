/// `custode enroll CLIENT [HOST...] [--port N] [--replace] [--timeout S]`:
/// fetch each PC's SSH host key from inside the client's namespace, show its
/// fingerprint and record it in the site's known_hosts. Exit 1 when a key
/// changed (and was left alone), a PC was unreachable or had no address.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/discovery.h"
#include "custode/app/enroll.h"
#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace enroll_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client")
        ("host", po::value<std::vector<std::string>>()->value_name("HOST"), "only these [[host]] names (default: all)")
        ("port", po::value<int>()->default_value(22)->value_name("N"), "the PCs' SSH port")
        ("timeout", po::value<int>()->default_value(10)->value_name("SECONDS"), "connect timeout per PC")
        ("replace", po::bool_switch(), "record a changed key in place of the old one");
    options.positional.add("client", 1).add("host", -1);
}

nlohmann::json result_json(const app::EnrollResult& result) {
    nlohmann::json json{{"name", result.target.name},
                        {"ip", result.target.ip ? result.target.ip->to_string() : ""},
                        {"key_type", result.key ? result.key->type : ""},
                        {"fingerprint", result.key ? result.key->fingerprint : ""},
                        {"status", std::string(app::to_string(result.status))}};
    if (!result.message.empty()) json["message"] = result.message;
    return json;
}

std::string result_line(const app::EnrollResult& result) {
    const auto ip = result.target.ip ? result.target.ip->to_string() : "-";
    const auto status = std::string(app::to_string(result.status));
    if (!result.key)
        return fmt::format("  {:<16}{:<16}{}: {}\n", result.target.name, ip, status, result.message);
    auto line = fmt::format("  {:<16}{:<16}{} {}  {}\n", result.target.name, ip, result.key->type,
                            result.key->fingerprint, status);
    if (result.status == app::EnrollStatus::changed) line += fmt::format("    CHANGED: {}\n", result.message);
    return line;
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const Client* client = app::select_clients(netconf, {values["client"].as<std::string>()}).front();
    const auto names = values.count("host") ? values["host"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const int port = values["port"].as<int>();
    if (port < 1 || port > 65535) throw UsageError("--port: 1 to 65535");
    const int timeout = values["timeout"].as<int>();
    if (timeout < 1 || timeout > 600) throw UsageError("--timeout: 1 to 600 seconds");

    app::require_provisioned(netconf, *client);
    const auto inventory = app::read_inventory(state_path(global, netconf), *client).inventory;
    const auto targets = app::enroll_targets(*client, inventory, names);
    app::EnrollSettings settings;
    settings.known_hosts = netconf.known_hosts_of(*client);
    settings.port = static_cast<std::uint16_t>(port);
    settings.timeout = std::chrono::seconds(timeout);
    settings.replace = values["replace"].as<bool>();
    print_info(global, 0, fmt::format("fetching the host keys of {} host(s) of {} into {}", targets.size(),
                                      client->name.str(), settings.known_hosts));
    const auto results = app::enroll_hosts(
        targets, settings, app::fetch_in_namespace(netconf.namespace_of(*client), settings.port, settings.timeout));

    const bool ok = app::enroll_ok(results);
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& result : results) {
        hosts.push_back(result_json(result));
        if (!global.json) std::cout << result_line(result);
    }
    if (global.json) print_json("enroll", ok, {{"client", client->name.str()}, {"hosts", hosts}});
    return to_int(ok ? ExitCode::ok : ExitCode::problem);
}

}  // namespace enroll_cmd

Command enroll_command() {
    return {"enroll", "CLIENT [HOST...] [--port N] [--replace] [--timeout SECONDS]",
            "record the SSH host keys of the client's PCs, showing fingerprints",
            enroll_cmd::declare, enroll_cmd::run};
}

}  // namespace custode::cli
