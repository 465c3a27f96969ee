/// KernelLinkSystem against the conformance body the fake link table passes
/// too (tests/unit/link_system_conformance_test.cc): what the fake accepts,
/// the kernel accepts, and what it refuses, the kernel refuses.
#include <fmt/format.h>
#include <unistd.h>

#include "conformance/link_system_conformance.h"
#include "support/process.h"
#include "support/root.h"
#include "testbed/netns.h"

using namespace custode;
using namespace custode::testing;

namespace {

/// The gateway and both client namespaces, removed however the test ends.
struct ConformanceNamespaces {
    std::string gateway = fmt::format("ctc-{}-gw", ::getpid());
    std::string first = fmt::format("ctc-{}-a", ::getpid());
    std::string second = fmt::format("ctc-{}-b", ::getpid());
    ~ConformanceNamespaces() { testbed::remove_namespaces({gateway, first, second}); }
};

}  // namespace

TEST_CASE("the kernel gives the results and refusals the fake link table gives", "[conformance]") {
    require_root();
    ConformanceNamespaces names;
    run_checked({"ip", "netns", "add", names.gateway});
    const auto setup = testbed::run(names.gateway,
                                    "ip link add lan5 type veth peer name lan5-peer && "
                                    "ip link add wan0 type veth peer name wan0-peer && "
                                    "ip address add 10.99.0.1/24 dev wan0 && ip link set wan0 up");
    INFO(setup.output);
    REQUIRE(setup.ok());
    testbed::in_namespace(names.gateway, [&] {
        const auto system = os::make_kernel_link_system();
        check_link_system_conformance(*system, {.port = "lan5",
                                                .underlay = "wan0",
                                                .underlay_address = ip("10.99.0.1"),
                                                .first_namespace = names.first,
                                                .second_namespace = names.second,
                                                .vni = 7001});
    });
}
