/// The isolation check's targets file (JSON written by `custode disconnect`,
/// carried to the client's side) and the `--target IP[@MAC]` argument. Both
/// refuse bad input with a UsageError (core/isolation.h).

#include <algorithm>

#include "custode/core/error.h"
#include "custode/core/isolation.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

void targets_file(Bytes bytes) {
    const auto text = as_text(bytes);
    try {
        const auto file = parse_targets_file(text, "targets.json");
        expect(!file.targets.empty(), "a targets file holds at least one target");
        if (file.control)
            expect(std::none_of(file.targets.begin(), file.targets.end(),
                                [&](const IsolationTarget& target) { return target.ip == *file.control; }),
                   "the control is not a lab target");
    } catch (const UsageError&) {
    }
    try {
        parse_target_argument(text);
    } catch (const UsageError&) {
    }
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(targets_file)
