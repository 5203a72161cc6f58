// Field splitting (CSV quotes, TSV, blanks, "::") and single-value parsing.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "data/fields.h"
#include "data/parse_values.h"

namespace anirec {
namespace {

std::vector<std::string> split(Delim d, std::string_view line, SplitStatus* st = nullptr) {
    FieldSplitter s(d);
    SplitStatus r = s.split(line);
    if (st) *st = r;
    std::vector<std::string> out;
    for (auto f : s.fields()) out.emplace_back(f);
    return out;
}

using V = std::vector<std::string>;

TEST(FieldSplitter, CsvPlain) {
    EXPECT_EQ(split(Delim::CSV, "1,20,8"), (V{"1", "20", "8"}));
    EXPECT_EQ(split(Delim::CSV, "a,,c,"), (V{"a", "", "c", ""}));
    EXPECT_EQ(split(Delim::CSV, ""), (V{""}));
}

TEST(FieldSplitter, CsvQuotedCommasAndDoubledQuotes) {
    SplitStatus st;
    EXPECT_EQ(split(Delim::CSV, R"(32281,Kimi no Na wa.,"Drama, Romance, School",Movie)", &st),
              (V{"32281", "Kimi no Na wa.", "Drama, Romance, School", "Movie"}));
    EXPECT_EQ(st, SplitStatus::OK);
    EXPECT_EQ(split(Delim::CSV, R"("say ""hi""",2)", &st), (V{R"(say "hi")", "2"}));
    EXPECT_EQ(split(Delim::CSV, R"("",x,"")"), (V{"", "x", ""}));
    EXPECT_EQ(split(Delim::CSV, R"("a",)"), (V{"a", ""}));
    // A quote inside an unquoted field is kept as it is.
    EXPECT_EQ(split(Delim::CSV, R"(5" disk,3)"), (V{R"(5" disk)", "3"}));
}

TEST(FieldSplitter, CsvQuoteErrors) {
    SplitStatus st;
    split(Delim::CSV, R"(1,"open, never closed)", &st);
    EXPECT_EQ(st, SplitStatus::UNTERMINATED_QUOTE);
    split(Delim::CSV, R"("closed"junk,2)", &st);
    EXPECT_EQ(st, SplitStatus::BAD_QUOTING);
}

TEST(FieldSplitter, ManyQuotedFieldsStayValid) {
    // Views into the scratch buffer must survive later fields being unescaped.
    std::string line;
    V want;
    for (int i = 0; i < 200; ++i) {
        line += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\"\"x\"";
        want.push_back("f" + std::to_string(i) + "\"x");
    }
    EXPECT_EQ(split(Delim::CSV, line), want);
}

TEST(FieldSplitter, TabWhitespaceDoubleColonPipe) {
    EXPECT_EQ(split(Delim::TAB, "1\t\t3"), (V{"1", "", "3"}));
    EXPECT_EQ(split(Delim::WHITESPACE, "  1 2\t 3  "), (V{"1", "2", "3"}));
    EXPECT_EQ(split(Delim::WHITESPACE, "   "), V{});
    EXPECT_EQ(split(Delim::DOUBLE_COLON, "1::1193::5::978300760"), (V{"1", "1193", "5", "978300760"}));
    EXPECT_EQ(split(Delim::DOUBLE_COLON, "2::Jumanji (1995)::Adventure|Fantasy"),
              (V{"2", "Jumanji (1995)", "Adventure|Fantasy"}));
    EXPECT_EQ(split(Delim::PIPE, "1|Toy Story|a"), (V{"1", "Toy Story", "a"}));
}

TEST(ParseValues, CanonicalIds) {
    uint64_t v = 0;
    EXPECT_TRUE(parse_canonical_id("0", v));
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(parse_canonical_id("32281", v));
    EXPECT_EQ(v, 32281u);
    EXPECT_TRUE(parse_canonical_id("9223372036854775807", v));
    EXPECT_FALSE(parse_canonical_id("9223372036854775808", v));  // 2^63
    EXPECT_FALSE(parse_canonical_id("007", v));
    EXPECT_FALSE(parse_canonical_id("-5", v));
    EXPECT_FALSE(parse_canonical_id("12a", v));
    EXPECT_FALSE(parse_canonical_id("", v));
}

TEST(ParseValues, Floats) {
    float f = 0;
    EXPECT_TRUE(parse_finite_float("9.37", f));
    EXPECT_FLOAT_EQ(f, 9.37f);
    EXPECT_TRUE(parse_finite_float(" -1 ", f));
    EXPECT_EQ(f, -1.f);
    EXPECT_TRUE(parse_finite_float("+4.5", f));
    EXPECT_EQ(f, 4.5f);
    EXPECT_FALSE(parse_finite_float("nan", f));
    EXPECT_FALSE(parse_finite_float("inf", f));
    EXPECT_FALSE(parse_finite_float("nine", f));
    EXPECT_FALSE(parse_finite_float("", f));
    EXPECT_FALSE(parse_finite_float("7x", f));
}

TEST(ParseValues, Timestamps) {
    int64_t t = 0;
    EXPECT_TRUE(parse_timestamp("978300760", t));
    EXPECT_EQ(t, 978300760);
    EXPECT_TRUE(parse_timestamp("1970-01-01", t));
    EXPECT_EQ(t, 0);
    EXPECT_TRUE(parse_timestamp("2013-03-03 10:52:53", t));
    EXPECT_EQ(t, 1362307973);  // date -u -d '2013-03-03 10:52:53' +%s
    EXPECT_TRUE(parse_timestamp("2013-03-03T10:52:53Z", t));
    EXPECT_EQ(t, 1362307973);
    EXPECT_TRUE(parse_timestamp("2000-02-29", t));
    EXPECT_TRUE(parse_timestamp("-86400", t));
    EXPECT_EQ(t, -86400);
    EXPECT_FALSE(parse_timestamp("1999-02-29", t));
    EXPECT_FALSE(parse_timestamp("0000-00-00 00:00:00", t));
    EXPECT_FALSE(parse_timestamp("2013-13-01", t));
    EXPECT_FALSE(parse_timestamp("2013-03-03 25:00:00", t));
    EXPECT_FALSE(parse_timestamp("yesterday", t));
}

}  // namespace
}  // namespace anirec
