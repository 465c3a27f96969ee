/// known_hosts lines (core/known_hosts.h): the file is text anyone with
/// access could have edited; a line that is not `hosts type key` names no
/// host and records no key. Nothing throws.

#include "custode/core/known_hosts.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

namespace known_hosts_fuzz {

bool has_space(std::string_view word) { return word.find_first_of(" \t\n\v\f\r") != std::string_view::npos; }

}  // namespace known_hosts_fuzz

void known_hosts(Bytes bytes) {
    auto text = as_text(bytes);
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        for (const std::string_view token : {"192.168.1.21", "[192.168.1.21]:2222", ""}) {
            const bool named = known_hosts_line_names(line, token);
            const auto entry = known_hosts_entry(line, token);
            expect(!entry || named, "a key is only read from a line naming the host");
            if (entry)
                expect(!entry->type.empty() && !entry->base64.empty() && !known_hosts_fuzz::has_space(entry->type) &&
                           !known_hosts_fuzz::has_space(entry->base64),
                       "a key's type and blob are single words");
            if (named) expect(line.find(token) != std::string_view::npos, "a line names a host it holds");
        }
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(known_hosts)
