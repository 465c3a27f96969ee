#pragma once
/// A disconnection certificate with every section filled, a failed check,
/// and values that must be escaped: the unit test's and the browser test's.

#include "custode/core/certificate_html.h"

namespace custode::testing {

inline DisconnectionCertificate sample_certificate() {
    DisconnectionCertificate c;
    c.id = "acme-20261206T210000Z";
    c.site = "lab";
    c.client = "acme";
    c.client_description = "Studio <b>Rossi</b> & \"figli\"";
    c.technician = "tech";
    c.started_utc = "2026-12-06T20:59:58Z";
    c.finished_utc = "2026-12-06T21:00:00Z";
    c.finished_local = "2026-12-06 22:00:00 +01:00";
    c.circuit_kind = "vlan";
    c.circuit = "VLAN 101 on eth1";
    c.namespace_name = "cu-acme";
    c.bridge = "br0";
    c.ports_returned = {"eth3"};
    c.verdict = "disconnected";
    const char* names[] = {"namespace_gone", "namespace_released", "circuit_gone", "bridge_gone",
                           "ports_returned", "no_marked_links", "vlan_gone", "fdb_clean"};
    for (const char* name : names) c.checks.push_back({name, true, std::string(name) + ": nothing of acme is left"});
    c.checks[1].detail = "no process holds the old namespace <script>alert('x')</script>";
    c.lab_machines = {{"gateway", "192.168.1.250", "02:1a:b0:00:00:fa", true, "answered before the teardown (1 ms, MAC 02:1a:b0:00:00:fa)"},
                      {"nas", "10.10.0.5", "52:54:00:aa:bb:01", false, "not on the client's LAN: not probed from it"}};
    c.targets_file = "acme-targets.json";
    c.script_file = "acme-isolation-check.ps1";
    c.record_file = "acme-disconnect.json";
    c.signature =
        "untrusted comment: signature from custode secret key\n"
        "RUQV3TigUUyBTdKwkd4mNPeYuh3OcDjAnq8D2HrNQ5ggvGd3OKD/yJKgTtL+TrBOVGprUZVhdPKJwkZPylZtD8RXNtn2vJ/h4QY=\n"
        "trusted comment: custode disconnect id=acme-20261206T210000Z client=acme finished=2026-12-06T21:00:00Z "
        "verdict=disconnected\n"
        "ZS9zxvbmkw6EGA4V2A4WH7oAMTM1z1VmbXOE3J3YkoZXE3F6Q1FsHgsFxxuVfMZTWlvvTg0hHyS2klbz5sxHCg==\n";
    c.key_id = "4D814C5138B85D2A";
    c.public_key = "RWQV3TigUUyBTZRcLI5lpKZz/mOr1Z3sXNTNC7ePqOBzS2Jc1Ce37nHg";
    return c;
}

}  // namespace custode::testing
