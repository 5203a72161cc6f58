// Output formats of recommendation rows: JSON row objects, the text table, CSV fields.
#include <gtest/gtest.h>

#include "serve/rec_format.h"

namespace anirec {
namespace {

RecRow row(int32_t rank, const char* raw, const char* title, const char* genres, const char* type, float score) {
    RecRow r;
    r.rank = rank;
    r.item = rank + 10;
    r.raw_id = raw;
    r.title = title;
    r.genres = genres;
    r.type = type;
    r.score = score;
    return r;
}

TEST(RecFormat, RowJson) {
    RecRow r = row(1, "9253", "Steins;Gate", "Sci-Fi, Thriller", "TV", 12.5f);
    nlohmann::json j = rec_row_json(r);
    EXPECT_EQ(j["rank"], 1);
    EXPECT_EQ(j["item"], 11);
    EXPECT_EQ(j["id"], "9253");
    EXPECT_EQ(j["title"], "Steins;Gate");
    EXPECT_EQ(j["genres"], (nlohmann::json{"Sci-Fi", "Thriller"}));
    EXPECT_EQ(j["type"], "TV");
    EXPECT_FLOAT_EQ(j["score"].get<float>(), 12.5f);
    EXPECT_FALSE(j.contains("cooccurrence"));
    r.cooccurrence = 42;
    EXPECT_EQ(rec_row_json(r)["cooccurrence"], 42);
    EXPECT_EQ(rec_row_json(row(2, "1", "x", "", "", 0.f))["genres"], nlohmann::json::array());
    EXPECT_EQ(rec_rows_json({}).dump(), "[]");
}

TEST(RecFormat, TableAlignsAndCutsLongText) {
    std::vector<RecRow> rows = {
        row(1, "9253", "Steins;Gate", "Sci-Fi, Thriller", "TV", 3.25f),
        row(2, "31240", "Re:Zero kara Hajimeru Isekai Seikatsu - Hyouketsu no Kizuna and a much longer tail", "",
            "", -0.5f),
        row(10, "16498", "\u9032\u6483\u306e\u5de8\u4eba", "Action", "Movie", 12.f),
    };
    rows[0].cooccurrence = 7;
    const std::string t = format_rec_table(rows, /*explain=*/true);
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < t.size()) {
        const size_t nl = t.find('\n', start);
        lines.push_back(t.substr(start, nl - start));
        start = nl + 1;
    }
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0].rfind(" #  id", 0), 0u) << lines[0];  // rank right-aligned to width 2
    EXPECT_NE(lines[0].find("watched by both"), std::string::npos);
    EXPECT_NE(lines[1].find("Steins;Gate"), std::string::npos);
    EXPECT_NE(lines[1].find("3.25"), std::string::npos);
    EXPECT_NE(lines[2].find("\u2026"), std::string::npos) << "long title cut with an ellipsis";
    EXPECT_EQ(lines[2].find("much longer tail"), std::string::npos);
    EXPECT_NE(lines[2].find(" -  "), std::string::npos) << "unknown type shown as -";
    EXPECT_EQ(lines[3].rfind("10  16498", 0), 0u) << lines[3];
    // Every line has the score column ending at the same display column (right-aligned).
    const size_t w1 = display_width(lines[1].substr(0, lines[1].find("3.25") + 4));
    const size_t w3 = display_width(lines[3].substr(0, lines[3].find("  12") + 4));
    EXPECT_EQ(w1, w3);
    EXPECT_EQ(format_rec_table({}), "#  id  title  type  genres  score\n");
}

TEST(RecFormat, CsvFieldsAndScores) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("Steins;Gate"), "Steins;Gate");
    EXPECT_EQ(csv_field("Gate: Jieitai Kanchi nite, Kaku Tatakaeri"), "\"Gate: Jieitai Kanchi nite, Kaku Tatakaeri\"");
    EXPECT_EQ(csv_field("\"Bungaku Shoujo\" Movie"), "\"\"\"Bungaku Shoujo\"\" Movie\"");
    EXPECT_EQ(csv_field("a\nb"), "\"a\nb\"");
    EXPECT_EQ(format_score(1.f / 3.f), "0.333333");
    EXPECT_EQ(format_score(-12.5f), "-12.5");
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("\u00e9t\u00e9"), 3u);
    EXPECT_EQ(display_width("\u9032\u6483"), 4u);  // wide characters
}

}  // namespace
}  // namespace anirec
