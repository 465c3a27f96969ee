/// `custode keygen [--out FILE] [--force]`: create the key pair that signs
/// isolation reports, in minisign's formats (docs/signing.md).

#include <fmt/format.h>
#include <iostream>

#include "custode/app/signing.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace keygen_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("out", po::value<std::string>()->value_name("FILE"),
         "secret key file (default: proof.key in the netconf directory); the public key goes to FILE.pub")
        ("force", po::bool_switch(), "replace an existing key pair (signatures it made then need the old .pub)");
}

std::filesystem::path secret_path(const GlobalOptions& global, const po::variables_map& values) {
    if (values.count("out")) return values["out"].as<std::string>();
    return app::default_key_path(global.netconf_dir);
}

void print_text(const app::KeyPair& keys) {
    std::cout << fmt::format("secret key: {} (mode 0600, unencrypted: keep it on this machine)\n", keys.secret.string())
              << fmt::format("public key: {}\n", keys.pub.string())
              << fmt::format("key id:     {}\n", keys.key_id)
              << fmt::format("check a report with: custode verify REPORT --pubkey {0}\n"
                             "                  or: minisign -V -p {0} -m REPORT\n",
                             keys.pub.string());
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const bool force = values["force"].as<bool>();
    const auto keys = [&] {
        try {
            return app::create_key_pair(secret_path(global, values), force ? app::Overwrite::replace
                                                                             : app::Overwrite::refuse);
        } catch (const UsageError& error) {
            if (force) throw;
            throw UsageError(fmt::format("{}; --force replaces the key pair", error.what()));
        }
    }();
    if (global.json) {
        print_json("keygen", true,
                   {{"secret_key", keys.secret.string()},
                    {"public_key", keys.pub.string()},
                    {"key_id", keys.key_id},
                    {"public_key_base64", keys.public_base64}});
    } else {
        print_text(keys);
    }
    return to_int(ExitCode::ok);
}

}  // namespace keygen_cmd

Command keygen_command() {
    return {"keygen", "[--out FILE] [--force]", "create the signing key pair (FILE secret, FILE.pub public; minisign formats)",
            keygen_cmd::declare, keygen_cmd::run};
}

}  // namespace custode::cli
