#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include "custode/core/address.h"

using namespace custode;

TEST_CASE("MacAddress parses colon and dash forms, prints lower-case colons", "[address]") {
    auto mac = MacAddress::parse("00:1A:2b:3C:4d:5E");
    REQUIRE(mac);
    CHECK(mac->to_string() == "00:1a:2b:3c:4d:5e");
    CHECK(MacAddress::parse("00-1a-2b-3c-4d-5e") == mac);
    CHECK(mac->oui() == 0x001a2b);
    CHECK_FALSE(mac->is_multicast());
    CHECK(MacAddress::broadcast().is_multicast());
}

TEST_CASE("MacAddress rejects malformed text", "[address]") {
    for (const char* bad : {"", "00:11:22:33:44", "00:11:22:33:44:55:66", "00:11:22-33:44:55",
                            "0g:11:22:33:44:55", "00.11.22.33.44.55", "001122334455", " 0:11:22:33:44:55",
                            "00:11:22:33:44:5"}) {
        INFO(bad);
        CHECK_FALSE(MacAddress::parse(bad));
    }
}

TEST_CASE("Ipv4Address parses dotted quads only", "[address]") {
    auto ip = Ipv4Address::parse("192.168.1.250");
    REQUIRE(ip);
    CHECK(ip->value() == 0xc0a801fau);
    CHECK(ip->to_string() == "192.168.1.250");
    CHECK(Ipv4Address::parse("0.0.0.0")->value() == 0);
    CHECK(Ipv4Address::parse("255.255.255.255")->value() == 0xffffffffu);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..3.4",
                            "a.b.c.d", "1.2.3.4 ", "0x1.2.3.4"}) {
        INFO(bad);
        CHECK_FALSE(Ipv4Address::parse(bad));
    }
}

TEST_CASE("Ipv4Prefix arithmetic", "[address]") {
    auto prefix = Ipv4Prefix::parse("192.168.1.250/24");
    REQUIRE(prefix);
    CHECK(prefix->length() == 24);
    CHECK(prefix->network().to_string() == "192.168.1.0");
    CHECK(prefix->broadcast().to_string() == "192.168.1.255");
    CHECK_FALSE(prefix->is_network());
    CHECK(Ipv4Prefix::parse("192.168.1.0/24")->is_network());
    CHECK(prefix->contains(*Ipv4Address::parse("192.168.1.7")));
    CHECK_FALSE(prefix->contains(*Ipv4Address::parse("192.168.2.7")));
    CHECK(prefix->host_count() == 254);
    CHECK(Ipv4Prefix::parse("10.0.0.0/22")->host_count() == 1022);
    CHECK(Ipv4Prefix::parse("10.0.0.1/32")->host_count() == 1);
    CHECK(Ipv4Prefix::parse("0.0.0.0/0")->contains(*Ipv4Address::parse("8.8.8.8")));
    CHECK(prefix->to_string() == "192.168.1.250/24");
    for (const char* bad : {"192.168.1.0", "192.168.1.0/", "192.168.1.0/33", "192.168.1.0/024",
                            "192.168.1/24", "192.168.1.0/-1", "192.168.1.0/2a"}) {
        INFO(bad);
        CHECK_FALSE(Ipv4Prefix::parse(bad));
    }
}

TEST_CASE("Ipv6Address parses RFC 4291 text and prints RFC 5952's", "[address]") {
    for (const auto& [text, canonical] : std::vector<std::pair<const char*, const char*>>{
             {"2001:db8::1", "2001:db8::1"},
             {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
             {"fd00:c7:1::2", "fd00:c7:1::2"},
             {"::", "::"},
             {"::1", "::1"},
             {"1::", "1::"},
             {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},       // the longest run of zeros
             {"1:0:0:2:3:0:0:4", "1::2:3:0:0:4"},     // the first of two equal runs
             {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},  // one zero group stays
             {"::ffff:192.0.2.1", "::ffff:c000:201"},
             {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"}}) {
        INFO(text);
        const auto address = Ipv6Address::parse(text);
        REQUIRE(address);
        CHECK(address->to_string() == canonical);
        CHECK(Ipv6Address::parse(canonical) == address);
    }
    CHECK(Ipv6Address::parse("2001:db8::1")->bytes() ==
          Ipv6Address::Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    for (const char* bad : {"", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "1:::2", ":1::2",
                            "1::2:", "12345::", "g::1", "fe80::1%eth0", "2001:db8::/64", "1:2:3:4:5:6:7::8:9",
                            "1::2:3:4:5:6:7:8", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "192.0.2.1",
                            " ::1", "::-1", "::+1"}) {
        INFO(bad);
        CHECK_FALSE(Ipv6Address::parse(bad));
    }
}

TEST_CASE("Ipv6Address knows link-local and IPv4-mapped addresses", "[address]") {
    CHECK(Ipv6Address::parse("fe80::1")->is_link_local());
    CHECK(Ipv6Address::parse("febf::1")->is_link_local());
    CHECK_FALSE(Ipv6Address::parse("fec0::1")->is_link_local());
    CHECK_FALSE(Ipv6Address::parse("fd00::1")->is_link_local());
    CHECK(Ipv6Address::parse("::ffff:10.0.0.1")->is_ipv4_mapped());
    CHECK_FALSE(Ipv6Address::parse("::fffe:10.0.0.1")->is_ipv4_mapped());
    CHECK_FALSE(Ipv6Address::parse("1::ffff:10.0.0.1")->is_ipv4_mapped());
}

TEST_CASE("IpAddress holds either family and writes a port the URI way", "[address]") {
    const auto ipv4 = IpAddress::parse("198.51.100.1");
    REQUIRE(ipv4);
    CHECK_FALSE(ipv4->is_ipv6());
    REQUIRE(ipv4->ipv4());
    CHECK(ipv4->ipv4()->to_string() == "198.51.100.1");
    CHECK(ipv4->with_port(4789) == "198.51.100.1:4789");
    const auto ipv6 = IpAddress::parse("2001:DB8::7");
    REQUIRE(ipv6);
    CHECK(ipv6->is_ipv6());
    CHECK(ipv6->ipv4() == nullptr);
    CHECK(ipv6->to_string() == "2001:db8::7");
    CHECK(ipv6->with_port(4789) == "[2001:db8::7]:4789");
    CHECK(*ipv4 == IpAddress(*Ipv4Address::parse("198.51.100.1")));
    CHECK(*ipv4 != *ipv6);
    for (const char* bad : {"", "198.51.100", "2001:db8::g", "localhost"}) {
        INFO(bad);
        CHECK_FALSE(IpAddress::parse(bad));
    }
}
