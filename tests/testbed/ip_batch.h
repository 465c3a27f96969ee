#pragma once
/// iproute2 commands collected and run by one `ip -batch -` process: building
/// 250 hosts costs one fork, not 750.

#include <string>
#include <vector>

namespace custode::testbed {

class IpBatch {
public:
    /// Commands for namespace `ns`; an empty name means the caller's own
    /// namespace (used only for `netns add`, never for links).
    explicit IpBatch(std::string ns = {}) : ns_(std::move(ns)) {}

    /// One command without the leading `ip`, e.g. "link set br0 up".
    IpBatch& add(std::string line);
    std::size_t size() const { return lines_.size(); }

    /// Runs the batch; stops at the first failing line and throws SystemError
    /// naming it, with iproute2's message. An empty batch does nothing.
    void run() const;

private:
    std::string ns_;
    std::vector<std::string> lines_;
};

}  // namespace custode::testbed
