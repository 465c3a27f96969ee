#include "custode/app/audit.h"

#include <fmt/format.h>

#include "custode/app/links_json.h"
#include "custode/core/error.h"
#include "custode/os/user.h"

namespace custode::app {

std::vector<std::int64_t> begin_audit(os::StateStore& store, std::string_view command,
                                      const std::vector<ClientOutcome>& outcomes) {
    const auto user = os::invoking_user();
    std::vector<std::int64_t> started;
    store.transaction([&] {
        store.mark_running_audits_interrupted(
            "the command was stopped before it finished (killed, or cut by a reboot); what it changed stays "
            "until the next apply or remove, which converges");
        for (const auto& outcome : outcomes) {
            if (outcome.result != ClientOutcome::Result::pending) continue;
            os::AuditRecord record;
            record.user = user;
            record.command = std::string(command);
            record.client = outcome.plan.client;
            record.plan_json = outcome_json(outcome).dump();
            record.result = "running";
            started.push_back(store.append_audit(record));
        }
    });
    return started;
}

void record_audit(os::StateStore& store, std::string_view command, const std::vector<ClientOutcome>& outcomes,
                  const std::vector<std::int64_t>& started) {
    using Result = ClientOutcome::Result;
    const auto user = os::invoking_user();
    std::vector<os::AuditRecord> records;
    for (const auto& outcome : outcomes) {
        if (outcome.result != Result::applied && outcome.result != Result::failed) continue;
        os::AuditRecord record;
        record.user = user;
        record.command = std::string(command);
        record.client = outcome.plan.client;
        record.plan_json = outcome_json(outcome).dump();
        record.result = outcome.result == Result::applied ? "ok" : "undone";
        record.detail = outcome.error;
        records.push_back(std::move(record));
    }
    if (records.empty() && started.empty()) return;
    try {
        store.transaction([&] {
            for (const auto id : started) store.delete_audit(id);
            for (const auto& record : records) store.append_audit(record);
        });
    } catch (const SystemError& error) {
        // The links stay as they are now: the user must learn that no record says so.
        std::vector<std::string> changed;
        for (const auto& record : records) changed.push_back(fmt::format("{} ({})", record.client, record.result));
        throw SystemError("audit record", 0,
                          fmt::format("{} changed {} but could not record it in {}; the links stay as they are now: {}",
                                      command, fmt::join(changed, ", "), store.path().string(), error.what()));
    }
}

}  // namespace custode::app
