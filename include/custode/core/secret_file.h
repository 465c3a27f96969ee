#pragma once
/// The rule for files that hold a secret (the SSH identity that opens every
/// PC, the key that signs disconnection records): only their owner may read
/// them, and their owner is the user custode runs as (root on the gateway).

#include <optional>
#include <string>
#include <string_view>

namespace custode {

/// What stat() says of a secret file.
struct SecretFileFacts {
    unsigned mode = 0;   ///< permission bits (07777)
    unsigned owner = 0;  ///< st_uid
};

struct SecretFileRefusal {
    std::string problem;  ///< names the file
    std::string fix;      ///< the command that mends it
};

/// Why `what` at `path` must not be used; none when it may. `user`: the uid
/// custode runs as.
std::optional<SecretFileRefusal> secret_file_refusal(std::string_view what, std::string_view path, SecretFileFacts file,
                                                     unsigned user);

}  // namespace custode
