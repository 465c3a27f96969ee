/// `custode keygen [--out FILE] [--force]`: create the key pair that signs
/// isolation reports, in minisign's formats (docs/signing.md).

#include <fmt/format.h>
#include <iostream>

#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"
#include "custode/os/signing.h"

namespace custode::cli {
namespace {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("out", po::value<std::string>()->value_name("FILE"),
         "secret key file (default: proof.key in the netconf directory); the public key goes to FILE.pub")
        ("force", po::bool_switch(), "replace an existing key pair (signatures it made then need the old .pub)");
}

std::filesystem::path secret_path(const GlobalOptions& global, const po::variables_map& values) {
    if (values.count("out")) return values["out"].as<std::string>();
    return os::default_secret_key_path(global.netconf_dir);
}

void print_text(const std::filesystem::path& secret, const os::PublicKey& key) {
    const auto pub = os::public_key_path(secret);
    std::cout << fmt::format("secret key: {} (mode 0600, unencrypted: keep it on this machine)\n", secret.string())
              << fmt::format("public key: {}\n", pub.string())
              << fmt::format("key id:     {}\n", os::key_id_hex(key.id))
              << fmt::format("check a report with: custode verify REPORT --pubkey {0}\n"
                             "                  or: minisign -V -p {0} -m REPORT\n",
                             pub.string());
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto secret = secret_path(global, values);
    const auto overwrite = values["force"].as<bool>() ? os::Overwrite::replace : os::Overwrite::refuse;
    const auto key = os::SecretKey::generate();
    os::save_key_pair(key, secret, overwrite);
    const auto pub = key.public_key();
    if (global.json) {
        print_json("keygen", true,
                   {{"secret_key", secret.string()},
                    {"public_key", os::public_key_path(secret).string()},
                    {"key_id", os::key_id_hex(pub.id)},
                    {"public_key_base64", pub.base64()}});
    } else {
        print_text(secret, pub);
    }
    return to_int(ExitCode::ok);
}

}  // namespace

Command keygen_command() {
    return {"keygen", "[--out FILE] [--force]", "create the signing key pair (FILE secret, FILE.pub public; minisign formats)",
            declare, run};
}

}  // namespace custode::cli
