/// Killed at every step, custode converges (docs/reliability.md, "Killed at
/// any step"): each link command runs with CUSTODE_TEST_KILL_AFTER=N for
/// every N from 1 until it finishes unkilled; after each kill the same
/// command run again exits 0, `plan` is clean, and the kernel holds exactly
/// what an unkilled run leaves: no link, namespace file or mount that is not
/// custode's, nothing twice; the audit trail shows the interrupted run.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <linux/magic.h>
#include <map>
#include <sstream>
#include <string>
#include <sys/statfs.h>
#include <vector>

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

constexpr int killed_exit = 128 + 9;  // SIGKILL

/// One link as the comparison sees it: everything but its index and MAC.
std::string describe_link(const json& l) {
    std::ostringstream out;
    out << l.value("ifname", "") << " kind=" << (l.contains("linkinfo") ? l["linkinfo"].value("info_kind", "") : "")
        << " alias=" << l.value("ifalias", "") << " master=" << l.value("master", "") << " mtu=" << l.value("mtu", 0)
        << " up=" << (std::count(l["flags"].begin(), l["flags"].end(), "UP") > 0);  // not the carrier: it comes later
    if (!l.contains("linkinfo")) return out.str();
    const auto& info = l["linkinfo"];
    if (info.contains("info_data") && info["info_data"].contains("id")) out << " id=" << info["info_data"]["id"].dump();
    if (info.contains("info_slave_data"))
        out << " guard=" << info["info_slave_data"].value("guard", false)
            << " root_block=" << info["info_slave_data"].value("root_block", false);
    return out.str();
}

/// How many mounts /proc/self/mountinfo lists on `path`.
int mounts_on(const std::string& path) {
    std::ifstream mountinfo("/proc/self/mountinfo");
    int count = 0;
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point;
        fields >> id >> parent >> device >> root >> mount_point;
        if (mount_point == path) ++count;
    }
    return count;
}

/// Everything custode's link commands leave in the kernel, as text to compare:
/// each namespace file under the testbed's custode prefix (mounted or not,
/// how many mounts), the links in each, and every link of the gateway.
std::string kernel_state(Testbed& tb) {
    std::ostringstream out;
    for (const auto& entry : fs::directory_iterator("/run/netns")) {
        const auto name = entry.path().filename().string();
        if (!name.starts_with(tb.custode_prefix())) continue;
        struct statfs file_system {};
        const bool mounted = ::statfs(entry.path().c_str(), &file_system) == 0 && file_system.f_type == NSFS_MAGIC;
        out << "namespace " << name << (mounted ? "" : " HALF-MADE") << " mounts=" << mounts_on(entry.path().string())
            << "\n";
        if (!mounted) continue;
        std::vector<std::string> links;
        for (const auto& l : ip_links(name)) links.push_back(describe_link(l));
        std::sort(links.begin(), links.end());
        for (const auto& link : links) out << "  " << link << "\n";
    }
    std::vector<std::string> gateway;
    for (const auto& l : ip_links(tb.gateway())) gateway.push_back(describe_link(l));
    std::sort(gateway.begin(), gateway.end());
    out << "gateway\n";
    for (const auto& link : gateway) out << "  " << link << "\n";
    return out.str();
}

/// The audit records of the state file, oldest first, as "command client result".
std::vector<std::string> audit_trail(const fs::path& state) {
    std::vector<std::string> out;
    const auto store = os::StateStore::open(state);
    for (const auto& record : store.audit_records(100000))
        out.insert(out.begin(), record.command + " " + record.client + " " + record.result);
    return out;
}

