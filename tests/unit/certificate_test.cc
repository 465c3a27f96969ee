/// The disconnection certificate's page: every section, escaped values, no
/// script and nothing loaded from elsewhere, the verify line, the unsigned
/// warning, and certificate_of's mapping from a disconnection.

#include <catch2/catch.hpp>

#include <string>

#include "custode/app/disconnect.h"
#include "custode/core/certificate_html.h"
#include "sample_certificate.h"
#include "support/literals.h"

using namespace custode;
using namespace custode::testing;

namespace {

bool has(const std::string& html, const std::string& text) { return html.find(text) != std::string::npos; }

}  // namespace

TEST_CASE("certificate: who, what, when, checks, lab machines, how to check, signature", "[certificate]") {
    const auto html = render_certificate_html(sample_certificate());
    for (const char* text :
         {"Disconnection certificate", "Certificato di disconnessione", "acme-20261206T210000Z", "vlan: VLAN 101 on eth1",
          "cu-acme", "br0", "eth3", "tech", "2026-12-06 21:00:00 UTC", "2026-12-06 22:00:00 +01:00", "fdb_clean",
          "192.168.1.250", "02:1a:b0:00:00:fa", "acme-isolation-check.ps1", "ping -n 3 192.168.1.250",
          "arp -a | findstr /i 02-1a-b0-00-00-fa", "4D814C5138B85D2A",
          "minisign -Vm acme-disconnect.json -P RWQV3TigUUyBTZRcLI5lpKZz/mOr1Z3sXNTNC7ePqOBzS2Jc1Ce37nHg",
          "trusted comment: custode disconnect id=acme-20261206T210000Z"}) {
        INFO(text);
        CHECK(has(html, text));
    }
    // Only the on-LAN machine gets a ping line: the nas is not reachable from the LAN by design.
    CHECK_FALSE(has(html, "ping -n 3 10.10.0.5"));
    CHECK(has(html, "Studio &lt;b&gt;Rossi&lt;/b&gt; &amp; &quot;figli&quot;"));
    CHECK(has(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    CHECK_FALSE(has(html, "<script"));
    CHECK_FALSE(has(html, "http://"));
    CHECK_FALSE(has(html, "https://"));
    CHECK(has(html, "@page{size:A4"));
    CHECK_FALSE(has(html, "not signed"));
}

TEST_CASE("certificate: an unsigned record and a failed check are said plainly", "[certificate]") {
    auto c = sample_certificate();
    c.signature.clear();
    c.verdict = "leftovers";
    c.checks[7] = {"fdb_clean", false, "02:c7:01:00:00:0a is still in br9's forwarding table"};
    const auto html = render_certificate_html(c);
    CHECK(has(html, "is <b>not signed</b>"));
    CHECK_FALSE(has(html, "minisign -Vm"));
    CHECK(has(html, "a lab-side check failed"));
    CHECK(has(html, R"(<span class="fail">FAILED</span> <b>fdb_clean</b>)"));
    CHECK(certificate_file_name(c.id) == "certificate-acme-20261206T210000Z.html");
}

TEST_CASE("certificate_of: the disconnection's facts, the ports returned and the baseline in words", "[certificate][disconnect]") {
    app::Disconnection d;
    d.id = "acme-20261206T210000Z";
    d.site = "lab";
    d.user = "tech";
    d.started = "2026-12-06T20:59:58Z";
    d.finished = "2026-12-06T21:00:00Z";
    d.subject = {"acme", "cu-acme", "cu-", PortCircuit{"p-acme"}, {"eth3"}, {}};
    app::BaselineResult gateway{{"gateway", ip("192.168.1.250"), mac("02:1a:b0:00:00:fa"), true}, true, true,
                                mac("02:1a:b0:00:00:fa"), 2};
    app::BaselineResult nas{{"nas", ip("10.10.0.5"), std::nullopt, false}, false, false, std::nullopt, 0};
    d.baseline = {gateway, nas};
    d.removal.result = app::ClientOutcome::Result::applied;
    d.checks = {{"namespace_gone", true, "/run/netns/cu-acme is gone"}};
    const auto c = app::certificate_of(d, "Studio Rossi", "2026-12-06 22:00:00 +01:00",
                                       {"acme-targets.json", "acme-isolation-check.ps1", "acme-disconnect.json", "sig",
                                        "KEYID", "PUB"});
    CHECK(c.circuit_kind == "port");
    CHECK(c.circuit == "interface p-acme");
    CHECK(c.ports_returned == std::vector<std::string>{"p-acme", "eth3"});
    CHECK(c.verdict == "disconnected");
    CHECK(c.technician == "tech");
    CHECK(c.client_description == "Studio Rossi");
    REQUIRE(c.lab_machines.size() == 2);
    CHECK(c.lab_machines[0].baseline == "answered before the teardown (2 ms, MAC 02:1a:b0:00:00:fa)");
    CHECK(c.lab_machines[1].mac.empty());
    CHECK(c.lab_machines[1].on_client_lan == false);
    CHECK(c.checks.at(0).name == "namespace_gone");
    CHECK(c.key_id == "KEYID");
}
