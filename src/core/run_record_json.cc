/// The run record as JSON (the `maintain --json` shape of docs/reports.md plus every field),
/// and back: the store keeps records in this form.

#include <fmt/format.h>
#include <stdexcept>

#include "custode/core/run_record_json.h"

namespace custode {
namespace {

using nlohmann::json;

json update_json(const UpdateItem& update) {
    return {{"id", update.id},          {"title", update.title},         {"from", update.from},
            {"to", update.to},          {"installed", update.installed}, {"reboot_required", update.reboot_required},
            {"result", update.result}};
}

json task_json(const TaskResult& task) {
    json object{{"task", task.task},
                {"status", to_string(task.status)},
                {"exit", task.exit_code ? json(*task.exit_code) : json(nullptr)},
                {"seconds", task.seconds},
                {"summary", task.summary},
                {"findings", task.findings},
                {"output", task.output}};
    // Only the updates task has them: the other tasks' JSON stays as it was.
    if (task.task == to_string(MaintenanceTask::updates)) {
        json updates = json::array();
        for (const auto& update : task.updates) updates.push_back(update_json(update));
        object["updates"] = std::move(updates);
        object["reboot_required"] = task.reboot_required;
    }
    return object;
}

json host_json(const HostRun& host) {
    json tasks = json::array();
    for (const auto& task : host.tasks) tasks.push_back(task_json(task));
    return {{"name", host.name},   {"ip", host.ip},           {"mac", host.mac},
            {"os", to_string(host.os)}, {"power", to_string(host.power)}, {"reached", host.reached},
            {"error", host.error}, {"tasks", tasks},        {"shutdown", to_string(host.shutdown)},
            {"logged_on", host.logged_on}, {"seconds", host.seconds},
            {"reboot", to_string(host.reboot)}, {"reboot_detail", host.reboot_detail},
            {"woken_by_run", host.woken_by_run ? json(*host.woken_by_run) : json(nullptr)}, {"ok", host.ok()}};
}

json optional_bytes(const std::optional<std::uint64_t>& bytes) { return bytes ? json(*bytes) : json(nullptr); }

json restore_json(const RestoreTest& test) {
    return {{"host", test.host}, {"snapshot", test.snapshot}, {"file", test.file},
            {"size", test.size}, {"ok", test.ok},             {"detail", test.detail}};
}

}  // namespace

nlohmann::json to_json(const BackupCare& care) {
    json restores = json::array();
    for (const auto& test : care.restores) restores.push_back(restore_json(test));
    return {{"listed", care.listed},
            {"snapshots", care.snapshots},
            {"new_snapshots", care.new_snapshots},
            {"removed", care.removed},
            {"forged", care.forged},
            {"stale", care.stale},
            {"bytes_before", optional_bytes(care.bytes_before)},
            {"bytes_after", optional_bytes(care.bytes_after)},
            {"check", care.check},
            {"restores", restores},
            {"error", care.error},
            {"seconds", care.seconds},
            {"ok", care.ok()}};
}

namespace {

json client_json(const ClientRun& client) {
    json hosts = json::array();
    for (const auto& host : client.hosts) hosts.push_back(host_json(host));
    return {{"client", client.client}, {"error", client.error},
            {"seconds", client.seconds}, {"hosts", hosts},
            {"backup", client.backup ? to_json(*client.backup) : json(nullptr)}, {"ok", client.ok()}};
}

/// One JSON object being read, with its path for error messages
/// ("clients[0].hosts[2].status").
class Fields {
public:
    Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {
        if (!object_.is_object()) fail("", "expected an object");
    }

    template <typename T>
    T required(std::string_view name) const {
        const auto found = object_.find(name);
        if (found == object_.end()) fail(name, "missing");
        return read<T>(*found, name);
    }

    /// Present and not null.
    bool has(std::string_view name) const {
        const auto found = object_.find(name);
        return found != object_.end() && !found->is_null();
    }

    template <typename T>
    T optional(std::string_view name, T fallback) const {
        return has(name) ? required<T>(name) : fallback;
    }

