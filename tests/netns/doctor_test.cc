/// `custode doctor` on a real testbed gateway: a port client provisioned and
/// enrolled, a VXLAN client whose underlay is gone, an SSH identity of mode
/// 0644. Exit 1 with exactly those two findings, and nothing changed: the
/// links of every namespace, the namespaces, the files.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sys/stat.h>

#include "netns/support.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

namespace doctor_test {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;

void write_file(const std::filesystem::path& path, const std::string& text, unsigned mode) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

/// Every file under `dir` with its size and mode, and its bytes' length: what a
/// read-only command must leave as it was (no -wal, -shm or temporary file).
std::set<std::string> files_under(const std::filesystem::path& dir) {
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        struct stat st {};
        REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
        files.insert(fmt::format("{} {:o} {} {}", entry.path().string(), st.st_mode, st.st_size,
                                 st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec));
    }
    return files;
}

/// What doctor must not change of the links of `ns`: each one's name, kind,
/// flags, MTU, master, MAC and alias (not the bridge's running timers).
std::string links_of(const std::string& ns) {
    std::string links;
    for (const auto& link : ip_links(ns)) {
        links += fmt::format("{} {} {} {} {} {} {}\n", link.at("ifname").get<std::string>(),
                             link.contains("linkinfo") ? link["linkinfo"].value("info_kind", "") : "",
                             link.at("flags").dump(), link.at("mtu").get<int>(), link.value("master", ""),
                             link.value("address", ""), link.value("ifalias", ""));
    }
    return links;
}

/// The findings of `doctor --json` about this gateway's own set-up: kernel,
/// links, identity, host keys, state, sysctls. The clock and systemd are the
/// machine's, not the test's.
std::set<std::string> own_findings(const nlohmann::json& doctor) {
    std::set<std::string> found;
    for (const auto& finding : doctor.at("findings")) {
        const auto check = finding.at("check").get<std::string>();
        if (check == "clock" || check == "systemd" || check == "timer") continue;
        found.insert(check + ": " + finding.at("what").get<std::string>());
    }
    return found;
}

bool passed(const nlohmann::json& doctor, const std::string& line) {
    for (const auto& entry : doctor.at("passed"))
        if (entry.get<std::string>().find(line) != std::string::npos) return true;
    return false;
}

}  // namespace doctor_test

using namespace doctor_test;

TEST_CASE("doctor: a missing underlay and an identity others can read are found, and nothing is changed",
          "[doctor]") {
    require_root();
    TempDir dir("ctb-doctor");
    Testbed tb("doctor");
    auto& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    const auto acme_hosts = tb.add_light_hosts(acme, 2, host_address(acme.subnet, 21));
    tb.connect_port(acme);
    auto& bianchi = tb.site("bianchi", *Ipv4Prefix::parse("192.168.1.0/24"));
    const auto tunnel = tb.connect_vxlan(bianchi, 5001);

    const auto identity = dir / "id_ed25519";
    write_file(identity, "not a real key: doctor reads only its mode\n", 0644);
    const auto known_hosts = dir / "known_hosts";
    NetconfOptions options;
    options.ssh = NetconfSsh{"custode", identity.string(), known_hosts.string()};
    const Custode custode{tb, tb.write_netconf(dir / "netconf", options)};
    REQUIRE(custode({"apply", "acme"}).exit_code == 0);
    tb.settle();
    // acme's PCs enrolled (doctor reads the lines, not the keys' bytes).
    std::string lines;
    for (const auto& host : acme_hosts)
        lines += host.ip.to_string() + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDoctorDoctorDoctorDoctorDoctorDoctorDoc\n";
    write_file(dir / "known_hosts.d" / "acme", lines, 0600);
    // The deliberate problem on the links: bianchi's underlay is gone from the gateway.
    run_checked({"ip", "-n", tb.gateway(), "link", "del", tunnel.underlay});

    const auto acme_ns = tb.custode_prefix() + "acme";
    const auto links_before = links_of(tb.gateway()) + links_of(acme_ns);
    const auto namespaces_before = tb.namespaces();
    const auto files_before = files_under(dir.path());

    const auto ran = custode({"--json", "doctor"});
    CHECK(ran.exit_code == 1);
    const auto doctor = json_of(ran.output);
    CHECK(doctor.at("command") == "doctor");
    CHECK(doctor.at("ok") == false);
    CHECK(own_findings(doctor) ==
          std::set<std::string>{
              fmt::format("link: bianchi: the underlay {} is not on the gateway", tunnel.underlay),
              "ssh-identity: the SSH identity " + identity.string() +
                  " has mode 0644: others on this machine can read or change it (it opens every PC)"});
    for (const auto& finding : doctor.at("findings")) {
        CHECK_FALSE(finding.at("where").get<std::string>().empty());
        CHECK_FALSE(finding.at("fix").get<std::string>().empty());
        if (finding.at("check") == "ssh-identity") CHECK(finding.at("fix") == "chmod 600 " + identity.string());
    }
    CHECK(passed(doctor, fmt::format("link: acme: port p-acme in {}", acme_ns)));
    CHECK(passed(doctor, "known-hosts: acme"));
    CHECK(passed(doctor, fmt::format("sysctl: br0 in {} answers ARP", acme_ns)));
    CHECK(passed(doctor, "writable, schema"));
    CHECK(doctor.at("kernel").contains("vxlan"));

    const auto text = custode({"doctor"});
    CHECK(text.exit_code == 1);
    CHECK(contains(text.output, "PROBLEM  ssh-identity: the SSH identity " + identity.string() + " has mode 0644"));
    CHECK(contains(text.output, "fix:   chmod 600 " + identity.string()));

    // Read only: the same links, namespaces and files as before.
    CHECK(links_of(tb.gateway()) + links_of(acme_ns) == links_before);
    CHECK(tb.namespaces() == namespaces_before);
    CHECK(files_under(dir.path()) == files_before);

    // Fixed, doctor finds nothing more of its own.
    REQUIRE(::chmod(identity.c_str(), 0600) == 0);
    const auto fixed = json_of(custode({"--json", "doctor"}).output);
    CHECK(own_findings(fixed) ==
          std::set<std::string>{fmt::format("link: bianchi: the underlay {} is not on the gateway", tunnel.underlay)});
}

TEST_CASE("doctor: a bad netconf or flag is exit 2", "[doctor]") {
    require_root();
    TempDir dir("ctb-doctor-bad");
    Testbed tb("doctor-bad");
    const Custode missing{tb, dir / "nowhere"};
    CHECK(missing({"doctor"}).exit_code == 2);
    auto& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    tb.connect_port(acme);
    const Custode custode{tb, tb.write_netconf(dir / "netconf")};
    CHECK(custode({"doctor", "--bogus"}).exit_code == 2);
    CHECK(custode({"doctor", "acme"}).exit_code == 2);  // takes no client
}
