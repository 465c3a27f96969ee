#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "custode/core/frames.h"
#include "support/literals.h"

using namespace custode;
using custode::testing::ip;
using custode::testing::mac;

namespace {

/// A golden frame from tests/fixtures/frames: hex byte pairs separated by
/// blanks, `#` starts a comment. Written by hand from RFC 826 and the WoL
/// layout, not produced by the code under test.
Frame golden(const std::string& name) {
    std::ifstream file(std::string(CUSTODE_FIXTURES) + "/frames/" + name);
    REQUIRE(file);
    Frame bytes;
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream words(line.substr(0, line.find('#')));
        std::string word;
        while (words >> word) {
            REQUIRE(word.size() == 2);
            bytes.push_back(static_cast<std::uint8_t>(std::stoul(word, nullptr, 16)));
        }
    }
    return bytes;
}


const MacAddress gateway_mac = mac("02:00:00:00:00:fa");
const Ipv4Address gateway_ip = ip("192.168.1.250");
const MacAddress pc_mac = mac("52:54:00:12:34:56");
const Ipv4Address pc_ip = ip("192.168.1.21");

ArpPacket expected_reply() {
    ArpPacket reply;
    reply.op = ArpPacket::Op::reply;
    reply.ethernet_source = pc_mac;
    reply.sender_mac = pc_mac;
    reply.sender_ip = pc_ip;
    reply.target_mac = gateway_mac;
    reply.target_ip = gateway_ip;
    return reply;
}

/// The golden reply with one byte changed.
Frame reply_with(std::size_t at, std::uint8_t value) {
    auto frame = golden("arp_reply.hex");
    frame.at(at) = value;
    return frame;
}

}  // namespace

TEST_CASE("ARP request builds the golden bytes, broadcast and unicast", "[frames]") {
    CHECK(build_arp_request(gateway_mac, gateway_ip, pc_ip) == golden("arp_request_broadcast.hex"));
    CHECK(build_arp_request(gateway_mac, gateway_ip, pc_ip, pc_mac) == golden("arp_request_unicast.hex"));
    CHECK(golden("arp_request_broadcast.hex").size() == 60);
}

TEST_CASE("ARP reply builds the golden bytes", "[frames]") {
    CHECK(build_arp_reply(pc_mac, pc_ip, gateway_mac, gateway_ip) == golden("arp_reply.hex"));
}

TEST_CASE("ARP golden frames parse back to their fields", "[frames]") {
    auto request = parse_arp(golden("arp_request_broadcast.hex"));
    REQUIRE(request);
    CHECK(request->op == ArpPacket::Op::request);
    CHECK(request->ethernet_source == gateway_mac);
    CHECK(request->sender_mac == gateway_mac);
    CHECK(request->sender_ip == gateway_ip);
    CHECK(request->target_mac.is_zero());
    CHECK(request->target_ip == pc_ip);

    CHECK(parse_arp(golden("arp_reply.hex")) == expected_reply());
}

TEST_CASE("ARP parser accepts an unpadded 42-byte frame and a trailing FCS", "[frames]") {
    CHECK(golden("arp_reply_unpadded.hex").size() == 42);
    CHECK(parse_arp(golden("arp_reply_unpadded.hex")) == expected_reply());
    CHECK(golden("arp_reply_fcs.hex").size() == 64);
    CHECK(parse_arp(golden("arp_reply_fcs.hex")) == expected_reply());
}

TEST_CASE("ARP parser rejects every truncation of a frame, accepts from 42 bytes on", "[frames]") {
    const auto frame = golden("arp_reply.hex");
    for (std::size_t length = 0; length <= frame.size(); ++length) {
        INFO(length);
        const auto parsed = parse_arp(std::span(frame.data(), length));
        CHECK(parsed.has_value() == (length >= 42));
    }
}

TEST_CASE("ARP parser rejects oversized frames", "[frames]") {
    auto frame = golden("arp_reply.hex");
    frame.resize(1522, 0);
    CHECK(parse_arp(frame));
    frame.resize(1523, 0);
    CHECK_FALSE(parse_arp(frame));
    frame.resize(65536, 0);
    CHECK_FALSE(parse_arp(frame));
}

TEST_CASE("ARP parser rejects other hardware, protocols, lengths and ops", "[frames]") {
    CHECK_FALSE(parse_arp(reply_with(13, 0x00)));  // EtherType 0x0800
    CHECK_FALSE(parse_arp(reply_with(15, 0x06)));  // htype 6 (IEEE 802)
    CHECK_FALSE(parse_arp(reply_with(14, 0x01)));  // htype 0x0101
    CHECK_FALSE(parse_arp(reply_with(16, 0x86)));  // ptype 0x8600
    CHECK_FALSE(parse_arp(reply_with(18, 8)));     // hlen 8
    CHECK_FALSE(parse_arp(reply_with(19, 16)));    // plen 16
    CHECK_FALSE(parse_arp(reply_with(21, 0)));     // op 0
    CHECK_FALSE(parse_arp(reply_with(21, 3)));     // op 3 (RARP request)
    CHECK_FALSE(parse_arp(reply_with(20, 1)));     // op 0x0102
}

