#include "custode/core/secret_file.h"

#include <fmt/format.h>

namespace custode {

std::optional<SecretFileRefusal> secret_file_refusal(std::string_view what, std::string_view path, SecretFileFacts file,
                                                     unsigned user) {
    if ((file.mode & 077U) != 0)
        return SecretFileRefusal{
            fmt::format("{} {} has mode {:04o}: others on this machine can read or change it", what, path, file.mode),
            fmt::format("chmod 600 {}", path)};
    if (file.owner != user)
        return SecretFileRefusal{
            fmt::format("{} {} belongs to uid {}, not to uid {} that runs custode", what, path, file.owner, user),
            fmt::format("chown {} {}", user, path)};
    return std::nullopt;
}

}  // namespace custode
