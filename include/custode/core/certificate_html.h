#pragma once
/// The disconnection certificate: one self-contained printable page (A4 and
/// a phone's width; inline CSS, no script, nothing loaded from elsewhere)
/// that `custode disconnect` writes for the client beside the record. Pure
/// rendering of data app/ gathers; every value is HTML-escaped.

#include <string>
#include <string_view>
#include <vector>

namespace custode {

struct CertificateCheck {
    std::string name;
    bool ok = false;
    std::string detail;
};

/// A lab machine that must no longer answer, and what the baseline found.
struct CertificateMachine {
    std::string name, ip, mac;  ///< mac: "" when unknown
    bool on_client_lan = false;
    std::string baseline;       ///< "answered before the teardown (2 ms)", ...
};

struct DisconnectionCertificate {
    std::string id, site, client, client_description, technician;
    std::string started_utc, finished_utc;  ///< ISO 8601 UTC
    std::string finished_local;             ///< the gateway's local time, with its UTC offset
    std::string circuit_kind;               ///< vlan | port | vxlan
    std::string circuit;                    ///< its id: "VLAN 101 on eth1", "interface p-acme", "VNI 5001 ..."
    std::string namespace_name, bridge;
    std::vector<std::string> ports_returned;
    std::string verdict;  ///< disconnected | leftovers | teardown_failed
    std::vector<CertificateCheck> checks;
    std::vector<CertificateMachine> lab_machines;
    std::string targets_file, script_file, record_file;  ///< file names, beside the certificate
    std::string signature;                               ///< the record's .minisig text; empty: unsigned
    std::string key_id, public_key;                      ///< minisign's key id and one-line public key
};

/// "certificate-<id>.html" (the id is "<client>-<UTC stamp>").
std::string certificate_file_name(std::string_view id);

std::string render_certificate_html(const DisconnectionCertificate& certificate);

}  // namespace custode