TEST_CASE("ARP parser ignores 802.1Q-tagged frames", "[frames]") {
    CHECK_FALSE(parse_arp(golden("arp_request_vlan.hex")));
}

TEST_CASE("ARP parser ignores multicast or zero sender addresses", "[frames]") {
    CHECK_FALSE(parse_arp(reply_with(22, 0x01)));  // ARP sender 01:54:00:...: a group address
    CHECK_FALSE(parse_arp(reply_with(6, 0x53)));   // Ethernet source 53:54:00:...: a group address
    auto zero_sender = golden("arp_reply.hex");
    std::fill(zero_sender.begin() + 22, zero_sender.begin() + 28, 0);
    CHECK_FALSE(parse_arp(zero_sender));
}

TEST_CASE("ARP parser keeps an Ethernet source that differs from the ARP sender", "[frames]") {
    const auto parsed = parse_arp(reply_with(11, 0x99));
    REQUIRE(parsed);
    CHECK(parsed->ethernet_source == mac("52:54:00:12:34:99"));
    CHECK(parsed->sender_mac == pc_mac);
}

namespace {

/// Why the ARP parser must refuse `frame`, read straight off RFC 826 and the
/// decisions in frames.cc (a second reading of the layout, not the parser's
/// code); empty when it must accept it.
std::string arp_refusal(const Frame& frame) {
    const auto u16 = [&](std::size_t at) { return frame[at] << 8 | frame[at + 1]; };
    const auto group_or_zero = [&](std::size_t at) {
        return (frame[at] & 1) != 0 || std::all_of(frame.begin() + at, frame.begin() + at + 6, [](auto b) { return b == 0; });
    };
    if (frame.size() < 42) return "short";
    if (frame.size() > 1522) return "oversized";
    if (u16(12) != 0x0806) return "not ARP";
    if (u16(14) != 1 || u16(16) != 0x0800 || frame[18] != 6 || frame[19] != 4) return "not Ethernet/IPv4";
    if (u16(20) != 1 && u16(20) != 2) return "another op";
    if (group_or_zero(6) || group_or_zero(22)) return "a group or zero sender";
    return "";
}

/// The bytes `packet` stands for, where the parser read them: Ethernet source
/// and the 28-byte ARP body.
bool reads_back(const ArpPacket& packet, const Frame& frame) {
    Frame expected(frame.begin(), frame.begin() + 42);
    const auto put_mac = [&](std::size_t at, MacAddress value) {
        std::copy(value.bytes().begin(), value.bytes().end(), expected.begin() + at);
    };
    const auto put_ip = [&](std::size_t at, Ipv4Address value) {
        for (int i = 0; i < 4; ++i) expected[at + i] = static_cast<std::uint8_t>(value.value() >> (24 - 8 * i));
    };
    put_mac(6, packet.ethernet_source);
    expected[20] = 0;
    expected[21] = static_cast<std::uint8_t>(packet.op);
    put_mac(22, packet.sender_mac);
    put_ip(28, packet.sender_ip);
    put_mac(32, packet.target_mac);
    put_ip(38, packet.target_ip);
    return std::equal(expected.begin(), expected.end(), frame.begin());
}

/// Whether `frame` is a 0x0842 frame whose payload holds 6 x 0xFF and then
/// 16 copies of `target`, searched naively.
bool holds_magic_for(const Frame& frame, MacAddress target) {
    Frame sequence(6, 0xff);
    for (int copy = 0; copy < 16; ++copy) sequence.insert(sequence.end(), target.bytes().begin(), target.bytes().end());
    return std::search(frame.begin() + 14, frame.end(), sequence.begin(), sequence.end()) != frame.end();
}

}  // namespace

