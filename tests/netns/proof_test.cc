/// The whole disconnection proof (issue 6), as a technician and a client run
/// it: while the circuit is up a PC of the client finds the lab; after
/// `custode disconnect` the same PC proves, in a signed report, that it is gone.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "netns/support.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;

namespace {

/// The client's PC runs the check: its own namespace, its own key.
CommandResult check_from(const FullHost& pc, const fs::path& targets, const fs::path& key, const fs::path& report,
                         Ipv4Address control) {
    return run_program({CUSTODE_BINARY, "isolation-check", "--interface", "eth0", "--namespace", pc.ns, "--targets",
                        targets.string(), "--control", control.to_string(), "--key", key.string(), "--out",
                        report.string()});
}

}  // namespace

TEST_CASE("proof: linked the lab answers — after custode disconnect a client PC proves it is gone", "[proof]") {
    require_root();
    Testbed tb("proof");
    Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    acme.control = *Ipv4Address::parse("192.168.1.1");
    tb.add_light_hosts(acme, 1, *acme.control);
    tb.connect_port(acme);
    const FullHost pc = tb.add_full_host(acme, "pc1", *Ipv4Address::parse("192.168.1.50"));
    TempDir dir("ctb-proof");
    const auto netconf = tb.write_netconf(dir.path() / "netconf");
    const Custode custode{tb, netconf};
    REQUIRE(custode({"apply"}).exit_code == 0);
    REQUIRE(custode({"keygen", "--out", (netconf / "proof.key").string()}).exit_code == 0);
    const auto client_key = dir.path() / "client.key";
    REQUIRE(run_program({CUSTODE_BINARY, "keygen", "--out", client_key.string()}).exit_code == 0);

    // Linked: the gateway's own address on the client LAN, with br0's MAC.
    const auto links = nlohmann::json::parse(
        run_checked({"ip", "-n", tb.custode_prefix() + "acme", "-j", "link", "show", "br0"}));
    const auto linked_targets = dir.path() / "linked-targets.json";
    std::ofstream(linked_targets) << nlohmann::json{
        {"client", "acme"},
        {"targets", {{{"name", "gateway"}, {"ip", "192.168.1.250"}, {"mac", links[0]["address"]}}}}};
    const auto linked = check_from(pc, linked_targets, client_key, dir.path() / "linked.json", *acme.control);
    INFO(linked.output);
    CHECK(linked.exit_code == 1);  // not_isolated

    // The technician disconnects; the targets file goes to the client.
    const auto targets = dir.path() / "acme-targets.json";
    const auto disconnect = custode({"disconnect", "acme", "--targets", targets.string()});
    INFO(disconnect.output);
    REQUIRE(disconnect.exit_code == 0);
    const auto report = dir.path() / "isolation.json";
    const auto isolated = check_from(pc, targets, client_key, report, *acme.control);
    INFO(isolated.output);
    CHECK(isolated.exit_code == 0);  // isolated
    const auto verdict = nlohmann::json::parse(std::ifstream(report));
    CHECK(verdict["verdict"] == "isolated");
    CHECK(run_program({CUSTODE_BINARY, "verify", report.string(), "--pubkey", client_key.string() + ".pub"}).exit_code ==
          0);
    CHECK(run_program({"minisign", "-V", "-p", client_key.string() + ".pub", "-m", report.string()}).exit_code == 0);
    // The lab's own record of the disconnection verifies with the lab's key.
    const auto record = dir.path() / "acme-disconnect.json";
    CHECK(run_program({CUSTODE_BINARY, "verify", record.string(), "--pubkey", (netconf / "proof.key.pub").string()})
              .exit_code == 0);
}
