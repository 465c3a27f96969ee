/// When a client is due for its nightly run.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "custode/core/schedule.h"
#include "netconf_cli_support.h"
#include "support/temp_dir.h"

using namespace custode;
namespace chr = std::chrono;

namespace {

/// 2026-11-28 at hh:mm, local time.
chr::local_seconds at(int day, int hour, int minute) {
    return chr::local_days(chr::year(2026) / chr::November / day) + chr::hours(hour) + chr::minutes(minute);
}

MaintenanceSpec nightly(std::string_view window) {
    MaintenanceSpec spec;
    spec.window = MaintenanceWindow::parse(window);
    REQUIRE(spec.window);
    return spec;
}

}  // namespace

TEST_CASE("a window crossing midnight opened the evening before in its morning part", "[schedule]") {
    const auto window = *MaintenanceWindow::parse("20:30-06:30");
    CHECK(window_opening(window, at(28, 20, 30)) == at(28, 20, 30));
    CHECK(window_opening(window, at(28, 23, 59)) == at(28, 20, 30));
    CHECK(window_opening(window, at(29, 3, 0)) == at(28, 20, 30));
    CHECK_FALSE(window_opening(window, at(29, 6, 30)));  // the end is outside
    CHECK_FALSE(window_opening(window, at(28, 12, 0)));
}

TEST_CASE("a daytime window opens the same day", "[schedule]") {
    const auto window = *MaintenanceWindow::parse("12:00-13:00");
    CHECK(window_opening(window, at(28, 12, 15)) == at(28, 12, 0));
    CHECK_FALSE(window_opening(window, at(28, 11, 59)));
}

TEST_CASE("a client is due once per window occurrence", "[schedule]") {
    const auto spec = nightly("20:30-06:30");
    CHECK(is_due(spec, at(28, 20, 31), std::nullopt));
    CHECK(is_due(spec, at(28, 20, 31), at(27, 20, 31)));     // last night's run
    CHECK_FALSE(is_due(spec, at(29, 2, 0), at(28, 20, 31)));  // already ran tonight
    CHECK(is_due(spec, at(29, 2, 0), at(28, 19, 0)));         // a run by hand before the window
    CHECK_FALSE(is_due(spec, at(28, 12, 0), std::nullopt));   // outside
}

TEST_CASE("a client without a window is due once a day, from midnight", "[schedule]") {
    // The timer looks every 10 minutes: "always" would run such a client each time.
    const MaintenanceSpec any_time;
    CHECK(is_due(any_time, at(28, 12, 0), std::nullopt));
    CHECK(is_due(any_time, at(28, 12, 0), at(27, 23, 50)));       // yesterday's run
    CHECK_FALSE(is_due(any_time, at(28, 12, 0), at(28, 0, 10)));  // already ran today
    CHECK_FALSE(is_due(any_time, at(28, 23, 59), at(28, 12, 0)));
    CHECK(is_due(any_time, at(29, 0, 0), at(28, 12, 0)));
}

TEST_CASE("maintain --scheduled takes no client outside its window — a missing SSH key is a usage error", "[schedule][cli]") {
    namespace fs = std::filesystem;
    const custode::testing::TempDir scratch("custode-scheduled");
    const auto& dir = scratch.path();
    fs::create_directories(dir / "clients");
    // A window that opens two hours from now and closes an hour later.
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    const int start = (local.tm_hour + 2) % 24;
    std::ofstream(dir / "site.toml") << "[site]\nname = \"lab\"\nstate = \"" << (dir / "state.db").string()
                                     << "\"\n[ssh]\nidentity = \"" << (dir / "id").string() << "\"\nknown_hosts = \""
                                     << (dir / "known_hosts").string() << "\"\n";
    std::ofstream(dir / "clients/acme.toml")
        << "[link]\nkind = \"port\"\ninterface = \"eth9\"\n[lan]\nsubnet = \"192.168.1.0/24\"\n"
           "address = \"192.168.1.250/24\"\n[maintenance]\nwindow = \""
        << fmt::format("{:02}:00-{:02}:00", start, (start + 1) % 24) << "\"\ntasks = [\"antivirus\"]\n";
    std::ofstream(dir / "id") << "not a key: never read when no client is due\n";
    fs::permissions(dir / "id", fs::perms::owner_read | fs::perms::owner_write);  // private, as custode demands
    std::ofstream(dir / "known_hosts") << "";

    const auto run = custode::testing::run_custode("--json --netconf " + dir.string() + " maintain --scheduled", false);
    INFO(run.output);
    CHECK(run.exit_code == 0);
    const auto json = nlohmann::json::parse(run.output);
    CHECK(json.at("clients").empty());
    CHECK(json.at("run").is_null());

    fs::remove(dir / "id");
    const auto no_identity = custode::testing::run_custode("--netconf " + dir.string() + " maintain --all", true);
    CHECK(no_identity.exit_code == 2);
    CHECK_THAT(no_identity.output, Catch::Contains("ssh.identity") && Catch::Contains("no such file"));
}
