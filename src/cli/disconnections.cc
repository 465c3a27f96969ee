/// `custode disconnections [CLIENT] [--show ID]`: the stored disconnection
/// records, oldest first, or one of them in full.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/disconnections.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/cli/run_history.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace disconnections_cmd {

using nlohmann::json;

void declare(CommandOptions& options) {
    options.named.add_options()("client", po::value<std::string>()->value_name("CLIENT"), "only this client's")(
        "show", po::value<std::string>()->value_name("ID"), "print one record in full (its id or its number)");
    options.positional.add("client", 1);
}

json summary_json(const app::StoredDisconnection& d) {
    return {{"state_id", d.state_id}, {"id", d.id},           {"client", d.client},
            {"finished", d.finished}, {"user", d.user},       {"site", d.site},
            {"verdict", d.verdict},   {"signed", d.signed_record}, {"files", d.files}};
}

void print_table(const std::vector<app::StoredDisconnection>& list) {
    std::cout << fmt::format("{:>4}  {:<26}{:<13}{:<22}{:<17}{:<8}{}\n", "#", "ID", "CLIENT", "FINISHED", "VERDICT",
                             "SIGNED", "FILES");
    for (const auto& d : list) {
        std::string files;
        for (const auto& [kind, path] : d.files.items()) files += (files.empty() ? "" : " ") + path.get<std::string>();
        std::cout << fmt::format("{:>4}  {:<26}{:<13}{:<22}{:<17}{:<8}{}\n", d.state_id, d.id, d.client, d.finished,
                                 d.verdict, d.signed_record ? "yes" : "NO", files.empty() ? "-" : files);
    }
    if (list.empty()) std::cout << "no disconnections recorded\n";
}

void print_one(const app::StoredDisconnection& d) {
    const auto& r = d.record;
    std::cout << fmt::format("disconnection {} (#{})\nclient: {}\nsite: {}\ntechnician: {}\nstarted: {}\nfinished: {}\n",
                             d.id, d.state_id, d.client, d.site, d.user, r.value("started", ""), d.finished);
    if (r.contains("link")) std::cout << fmt::format("link: {}\n", r["link"].dump());
    std::cout << "checks:\n";
    for (const auto& check : r.value("checks", json::array()))
        std::cout << fmt::format("  {:<5} {:<19}{}\n", check.value("ok", false) ? "ok" : "FAIL", check.value("name", ""),
                                 check.value("detail", ""));
    std::cout << fmt::format("verdict: {}\n", d.verdict);
    for (const auto& [kind, path] : d.files.items())
        std::cout << fmt::format("{}: {}\n", kind, path.get<std::string>());
    if (d.signed_record) std::cout << "signature:\n" << d.signature;
    else std::cout << "UNSIGNED: there was no site key when it was recorded\n";
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto state = history_state_path(global);
    if (values.count("show")) {
        const auto d = app::find_disconnection(state, values["show"].as<std::string>());
        if (global.json) {
            auto out = summary_json(d);
            out["record"] = d.record;
            out["signature"] = d.signature;
            print_json("disconnections", true, {{"disconnection", out}});
        } else {
            print_one(d);
        }
        return to_int(ExitCode::ok);
    }
    const auto list = app::list_disconnections(state, values.count("client") ? values["client"].as<std::string>() : "");
    if (global.json) {
        json array = json::array();
        for (const auto& d : list) array.push_back(summary_json(d));
        print_json("disconnections", true, {{"disconnections", array}});
    } else {
        print_table(list);
    }
    return to_int(ExitCode::ok);
}

}  // namespace disconnections_cmd

Command disconnections_command() {
    return {"disconnections", "[CLIENT] [--show ID]", "the signed disconnection records: id, client, when, verdict, files",
            disconnections_cmd::declare, disconnections_cmd::run};
}

}  // namespace custode::cli
