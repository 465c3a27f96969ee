#pragma once
/// The audit trail of the commands that change links (apply, remove,
/// disconnect), in the state store.

#include <string_view>
#include <vector>

#include "custode/app/links.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// One record per client that was changed or failed, in one transaction;
/// in-sync and refused clients leave none.
void record_audit(os::StateStore& store, std::string_view command, const std::vector<ClientOutcome>& outcomes);

}  // namespace custode::app
