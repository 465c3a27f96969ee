#pragma once
/// The audit trail of the commands that change links (apply, remove,
/// disconnect), in the state store.

#include <cstdint>
#include <string_view>
#include <vector>

#include "custode/app/links.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// Before a link command changes anything (it holds the run lock, so no
/// other can still be running): marks the records earlier commands left
/// `running` as `interrupted` (killed, or cut by a reboot), then writes a
/// `running` record per client about to change, so a kill leaves a trace.
/// One transaction. Returns the ids of the new records, for record_audit.
std::vector<std::int64_t> begin_audit(os::StateStore& store, std::string_view command,
                                      const std::vector<ClientOutcome>& outcomes);

/// One record per client that was changed or failed, in one transaction
/// that also drops the `running` records begin_audit wrote (`started`);
/// in-sync and refused clients leave none.
void record_audit(os::StateStore& store, std::string_view command, const std::vector<ClientOutcome>& outcomes,
                  const std::vector<std::int64_t>& started = {});

}  // namespace custode::app
