/// The fuzz corpora replayed without libFuzzer: every input kept in
/// tests/fixtures/fuzz/<target>/ (seeds, and each input that once made a
/// finding) goes through its target as the fuzzer gives it, so a defect
/// found by fuzzing stays fixed on any compiler. A target returns when its
/// parsers accept the input or refuse it as documented (tests/fuzz/fuzz_target.h).

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace fuzz_corpus {

namespace fs = std::filesystem;

struct Target {
    std::string_view name;  ///< tests/fuzz/<name>.cc, tests/fixtures/fuzz/<name>/
    void (*run)(custode::fuzz::Bytes);
};

const std::array<Target, 7> targets{{
    {"frames", custode::fuzz::frames},
    {"netconf", custode::fuzz::netconf},
    {"targets_file", custode::fuzz::targets_file},
    {"known_hosts", custode::fuzz::known_hosts},
    {"tasks", custode::fuzz::tasks},
    {"signing", custode::fuzz::signing},
    {"restic", custode::fuzz::restic},
}};

const fs::path corpora = fs::path(CUSTODE_FIXTURES) / "fuzz";

std::vector<fs::path> inputs_of(std::string_view target) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(corpora / target))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::uint8_t> bytes_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace fuzz_corpus

using namespace fuzz_corpus;

TEST_CASE("fuzz corpus: every fuzz target has a seed corpus and every corpus a target") {
    std::set<std::string> sources, directories, listed;
    for (const auto& entry : fs::directory_iterator(fs::path(CUSTODE_SOURCE_DIR) / "tests" / "fuzz"))
        if (entry.path().extension() == ".cc") sources.insert(entry.path().stem().string());
    for (const auto& entry : fs::directory_iterator(corpora))
        if (entry.is_directory()) directories.insert(entry.path().filename().string());
    for (const auto& target : targets) listed.insert(std::string(target.name));
    CHECK(sources == listed);
    CHECK(directories == listed);
    for (const auto& target : targets) {
        INFO(target.name);
        CHECK(inputs_of(target.name).size() >= 3);
    }
}

TEST_CASE("fuzz corpus: every kept input is parsed or refused as documented and crashes nothing") {
    std::size_t replayed = 0;
    for (const auto& target : targets) {
        for (const auto& file : inputs_of(target.name)) {
            INFO(file.string());
            const auto bytes = bytes_of(file);
            CHECK_NOTHROW(target.run(bytes));
            ++replayed;
        }
    }
    CHECK(replayed >= 3 * targets.size());
}
