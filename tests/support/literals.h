#pragma once
/// Address literals in tests: ip("192.168.1.7"), mac("02:00:00:00:00:01"),
/// prefix("192.168.1.0/24"). The text must parse (a typo dereferences an empty optional).

#include "custode/core/address.h"

namespace custode::testing {

inline Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }
inline MacAddress mac(const char* text) { return *MacAddress::parse(text); }
inline Ipv4Prefix prefix(const char* text) { return *Ipv4Prefix::parse(text); }

}  // namespace custode::testing
