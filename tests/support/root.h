#pragma once
/// Tests that make namespaces or talk netlink need root: without it they
/// fail, never pass as skipped.

#include <catch2/catch.hpp>
#include <unistd.h>

namespace custode::testing {

inline void require_root() {
    if (::geteuid() != 0) FAIL("netns tests run as root (namespaces, netlink): sudo ./dev.sh test");
}

}  // namespace custode::testing
