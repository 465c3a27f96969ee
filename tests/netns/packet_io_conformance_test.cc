/// libpcap on a real namespace, with a kernel host on the LAN, against the
/// conformance body the scripted packet I/O passes too
/// (tests/unit/packet_io_conformance_test.cc).
#include "conformance/packet_io_conformance.h"
#include "support/root.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testing;
using namespace std::chrono_literals;

TEST_CASE("libpcap with a kernel host answers as the scripted packet I/O does", "[conformance]") {
    require_root();
    testbed::Testbed tb("pcap-conform");
    testbed::Site& acme = tb.site("acme", prefix("192.168.7.0/24"));
    tb.connect_port(acme);
    const auto hosts = tb.add_light_hosts(acme, 1, ip("192.168.7.10"));
    REQUIRE(hosts.size() == 1);
    testbed::IpBatch(tb.gateway()).add("link set p-acme up").run();
    const auto io = os::open_pcap("p-acme", "arp", tb.gateway());
    // Generous: a kernel host answers in well under a millisecond.
    check_packet_io_conformance(*io, {.own_ip = ip("192.168.7.1"),
                                      .host_ip = hosts[0].ip,
                                      .host_mac = hosts[0].mac,
                                      .unused_ip = ip("192.168.7.77"),
                                      .now = [] { return os::Clock::now(); },
                                      .patience = 1s});
}
