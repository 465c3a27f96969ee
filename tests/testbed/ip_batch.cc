#include "testbed/ip_batch.h"

#include "custode/core/error.h"
#include "support/process.h"

namespace custode::testbed {
using namespace custode::testing;

IpBatch& IpBatch::add(std::string line) {
    lines_.push_back(std::move(line));
    return *this;
}

void IpBatch::run() const {
    if (lines_.empty()) return;
    std::vector<std::string> argv{"ip"};
    if (!ns_.empty()) argv.insert(argv.end(), {"-n", ns_});
    argv.insert(argv.end(), {"-batch", "-"});
    std::string input;
    for (const auto& line : lines_) input += line + '\n';
    const CommandResult result = run_program(argv, input);
    if (!result.ok()) {
        /// iproute2 says "Command failed -:N": show line N too.
        std::string detail = result.output;
        if (const auto at = detail.find("-:"); at != std::string::npos) {
            const auto number = std::strtoul(detail.c_str() + at + 2, nullptr, 10);
            if (number >= 1 && number <= lines_.size()) detail += "  (line: " + lines_[number - 1] + ")";
        }
        throw SystemError(join_argv(argv), 0, detail);
    }
}

}  // namespace custode::testbed
