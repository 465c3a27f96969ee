#pragma once
/// `custode doctor`: reads the gateway (never changes it) and says what
/// stops custode from working there, and how to fix it (docs/doctor.md).

#include <filesystem>

#include "custode/core/doctor.h"
#include "custode/core/netconf.h"
#include "custode/os/link_system.h"

namespace custode::app {

struct DoctorResult {
    GatewayFacts facts;
    DoctorReport report;
};

/// The links part of the facts (the gateway's dump, each client's
/// namespace) through `links`; the rest from the files and the kernel.
GatewayFacts gather_gateway_facts(const Netconf& netconf, const std::filesystem::path& state, os::LinkSystem& links);

/// On the gateway, through the kernel's link table.
DoctorResult doctor_on_gateway(const Netconf& netconf, const std::filesystem::path& state);

}  // namespace custode::app
