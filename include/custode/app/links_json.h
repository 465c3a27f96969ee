#pragma once
/// Link outcomes as JSON: the `plan`/`apply`/`remove --json` client shape,
/// which the audit trail keeps too.

#include <nlohmann/json.hpp>

#include "custode/app/links.h"

namespace custode::app {

nlohmann::json outcome_json(const ClientOutcome& outcome);

}  // namespace custode::app
