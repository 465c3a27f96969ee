#pragma once
/// custode's version, as `custode --version` prints it and reports record it.

#include <string_view>

namespace custode {

/// From CMake's project(VERSION), defined for core/version.cc alone so that
/// a version bump recompiles one file.
std::string_view version();

}  // namespace custode
