#pragma once
/// Use cases for client links: plan, apply (a transaction per client),
/// remove, status. They read the kernel through os::LinkSystem, plan with
/// core's planner, and never touch a link custode did not mark.

#include <filesystem>
#include <string>
#include <vector>

#include "custode/core/link_plan.h"
#include "custode/core/netconf.h"
#include "custode/app/run_lock.h"
#include "custode/os/link_system.h"

namespace custode::app {

/// The part of a client's netconf the link planner needs.
ClientLinks links_of(const Netconf& netconf, const Client& client);

/// The clients named on the command line, or all when none is named.
/// An unknown name is a UsageError.
std::vector<const Client*> select_clients(const Netconf& netconf, const std::vector<std::string>& names);

/// One client's plan and what became of it.
struct ClientOutcome {
    enum class Result {
        in_sync,  ///< nothing to do
        pending,  ///< planned, not carried out (plan, --dry-run)
        applied,  ///< every step done
        refused,  ///< the live system conflicts with netconf; nothing done
        failed,   ///< a step failed; the completed steps were undone
    };
    std::string namespace_name;
    ClientPlan plan;
    Result result = Result::in_sync;
    std::string error;                     ///< for failed: the step and the kernel's words
    std::vector<std::string> undo_errors;  ///< steps that could not be undone (should stay empty)
    bool removal = false;                  ///< a prune or remove, not a provision
};

std::string_view to_string(ClientOutcome::Result result);

/// One step of an outcome as the user sees it (plan, apply, remove,
/// disconnect): the namespace step names the client's namespace.
ActionView action_view(const ClientOutcome& outcome, const Step& step);

struct ApplyOptions {
    bool dry_run = false;
    bool prune = false;  ///< also remove managed clients whose netconf file is gone
    Wait wait = Wait::no;  ///< (on the gateway) queue behind another run
};

/// Plans every selected client (and, with prune, the removals) without
/// changing anything.
std::vector<ClientOutcome> plan_links(const Netconf& netconf, os::LinkSystem& system,
                                      const std::vector<const Client*>& clients, bool prune);

/// Plans and carries out every client's plan (carry_out_plans). A failing
/// client is undone and does not stop the others.
std::vector<ClientOutcome> apply_links(const Netconf& netconf, os::LinkSystem& system,
                                       const std::vector<const Client*>& clients, const ApplyOptions& options);

/// Carries out the outcomes still pending (carry_out_plans).
void carry_out_pending(os::LinkSystem& system, std::vector<ClientOutcome>& outcomes);

/// Whether a removal is carried out or only planned.
enum class Removal { plan_only, carry_out };

/// Tears a client down: ports back to the gateway, namespace deleted.
/// Works from the live system alone, so it also removes a client whose
/// netconf file is gone.
ClientOutcome remove_client(const std::string& prefix, const std::string& client, os::LinkSystem& system,
                            Removal removal);

/// Carries out a plan as one transaction: on failure, the steps already done
/// are undone in reverse order.
void carry_out_plan(os::LinkSystem& system, ClientOutcome& outcome);

/// Carries out many plans, each still its own transaction, in three phases
/// across clients: every client's steps before its first link move, then
/// every client's moves (a port adopted or released, a circuit created and
/// moved in), then the rest. Each client's steps keep their plan order. A
/// failure in any phase undoes that client's completed steps (in reverse)
/// and drops it from the later phases; the other clients go on.
void carry_out_plans(os::LinkSystem& system, const std::vector<ClientOutcome*>& outcomes);

/// Throws UsageError naming the client when its namespace does not exist:
/// scan, wake and disconnect work inside it.
void require_provisioned(const Netconf& netconf, const Client& client);

/// What `status` shows of a client.
struct ClientStatus {
    std::string client;
    std::string namespace_name;
    bool namespace_exists = false;
    std::optional<LiveLink> circuit;
    std::optional<LiveLink> bridge;
    bool in_sync = false;
    std::string last_scan;  ///< "at (N hosts)"; "" when never (on the gateway)
    std::string last_run;   ///< "run ID at ...: status"; "" when never
};

std::vector<ClientStatus> link_status(const Netconf& netconf, os::LinkSystem& system,
                                      const std::vector<const Client*>& clients);

/// Why the client's circuit cannot carry traffic ("the circuit has no
/// carrier", "not provisioned: ..."); empty when namespace, circuit and
/// bridge are there and up.
std::string circuit_problem(const ClientStatus& status);

// ---- the link commands on the real gateway -----------------------------------
// Each opens the kernel's link table; those that change it take the run lock
// beside the state file at `state` first and keep an audit record after.

std::vector<ClientOutcome> plan_on_gateway(const Netconf& netconf, const std::vector<const Client*>& clients,
                                           bool prune);
std::vector<ClientOutcome> apply_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                            const std::vector<const Client*>& clients, const ApplyOptions& options);
/// An invalid client name is a UsageError.
ClientOutcome remove_on_gateway(const Netconf& netconf, const std::filesystem::path& state, const std::string& client,
                                const ApplyOptions& options);
/// With the last scan and run of each client from the state file, when it exists.
std::vector<ClientStatus> status_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                            const std::vector<const Client*>& clients);

}  // namespace custode::app
