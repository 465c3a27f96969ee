#include <catch2/catch.hpp>

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
