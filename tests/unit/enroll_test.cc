/// enroll on a fake key fetch: what is recorded in known_hosts, and when not.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unistd.h>

#include "custode/app/enroll.h"
#include "support/temp_dir.h"

using namespace custode;
using custode::testing::TempDir;
namespace fs = std::filesystem;

namespace {

os::SshHostKey key(const std::string& blob) { return {"ssh-ed25519", blob, "SHA256:" + blob}; }

/// PCs by address: the key each offers, or unreachable when absent; a PC in
/// `lossy` misses its first connection (ARP lost in a burst).
struct FakeLan {
    std::map<std::string, os::SshHostKey> keys;
    std::set<std::string> lossy;
    mutable std::mutex mutex;
    mutable std::map<std::string, int> attempts;
    app::FetchHostKey fetch() const {
        return [this](Ipv4Address ip) -> std::variant<os::SshHostKey, os::SshError> {
            const std::lock_guard lock(mutex);
            const bool first = attempts[ip.to_string()]++ == 0;
            if (first && lossy.count(ip.to_string())) return os::SshError{os::SshFailure::unreachable, "no route"};
            const auto found = keys.find(ip.to_string());
            if (found == keys.end()) return os::SshError{os::SshFailure::unreachable, ip.to_string() + ": refused"};
            return found->second;
        };
    }
};

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const auto pc1 = app::EnrollTarget{"pc1", Ipv4Address::parse("192.168.1.21")};
const auto pc2 = app::EnrollTarget{"pc2", Ipv4Address::parse("192.168.1.22")};

}  // namespace

TEST_CASE("enroll records new keys, then finds them the same", "[enroll]") {
    TempDir scratch("custode-enroll");
    FakeLan lan;
    lan.keys = {{"192.168.1.21", key("AAAA1")}, {"192.168.1.22", key("AAAA2")}};
    const app::EnrollSettings settings{(scratch / "known_hosts").string()};
    const auto first = app::enroll_hosts({pc1, pc2}, settings, lan.fetch());
    REQUIRE(first.size() == 2);
    CHECK(first[0].status == app::EnrollStatus::added);
    CHECK(first[1].status == app::EnrollStatus::added);
    CHECK(app::enroll_ok(first));
    const auto text = read(settings.known_hosts);
    CHECK(text.find("192.168.1.21 ssh-ed25519 AAAA1") != std::string::npos);
    CHECK(text.find("192.168.1.22 ssh-ed25519 AAAA2") != std::string::npos);

    const auto again = app::enroll_hosts({pc1, pc2}, settings, lan.fetch());
    CHECK(again[0].status == app::EnrollStatus::same);
    CHECK(read(settings.known_hosts) == text);
}

TEST_CASE("a changed key is left alone unless replace is asked — then only that line changes", "[enroll]") {
    TempDir scratch("custode-enroll");
    FakeLan lan;
    lan.keys = {{"192.168.1.21", key("AAAA1")}, {"192.168.1.22", key("AAAA2")}};
    app::EnrollSettings settings{(scratch / "known_hosts").string()};
    app::enroll_hosts({pc1, pc2}, settings, lan.fetch());
    const auto before = read(settings.known_hosts);

    lan.keys["192.168.1.21"] = key("BBBB1");  // reinstalled, or someone in the middle
    const auto refused = app::enroll_hosts({pc1}, settings, lan.fetch());
    CHECK(refused[0].status == app::EnrollStatus::changed);
    CHECK_FALSE(app::enroll_ok(refused));
    CHECK(read(settings.known_hosts) == before);

    settings.replace = true;
    const auto replaced = app::enroll_hosts({pc1}, settings, lan.fetch());
    CHECK(replaced[0].status == app::EnrollStatus::replaced);
    const auto after = read(settings.known_hosts);
    CHECK(after.find("AAAA1") == std::string::npos);
    CHECK(after.find("192.168.1.21 ssh-ed25519 BBBB1") != std::string::npos);
    CHECK(after.find("192.168.1.22 ssh-ed25519 AAAA2") != std::string::npos);
}

TEST_CASE("unreachable PCs and PCs without an address are reported, not recorded", "[enroll]") {
    TempDir scratch("custode-enroll");
    FakeLan lan;
    const app::EnrollSettings settings{(scratch / "known_hosts").string()};
    const auto results = app::enroll_hosts({pc1, {"pc3", std::nullopt}}, settings, lan.fetch());
    REQUIRE(results.size() == 2);
    CHECK(results[0].status == app::EnrollStatus::unreachable);
    CHECK(results[0].message.find("refused") != std::string::npos);
    CHECK(results[1].status == app::EnrollStatus::no_address);
    CHECK_FALSE(app::enroll_ok(results));
    CHECK(read(settings.known_hosts).empty());
}

TEST_CASE("a PC that missed the first burst gets a second chance — a silent one is tried twice, then reported",
          "[enroll]") {
    TempDir scratch("custode-enroll");
    FakeLan lan;
    lan.keys = {{"192.168.1.21", key("AAAA1")}};
    lan.lossy = {"192.168.1.21"};
    const app::EnrollSettings settings{(scratch / "known_hosts").string()};
    const auto results = app::enroll_hosts({pc1, pc2}, settings, lan.fetch());
    CHECK(results[0].status == app::EnrollStatus::added);
    CHECK(results[1].status == app::EnrollStatus::unreachable);
    CHECK(lan.attempts.at("192.168.1.21") == 2);
    CHECK(lan.attempts.at("192.168.1.22") == 2);
}
