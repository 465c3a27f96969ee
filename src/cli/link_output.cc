#include "custode/cli/link_output.h"

#include <fmt/format.h>
#include <iostream>

#include "custode/app/links_json.h"
#include "custode/cli/output.h"

namespace custode::cli {
namespace {

using Result = app::ClientOutcome::Result;

std::string action_line(const ActionView& view) {
    const char* sign = view.op == "create" ? "+" : view.op == "delete" ? "-" : "~";
    std::string line = fmt::format("  {} {}", sign, view.object);
    if (!view.attribute.empty()) line += " " + view.attribute;
    if (!view.from.empty() && !view.to.empty()) {
        line += fmt::format(" {} -> {}", view.from, view.to);
    } else if (!view.from.empty() || !view.to.empty()) {
        line += " " + (view.to.empty() ? view.from : view.to);
    }
    if (view.interrupts) line += "  [interrupts traffic]";
    return line;
}

std::string headline(const app::ClientOutcome& outcome) {
    const auto count = outcome.plan.steps.size();
    const std::string what = outcome.removal ? "removal" : fmt::format("{} change(s)", count);
    switch (outcome.result) {
        case Result::in_sync: return outcome.removal ? "nothing to remove" : "in sync";
        case Result::pending: return what + " pending";
        case Result::applied: return what + " applied";
        case Result::refused: return "refused, nothing changed";
        case Result::failed: return "FAILED, completed steps undone";
    }
    return "";
}

void print_text(const app::ClientOutcome& outcome) {
    std::cout << fmt::format("{} ({}): {}\n", outcome.plan.client, outcome.namespace_name, headline(outcome));
    for (const auto& step : outcome.plan.steps) std::cout << action_line(app::action_view(outcome, step)) << '\n';
    for (const auto& refusal : outcome.plan.refusals)
        print_error(fmt::format("{}: {}", outcome.plan.client, refusal));
    if (!outcome.error.empty()) print_error(fmt::format("{}: {}", outcome.plan.client, outcome.error));
    for (const auto& undo : outcome.undo_errors)
        print_error(fmt::format("{}: could not undo: {}", outcome.plan.client, undo));
}

}  // namespace

void print_outcomes(const GlobalOptions& global, std::string_view command,
                    const std::vector<app::ClientOutcome>& outcomes) {
    if (global.json) {
        nlohmann::json clients = nlohmann::json::array();
        for (const auto& outcome : outcomes) clients.push_back(app::outcome_json(outcome));
        const bool ok = exit_code_for(outcomes, command == "plan") == ExitCode::ok;
        print_json(command, ok, {{"clients", clients}});
        return;
    }
    for (const auto& outcome : outcomes) print_text(outcome);
}

ExitCode exit_code_for(const std::vector<app::ClientOutcome>& outcomes, bool pending_is_problem) {
    ExitCode code = ExitCode::ok;
    for (const auto& outcome : outcomes) {
        if (outcome.result == Result::failed) return ExitCode::system;
        if (outcome.result == Result::refused) code = ExitCode::usage;
        if (outcome.result == Result::pending && pending_is_problem && code == ExitCode::ok) code = ExitCode::problem;
    }
    return code;
}

}  // namespace custode::cli
