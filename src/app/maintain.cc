#include "custode/app/maintain.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <semaphore>
#include <thread>

#include "custode/core/task_checks.h"

namespace custode::app {
namespace {

namespace chr = std::chrono;
using Semaphore = std::counting_semaphore<>;

/// How long a PC found on may refuse SSH before it is reported (a moment's
/// hiccup, not a boot).
constexpr std::chrono::milliseconds on_pc_ssh_grace{std::chrono::seconds(10)};

/// How long the reboot command's channel is waited on: the command detaches,
/// but a PC going down may drop the channel without an exit status or leave
/// it hanging (as Ansible's win_reboot over SSH does), so ARP decides.
constexpr std::chrono::seconds reboot_channel_wait{60};

/// What the report keeps of a command's output: its end, where the verdict is.
constexpr std::size_t kept_output = 4096;

double seconds_between(os::Clock::time_point from, os::Clock::time_point to) {
    return chr::duration<double>(to - from).count();
}

std::string output_tail(const os::SshCommandResult& result) {
    std::string text = result.stdout_text;
    if (!result.stderr_text.empty()) text += (text.empty() ? "" : "\n") + result.stderr_text;
    return text.size() <= kept_output ? text : text.substr(text.size() - kept_output);
}

/// Holds one of the run's SSH slots for as long as it lives.
class SessionSlot {
public:
    explicit SessionSlot(Semaphore& slots) : slots_(slots) { slots_.acquire(); }
    ~SessionSlot() { slots_.release(); }
    SessionSlot(const SessionSlot&) = delete;
    SessionSlot& operator=(const SessionSlot&) = delete;

private:
    Semaphore& slots_;
};

/// A PC of the client and what became of it so far.
struct HostState {
    const HostSpec* spec = nullptr;
    HostRun run;
    std::optional<LanHost> live;  ///< where it answers, once it does
    TaskSettings settings;         ///< client's and host's, merged
    std::vector<UpdateItem> first_request;  ///< the updates that asked for tonight's restart
};

HostRun initial_run(const HostSpec& spec) {
    HostRun run;
    run.name = spec.name;
    run.mac = spec.mac.to_string();
    run.os = spec.os;
    if (spec.ip) run.ip = spec.ip->to_string();
    return run;
}

class ClientJob {
public:
    ClientJob(const Client& client, MaintenanceSystem& system, const MaintainOptions& options, Semaphore& slots,
              const MaintainProgress& progress, const WakeRecorder& record_wakes)
        : client_(client), system_(system), options_(options), slots_(slots), progress_(progress),
          record_wakes_(record_wakes) {}

    ClientRun run();

private:
    void tell(const std::string& text) const {
        if (progress_) progress_(fmt::format("{}: {}", client_.name.str(), text));
    }
    std::vector<HostState> hosts_from_scan(const std::vector<LanHost>& live) const;
    std::optional<std::int64_t> woken_by_earlier_run(const HostSpec& spec) const;
    void record_wakes(const std::vector<HostState>& hosts) const;
    void wake_sleepers(std::vector<HostState>& hosts);
    void work_on(HostState& host);
    void connect_and_work(HostState& host);
    std::variant<std::unique_ptr<os::SshSession>, os::SshError> connect_when_up(const HostState& host,
                                                                                bool just_booted);
    RebootPolicy reboot_policy(const HostState& host) const;
    std::unique_ptr<os::SshSession> restart_for_updates(std::unique_ptr<os::SshSession> session, HostState& host,
                                                         const TaskResult& updates);
    bool send_reboot(os::SshSession& session, HostState& host);
    std::unique_ptr<os::SshSession> come_back(HostState& host);
    TaskResult run_task(os::SshSession& session, const HostState& host, MaintenanceTask task);
    TaskResult run_command(os::SshSession& session, const HostState& host, const RemoteCommand& command);
    bool should_shut_down(const HostState& host) const;
    void shut_down(os::SshSession& session, HostState& host);
    void confirm_off(std::vector<HostState>& hosts);
    std::vector<MaintenanceTask> tasks() const { return options_.tasks ? *options_.tasks : client_.maintenance.tasks; }
    bool woken_tonight(const HostState& host) const {
        return host.run.power == PowerOutcome::woken || host.run.woken_by_run.has_value();
    }