std::size_t count_of(const std::vector<std::string>& lines, const std::string& line) {
    return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

/// Three clients: acme on a port with a lab port, bianchi on a VXLAN, rossi
/// on a VXLAN whose VNI the full netconf changes (a recreate). `initial` names rossi alone at
/// its first VNI; `full` all three, rossi at its second; `rossi_only` rossi
/// at its second. One state file for all three.
struct SweepSite {
    Testbed tb{"kill"};
    TempDir dir;
    fs::path state;
    Custode initial{tb, {}}, full{tb, {}}, rossi_only{tb, {}};

    SweepSite() {
        Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
        Site& bianchi = tb.site("bianchi", prefix("192.168.2.0/24"));
        Site& rossi = tb.site("rossi", prefix("192.168.3.0/24"));
        tb.connect_port(acme);
        tb.connect_vxlan(bianchi, 5101);
        tb.connect_vxlan(rossi, 5201);
        tb.connect_port(tb.site("lab", prefix("192.168.1.0/24")), "lab0");  // a lab bench for acme
        state = dir / "state.db";
        const NetconfOptions options{.state = state};
        full.netconf = tb.write_netconf(dir / "full", options);
        edit_file(full.netconf / "clients" / "rossi.toml", "5201", "5202");
        edit_file(full.netconf / "clients" / "acme.toml", "kind = \"port\"", "kind = \"port\"\nlab_ports = [\"lab0\"]");
        initial.netconf = tb.write_netconf(dir / "initial", options);
        fs::remove(initial.netconf / "clients" / "acme.toml");
        fs::remove(initial.netconf / "clients" / "bianchi.toml");
        rossi_only.netconf = tb.write_netconf(dir / "rossi-only", options);
        for (const auto* netconf : {&full.netconf, &initial.netconf, &rossi_only.netconf})
            fs::remove(*netconf / "clients" / "lab.toml");
        fs::remove(rossi_only.netconf / "clients" / "acme.toml");
        fs::remove(rossi_only.netconf / "clients" / "bianchi.toml");
        edit_file(rossi_only.netconf / "clients" / "rossi.toml", "5201", "5202");
    }

    /// `command` run with the switch that kills it after its n-th change.
    static Custode killing(const Custode& custode, int n) {
        return Custode{custode.tb, custode.netconf, {"env", "CUSTODE_TEST_KILL_AFTER=" + std::to_string(n)}};
    }
};

/// Sweeps `swept` (run by `as`) over every kill point: `reset` brings the
/// starting state back before each, `converge` is what the technician runs
/// after the kill, `expected` what the kernel must then hold; `plan` is then
/// in sync unless the netconf still names what was removed. Returns how many
/// kill points there were (the unkilled run's change count).
int sweep(SweepSite& site, const std::function<void()>& reset, const Custode& as, const std::vector<std::string>& swept,
          const std::string& expected, bool plan_in_sync = true) {
    constexpr int limit = 400;
    std::vector<int> marked_interrupted;  // the kill points whose run the next one marked interrupted
    for (int n = 1; n <= limit; ++n) {
        INFO("custode " << join_argv(swept) << " killed after change " << n);
        reset();
        const auto audit_before = audit_trail(site.state);
        const auto killed = SweepSite::killing(as, n)(swept);
        if (killed.exit_code != killed_exit) {
            // Finished before the n-th change: every kill point was tried.
            REQUIRE(killed.exit_code == 0);
            CHECK(kernel_state(site.tb) == expected);
            // The first change is the state file's write check, the second the
            // running records; the last is the final record: a kill after it
            // leaves nothing interrupted. Every kill in between does.
            const int points = n - 1;
            std::vector<int> between;
            for (int point = 2; point < points; ++point) between.push_back(point);
            CHECK(marked_interrupted == between);
            return points;
        }
        const auto converged = as(swept);
        REQUIRE(converged.exit_code == 0);
        if (plan_in_sync) CHECK(as({"plan"}).exit_code == 0);
        CHECK(kernel_state(site.tb) == expected);
        // The killed run, if it got as far as its audit record, is marked so
        // by the next; no record is left running.
        const auto audit = audit_trail(site.state);
        CHECK(count_of(audit, swept.front() + " acme running") + count_of(audit, swept.front() + " bianchi running") +
                  count_of(audit, swept.front() + " rossi running") ==
              0);
        std::size_t interrupted_before = 0, interrupted_after = 0;
        for (const auto& line : audit_before) interrupted_before += line.ends_with(" interrupted");
        for (const auto& line : audit) interrupted_after += line.ends_with(" interrupted");
        if (interrupted_after > interrupted_before) marked_interrupted.push_back(n);
    }
    FAIL("still killed after " << limit << " changes");
    return limit;
}

}  // namespace

TEST_CASE("kill sweep: apply of a port, a vxlan and a recreate, killed after every change, converges",
          "[links][kill]") {
    require_root();
    SweepSite site;
    const auto reset = [&] { REQUIRE(site.initial({"apply", "--prune"}).exit_code == 0); };
    reset();
    REQUIRE(site.full({"apply"}).exit_code == 0);
    const auto expected = kernel_state(site.tb);
    const int points = sweep(site, reset, site.full, {"apply"}, expected);
    WARN("apply: " << points << " kill points, each converged");
    CHECK(points > 20);
}