    /// Each element of the required array `name`, with its path.
    template <typename Each>
    void each(std::string_view name, Each&& each) const {
        const auto& array = required<const json&>(name);
        if (!array.is_array()) fail(name, "expected an array");
        for (std::size_t index = 0; index < array.size(); ++index)
            each(array[index], fmt::format("{}[{}]", where(name), index));
    }

    template <typename Enum>
    Enum enumerated(std::string_view name, std::optional<Enum> (*parse)(std::string_view), Enum fallback,
                    bool must) const {
        if (!must && !has(name)) return fallback;
        const auto text = required<std::string>(name);
        const auto value = parse(text);
        if (!value) fail(name, fmt::format("unknown value '{}'", text));
        return *value;
    }

private:
    template <typename T>
    T read(const json& value, std::string_view name) const {
        if constexpr (std::is_same_v<T, const json&>) {
            return value;
        } else {
            try {
                return value.get<T>();
            } catch (const json::exception&) {
                fail(name, fmt::format("wrong type ({})", value.type_name()));
            }
        }
    }

    std::string where(std::string_view name) const {
        if (name.empty()) return path_.empty() ? "record" : path_;
        return path_.empty() ? std::string(name) : fmt::format("{}.{}", path_, name);
    }

    [[noreturn]] void fail(std::string_view name, std::string_view problem) const {
        throw std::runtime_error(fmt::format("run record: {}: {}", where(name), problem));
    }

