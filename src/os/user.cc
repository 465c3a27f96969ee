#include "custode/os/user.h"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace custode::os {

std::string invoking_user() {
    if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user && *sudo_user) return sudo_user;
    if (const passwd* entry = ::getpwuid(::geteuid())) return entry->pw_name;
    return std::to_string(::geteuid());
}

unsigned effective_user_id() { return static_cast<unsigned>(::geteuid()); }

}  // namespace custode::os
