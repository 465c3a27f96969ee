#pragma once
/// The error types. Expected outcomes (no reply, timeout, refused) are data,
/// never exceptions; these are for failures that abort an operation.

#include <stdexcept>
#include <string>

namespace custode {

/// The user asked for something impossible (bad flag, bad file): exit 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The system refused (privilege, kernel, missing program, corrupt state): exit 3.
/// Carries the failing call, errno (0 if none) and the system's own words.
class SystemError : public std::runtime_error {
public:
    SystemError(std::string call, int error_number, std::string detail);

    const std::string& call() const { return call_; }
    int error_number() const { return errno_; }
    /// The words that came with the error (a netlink extended ACK); "" when none.
    const std::string& detail() const { return detail_; }

private:
    std::string call_;
    int errno_;
    std::string detail_;
};

}  // namespace custode
