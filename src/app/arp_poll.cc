#include "custode/app/arp_poll.h"

namespace custode::app {

void run_arp_poll(os::PacketIo& io, Ipv4Address sender_ip, ArpPollRule& rule, const ArpPollTiming& timing,
                  const std::function<os::Clock::time_point()>& now) {
    ArpPoller poller(rule, timing);
    while (const auto round = poller.start_round(now())) {
        for (const auto ip : round->ask) io.send(build_arp_request(io.mac(), sender_ip, ip));
        while (const auto frame = io.receive(round->until))
            if (poller.on_frame(frame->bytes, frame->at)) break;
        poller.end_round();
    }
}

}  // namespace custode::app
