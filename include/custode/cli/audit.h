#pragma once
/// The audit trail of changing commands (apply, remove) in the state store.

#include <string_view>
#include <vector>

#include "custode/app/links.h"
#include "custode/os/state_store.h"

namespace custode::cli {

/// One record per client that was changed or failed; in-sync clients leave none.
void record_audit(os::StateStore& store, std::string_view command, const std::vector<app::ClientOutcome>& outcomes);

}  // namespace custode::cli
