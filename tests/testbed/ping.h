#pragma once
/// ICMP echo from inside a namespace, without the ping program (not installed
/// on the test machines, and one process per address would be slow).

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "custode/core/address.h"

namespace custode::testbed {

/// Sends echo requests from namespace `ns` to every target (again every
/// 200 ms to those still silent) until all answered or `timeout` passed.
/// Returns the addresses that answered.
std::set<Ipv4Address> ping_sweep(const std::string& ns, const std::vector<Ipv4Address>& targets,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

/// True when `target` answers an echo request from `ns` within `timeout`.
bool ping(const std::string& ns, Ipv4Address target,
          std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace custode::testbed
