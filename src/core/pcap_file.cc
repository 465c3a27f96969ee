#include "custode/core/pcap_file.h"

namespace custode {

namespace chr = std::chrono;

std::vector<std::uint8_t> pcap_file(const std::vector<CapturedFrame>& frames, std::uint32_t snaplen) {
    std::vector<std::uint8_t> out;
    const auto le32 = [&out](std::uint32_t value) {
        for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xff));
    };
    const auto le16 = [&out](std::uint16_t value) {
        out.push_back(static_cast<std::uint8_t>(value & 0xff));
        out.push_back(static_cast<std::uint8_t>(value >> 8));
    };
    le32(0xa1b2c3d4);
    le16(2);
    le16(4);
    le32(0);
    le32(0);
    le32(snaplen);
    le32(1);  // LINKTYPE_ETHERNET
    for (const auto& frame : frames) {
        const auto micros = chr::duration_cast<chr::microseconds>(frame.at.time_since_epoch()).count();
        le32(static_cast<std::uint32_t>(micros / 1000000));
        le32(static_cast<std::uint32_t>(micros % 1000000));
        le32(static_cast<std::uint32_t>(frame.bytes.size()));
        le32(static_cast<std::uint32_t>(frame.bytes.size()));
        out.insert(out.end(), frame.bytes.begin(), frame.bytes.end());
    }
    return out;
}

}  // namespace custode
