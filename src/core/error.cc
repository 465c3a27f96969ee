#include "custode/core/error.h"

#include <cstring>
#include <fmt/format.h>

namespace custode {
namespace {

std::string describe(const std::string& call, int error_number, const std::string& detail) {
    std::string text = call;
    if (error_number != 0) text += fmt::format(": {}", std::strerror(error_number));
    if (!detail.empty()) text += fmt::format(": {}", detail);
    return text;
}

}  // namespace

SystemError::SystemError(std::string call, int error_number, std::string detail)
    : std::runtime_error(describe(call, error_number, detail)),
      call_(std::move(call)),
      errno_(error_number),
      detail_(std::move(detail)) {}

}  // namespace custode
