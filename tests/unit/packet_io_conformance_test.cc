/// The scripted packet I/O against the conformance body libpcap on a real
/// namespace passes too (tests/netns/packet_io_conformance_test.cc).
#include "conformance/packet_io_conformance.h"
#include "fake_packet_io.h"

using namespace custode;
using namespace custode::testing;
using namespace std::chrono_literals;

TEST_CASE("the scripted packet I/O answers only what the wire would", "[conformance]") {
    FakeClock clock;
    FakePacketIo io(mac("02:00:00:00:00:01"), clock);
    io.answer(ip("192.168.7.10"), mac("02:00:00:00:00:10"));
    check_packet_io_conformance(io, {.own_ip = ip("192.168.7.1"),
                                     .host_ip = ip("192.168.7.10"),
                                     .host_mac = mac("02:00:00:00:00:10"),
                                     .unused_ip = ip("192.168.7.77"),
                                     .now = [&clock] { return clock.now(); },
                                     .patience = 1s});
}
