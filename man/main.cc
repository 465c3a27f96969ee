/// custode-man: writes custode.8 and custode-netconf.5 (run by the build).
/// Usage: custode-man CUSTODE_8_MD NETCONF_MD DATE OUT_DIR

#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "pages.h"

namespace {

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Written beside, then renamed: a failed run leaves no half page behind.
void write(const std::filesystem::path& path, const std::string& text) {
    const auto partial = std::filesystem::path(path.string() + ".partial");
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw std::runtime_error(partial.string() + ": cannot write");
    }
    std::filesystem::rename(partial, path);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace custode::man;
    if (argc != 5) {
        std::cerr << "usage: custode-man CUSTODE_8_MD NETCONF_MD DATE OUT_DIR\n";
        return 2;
    }
    try {
        const std::string custode_md = read(argv[1]);
        const std::string netconf_md = read(argv[2]);
        const std::string custode_8 = custode_page(markdown_to_man(custode_md, argv[1]), argv[3]);
        const std::string netconf_5 = netconf_page(markdown_to_man(netconf_md, argv[2]), argv[3]);
        const std::filesystem::path out = argv[4];
        std::filesystem::create_directories(out);
        write(out / "custode.8", custode_8);
        write(out / "custode-netconf.5", netconf_5);
    } catch (const std::exception& error) {
        std::cerr << "custode-man: " << error.what() << '\n';
        return 2;
    }
    return 0;
}
