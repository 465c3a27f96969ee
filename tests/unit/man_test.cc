/// The man pages: custode(8) holds every command and option of the command
/// table, custode-netconf(5) and docs/netconf.md every key the parser reads,
/// both pages render without a warning, and the Markdown converter refuses
/// what it cannot render.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "custode/cli/command.h"
#include "custode/core/exit_code.h"
#include "custode/core/netconf.h"
#include "custode/core/netconf_keys.h"
#include "pages.h"
#include "roff.h"
#include "support/process.h"
#include "support/programs.h"

namespace man_test {

namespace fs = std::filesystem;
using custode::man::Dashes;
using custode::man::escape;
using custode::man::markdown_to_man;
using custode::man::MarkdownError;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path man_dir() { return CUSTODE_MAN_DIR; }
std::string custode_8() { return read(man_dir() / "custode.8"); }
std::string netconf_5() { return read(man_dir() / "custode-netconf.5"); }
std::string netconf_md() { return read(fs::path(CUSTODE_SOURCE_DIR) / "docs" / "netconf.md"); }

/// What custode.8 says for option --NAME: its `.TP` tag.
std::string option_in_page(const std::string& name) { return "\\fB" + escape("--" + name, Dashes::minus) + "\\fR"; }

/// The text of one `.SS "custode NAME"` subsection, up to the next heading.
std::string command_section(const std::string& page, std::string_view name) {
    const std::string heading = ".SS \"custode " + escape(name, Dashes::minus);
    auto start = page.find(heading + "\"");
    if (start == std::string::npos) start = page.find(heading + " ");
    if (start == std::string::npos) return "";
    const auto end = page.find("\n.S", start + heading.size());
    return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

/// A netconf in which the parser looks up every key it knows: every table
/// present, and `kind` left out so all three kinds' keys are read.
custode::NetconfSources every_table() {
    custode::NetconfSources sources;
    sources.site = custode::SourceFile{"site.toml", R"([site]
name = "lab"
[ssh]
[[lab.host]]
name = "nas"
ip = "10.10.0.5"
[notify]
mail_to = ["tech"]
)"};
    sources.clients.push_back({"clients/acme.toml", R"([link]
[lan]
[maintenance]
[maintenance.timeouts]
[maintenance.commands]
[backup]
repository = "/srv/custode-backups/acme"
password_file = "/etc/custode/acme.restic"
[[host]]
name = "pc"
mac = "00:11:22:33:44:55"
os = "linux"
[host.maintenance]
[host.maintenance.timeouts]
[host.maintenance.commands]
)"});
    return sources;
}

/// The `##`/`###` section of netconf.md documenting a qualified key's table.
std::string doc_section_of(const std::string& key) {
    const auto starts = [&](std::string_view prefix) { return key.starts_with(prefix); };
    if (starts("site.")) return "### `[site]`";
    if (starts("ssh.")) return "### `[ssh]`";
    if (starts("lab.host.")) return "### `[[lab.host]]`";
    if (starts("lab.")) return "### `[[lab.host]]`";
    if (starts("notify.")) return "### `[notify]`";
    if (starts("link.")) return "### `[link]`";
    if (starts("lan.")) return "### `[lan]`";
    // [host.maintenance] holds the same task settings, documented once in [maintenance].
    if (starts("maintenance.") || starts("host.maintenance.")) return "### `[maintenance]`";
    if (starts("host.")) return "### `[[host]]`";
    if (starts("backup.")) return "### `[backup]`";
    return "### top level";
}

/// The text from the heading line starting with `heading` to the next heading of any level.
std::string doc_text_under(const std::string& doc, const std::string& heading) {
    auto start = doc.find("\n" + heading + " ");
    if (start == std::string::npos) start = doc.find("\n" + heading + "\n");
    if (start == std::string::npos) return "";
    const auto line_end = doc.find('\n', start + 1);
    const auto end = doc.find("\n#", line_end);
    return doc.substr(line_end, end == std::string::npos ? std::string::npos : end - line_end);
}

}  // namespace man_test

using namespace man_test;

TEST_CASE("man: custode(8) has every command of the command table with its usage and summary", "[man]") {
    const auto page = custode_8();
    const auto& table = custode::cli::command_table();
    REQUIRE(table.size() >= 18);
    for (const auto& command : table) {
        INFO("command " << command.name);
        const auto section = command_section(page, command.name);
        REQUIRE_FALSE(section.empty());
        // The summary as a sentence: its first letter a capital.
        CHECK_THAT(section, Catch::Contains(escape(std::string(command.summary).substr(1, 20), Dashes::hyphen)));
        CHECK_THAT(section, Catch::Contains(escape(command.usage, Dashes::minus)));
    }
}

TEST_CASE("man: custode(8) has every option of every command and the global ones", "[man]") {
    const auto page = custode_8();
    std::size_t checked = 0;
    for (const auto& command : custode::cli::command_table()) {
        custode::cli::CommandOptions options;
        if (command.declare) command.declare(options);
        const auto section = command_section(page, command.name);
        for (const auto& option : options.named.options()) {
            INFO("custode " << command.name << " --" << option->long_name());
            CHECK_THAT(section, Catch::Contains(option_in_page(option->long_name())));
            ++checked;
        }
    }
    CHECK(checked >= 40);
    const auto global = page.substr(page.find(".SH \"GLOBAL OPTIONS\""));
    const auto options = custode::cli::global_options_description().options();
    REQUIRE(options.size() == 6);
    for (const auto& option : options) {
        INFO("global --" << option->long_name());
        CHECK_THAT(global, Catch::Contains(option_in_page(option->long_name())));
    }
    CHECK_THAT(global, Catch::Contains("\\fB\\-v\\fR, \\fB\\-\\-verbose\\fR"));
}

TEST_CASE("man: custode(8) shows an option's value name and default", "[man]") {
    const auto wake = command_section(custode_8(), "wake");
    CHECK_THAT(wake, Catch::Contains(".TP\n\\fB\\-\\-wait\\fR \\fISECONDS\\fR\nHow long to wait for each PC. Default: 120.\n"));
    CHECK_THAT(wake, Catch::Contains(".TP\n[\\fB\\-\\-client\\fR] \\fICLIENT\\fR\nThe client.\n"));
    CHECK_THAT(wake, Catch::Contains("[\\fB\\-\\-host\\fR] \\fIHOST\\fR..."));
}

TEST_CASE("man: custode(8) gives every exit code with its meaning", "[man]") {
    const auto page = custode_8();
    const auto status = page.substr(page.find(".SH \"EXIT STATUS\""));
    for (const auto& [code, meaning] : custode::exit_code_meanings) {
        INFO("exit code " << custode::to_int(code));
        CHECK_THAT(status, Catch::Contains(".B " + std::to_string(custode::to_int(code)) + "\n"));
        CHECK_THAT(status, Catch::Contains(escape(meaning.substr(1, 12), Dashes::hyphen)));
    }
}

TEST_CASE("man: every key the netconf parser reads is in docs/netconf.md and custode-netconf(5)", "[man]") {
    custode::NetconfKeyLog log;
    custode::load_netconf(every_table());
    const auto doc = netconf_md();
    const auto page = netconf_5();
    // site.toml: 4 tables, site 3, ssh 3, lab 1, lab.host 3, notify 3; a client: 5 at the top,
    // link 12, lan 3, maintenance 15, 6 timeouts and 8 commands, backup 8, host 5, host.maintenance 11,
    // 6 timeouts and 8 commands.
    REQUIRE(log.keys().size() == 105);
    const auto is_table = [&](const std::string& key) {
        const auto below = log.keys().upper_bound(key);
        return below != log.keys().end() && below->starts_with(key + ".");
    };
    for (const auto& key : log.keys()) {
        if (is_table(key)) {
            INFO("netconf table " << key);
            CHECK((doc.find("`[" + key + "]`") != std::string::npos ||
                   doc.find("`[[" + key + "]]`") != std::string::npos));
            CHECK_THAT(page, Catch::Contains("[" + escape(key, Dashes::minus) + "]"));
            continue;
        }
        const auto name = key.substr(key.rfind('.') + 1);
        INFO("netconf key " << key << ", documented under " << doc_section_of(key));
        const auto text = doc_text_under(doc, doc_section_of(key));
        REQUIRE_FALSE(text.empty());
        // A key is a row of its table's; a command's or a timeout's name, in backticks in its table's row.
        const bool row = text.find("\n| `" + name + "` |") != std::string::npos;
        const bool named_in_table_row = key.find(".commands.") != std::string::npos || key.find(".timeouts.") != std::string::npos;
        CHECK((row || (named_in_table_row && text.find("`" + name + "`") != std::string::npos)));
        CHECK_THAT(page, Catch::Contains("\\fB\\%" + escape(name, Dashes::minus)));
    }
}

TEST_CASE("man: --help prose keeps a character of several UTF-8 bytes whole and marks an option's dash", "[man]") {
    // Escaped a byte at a time, the × was cut in two and refused as invalid UTF-8.
    CHECK(custode::man::escape_prose("3 \u00d7 4 links, see -x and --all, well-known") ==
          "3 \\[u00D7] 4 links, see \\-x and \\-\\-all, well-known");
    CHECK(custode::man::escape_prose("-n (-q)") == "\\-n (\\-q)");
}

TEST_CASE("man: the converter renders each construct of the subset", "[man]") {
    const auto page = markdown_to_man(R"(# tool: does things

Intro with `--flag`, **bold** and a [link](https://example.org/a-b).
Second line; .dot starts no request.

## FILES

| file | what |
|---|---|
| `/etc/x` | the x ≠ y |

### More

* one
  two
* three

```
.code -x \n
```
)",
                                      "test.md");
    CHECK(page.summary == "does things");
    REQUIRE(page.sections.size() == 2);
    CHECK(page.sections[0].heading == "DESCRIPTION");
    CHECK(page.sections[0].body ==
          "Intro with \\fB\\%\\-\\-flag\\fR, \\fBbold\\fR and a link (\\%https://example.org/a-b).\n"
          "Second line; .dot starts no request.\n");
    CHECK(page.sections[1].heading == "FILES");
    CHECK(page.sections[1].body ==
          ".TP\n\\fB\\%/etc/x\\fR\nthe x \\[u2260] y\n"
          ".SS \"More\"\n"
          ".IP \\(bu 2\none\ntwo\n.IP \\(bu 2\nthree\n"
          ".PP\n.RS 4\n.EX\n\\&.code \\-x \\en\n.EE\n.RE\n");
}

TEST_CASE("man: a table of more than two columns names each cell by its column", "[man]") {
    const auto page = markdown_to_man("# t: s\n\n| key | type | meaning |\n|---|---|---|\n| `a` | string | the a |\n"
                                      "| `b` | | the b |\n",
                                      "t.md");
    CHECK(page.sections.at(0).body == ".TP\n\\fB\\%a\\fR\n\\fItype\\fR: string\n.br\n\\fImeaning\\fR: the a\n"
                                      ".TP\n\\fB\\%b\\fR\n\\fImeaning\\fR: the b\n");
}

TEST_CASE("man: the converter refuses Markdown outside its subset, naming file and line", "[man]") {
    const std::map<std::string, std::string> refused{
        {"# t: s\n\n<b>html</b>\n", "t.md:3: raw HTML"},
        {"# t: s\n\nan *emphasis*\n", "t.md:3: emphasis with one *"},
        {"# t: s\n\n#### deep\n", "t.md:3: only '# NAME: summary' once"},
        {"# t: s\n\n```\ncode\n", "t.md:3: unclosed ```"},
        {"# t: s\n\n> quoted\n", "t.md:3: block quotes"},
        {"# t: s\n\n| a | b |\n|---|---|\n| 1 |\n", "t.md:5: 1 cells where the header has 2"},
        {"# t: s\n\n| a | b |\n| 1 | 2 |\n", "t.md:3: a table has a header"},
        {"# t: s\n\n* one\n  * nested\n", "t.md:4: nested lists"},
        {"# t: s\n\ntext `open\n\nmore\n", "t.md:3: unclosed `"},
        {"# t: s\n\na &nbsp; b\n", "t.md:3: only the entities"},
        {"no title\n", "t.md:1: the page starts with '# NAME: summary'"},
        {"# t: s\n\n    indented\n", "t.md:3: indented code"},
    };
    for (const auto& [markdown, message] : refused) {
        INFO(markdown);
        CHECK_THROWS_WITH(markdown_to_man(markdown, "t.md"), Catch::StartsWith(message));
    }
}

TEST_CASE("man: custode(8) refuses a hand-written section the generator writes", "[man]") {
    const auto hand_written = markdown_to_man("# custode: s\n\nabout\n\n## EXIT STATUS\n\n0 ok\n", "custode.8.md");
    CHECK_THROWS_WITH(custode::man::custode_page(hand_written, "2026-01-01"),
                      Catch::Contains("EXIT STATUS is generated"));
}

TEST_CASE("man: both pages render with groff -ww, mandoc -T lint and man -l without a warning", "[man]") {
    custode::testing::require_programs({"groff", "mandoc", "man"});
    for (const auto* name : {"custode.8", "custode-netconf.5"}) {
        const auto page = (man_dir() / name).string();
        INFO(page);
        const auto groff = custode::testing::run_program({"groff", "-ww", "-z", "-man", page});
        CHECK(groff.output == "");
        CHECK(groff.exit_code == 0);
        const auto mandoc = custode::testing::run_program({"mandoc", "-T", "lint", "-W", "style", page});
        CHECK(mandoc.output == "");
        CHECK(mandoc.exit_code == 0);
        // man as a reader runs it: preconv, then groff with every warning; only stderr is kept.
        const auto man = custode::testing::run_shell("MANWIDTH=80 man --warnings=w -l '" + page + "' 2>&1 >/dev/null");
        CHECK(man.output == "");
        CHECK(man.exit_code == 0);
    }
}
