#pragma once
/// The systemd units of dist/systemd as the tests use them: their command,
/// and the part of their confinement a test can apply without systemd.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace custode::testing {

/// The value of `key=` in dist/systemd/`unit`.in (or `unit` itself), its first line.
inline std::string unit_setting(std::string_view unit, std::string_view key) {
    const auto dir = std::filesystem::path(CUSTODE_SOURCE_DIR) / "dist/systemd";
    auto path = dir / (std::string(unit) + ".in");
    if (!std::filesystem::exists(path)) path = dir / std::string(unit);
    std::ifstream file(path);
    const std::string prefix = std::string(key) + "=";
    for (std::string line; std::getline(file, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    FAIL("no " << prefix << " line in " << path);
    return {};
}

/// The arguments the unit's ExecStart= gives custode (after the program).
inline std::vector<std::string> unit_arguments(std::string_view unit) {
    std::istringstream words(unit_setting(unit, "ExecStart"));
    std::vector<std::string> arguments;
    for (std::string word; words >> word;) arguments.push_back(word);
    REQUIRE(!arguments.empty());
    REQUIRE(arguments.front() == "@SBINDIR@/custode");
    arguments.erase(arguments.begin());
    return arguments;
}

/// A command prefix that confines a program as the unit's NoNewPrivileges=
/// and CapabilityBoundingSet= do (setpriv, util-linux); `without` drops one
/// more capability ("CAP_NET_ADMIN"), to see that it is needed.
inline std::vector<std::string> unit_confinement(std::string_view unit, std::string_view without = "") {
    REQUIRE(unit_setting(unit, "NoNewPrivileges") == "yes");
    std::istringstream names(unit_setting(unit, "CapabilityBoundingSet"));
    std::string bounding = "-all";
    for (std::string name; names >> name;) {
        if (name == without) continue;
        REQUIRE(name.rfind("CAP_", 0) == 0);
        std::string lower = name.substr(4);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        bounding += ",+" + lower;
    }
    return {"setpriv", "--no-new-privs", "--bounding-set", bounding, "--"};
}

}  // namespace custode::testing
