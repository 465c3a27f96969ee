/// `custode disconnect` (issue 6, lab side) end to end: the real binary in a
/// testbed gateway, checked with iproute2, `custode verify` and the state file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "custode/core/address.h"
#include "custode/os/disconnection_store.h"
#include "custode/os/state_store.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {


json check_named(const json& document, const std::string& name) {
    for (const auto& check : document.at("checks"))
        if (check.at("name") == name) return check;
    FAIL("no check " << name);
    return nullptr;
}

json baseline_of(const json& document, const std::string& name) {
    for (const auto& entry : document.at("baseline"))
        if (entry.at("name") == name) return entry;
    FAIL("no baseline entry " << name);
    return nullptr;
}

/// A provisioned port client "acme" with two PCs, a control host, an off-LAN
/// lab host and a lab host on the client LAN (one of the simulated hosts).
struct Provisioned {
    Testbed tb;
    TempDir dir;
    Site* acme = nullptr;
    fs::path netconf;
    LabHost on_lan;

    explicit Provisioned(const char* tag) : tb(tag) {
        acme = &tb.site("acme", prefix("192.168.1.0/24"));
        const auto hosts = tb.add_light_hosts(*acme, 2, ip("192.168.1.10"));
        acme->control = hosts[0].ip;
        tb.connect_port(*acme);
        on_lan = {"labpc", hosts[1].ip, hosts[1].mac};
        NetconfOptions options;
        options.lab_hosts = {{"nas", ip("10.10.0.5"), mac("52:54:00:aa:bb:01")}, on_lan};
        netconf = tb.write_netconf(dir.path() / "netconf", options);
        REQUIRE(custode()({"apply"}).exit_code == 0);
        tb.settle();
    }
    Custode custode() { return {tb, netconf}; }
    std::string client_ns() const { return tb.custode_prefix() + "acme"; }
};

}  // namespace

TEST_CASE("disconnect: baseline, teardown, clean checks and a signed record", "[disconnect]") {
    require_root();
    Provisioned lab("disc-clean");
    const auto custode = lab.custode();
    REQUIRE(custode({"keygen", "--out", (lab.netconf / "proof.key").string()}).exit_code == 0);
    const auto bridge_mac = ip_link(lab.client_ns(), "br0").at("address").get<std::string>();
    const auto targets_path = lab.dir.path() / "out" / "acme-targets.json";
    fs::create_directories(targets_path.parent_path());

    const auto result = custode({"disconnect", "acme", "--targets", targets_path.string(), "--json"});
    REQUIRE(result.exit_code == 0);
    const auto out = json_of(result.output);
    CHECK(out.at("command") == "disconnect");
    CHECK(out.at("ok") == true);
    CHECK(out.at("verdict") == "disconnected");

    // Baseline: the gateway's address answered with br0's MAC; the lab PC on
    // the LAN answered; the off-LAN NAS was not probed.
    const auto gateway = baseline_of(out, "gateway");
    CHECK(gateway.at("ip") == "192.168.1.250");
    CHECK(gateway.at("answered") == true);
    CHECK(gateway.at("answered_mac") == bridge_mac);
    CHECK(gateway.at("mac") == bridge_mac);
    const auto labpc = baseline_of(out, "labpc");
    CHECK(labpc.at("answered") == true);
    CHECK(labpc.at("answered_mac") == lab.on_lan.mac.to_string());
    const auto nas = baseline_of(out, "nas");
    CHECK(nas.at("probe") == "not_probed");
    CHECK(nas.at("answered").is_null());

    // Torn down: namespace gone, the port back in the gateway, unmarked, down.
    CHECK_FALSE(namespace_exists(lab.client_ns()));
    const auto port = ip_link(lab.tb.gateway(), "p-acme");
    REQUIRE_FALSE(port.is_null());
    CHECK(port.value("ifalias", "") == "");
    CHECK(port.value("master", "") == "");
    for (const auto& check : out.at("checks")) {
        INFO(check.dump());
        CHECK(check.at("ok") == true);
    }
    CHECK(check_named(out, "ports_returned").at("ok") == true);
    CHECK(check_named(out, "fdb_clean").at("ok") == true);

    // The targets file: exactly the agreed shape.
    const auto targets = json::parse(read_file(targets_path));
    std::vector<std::string> keys;
    for (const auto& [key, value] : targets.items()) keys.push_back(key);
    CHECK(keys == std::vector<std::string>{"client", "control", "created", "targets"});
    CHECK(targets.at("client") == "acme");
    CHECK(targets.at("control") == "192.168.1.10");
    CHECK(targets.at("created").get<std::string>().back() == 'Z');
    REQUIRE(targets.at("targets").size() == 3);
    CHECK(targets["targets"][0] == json({{"name", "gateway"}, {"ip", "192.168.1.250"}, {"mac", bridge_mac}}));
    CHECK(targets["targets"][1] == json({{"name", "nas"}, {"ip", "10.10.0.5"}, {"mac", "52:54:00:aa:bb:01"}}));
    CHECK(targets["targets"][2] ==
          json({{"name", "labpc"}, {"ip", lab.on_lan.ip.to_string()}, {"mac", lab.on_lan.mac.to_string()}}));

    // The record beside it, signed, listing what was removed; verify accepts it.
    const auto record_path = targets_path.parent_path() / "acme-disconnect.json";
    REQUIRE(fs::exists(record_path));
    REQUIRE(fs::exists(record_path.string() + ".minisig"));
    CHECK(out.at("record").at("signed") == true);
    const auto record = json::parse(read_file(record_path));
    CHECK(record.at("verdict") == "disconnected");
    CHECK(record.at("client") == "acme");
    bool released = false, deleted = false;
    for (const auto& action : record.at("removed").at("actions")) {
        if (action.at("op") == "delete" && action.at("object") == "namespace" && action.at("from") == lab.client_ns())
            deleted = true;
        if (action.dump().find("p-acme") != std::string::npos) released = true;
    }
    CHECK(deleted);
    CHECK(released);
    CHECK(custode({"verify", record_path.string()}).exit_code == 0);
    // One byte changed: rejected.
    auto tampered = read_file(record_path);
    tampered[tampered.find("disconnected")] = 'D';
    std::ofstream(record_path, std::ios::trunc) << tampered;
    CHECK(custode({"verify", record_path.string()}).exit_code == 1);

    // The state file keeps the same record and signature.
    const auto store = os::StateStore::open(lab.netconf / "state.db");
    const auto rows = os::disconnections(store, "acme");
    REQUIRE(rows.size() == 1);
    CHECK(json::parse(rows[0].record_json) == record);
    CHECK(rows[0].signature == read_file(record_path.string() + ".minisig"));

    // Disconnecting again: not provisioned any more.
    const auto again = custode({"disconnect", "acme", "--targets", targets_path.string()});
    CHECK(again.exit_code == 2);
    CHECK(again.output.find("not provisioned") != std::string::npos);
}

