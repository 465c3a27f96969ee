#pragma once
/// Who runs custode, for the audit trail and the signed records.

#include <string>

namespace custode::os {

/// The sudo caller ($SUDO_USER), else the login name of the effective user,
/// else its number.
std::string invoking_user();

/// The uid custode runs as (root on the gateway): secrets must be its own.
unsigned effective_user_id();

}  // namespace custode::os
