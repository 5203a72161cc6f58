// Bad input: by default each bad line is skipped and counted per reason with its line
// number; with strict the first one is an Error naming file:line (and the field).
// Missing and empty files are always a clear Error. One test per case.
#include <gtest/gtest.h>

#include <string>

#include "data/ingest.h"
#include "data/interactions.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::fixture;
using testing::TempDir;

size_t k(Malformed m) { return static_cast<size_t>(m); }

// The Error message of reading `path` with strict on ("" when it does not throw).
std::string strict_error(const std::string& path, ReadOptions o = {}) {
    o.strict = true;
    try {
        read_interactions(path, o);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(BadInput, WrongColumnCount) {
    RawInteractions raw = read_interactions(fixture("bad_wrong_columns.csv"));
    EXPECT_EQ(raw.size(), 2u);
    EXPECT_EQ(raw.lines, 4u);
    EXPECT_EQ(raw.malformed.count[k(Malformed::WRONG_COLUMN_COUNT)], 2u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::WRONG_COLUMN_COUNT)], (std::vector<uint64_t>{3, 4}));
    std::string e = strict_error(fixture("bad_wrong_columns.csv"));
    EXPECT_TRUE(contains(e, "bad_wrong_columns.csv:3: wrong column count (2 fields, expected 3)")) << e;
}

TEST(BadInput, NonNumericIdsAndRating) {
    RawInteractions raw = read_interactions(fixture("bad_nonnumeric_ids.csv"));
    EXPECT_EQ(raw.size(), 2u);
    EXPECT_EQ(raw.malformed.count[k(Malformed::BAD_USER_ID)], 1u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_USER_ID)][0], 3u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_ITEM_ID)][0], 4u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_RATING)][0], 5u);
    EXPECT_EQ(raw.malformed.total(), 3u);
    std::string e = strict_error(fixture("bad_nonnumeric_ids.csv"));
    EXPECT_TRUE(contains(e, "bad_nonnumeric_ids.csv:3: non-numeric or bad user id (field 'user_id' = 'abc')")) << e;
}

TEST(BadInput, EmptyLines) {
    RawInteractions raw = read_interactions(fixture("bad_empty_lines.csv"));
    EXPECT_EQ(raw.size(), 3u);
    EXPECT_EQ(raw.malformed.count[k(Malformed::EMPTY_LINE)], 3u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::EMPTY_LINE)], (std::vector<uint64_t>{3, 5, 6}));
    EXPECT_TRUE(contains(strict_error(fixture("bad_empty_lines.csv")), "bad_empty_lines.csv:3: empty line"));
}

TEST(BadInput, BomAndCrlfAreHandledNotErrors) {
    RawInteractions raw = read_interactions(fixture("bom_crlf.csv"));
    EXPECT_EQ(raw.spec.format, InputFormat::KAGGLE_RATING);  // header seen through the BOM
    EXPECT_EQ(raw.size(), 3u);
    EXPECT_EQ(raw.malformed.total(), 0u);
    EXPECT_TRUE(raw.bom);
    EXPECT_TRUE(raw.crlf);
    EXPECT_EQ(strict_error(fixture("bom_crlf.csv")), "");
    EXPECT_EQ(raw.rating[2], 9.f);  // "9\r" parsed as 9
}

TEST(BadInput, QuotedCommasAreOneField) {
    Dataset ds = ingest_file(fixture("quoted_commas.csv"));
    EXPECT_EQ(ds.n_interactions(), 4);
    EXPECT_EQ(ds.user_ids, (std::vector<std::string>{"Smith, John", "plain", "say \"hi\""}));
}

TEST(BadInput, UnterminatedQuote) {
    RawInteractions raw = read_interactions(fixture("bad_unterminated_quote.csv"));
    EXPECT_EQ(raw.size(), 2u);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::UNTERMINATED_QUOTE)], (std::vector<uint64_t>{3}));
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_QUOTING)], (std::vector<uint64_t>{5}));
    EXPECT_TRUE(contains(strict_error(fixture("bad_unterminated_quote.csv")),
                         "bad_unterminated_quote.csv:3: unterminated quote"));
}

