#include "custode/app/audit.h"

#include "custode/app/links_json.h"
#include "custode/os/user.h"

namespace custode::app {

void record_audit(os::StateStore& store, std::string_view command, const std::vector<ClientOutcome>& outcomes) {
    using Result = ClientOutcome::Result;
    const auto user = os::invoking_user();
    store.transaction([&] {
        for (const auto& outcome : outcomes) {
            if (outcome.result != Result::applied && outcome.result != Result::failed) continue;
            os::AuditRecord record;
            record.user = user;
            record.command = std::string(command);
            record.client = outcome.plan.client;
            record.plan_json = outcome_json(outcome).dump();
            record.result = outcome.result == Result::applied ? "ok" : "undone";
            record.detail = outcome.error;
            store.append_audit(record);
        }
    });
}

}  // namespace custode::app