    const json& object_;
    std::string path_;
};

UpdateItem update_from_json(const json& object, std::string path) {
    const Fields fields(object, std::move(path));
    UpdateItem update;
    update.id = fields.required<std::string>("id");
    update.title = fields.optional<std::string>("title", "");
    update.from = fields.optional<std::string>("from", "");
    update.to = fields.optional<std::string>("to", "");
    update.installed = fields.optional<bool>("installed", false);
    update.reboot_required = fields.optional<bool>("reboot_required", false);
    update.result = fields.optional<std::string>("result", "");
    return update;
}

TaskResult task_from_json(const json& object, std::string path) {
    const Fields fields(object, std::move(path));
    TaskResult task;
    task.task = fields.required<std::string>("task");
    task.status = fields.enumerated<TaskStatus>("status", parse_task_status, TaskStatus::error, true);
    if (fields.has("exit")) task.exit_code = fields.required<int>("exit");
    task.seconds = fields.optional<double>("seconds", 0);
    task.summary = fields.optional<std::string>("summary", "");
    task.findings = fields.optional<std::vector<std::string>>("findings", {});
    task.output = fields.optional<std::string>("output", "");
    task.reboot_required = fields.optional<bool>("reboot_required", false);
    if (fields.has("updates"))
        fields.each("updates", [&](const auto& update, std::string where) {
            task.updates.push_back(update_from_json(update, std::move(where)));
        });
    return task;
}

HostRun host_from_json(const json& object, std::string path) {
    const Fields fields(object, std::move(path));
    HostRun host;
    host.name = fields.required<std::string>("name");
    host.ip = fields.optional<std::string>("ip", "");
    host.mac = fields.optional<std::string>("mac", "");
    host.os = fields.enumerated<HostOs>("os", parse_host_os, HostOs::windows, false);
    host.power = fields.enumerated<PowerOutcome>("power", parse_power_outcome, PowerOutcome::unknown, false);
    host.reached = fields.optional<bool>("reached", false);
    host.error = fields.optional<std::string>("error", "");
    host.shutdown =
        fields.enumerated<ShutdownOutcome>("shutdown", parse_shutdown_outcome, ShutdownOutcome::not_requested, false);
    host.logged_on = fields.optional<std::vector<std::string>>("logged_on", {});
    host.reboot = fields.enumerated<RebootOutcome>("reboot", parse_reboot_outcome, RebootOutcome::not_needed, false);
    host.reboot_detail = fields.optional<std::string>("reboot_detail", "");
    host.seconds = fields.optional<double>("seconds", 0);
    if (fields.has("woken_by_run")) host.woken_by_run = fields.required<std::int64_t>("woken_by_run");
    fields.each("tasks", [&](const auto& task, std::string where) {
        host.tasks.push_back(task_from_json(task, std::move(where)));
    });
    return host;
}

BackupCare backup_from_json(const json& object, std::string path) {
    const Fields fields(object, std::move(path));
    BackupCare care;
    care.listed = fields.optional<bool>("listed", false);
    care.snapshots = fields.optional<int>("snapshots", 0);
    care.new_snapshots = fields.optional<int>("new_snapshots", 0);
    care.removed = fields.optional<std::vector<std::string>>("removed", {});
    care.forged = fields.optional<std::vector<std::string>>("forged", {});
    care.stale = fields.optional<std::vector<std::string>>("stale", {});
    if (fields.has("bytes_before")) care.bytes_before = fields.required<std::uint64_t>("bytes_before");
    if (fields.has("bytes_after")) care.bytes_after = fields.required<std::uint64_t>("bytes_after");
    care.check = fields.optional<std::string>("check", "");
    if (fields.has("restores"))
        fields.each("restores", [&](const auto& entry, std::string where) {
            const Fields test(entry, std::move(where));
            care.restores.push_back({test.required<std::string>("host"), test.optional<std::string>("snapshot", ""),
                                     test.optional<std::string>("file", ""), test.optional<std::uint64_t>("size", 0),
                                     test.required<bool>("ok"), test.optional<std::string>("detail", "")});
        });
    care.error = fields.optional<std::string>("error", "");
    care.seconds = fields.optional<double>("seconds", 0);
    return care;
}

ClientRun client_from_json(const json& object, std::string path) {
    const Fields fields(object, path);
    ClientRun client;
    client.client = fields.required<std::string>("client");
    client.error = fields.optional<std::string>("error", "");
    client.seconds = fields.optional<double>("seconds", 0);
    fields.each("hosts", [&](const auto& host, std::string where) {
        client.hosts.push_back(host_from_json(host, std::move(where)));
    });
    if (fields.has("backup")) client.backup = backup_from_json(object.at("backup"), path + ".backup");
    return client;
}

}  // namespace

nlohmann::json to_json(const NotificationResult& result) {
    return {{"channel", result.channel}, {"target", result.target}, {"ok", result.ok}, {"detail", result.detail}};
}

nlohmann::json to_json(const RunRecord& record) {
    json clients = json::array();
    for (const auto& client : record.clients) clients.push_back(client_json(client));
    json notifications = json::array();
    for (const auto& sent : record.notifications) notifications.push_back(to_json(sent));
    return {{"run", record.id},         {"site", record.site},       {"started", record.started},
            {"finished", record.finished}, {"dry_run", record.dry_run}, {"tasks", record.tasks},
            {"clients", clients},       {"notifications", notifications}, {"interrupted", record.interrupted},
            {"ok", record.ok()}};
}

RunRecord run_record_from_json(const nlohmann::json& json) {
    const Fields fields(json, "");
    RunRecord record;
    record.id = fields.required<std::int64_t>("run");
    record.site = fields.optional<std::string>("site", "");
    record.started = fields.optional<std::string>("started", "");
    record.finished = fields.optional<std::string>("finished", "");
    record.dry_run = fields.optional<bool>("dry_run", false);
    record.tasks = fields.optional<std::vector<std::string>>("tasks", {});
    record.interrupted = fields.optional<bool>("interrupted", false);
    fields.each("clients", [&](const auto& client, std::string where) {
        record.clients.push_back(client_from_json(client, std::move(where)));
    });
    if (fields.has("notifications"))  // records stored before notifications existed have none
        fields.each("notifications", [&](const auto& object, std::string where) {
            const Fields sent(object, std::move(where));
            record.notifications.push_back({sent.required<std::string>("channel"), sent.optional<std::string>("target", ""),
                                            sent.required<bool>("ok"), sent.optional<std::string>("detail", "")});
        });
    return record;
}

}  // namespace custode