TEST(BadInput, TenMegabyteLine) {
    TempDir d;
    std::string text = "user_id,anime_id,rating\n1,20,8\n1," + std::string(10 << 20, '7') + ",8\n2,20,9\n";
    std::string path = d.write("huge.csv", text);
    // Longer than the read buffer (skipped by the reader) and shorter than it (caught by
    // the parser): both give one "line too long" at line 3.
    for (size_t block : {size_t(1) << 20, size_t(32) << 20}) {
        ReadOptions o;
        o.block_bytes = block;
        o.threads = 2;
        RawInteractions raw = read_interactions(path, o);
        EXPECT_EQ(raw.size(), 2u) << block;
        EXPECT_EQ(raw.malformed.count[k(Malformed::LINE_TOO_LONG)], 1u) << block;
        EXPECT_EQ(raw.malformed.first_lines[k(Malformed::LINE_TOO_LONG)][0], 3u) << block;
        EXPECT_EQ(raw.lines, 3u) << block;
        EXPECT_TRUE(contains(strict_error(path, o), "huge.csv:3: line too long")) << block;
    }
}

TEST(BadInput, EmptyFileIsAnError) {
    try {
        read_interactions(fixture("empty.csv"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "empty.csv: file is empty")) << e.what();
    }
}

TEST(BadInput, MissingFileIsAnError) {
    try {
        ingest_file(fixture("no_such_file.csv"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "no_such_file.csv: cannot open")) << e.what();
    }
}

TEST(BadInput, HeaderOnlyGivesNoInteractions) {
    Dataset ds = ingest_file(fixture("header_only.csv"));
    EXPECT_EQ(ds.n_interactions(), 0);
    EXPECT_EQ(ds.n_users(), 0);
}

TEST(BadInput, AllLinesBadIsCountedNotSilent) {
    TempDir d;
    std::string path = d.write("bad.csv", "user_id,anime_id,rating\nx,1,2\ny,1,2\n");
    Dataset ds = ingest_file(path);
    EXPECT_EQ(ds.n_interactions(), 0);
    EXPECT_NE(ds.options_json.find("\"bad_user_id\""), std::string::npos);
}

TEST(BadInput, NonNumericItemInUserSequence) {
    TempDir d;
    std::string path = d.write("seq.txt", "1 1 2 3\n2 4 x 5\n3 6 7\n");
    ReadOptions o;
    o.format = "user-sequence";
    RawInteractions raw = read_interactions(path, o);
    EXPECT_EQ(raw.size(), 5u);  // the bad line adds nothing
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_ITEM_ID)][0], 2u);
    EXPECT_TRUE(contains(strict_error(path, o), "seq.txt:2: non-numeric or bad item id (field 'item 2' = 'x')"));
}

TEST(BadInput, BadTimestampAndStatus) {
    TempDir d;
    std::string path = d.write("ml.dat", "1::2::5::978300760\n1::3::5::soon\n");
    RawInteractions raw = read_interactions(path);
    EXPECT_EQ(raw.malformed.first_lines[k(Malformed::BAD_TIMESTAMP)][0], 2u);
    std::string p2 = d.write("al.csv",
                             "user_id,anime_id,rating,watching_status,watched_episodes\n0,1,5,2,1\n0,2,5,two,1\n");
    RawInteractions raw2 = read_interactions(p2);
    EXPECT_EQ(raw2.malformed.first_lines[k(Malformed::BAD_STATUS)][0], 3u);
    EXPECT_TRUE(contains(strict_error(p2), "al.csv:3: bad status (field 'watching_status' = 'two')"));
}

}  // namespace
}  // namespace anirec
