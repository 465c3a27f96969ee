#include "custode/app/links_json.h"

namespace custode::app {

nlohmann::json outcome_json(const ClientOutcome& outcome) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& step : outcome.plan.steps) {
        const auto view = action_view(outcome, step);
        actions.push_back({{"op", view.op},
                           {"object", view.object},
                           {"attribute", view.attribute},
                           {"from", view.from},
                           {"to", view.to},
                           {"interrupts", view.interrupts}});
    }
    nlohmann::json json = {{"client", outcome.plan.client},
                           {"namespace", outcome.namespace_name},
                           {"result", to_string(outcome.result)},
                           {"removal", outcome.removal},
                           {"actions", actions},
                           {"refusals", outcome.plan.refusals}};
    if (!outcome.error.empty()) json["error"] = outcome.error;
    if (!outcome.undo_errors.empty()) json["undo_errors"] = outcome.undo_errors;
    return json;
}

}  // namespace custode::app
