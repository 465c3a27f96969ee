#include <catch2/catch.hpp>

#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "custode/core/oui.h"

using namespace custode;

namespace {

/// The real file's layout: a header, then per registration a `(hex)` line, a
/// `(base 16)` line, the address lines and a blank line; CRLF line ends.
constexpr std::string_view kSample =
    "OUI/MA-L                                                    Organization                                 \r\n"
    "company_id                                                  Organization                                 \r\n"
    "                                                            Address                                      \r\n"
    "\r\n"
    "F4-BD-9E   (hex)\t\tCisco Systems, Inc\r\n"
    "F4BD9E     (base 16)\t\tCisco Systems, Inc\r\n"
    "\t\t\t\t80 West Tasman Drive\r\n"
    "\t\t\t\tSan Jose  CA  94568\r\n"
    "\t\t\t\tUS\r\n"
    "\r\n"
    "00-00-0C   (hex)\t\tCisco Systems, Inc\r\n"
    "00000C     (base 16)\t\tCisco Systems, Inc\r\n"
    "\r\n"
    "52-54-00   (hex)\t\tRealtek (UpTech? also used by QEMU/KVM)\r\n"
    "00-01-C8   (hex)\t\tTHOMAS CONRAD CORP.\r\n"
    "00-01-C8   (hex)\t\tCONRAD CORP.\r\n"
    "0G-00-00   (hex)\t\tNot hex\r\n"
    "00-00-0D   (hex)\t\t   \r\n"
    "00:00:0E   (hex)\t\tWrong separator\r\n"
    "00-00-0F   (hex)";

std::optional<std::string> read_file(const char* path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("OUI table reads the (hex) lines of the IEEE text", "[oui]") {
    const auto table = OuiTable::parse(kSample);
    CHECK(table.size() == 4);
    CHECK(table.vendor(*MacAddress::parse("f4:bd:9e:01:02:03")) == "Cisco Systems, Inc");
    CHECK(table.vendor(*MacAddress::parse("00:00:0c:ff:ff:ff")) == "Cisco Systems, Inc");
    CHECK(table.vendor(0x525400) == "Realtek (UpTech? also used by QEMU/KVM)");
}

TEST_CASE("OUI table: the first of two entries wins, odd lines are skipped", "[oui]") {
    const auto table = OuiTable::parse(kSample);
    CHECK(table.vendor(0x0001c8) == "THOMAS CONRAD CORP.");
    CHECK_FALSE(table.vendor(0x0000'0d));  // an empty name
    CHECK_FALSE(table.vendor(0x00000e));
    CHECK_FALSE(table.vendor(0x00000f));
    CHECK_FALSE(table.vendor(0x123456));
}

TEST_CASE("OUI table of empty or foreign text is empty", "[oui]") {
    CHECK(OuiTable::parse("").empty());
    CHECK(OuiTable::parse("\n\n\r\n").empty());
    CHECK(OuiTable::parse("00-00-0C").empty());
    CHECK(OuiTable::parse("Registry,Assignment,Organization Name\nMA-L,00000C,Cisco\n").empty());
    CHECK(OuiTable::parse("00-00-0C   (hex)\tLF only").vendor(0x00000c) == "LF only");
}

TEST_CASE("OUI table loads Debian's ieee-data file fast", "[oui]") {
    const auto text = read_file("/usr/share/ieee-data/oui.txt");
    if (!text) FAIL("/usr/share/ieee-data/oui.txt not found: apt-get install ieee-data (./dev.sh deps installs it)");
    const auto start = std::chrono::steady_clock::now();
    const auto table = OuiTable::parse(*text);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    WARN(fmt::format("oui.txt: {} bytes, {} vendors, parsed in {:.2f} ms", text->size(), table.size(),
                     std::chrono::duration<double, std::milli>(elapsed).count()));
    CHECK(table.size() > 30000);
    CHECK(table.vendor(0x00000c) == "Cisco Systems, Inc");
}
