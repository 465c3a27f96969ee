#include <catch2/catch.hpp>
#include <limits>

#include "custode/core/canonical_json.h"

using custode::canonical_json;
using custode::CanonicalJsonError;
using nlohmann::json;

TEST_CASE("canonical JSON: scalars", "[canonical_json]") {
    CHECK(canonical_json(nullptr) == "null");
    CHECK(canonical_json(true) == "true");
    CHECK(canonical_json(false) == "false");
    CHECK(canonical_json(0) == "0");
    CHECK(canonical_json(-1) == "-1");
    CHECK(canonical_json(1234567) == "1234567");
    CHECK(canonical_json("") == "\"\"");
    CHECK(canonical_json(json::object()) == "{}");
    CHECK(canonical_json(json::array()) == "[]");
}

TEST_CASE("canonical JSON: big integers stay exact", "[canonical_json]") {
    CHECK(canonical_json(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
    CHECK(canonical_json(std::numeric_limits<std::int64_t>::max()) == "9223372036854775807");
    CHECK(canonical_json(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
    CHECK(canonical_json(json::parse("[9007199254740993,-9007199254740993]")) == "[9007199254740993,-9007199254740993]");
}

TEST_CASE("canonical JSON: nested objects sort their keys, arrays keep their order", "[canonical_json]") {
    const json value = json::parse(R"({
        "verdict": "isolated",
        "b": [3, 1, 2, {"z": null, "y": true, "x": [[], {}]}],
        "a": {"d": {"k2": 2, "k10": 10, "K": 0}, "c": "x"},
        "": 0
    })");
    CHECK(canonical_json(value) ==
          R"({"":0,"a":{"c":"x","d":{"K":0,"k10":10,"k2":2}},"b":[3,1,2,{"x":[[],{}],"y":true,"z":null}],"verdict":"isolated"})");
}

TEST_CASE("canonical JSON: UTF-8 as is, keys in code point order", "[canonical_json]") {
    CHECK(canonical_json("caffè 日本 😀") == "\"caffè 日本 😀\"");
    const json value = {{"é", 1}, {"z", 2}, {"a", 3}, {"😀", 4}, {"日", 5}, {"Z", 6}};
    CHECK(canonical_json(value) == "{\"Z\":6,\"a\":3,\"z\":2,\"é\":1,\"日\":5,\"😀\":4}");
    CHECK(canonical_json("\u007f\u0080\u2028") == "\"\u007f\u0080\u2028\"");
}

TEST_CASE("canonical JSON: escapes only quote, backslash and control characters", "[canonical_json]") {
    const std::string raw = std::string("q\" b\\ s/ \b\f\n\r\t") + '\x00' + "\x01\x1f" + "\x7f";
    CHECK(canonical_json(raw) == std::string("\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\x7f\""));
    CHECK(canonical_json(json{{"new\nline", "tab\t"}}) == R"({"new\nline":"tab\t"})");
}

TEST_CASE("canonical JSON: the same content gives the same bytes", "[canonical_json]") {
    const auto one = json::parse(R"({"b": {"y": 2, "x": 1}, "a": [1, "two"]})");
    const auto two = json::parse("{\n  \"a\" : [ 1 , \"two\" ] ,\n  \"b\" : { \"x\" : 1 , \"y\" : 2 }\n}");
    CHECK(canonical_json(one) == canonical_json(two));
    const auto text = canonical_json(one);
    CHECK(text == R"({"a":[1,"two"],"b":{"x":1,"y":2}})");
    CHECK(canonical_json(json::parse(text)) == text);
}

TEST_CASE("canonical JSON: floating point numbers are refused, with where", "[canonical_json]") {
    CHECK_THROWS_AS(canonical_json(1.5), CanonicalJsonError);
    CHECK_THROWS_AS(canonical_json(json::parse("1.0")), CanonicalJsonError);
    try {
        canonical_json(json::parse(R"({"targets": [{"rtt": 1}, {"rtt": 0.25}]})"));
        FAIL("a float was accepted");
    } catch (const CanonicalJsonError& error) {
        CHECK(error.where() == "/targets/1/rtt");
        CHECK_THAT(error.what(), Catch::Contains("floating point") && Catch::Contains("/targets/1/rtt"));
    }
    try {
        canonical_json(json{{"a/b~c", 2.5}});
        FAIL("a float was accepted");
    } catch (const CanonicalJsonError& error) {
        CHECK(error.where() == "/a~1b~0c");
    }
}

TEST_CASE("canonical JSON: invalid UTF-8 and binary values are refused", "[canonical_json]") {
    for (const std::string bad : {"\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                  "\x80"}) {
        CHECK_THROWS_AS(canonical_json(bad), CanonicalJsonError);
        CHECK_THROWS_AS(canonical_json(json{{bad, 1}}), CanonicalJsonError);
    }
    CHECK_THROWS_AS(canonical_json(json::binary({1, 2, 3})), CanonicalJsonError);
}
