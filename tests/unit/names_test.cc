#include <catch2/catch.hpp>

#include "custode/core/names.h"

using namespace custode;

TEST_CASE("VlanId accepts 2..4094 only", "[names]") {
    CHECK(VlanId::from_int(2)->value() == 2);
    CHECK(VlanId::from_int(4094)->value() == 4094);
    CHECK(VlanId::parse("101")->to_string() == "101");
    for (std::int64_t bad : {-1, 0, 1, 4095, 4096, 100000}) {
        INFO(bad);
        CHECK_FALSE(VlanId::from_int(bad));
    }
    CHECK_FALSE(VlanId::parse(""));
    CHECK_FALSE(VlanId::parse("10a"));
}

TEST_CASE("ClientName follows [a-z][a-z0-9-]{0,11}", "[names]") {
    CHECK(ClientName::parse("acme")->str() == "acme");
    CHECK(ClientName::parse("a")->str() == "a");
    CHECK(ClientName::parse("studio-rossi")->str() == "studio-rossi");
    CHECK(ClientName::parse("b2b-0")->str() == "b2b-0");
    for (const char* bad : {"", "Acme", "1acme", "-acme", "studio-rossi1", "ac_me", "ac.me", "ac me",
                            "àcme"}) {
        INFO(bad);
        CHECK_FALSE(ClientName::parse(bad));
    }
}

TEST_CASE("Interface names respect the kernel's rules", "[names]") {
    CHECK(is_valid_interface_name("eth1"));
    CHECK(is_valid_interface_name("enp3s0f1.4094"));
    CHECK(is_valid_interface_name("123456789012345"));
    CHECK_FALSE(is_valid_interface_name("1234567890123456"));
    CHECK_FALSE(is_valid_interface_name(""));
    CHECK_FALSE(is_valid_interface_name("."));
    CHECK_FALSE(is_valid_interface_name("a/b"));
    CHECK_FALSE(is_valid_interface_name("a b"));
    CHECK_FALSE(is_valid_interface_name("a:b"));
}