TEST_CASE("disconnect: a leftover marked link fails a check (exit 1), unsigned without a key", "[disconnect]") {
    require_root();
    Provisioned lab("disc-left");
    const auto custode = lab.custode();
    run_checked({"ip", "-n", lab.tb.gateway(), "link", "add", "left0", "type", "veth", "peer", "name", "left1"});
    run_checked({"ip", "-n", lab.tb.gateway(), "link", "set", "left0", "alias", "custode:acme"});
    const auto targets_path = lab.dir.path() / "acme-targets.json";

    const auto result = custode({"disconnect", "acme", "--targets", targets_path.string(), "--json"});
    CHECK(result.exit_code == 1);
    const auto out = json_of(result.output);
    CHECK(out.at("ok") == false);
    CHECK(out.at("verdict") == "leftovers");
    const auto marked = check_named(out, "no_marked_links");
    CHECK(marked.at("ok") == false);
    CHECK(marked.at("detail").get<std::string>().find("gateway/left0") != std::string::npos);
    CHECK(check_named(out, "namespace_gone").at("ok") == true);
    CHECK(out.at("record").at("signed") == false);
    CHECK(fs::exists(lab.dir.path() / "acme-disconnect.json"));
    CHECK_FALSE(fs::exists(lab.dir.path() / "acme-disconnect.json.minisig"));
    CHECK(fs::exists(targets_path));
}

TEST_CASE("disconnect: an unknown or unprovisioned client is a usage error", "[disconnect]") {
    require_root();
    Testbed tb("disc-usage");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    const auto targets = (dir.path() / "t.json").string();

    const auto unknown = custode({"disconnect", "nobody", "--targets", targets});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.output.find("no client 'nobody'") != std::string::npos);
    const auto unprovisioned = custode({"disconnect", "acme", "--targets", targets});
    CHECK(unprovisioned.exit_code == 2);
    CHECK(unprovisioned.output.find("not provisioned") != std::string::npos);
    CHECK_FALSE(fs::exists(targets));
}
