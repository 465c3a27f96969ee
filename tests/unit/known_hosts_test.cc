/// known_hosts lines as custode reads them (core/known_hosts.h).

#include <catch2/catch.hpp>

#include "custode/core/known_hosts.h"

using namespace custode;

TEST_CASE("known_hosts: a line names a host by one of its comma-separated patterns exactly") {
    CHECK(known_hosts_line_names("192.168.1.21 ssh-ed25519 AAAA", "192.168.1.21"));
    CHECK(known_hosts_line_names("192.168.1.20,192.168.1.21\tssh-ed25519 AAAA", "192.168.1.21"));
    CHECK(known_hosts_line_names("  [192.168.1.21]:2222 ssh-rsa AAAA", "[192.168.1.21]:2222"));
    CHECK_FALSE(known_hosts_line_names("192.168.1.211 ssh-ed25519 AAAA", "192.168.1.21"));
    CHECK_FALSE(known_hosts_line_names("192.168.1.2 ssh-ed25519 AAAA", "192.168.1.21"));
    CHECK_FALSE(known_hosts_line_names("[192.168.1.21]:2222 ssh-rsa AAAA", "192.168.1.21"));
}

TEST_CASE("known_hosts: comments and markers and blank lines and hashed hosts name no host") {
    CHECK_FALSE(known_hosts_line_names("#192.168.1.21 ssh-ed25519 AAAA", "192.168.1.21"));
    CHECK_FALSE(known_hosts_line_names("@revoked 192.168.1.21 ssh-ed25519 AAAA", "@revoked"));
    CHECK_FALSE(known_hosts_line_names("", ""));
    CHECK_FALSE(known_hosts_line_names(" \t\r", ""));
    CHECK_FALSE(known_hosts_line_names("|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAA", "192.168.1.21"));
}

TEST_CASE("known_hosts: the key is the second and third words and a line without both records none") {
    CHECK(known_hosts_entry("192.168.1.21 ssh-ed25519 AAAA comment\r", "192.168.1.21") ==
          KnownHostKey{"ssh-ed25519", "AAAA"});
    CHECK(known_hosts_entry("192.168.1.21\tssh-ed25519\tAAAA", "192.168.1.21") == KnownHostKey{"ssh-ed25519", "AAAA"});
    CHECK_FALSE(known_hosts_entry("192.168.1.21 ssh-ed25519", "192.168.1.21"));
    CHECK_FALSE(known_hosts_entry("192.168.1.21 ssh-ed25519 ", "192.168.1.21"));
    CHECK_FALSE(known_hosts_entry("192.168.1.22 ssh-ed25519 AAAA", "192.168.1.21"));
}
