/// The fake link table against the conformance body the kernel passes too
/// (tests/netns/link_system_conformance_test.cc).
#include "conformance/link_system_conformance.h"
#include "fake_link_system.h"

using namespace custode;
using namespace custode::testing;

TEST_CASE("the fake link table gives the kernel's results and refusals", "[conformance]") {
    FakeLinkSystem system;
    system.add(system.gateway, "lan5", "veth");
    system.add(system.gateway, "wan0", "veth").addresses.push_back(prefix("10.99.0.1/24"));
    check_link_system_conformance(system, {.port = "lan5",
                                           .underlay = "wan0",
                                           .underlay_address = ip("10.99.0.1"),
                                           .first_namespace = "conformance-a",
                                           .second_namespace = "conformance-b",
                                           .vni = 7001});
}
