// The streaming JSON writer behind the API's responses: structure, escaping, invalid
// UTF-8 and numbers, checked by parsing its output back with nlohmann::json.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/http_json.h"

namespace anirec {
namespace {

using nlohmann::json;

TEST(HttpJson, NestedContainersGetCommasRight) {
    JsonWriter w;
    w.begin_object();
    w.key("a");
    w.begin_array();
    w.value(int64_t{1});
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.value("x");
    w.end_array();
    w.key("b");
    w.value(true);
    w.key("c");
    w.null();
    w.key("d");
    w.raw(R"({"z":[1,2]})");
    w.end_object();
    EXPECT_EQ(w.str(), R"({"a":[1,{},[],"x"],"b":true,"c":null,"d":{"z":[1,2]}})");
    json j = json::parse(w.str());
    EXPECT_EQ(j["a"].size(), 4u);
    EXPECT_EQ(j["d"]["z"][1], 2);
}

TEST(HttpJson, StringsAreEscapedAndRoundTrip) {
    const std::string tricky = "Steins;Gate \"0\" \\ tab\there\nnew\x01 \u00e9\u30a2\U0001F600 </script>";
    JsonWriter w;
    w.value(tricky);
    EXPECT_EQ(json::parse(w.str()).get<std::string>(), tricky);
    EXPECT_NE(w.str().find("\\u0001"), std::string::npos);
    EXPECT_NE(w.str().find("\\\""), std::string::npos);
}

TEST(HttpJson, InvalidUtf8BecomesReplacementCharacter) {
    // A lone continuation byte, a truncated 3-byte sequence, an overlong '/', a surrogate,
    // and a Latin-1 'é' byte: each invalid byte turns into U+FFFD, the rest is kept.
    const std::string bad = std::string("a\x80") + "b\xE3\x81" + "c\xC0\xAF" + "d\xED\xA0\x80" + "e\xE9" + "f";
    JsonWriter w;
    w.value(bad);
    json j = json::parse(w.str());  // would throw on invalid UTF-8
    const std::string got = j.get<std::string>();
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(got.rfind("a" + fffd + "b", 0), 0u) << got;
    EXPECT_NE(got.find("e" + fffd + "f"), std::string::npos) << got;
    EXPECT_EQ(got.find('\x80'), std::string::npos);
}

TEST(HttpJson, NumbersAreShortestAndNonFiniteIsNull) {
    JsonWriter w;
    w.begin_array();
    w.value(7.4f);
    w.value(0.1);
    w.value(int64_t{-42});
    w.value(uint64_t{18446744073709551615ull});
    w.value(std::numeric_limits<float>::quiet_NaN());
    w.value(std::numeric_limits<double>::infinity());
    w.value(1.0e-7f);
    w.end_array();
    EXPECT_EQ(w.str(), "[7.4,0.1,-42,18446744073709551615,null,null,1e-07]");
    json j = json::parse(w.str());
    EXPECT_EQ(j[0].get<float>(), 7.4f);  // the float round-trips exactly
    EXPECT_EQ(j[6].get<float>(), 1.0e-7f);
}

}  // namespace
}  // namespace anirec
