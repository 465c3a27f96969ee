#include "custode/core/version.h"

namespace custode {

std::string_view version() { return CUSTODE_VERSION; }

}  // namespace custode