TEST_CASE("ARP and magic parsers give the right answer for every random frame", "[frames]") {
    std::mt19937 random(4);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 200);
    std::uniform_int_distribution<std::size_t> cut_or_grow(0, 1600);
    const auto arp_base = golden("arp_reply.hex");
    const auto wol_base = golden("wol_raw.hex");
    std::map<std::string, int> arp_outcomes;
    int magic_found = 0, magic_refused = 0;
    for (int round = 0; round < 20000; ++round) {
        // Thirds: random bytes, a real ARP reply with a few bytes changed, a
        // magic packet with a few bytes changed.
        const int kind = round % 3;
        Frame frame = kind == 1 ? arp_base : kind == 2 ? wol_base : Frame(length(random));
        for (auto& b : frame)
            if (kind == 0 || byte(random) < 4) b = static_cast<std::uint8_t>(byte(random));
        if (kind != 0 && byte(random) < 16) frame.resize(cut_or_grow(random));

        const auto refusal = arp_refusal(frame);
        const auto arp = parse_arp(frame);
        INFO("round " << round << ", " << frame.size() << " bytes, expected: " << (refusal.empty() ? "accepted" : refusal));
        REQUIRE(arp.has_value() == refusal.empty());
        if (arp) REQUIRE(reads_back(*arp, frame));
        ++arp_outcomes[refusal.empty() ? "accepted" : refusal];

        // A magic packet found is one the frame really holds; every changed
        // copy of the golden one that still holds its sequence is found.
        const auto magic = parse_magic_packet(frame);
        const bool raw_magic = frame.size() >= 14 && frame.size() <= 1522 && frame[12] == 0x08 && frame[13] == 0x42;
        if (magic) {
            REQUIRE((raw_magic ? holds_magic_for(frame, *magic) : frame[12] == 0x08 && frame[13] == 0x00));
            ++magic_found;
        } else {
            REQUIRE_FALSE((raw_magic && holds_magic_for(frame, mac("00:11:22:33:44:55"))));
            ++magic_refused;
        }
    }
    // Every reason was met, so the loop really tried each rule.
    CHECK(arp_outcomes.size() == 7);
    CHECK(arp_outcomes["accepted"] > 100);
    CHECK(magic_found > 100);
    CHECK(magic_refused > 100);
}

TEST_CASE("magic payload: sync, 16 copies of the MAC, optional SecureOn password", "[frames]") {
    const auto target = mac("00:11:22:33:44:55");
    CHECK(magic_payload(target).size() == 102);
    CHECK(magic_payload(target, {1, 2, 3, 4}).size() == 106);
    CHECK(magic_payload(target, {1, 2, 3, 4, 5, 6}).size() == 108);
    CHECK_THROWS_AS(magic_payload(target, {1, 2, 3}), std::invalid_argument);
}

TEST_CASE("WoL frames build the golden bytes", "[frames]") {
    const auto target = mac("00:11:22:33:44:55");
    CHECK(build_wol_frame(gateway_mac, target) == golden("wol_raw.hex"));
    CHECK(build_wol_frame(gateway_mac, target, {1, 2, 3, 4, 5, 6}) == golden("wol_raw_password.hex"));
}

TEST_CASE("magic packets parse from 0x0842 frames and from UDP datagrams", "[frames]") {
    const auto target = mac("00:11:22:33:44:55");
    CHECK(parse_magic_packet(golden("wol_raw.hex")) == target);
    CHECK(parse_magic_packet(golden("wol_raw_password.hex")) == target);
    CHECK(parse_magic_packet(golden("wol_udp.hex")) == target);
    CHECK_FALSE(parse_magic_packet(golden("arp_reply.hex")));
}

TEST_CASE("magic parser finds the sequence after other bytes, as a NIC does", "[frames]") {
    Frame frame = golden("wol_raw.hex");
    frame.insert(frame.begin() + 14, {0xff, 0xff, 0x00, 0xff});
    CHECK(parse_magic_packet(frame) == mac("00:11:22:33:44:55"));
}

TEST_CASE("magic parser rejects broken sequences and datagrams", "[frames]") {
    auto short_raw = golden("wol_raw.hex");
    short_raw.resize(short_raw.size() - 1);  // 15 and 5/6 copies
    CHECK_FALSE(parse_magic_packet(short_raw));

    auto wrong_copy = golden("wol_raw.hex");
    wrong_copy[14 + 6 + 6 * 9] ^= 0x01;
    CHECK_FALSE(parse_magic_packet(wrong_copy));

    auto broadcast_target = build_wol_frame(gateway_mac, MacAddress::broadcast());
    CHECK_FALSE(parse_magic_packet(broadcast_target));

    const auto udp = golden("wol_udp.hex");
    auto fragment = udp;
    fragment[14 + 6] = 0x20;  // more fragments
    CHECK_FALSE(parse_magic_packet(fragment));
    auto tcp = udp;
    tcp[14 + 9] = 6;
    CHECK_FALSE(parse_magic_packet(tcp));
    auto long_total = udp;
    long_total[14 + 3] = 0xff;  // IP total length beyond the frame
    CHECK_FALSE(parse_magic_packet(long_total));
    auto long_udp = udp;
    long_udp[14 + 20 + 5] = 0xff;  // UDP length beyond the datagram
    CHECK_FALSE(parse_magic_packet(long_udp));
    auto ipv6 = udp;
    ipv6[14] = 0x65;
    CHECK_FALSE(parse_magic_packet(ipv6));
    for (std::size_t length = 0; length < udp.size(); ++length) {
        INFO(length);
        CHECK_FALSE(parse_magic_packet(std::span(udp.data(), length)));
    }
}
