#include "custode/os/gateway_facts.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/os/netns.h"
#include "custode/os/sqlite.h"

namespace custode::os {
namespace gateway_facts {

std::optional<std::string> read_if_there(const std::filesystem::path& path) {
    std::ifstream file(path);
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

bool path_exists(const std::filesystem::path& path) {
    std::error_code error;
    return std::filesystem::exists(path, error);
}

/// "net.ipv4.conf.eth1.101.arp_ignore" → /proc/sys/net/ipv4/conf/eth1.101/arp_ignore.
std::string sysctl_path(const std::string& name) {
    constexpr std::string_view conf = "net.ipv4.conf.";
    if (name.starts_with(conf)) {
        const auto last = name.rfind('.');
        return "/proc/sys/net/ipv4/conf/" + name.substr(conf.size(), last - conf.size()) + "/" +
               name.substr(last + 1);
    }
    std::string path = "/proc/sys/" + name;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    return path;
}

/// Whether the file at `path`, or else the nearest directory above it that
/// exists, can be written (access(2) also reports a read-only mount).
bool writable(std::filesystem::path path) {
    while (!path.empty() && !path_exists(path)) {
        const auto parent = path.parent_path();
        if (parent == path) break;
        path = parent;
    }
    if (path.empty()) path = ".";
    return ::access(path.c_str(), W_OK) == 0;
}

}  // namespace gateway_facts

ModuleSources read_module_sources(const std::vector<std::string>& modules) {
    using gateway_facts::read_if_there;
    ModuleSources sources;
    sources.proc_modules = read_if_there("/proc/modules");
    utsname uts{};
    if (::uname(&uts) == 0) {
        const std::filesystem::path dir = std::filesystem::path("/lib/modules") / uts.release;
        sources.builtin = read_if_there(dir / "modules.builtin");
        sources.dep = read_if_there(dir / "modules.dep");
    }
    for (const auto& module : modules) {
        auto key = module;
        std::replace(key.begin(), key.end(), '-', '_');
        if (gateway_facts::path_exists(std::filesystem::path("/sys/module") / key)) sources.present.insert(key);
    }
    // 8021q makes /proc/net/vlan when it starts, and has no entry in /sys/module.
    sources.traceable.insert("8021q");
    if (gateway_facts::path_exists("/proc/net/vlan")) sources.present.insert("8021q");
    return sources;
}

FileFacts file_facts(const std::filesystem::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return {};
        throw SystemError("lstat " + path.string(), errno, "");
    }
    return {true, S_ISREG(st.st_mode), static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid)};
}

StateFacts state_facts(const std::filesystem::path& path) {
    StateFacts facts;
    facts.path = path.string();
    facts.exists = gateway_facts::path_exists(path);
    facts.writable = gateway_facts::writable(path);
    if (!facts.exists) return facts;
    try {
        const auto db = Database::open_read_only(path);
        auto statement = db.prepare("PRAGMA user_version");
        if (statement.step()) facts.schema_version = static_cast<int>(statement.column_int64(0));
    } catch (const SystemError& error) {
        facts.error = error.what();
    }
    return facts;
}

bool systemd_running() { return gateway_facts::path_exists("/run/systemd/system"); }

TimerFacts maintenance_timer_facts() {
    constexpr std::string_view unit = "custode-maintain.timer";
    TimerFacts facts;
    for (const std::filesystem::path dir : {"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"})
        if (gateway_facts::path_exists(dir / unit)) facts.installed = true;
    facts.enabled = gateway_facts::path_exists(std::filesystem::path("/etc/systemd/system/timers.target.wants") / unit);
    return facts;
}

std::optional<bool> clock_synchronised() {
    timex tx{};  // modes 0: read only
    const int state = ::adjtimex(&tx);
    if (state < 0) return std::nullopt;
    return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

std::map<std::string, int> read_int_sysctls(const std::vector<std::string>& names) {
    std::map<std::string, int> values;
    for (const auto& name : names) {
        std::string text;
        try {
            text = read_sysctl(gateway_facts::sysctl_path(name));
        } catch (const SystemError&) {
            continue;  // absent: an interface that is not there, br_netfilter not loaded
        }
        int value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc()) values[name] = value;
    }
    return values;
}

}  // namespace custode::os
