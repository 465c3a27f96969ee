#pragma once
/// The keys the netconf parser reads, so that a test can hold
/// docs/netconf.md (and custode-netconf(5), made from it) to them.

#include <set>
#include <string>
#include <string_view>

namespace custode {

/// While one lives, every netconf table parsed on this thread adds the keys
/// it looked up, present or not, qualified by the table ("link.vlan",
/// "host.maintenance.scan_paths"). Logs nest: the innermost one records.
class NetconfKeyLog {
public:
    NetconfKeyLog();
    ~NetconfKeyLog();
    NetconfKeyLog(const NetconfKeyLog&) = delete;
    NetconfKeyLog& operator=(const NetconfKeyLog&) = delete;

    const std::set<std::string>& keys() const { return keys_; }

    /// The log recording on this thread, or nullptr.
    static NetconfKeyLog* active();
    void record(std::string qualified_key) { keys_.insert(std::move(qualified_key)); }

private:
    std::set<std::string> keys_;
    NetconfKeyLog* outer_;
};

}  // namespace custode