TEST_CASE("kill sweep: remove of a vxlan client and of a port client, killed after every change, converges",
          "[links][kill]") {
    require_root();
    SweepSite site;
    const auto reset = [&] { REQUIRE(site.full({"apply"}).exit_code == 0); };
    for (const std::string client : {"bianchi", "acme"}) {
        reset();
        REQUIRE(site.full({"remove", client}).exit_code == 0);
        const auto expected = kernel_state(site.tb);
        CHECK_FALSE(contains(expected, "custode:" + client));
        const int points = sweep(site, reset, site.full, {"remove", client}, expected, false);
        WARN("remove " << client << ": " << points << " kill points, each converged");
        CHECK(points > 3);
    }
}

TEST_CASE("kill sweep: apply --prune of two clients, killed after every change, converges", "[links][kill]") {
    require_root();
    SweepSite site;
    const auto reset = [&] { REQUIRE(site.full({"apply"}).exit_code == 0); };
    reset();
    REQUIRE(site.rossi_only({"apply", "--prune"}).exit_code == 0);
    const auto expected = kernel_state(site.tb);
    const int points = sweep(site, reset, site.rossi_only, {"apply", "--prune"}, expected);
    WARN("apply --prune: " << points << " kill points, each converged");
    CHECK(points > 5);
}

TEST_CASE("kill sweep: a disconnect killed after every change is finished by the next, checked and signed",
          "[disconnect][kill]") {
    require_root();
    Testbed tb("kill-disc");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    const auto hosts = tb.add_light_hosts(acme, 1, ip("192.168.1.10"));
    tb.connect_port(acme);
    TempDir dir;
    NetconfOptions options;
    options.lab_hosts = {{"labpc", hosts[0].ip, hosts[0].mac}};  // on the client LAN: the baseline probes it
    const Custode custode{tb, tb.write_netconf(dir / "netconf", options)};
    REQUIRE(custode({"keygen", "--out", (dir / "netconf" / "proof.key").string()}).exit_code == 0);
    const auto targets = (dir / "out" / "acme-targets.json").string();
    fs::create_directories(dir / "out");
    const auto state = dir / "netconf" / "state.db";
    const auto signed_records = [&] { return os::disconnections(os::StateStore::open(state), "acme").size(); };
    const auto disconnect = std::vector<std::string>{"disconnect", "acme", "--targets", targets};

    REQUIRE(custode({"apply"}).exit_code == 0);
    const auto provisioned = kernel_state(tb);
    REQUIRE(custode(disconnect).exit_code == 0);
    const auto expected = kernel_state(tb);
    REQUIRE(expected != provisioned);

    int points = 0, resumed = 0, done_before = 0;
    for (int n = 1; n <= 400; ++n) {
        INFO("custode disconnect killed after change " << n);
        REQUIRE(custode({"apply"}).exit_code == 0);
        tb.settle();
        REQUIRE(kernel_state(tb) == provisioned);
        const auto records_before = signed_records();
        const auto killed = SweepSite::killing(custode, n)(disconnect);
        if (killed.exit_code != killed_exit) {
            REQUIRE(killed.exit_code == 0);
            CHECK(signed_records() == records_before + 1);
            points = n - 1;
            break;
        }
        auto again = disconnect;
        again.push_back("--json");
        const auto rerun = custode(again);
        if (rerun.exit_code == 2) {
            // Killed after its last change, the signed record stored with the
            // final audit record: nothing is left to do, and it says so.
            CHECK(contains(rerun.output, "was disconnected at"));
            ++done_before;
        } else {
            REQUIRE(rerun.exit_code == 0);
            const auto out = json_of(rerun.output);
            CHECK(out.at("verdict") == "disconnected");
            CHECK(out.at("record").at("signed") == true);
            if (out.at("resumed") == true) {
                ++resumed;
                CHECK(out.at("baseline").empty());  // never a baseline it did not take
            }
            CHECK(custode({"verify", out.at("record").at("file").get<std::string>()}).exit_code == 0);
        }
        CHECK(signed_records() == records_before + 1);  // one signed record per disconnect, never two
        CHECK(kernel_state(tb) == expected);
        for (const auto& line : audit_trail(state)) CHECK_FALSE(line.ends_with(" running"));
    }
    WARN("disconnect: " << points << " kill points, each finished by the next disconnect (" << resumed
                        << " resumed after the namespace was gone, " << done_before << " already complete)");
    CHECK(points > 10);
    CHECK(resumed > 0);
    CHECK(done_before == 1);
}
