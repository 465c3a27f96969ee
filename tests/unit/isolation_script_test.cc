/// isolation-check.ps1's text: the bytes Windows PowerShell 5.1 needs (a
/// UTF-8 byte-order mark, CRLF), progress silenced first, and every value of
/// the targets file embedded as a quoted literal. The script's behaviour is
/// run under pwsh by tests/pwsh/isolation_script_test.cc and, on a network,
/// tests/netns/isolation_script_test.cc.

#include <catch2/catch.hpp>

#include <string>

#include "custode/core/isolation.h"
#include "custode/core/isolation_script.h"
#include "support/literals.h"

using namespace custode;
using namespace custode::testing;

namespace {

TargetsFile sample() {
    return {"acme", "2026-12-06T21:00:00Z",
            {{"gateway", ip("192.168.1.250"), mac("02:1a:b0:00:00:fa")}, {"O'Brien\xE2\x80\x99s $(nas)", ip("10.10.0.5"), {}}},
            ip("192.168.1.1")};
}

bool has_line(const std::string& script, const std::string& line) {
    return script.find("\r\n" + line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("isolation script: UTF-8 BOM, CRLF only, progress silenced on the first line", "[isolation][script]") {
    const auto script = isolation_check_script(sample(), {22, 445}, "custode 1.2.3");
    REQUIRE(script.substr(0, 3) == "\xEF\xBB\xBF");
    CHECK(script.substr(3, script.find('\r') - 3) == "$ProgressPreference = 'SilentlyContinue'");
    for (std::size_t at = script.find('\n'); at != std::string::npos; at = script.find('\n', at + 1)) {
        INFO("byte " << at);
        REQUIRE(script[at - 1] == '\r');
    }
    CHECK(isolation_script_name("acme") == "acme-isolation-check.ps1");
}

TEST_CASE("isolation script: the targets file's data embedded as quoted literals", "[isolation][script]") {
    const auto script = isolation_check_script(sample(), {22, 53, 445}, "custode 1.2.3");
    CHECK(has_line(script, "$Client = 'acme'"));
    CHECK(has_line(script, "$Created = '2026-12-06T21:00:00Z'"));
    CHECK(has_line(script, "$GeneratedBy = 'custode 1.2.3'"));
    CHECK(has_line(script, "  @{ Name = 'gateway'; Ip = '192.168.1.250'; Mac = '02:1a:b0:00:00:fa' }"));
    // Both quote characters doubled; $( ) stays text inside single quotes. No MAC: $null.
    CHECK(has_line(script, "  @{ Name = 'O''Brien\xE2\x80\x99\xE2\x80\x99s $(nas)'; Ip = '10.10.0.5'; Mac = $null }"));
    CHECK(has_line(script, "$Control = '192.168.1.1'"));
    CHECK(has_line(script, "$TcpPorts = @(22, 53, 445)"));

    auto without_control = sample();
    without_control.control.reset();
    CHECK(has_line(isolation_check_script(without_control, {22}, "custode"), "$Control = $null"));
}
