#pragma once
/// The webhook's JSON object (docs/notify.md). Apart from night_message.h so
/// that only the files that make JSON include nlohmann/json.

#include <nlohmann/json.hpp>

#include "custode/core/night_message.h"

namespace custode {

/// `site`, `run`, `all_well`, `subject`, `clients` (the lines), `problems`,
/// `reports`; `text` (subject and body, what Slack-style receivers show) and
/// `title` / `message` (Gotify's names for subject and body).
nlohmann::json webhook_json(const NightMessage& message);

}  // namespace custode