    const Client& client_;
    MaintenanceSystem& system_;
    const MaintainOptions& options_;
    Semaphore& slots_;
    const MaintainProgress& progress_;
    const WakeRecorder& record_wakes_;
};

ClientRun ClientJob::run() {
    const auto started = system_.now();
    ClientRun result;
    result.client = client_.name.str();
    result.error = system_.link_problem(client_);
    if (!result.error.empty()) {
        tell("not worked on: " + result.error);
        return result;
    }
    auto hosts = hosts_from_scan(system_.scan(client_));
    if (!options_.dry_run) wake_sleepers(hosts);
    {
        std::vector<std::jthread> workers;
        for (auto& host : hosts)
            if (host.live) workers.emplace_back([this, &host] { work_on(host); });
    }
    confirm_off(hosts);
    for (auto& host : hosts) result.hosts.push_back(std::move(host.run));
    if (client_.backup && !options_.dry_run) {
        result.backup = system_.care_for_backups(client_);
        tell(backup_care_line(*result.backup));
    }
    result.seconds = seconds_between(started, system_.now());
    return result;
}

/// Every declared PC, marked on when the scan saw its MAC.
std::vector<HostState> ClientJob::hosts_from_scan(const std::vector<LanHost>& live) const {
    std::vector<HostState> hosts;
    for (const auto& spec : client_.hosts) {
        HostState host{&spec, initial_run(spec), std::nullopt,
                       TaskSettings::merge(client_.maintenance.settings, spec.settings)};
        const auto seen = std::find_if(live.begin(), live.end(), [&](const LanHost& h) { return h.mac == spec.mac; });
        if (seen != live.end()) {
            host.live = *seen;
            host.run.ip = seen->ip.to_string();
            host.run.power = PowerOutcome::was_on;
            host.run.woken_by_run = woken_by_earlier_run(spec);
        } else if (options_.dry_run) {
            host.run.error = "asleep or off: a dry run wakes nothing";
        }
        hosts.push_back(std::move(host));
    }
    return hosts;
}

std::optional<std::int64_t> ClientJob::woken_by_earlier_run(const HostSpec& spec) const {
    const auto earlier = options_.woken_earlier.find(client_.name.str());
    if (earlier == options_.woken_earlier.end()) return std::nullopt;
    const auto& macs = earlier->second.macs;
    if (std::find(macs.begin(), macs.end(), spec.mac.to_string()) == macs.end()) return std::nullopt;
    return earlier->second.run;
}

/// The PCs being woken and woken so far, for the state file.
void ClientJob::record_wakes(const std::vector<HostState>& hosts) const {
    if (!record_wakes_) return;
    ClientRun woken;
    woken.client = client_.name.str();
    for (const auto& host : hosts)
        if (host.run.power == PowerOutcome::woken || host.run.power == PowerOutcome::did_not_wake)
            woken.hosts.push_back(host.run);
    record_wakes_(woken);
}

void ClientJob::wake_sleepers(std::vector<HostState>& hosts) {
    std::vector<WakeTarget> targets;
    for (auto& host : hosts)
        if (!host.live) {
            targets.push_back({host.spec->name, host.spec->mac, host.spec->ip});
            host.run.power = PowerOutcome::did_not_wake;  // until it answers
        }
    if (targets.empty()) return;
    record_wakes(hosts);  // before the magic packets: a kill during the wait still names them
    tell(fmt::format("waking {} PC(s)", targets.size()));
    const auto woken = system_.wake(client_, targets, options_.wake_wait);
    for (auto& host : hosts) {
        const auto result = std::find_if(woken.begin(), woken.end(),
                                         [&](const WakeResult& r) { return r.target.mac == host.spec->mac; });
        if (host.live) continue;
        if (result == woken.end()) {
            host.run.power = PowerOutcome::unknown;  // not woken after all
            continue;
        }
        if (result->woke && result->ip) {
            host.live = LanHost{*result->ip, host.spec->mac};
            host.run.ip = result->ip->to_string();
            host.run.power = PowerOutcome::woken;
            tell(fmt::format("{} woke in {:.1f} s", host.spec->name, result->seconds));
        } else {
            host.run.power = PowerOutcome::did_not_wake;
            host.run.error = fmt::format("did not wake within {} s",
                                         chr::duration_cast<chr::seconds>(options_.wake_wait).count());
            tell(host.spec->name + " did not wake");
        }
    }
    record_wakes(hosts);
}

/// A woken (or restarted) PC answers ARP before its sshd listens: retry
/// while unreachable, for up to ssh_wait. A PC that was already on gets a
/// short grace only.
std::variant<std::unique_ptr<os::SshSession>, os::SshError> ClientJob::connect_when_up(const HostState& host,
                                                                                       bool just_booted) {
    const auto patience = just_booted ? options_.ssh_wait : std::min(options_.ssh_wait, on_pc_ssh_grace);
    const auto deadline = system_.now() + patience;
    while (true) {
        auto connected = system_.connect(client_, host.live->ip);
        auto* error = std::get_if<os::SshError>(&connected);
        if (!error || error->failure != os::SshFailure::unreachable || system_.now() >= deadline) return connected;
        system_.pause(options_.ssh_retry);
    }
}

void ClientJob::work_on(HostState& host) {
    const SessionSlot slot(slots_);
    const auto started = system_.now();
    try {
        connect_and_work(host);
    } catch (const std::exception& error) {  // this PC only
        host.run.error = error.what();
    }
    host.run.seconds = seconds_between(started, system_.now());
}

void ClientJob::connect_and_work(HostState& host) {
    auto connected = connect_when_up(host, host.run.power == PowerOutcome::woken);
    if (auto* error = std::get_if<os::SshError>(&connected)) {
        host.run.error = fmt::format("{}: {}", to_string(error->failure), error->message);
        tell(fmt::format("{} not reached: {}", host.spec->name, host.run.error));
        return;
    }
    auto session = std::move(std::get<std::unique_ptr<os::SshSession>>(connected));
    host.run.reached = true;
    const auto list = tasks();
    for (std::size_t i = 0; i < list.size(); ++i) {
        host.run.tasks.push_back(run_task(*session, host, list[i]));
        const auto& done = host.run.tasks.back();
        if (list[i] != MaintenanceTask::updates || !done.reboot_required || options_.dry_run) continue;
        session = restart_for_updates(std::move(session), host, done);
        if (session && host.run.reboot == RebootOutcome::rebooted) {
            // Back: what the restart let finish, and whether the same updates ask again.
            host.run.tasks.push_back(run_task(*session, host, list[i]));
            if (host.run.tasks.back().reboot_required)
                session = restart_for_updates(std::move(session), host, host.run.tasks.back());
        }
        if (session) continue;
        for (std::size_t rest = i + 1; rest < list.size(); ++rest)  // the PC is not back: listed, not run
            host.run.tasks.push_back({std::string(to_string(list[rest])), TaskStatus::skipped, std::nullopt, 0,
                                      "not run: the PC did not come back from its restart", {}, "", {}, false});
        return;
    }
    if (should_shut_down(host)) shut_down(*session, host);
}

RebootPolicy ClientJob::reboot_policy(const HostState& host) const {
    if (host.settings.reboot) return *host.settings.reboot;
    return woken_tonight(host) ? RebootPolicy::if_needed : RebootPolicy::never;  // someone may be using a PC found on
}

/// After an `updates` that needs a restart: restart (once a night), wait for
/// the PC to go quiet and come back with the same host key, and run
/// `updates` again, which finishes what the restart allowed. The same
/// updates asking again is a reboot loop: recorded, not restarted twice.
/// Returns the session to go on with, or none when the PC is not back.
std::unique_ptr<os::SshSession> ClientJob::restart_for_updates(std::unique_ptr<os::SshSession> session,
                                                               HostState& host, const TaskResult& updates) {
    const auto& name = host.spec->name;
    if (host.run.reboot == RebootOutcome::rebooted) {
        const bool same = reboot_request(host.first_request) == reboot_request(updates.updates);
        host.run.reboot = same ? RebootOutcome::reboot_loop : RebootOutcome::pending;
        host.run.reboot_detail = same ? "the same updates asked for a restart again after tonight's: not restarted twice"
                                      : "more updates need a restart: next night";
        tell(fmt::format("{} {}: {}", name, to_string(host.run.reboot), host.run.reboot_detail));
        return session;
    }
    if (reboot_policy(host) == RebootPolicy::never) {
        host.run.reboot = RebootOutcome::pending;
        host.run.reboot_detail = host.settings.reboot ? "reboot = never" : "it was on before the night: not restarted";
        tell(fmt::format("{} needs a restart: {}", name, host.run.reboot_detail));
        return session;
    }
    host.first_request = updates.updates;
    if (!send_reboot(*session, host)) return session;
    session.reset();  // the PC is going down: its channel is not waited on any more
    return come_back(host);
}

/// The reboot command. False when the PC stays up: someone logged on, or
/// the command failed (recorded).
bool ClientJob::send_reboot(os::SshSession& session, HostState& host) {
    auto command = reboot_command(host.spec->os, host.settings);
    command.timeout = std::min(command.timeout, reboot_channel_wait);
    const auto ran = session.run(command.command, command.input, command.timeout);
    if (const auto users = users_keeping_on(ran.exit_code, ran.stdout_text); users && !ran.timed_out) {
        host.run.reboot = RebootOutcome::user_logged_on;
        host.run.logged_on = *users;
        host.run.reboot_detail = users->empty() ? "not restarted: a user is logged on"
                                                : fmt::format("not restarted: {} logged on", fmt::join(*users, ", "));
        tell(fmt::format("{} {}", host.spec->name, host.run.reboot_detail));
        return false;
    }
    // No exit status, or a channel that hung, is what a PC going down looks like: ARP decides.
    if (ran.exit_code && *ran.exit_code != 0 && !ran.timed_out) {
        host.run.reboot = RebootOutcome::failed;
        host.run.reboot_detail = fmt::format("reboot command failed (exit {}): {}", *ran.exit_code, output_tail(ran));
        tell(fmt::format("{} {}", host.spec->name, host.run.reboot_detail));
        return false;
    }
    tell(fmt::format("{} restarting for its updates", host.spec->name));
    return true;
}

/// Quiet on ARP, then answering again, then SSH with the recorded host key.
std::unique_ptr<os::SshSession> ClientJob::come_back(HostState& host) {
    const auto& name = host.spec->name;
    const auto started = system_.now();
    const auto fail = [&](RebootOutcome outcome, std::string detail) -> std::unique_ptr<os::SshSession> {
        host.run.reboot = outcome;
        host.run.reboot_detail = std::move(detail);
        tell(fmt::format("{} {}: {}", name, to_string(outcome), host.run.reboot_detail));
        return nullptr;
    };
    const auto off = system_.wait_off(client_, {*host.live}, options_.off_wait);
    if (off.empty() || !off.front())
        return fail(RebootOutcome::failed, fmt::format("still answering {} s after the reboot command: it did not restart",
                                                       chr::duration_cast<chr::seconds>(options_.off_wait).count()));
    const auto back = system_.wait_on(client_, {{name, host.spec->mac, host.live->ip}}, options_.reboot_wait);
    if (back.empty() || !back.front().woke || !back.front().ip)
        return fail(RebootOutcome::did_not_return, fmt::format("not back within {} s of its restart",
                                                               chr::duration_cast<chr::seconds>(options_.reboot_wait).count()));
    host.live = LanHost{*back.front().ip, host.spec->mac};  // DHCP may give it another address
    host.run.ip = back.front().ip->to_string();
    auto connected = connect_when_up(host, true);
    if (auto* error = std::get_if<os::SshError>(&connected)) {
        const auto why = fmt::format("{}: {}", to_string(error->failure), error->message);
        host.run.error = "after its restart: " + why;
        return fail(error->failure == os::SshFailure::unreachable ? RebootOutcome::did_not_return : RebootOutcome::failed,
                    "answers ARP again but SSH refused it: " + why);
    }
    host.run.reboot = RebootOutcome::rebooted;
    host.run.reboot_detail = fmt::format("away {:.0f} s", seconds_between(started, system_.now()));
    tell(fmt::format("{} back from its restart ({})", name, host.run.reboot_detail));
    return std::move(std::get<std::unique_ptr<os::SshSession>>(connected));
}

TaskResult ClientJob::run_task(os::SshSession& session, const HostState& host, MaintenanceTask task) {
    const auto command = options_.dry_run ? task_check_command(host.spec->os, task, host.settings)
                                          : task_command(host.spec->os, task, host.settings);
    auto result = run_command(session, host, command);
    tell(fmt::format("{} {} {} in {:.1f} s{}", host.spec->name, result.task, to_string(result.status), result.seconds,
                     result.summary.empty() ? "" : ": " + result.summary));
    return result;
}

TaskResult ClientJob::run_command(os::SshSession& session, const HostState& host, const RemoteCommand& command) {
    const auto ran = session.run(command.command, command.input, command.timeout);
    TaskResult result{command.task, TaskStatus::timeout, ran.exit_code, ran.seconds, "", {}, output_tail(ran)};
    if (ran.timed_out || ran.output_cut) {
        if (ran.output_cut) {
            // Not a timeout: the task did not take too long, it wrote too much.
            result.status = TaskStatus::error;
            result.summary = fmt::format("killed after {} MiB of output (the limit)", ran.output_bytes >> 20);
        } else {
            result.summary = fmt::format("killed after {} s", command.timeout.count());
        }
        // The head: a command that floods stderr has pushed the pid line out of the tail.
        if (const auto pid = announced_pid(ran.stderr_head)) {
            const auto kill = kill_command(host.spec->os, command.task, *pid);
            session.run(kill.command, kill.input, kill.timeout);
        }
        else
            result.summary += " (its pid was never announced: it may still run)";
        return result;
    }
    const auto reading = options_.dry_run ? read_task_check(ran.exit_code, ran.stdout_text, ran.stderr_text)
                                          : read_task_result(host.spec->os, command.task, ran.exit_code,
                                                             ran.stdout_text, ran.stderr_text);
    result.status = reading.status;
    result.summary = reading.summary;
    result.findings = reading.findings;
    result.updates = reading.updates;
    result.reboot_required = reading.reboot_required;
    return result;
}

bool ClientJob::should_shut_down(const HostState& host) const {
    if (options_.dry_run) return false;
    switch (client_.maintenance.shutdown) {
        case ShutdownPolicy::woken: return woken_tonight(host);
        case ShutdownPolicy::all: return true;
        case ShutdownPolicy::never: return false;
    }
    return false;
}

void ClientJob::shut_down(os::SshSession& session, HostState& host) {
    const auto command = shutdown_command(host.spec->os, host.settings,
                                          client_.maintenance.shutdown_force ? ForceShutdown::yes : ForceShutdown::no);
    const auto ran = session.run(command.command, command.input, command.timeout);
    // Still "failed" until confirm_off sees it go quiet.
    host.run.shutdown = ShutdownOutcome::failed;
    if (const auto users = users_keeping_on(ran.exit_code, ran.stdout_text); users && !ran.timed_out) {
        host.run.shutdown = ShutdownOutcome::user_logged_on;
        host.run.logged_on = *users;
        tell(fmt::format("{} {}", host.spec->name, left_on_text(*users)));
        return;
    }
    if (ran.timed_out || ran.exit_code != 0) {
        host.run.error = fmt::format("shutdown command failed: {}", output_tail(ran));
        return;
    }
    host.run.shutdown = ShutdownOutcome::still_on;
}

void ClientJob::confirm_off(std::vector<HostState>& hosts) {
    std::vector<LanHost> pending;
    std::vector<HostState*> owners;
    for (auto& host : hosts) {
        if (host.run.shutdown != ShutdownOutcome::still_on) continue;
        pending.push_back(*host.live);
        owners.push_back(&host);
    }
    if (pending.empty()) return;
    const auto off = system_.wait_off(client_, pending, options_.off_wait);
    for (std::size_t i = 0; i < owners.size(); ++i) {
        owners[i]->run.shutdown = i < off.size() && off[i] ? ShutdownOutcome::confirmed_off : ShutdownOutcome::still_on;
        tell(fmt::format("{} {}", owners[i]->spec->name, to_string(owners[i]->run.shutdown)));
    }
}

}  // namespace

std::vector<ClientRun> maintain_clients(const std::vector<const Client*>& clients, MaintenanceSystem& system,
                                        const MaintainOptions& options, const MaintainProgress& progress,
                                        const WakeRecorder& record_wakes) {
    Semaphore slots(std::max(1, options.concurrency));
    std::vector<ClientRun> runs(clients.size());
    {
        std::vector<std::jthread> workers;
        for (std::size_t i = 0; i < clients.size(); ++i)
            workers.emplace_back([&, i] {
                try {
                    runs[i] = ClientJob(*clients[i], system, options, slots, progress, record_wakes).run();
                } catch (const std::exception& error) {  // a system error for this client; the others go on
                    runs[i].client = clients[i]->name.str();
                    runs[i].error = error.what();
                }
            });
    }
    return runs;
}

}  // namespace custode::app
