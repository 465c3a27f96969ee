/// `custode check` on real namespaces: a circuit that carries the client's
/// LAN is fit; a carrier path narrower than the circuit and another host at
/// the gateway's own LAN address are findings.

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "netns/support.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/netns.h"
#include "testbed/testbed.h"

namespace check_test {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;

/// acme by a port circuit, its control (a light host at .1) and two more hosts, provisioned.
struct CheckedSite {
    TempDir dir{"ctb-check"};
    Testbed tb;
    Site& acme;
    std::optional<Custode> custode;

    explicit CheckedSite(std::string_view tag, bool with_control = true)
        : tb(tag), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))) {
        if (with_control) acme.control = host_address(acme.subnet, 1);
        tb.add_light_hosts(acme, 1, host_address(acme.subnet, 1));
        tb.add_light_hosts(acme, 2, host_address(acme.subnet, 21));
        tb.connect_port(acme);
    }
    /// apply's output, which ends with the hint to run check.
    std::string provision_it() {
        custode.emplace(Custode{tb, tb.write_netconf(dir.path() / "netconf", {})});
        const auto applied = (*custode)({"apply"});
        REQUIRE(applied.exit_code == 0);
        tb.settle();
        return applied.output;
    }
};

}  // namespace check_test

using namespace check_test;

TEST_CASE("check: a circuit that carries the client's LAN at full size is fit", "[check]") {
    require_root();
    CheckedSite site("check-fit");
    CHECK(contains(site.provision_it(),
                   "acme: new circuit; prove it carries the LAN before the first night: custode check acme"));
    CHECK_FALSE(contains((*site.custode)({"apply"}).output, "custode check"));  // nothing new
    const auto ran = (*site.custode)({"--json", "check", "acme"});
    CHECK(ran.exit_code == 0);
    const auto check = json_of(ran.output);
    CHECK(check.at("fit") == true);
    CHECK(check.at("findings").empty());
    const auto& measured = check.at("measured");
    CHECK(measured.at("carrier") == true);
    CHECK(measured.at("circuit_mtu") == 1500);
    CHECK(measured.at("path_mtu") == 1500);
    CHECK(measured.at("control_mac").is_string());
    CHECK(measured.at("echoes_sent") == 20);
    CHECK(measured.at("echo_rtt_ms").size() == 20);
    CHECK(measured.at("address_claimants").empty());
    const auto text = (*site.custode)({"check", "acme"});
    CHECK(contains(text.output, "acme: the circuit is fit"));
    CHECK(contains(text.output, "ping 192.168.1.1: 20 of 20 answered"));
}

TEST_CASE("check: a carrier path narrower than the circuit and a host at the gateway's address are findings",
          "[check]") {
    require_root();
    CheckedSite site("check-narrow");
    // The carrier's side of the circuit carries 1400-byte packets; the circuit is set for 1500.
    REQUIRE(run(site.acme.ns, "ip link set uplink mtu 1400").ok());
    site.provision_it();
    // Then a PC of the client configured with the gateway's own LAN address
    // (a namespace of its own: the kernel every light host shares would
    // refuse to answer anyone asking "tell .250"; after apply: netconf
    // declares every full host, and refuses one at the gateway's address).
    const auto squatter = site.tb.add_full_host(site.acme, "squatter", site.acme.lan_address.address());
    const auto ran = (*site.custode)({"--json", "check", "acme"});
    CHECK(ran.exit_code == 1);
    const auto check = json_of(ran.output);
    CHECK(check.at("fit") == false);
    const auto& measured = check.at("measured");
    CHECK(measured.at("circuit_mtu") == 1500);
    CHECK(measured.at("path_mtu") == 1400);  // found by bisection, to the byte
    CHECK(measured.at("address_claimants") == nlohmann::json::array({squatter.mac.to_string()}));
    const auto findings = check.at("findings").dump();
    CHECK(contains(findings, "the carrier's path carries 1400-byte packets, the circuit is set for 1500"));
    CHECK(contains(findings, squatter.mac.to_string() + " also answers for the gateway's address 192.168.1.250"));
    CHECK(check.at("findings").size() == 2);
}

TEST_CASE("check: a client not provisioned, unknown, or without a control is refused", "[check]") {
    require_root();
    CheckedSite site("check-refuse");
    const Custode unprovisioned{site.tb, site.tb.write_netconf(site.dir.path() / "netconf", {})};
    const auto ran = unprovisioned({"check", "acme"});
    CHECK(ran.exit_code == 2);
    CHECK(contains(ran.output, "is not provisioned"));
    CHECK(unprovisioned({"check", "nobody"}).exit_code == 2);

    CheckedSite no_control("check-nocontrol", false);
    no_control.provision_it();
    const auto refused = (*no_control.custode)({"check", "acme"});
    CHECK(refused.exit_code == 2);
    CHECK(contains(refused.output, "[lan] control is not set"));
}
