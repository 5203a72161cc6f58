// `stats` numbers: sequence lengths, popularity, Gini, the order verdict, and that a raw
// file and the dataset file prepared from it give the same report.
#include <gtest/gtest.h>

#include <string>

#include "data/dataset_file.h"
#include "data/ingest.h"
#include "data/stats.h"
#include "data_fixtures.h"

namespace anirec {
namespace {

using testing::fixture;

TEST(Stats, Gini) {
    EXPECT_DOUBLE_EQ(gini({1, 1, 1, 1}), 0.0);
    EXPECT_DOUBLE_EQ(gini({0, 0, 0, 10}), 0.75);
    EXPECT_DOUBLE_EQ(gini({}), 0.0);
    EXPECT_NEAR(gini({1, 2, 3, 4}), 0.25, 1e-12);
}

TEST(Stats, NumbersOfTheKaggleFixture) {
    nlohmann::json r = stats_report(ingest_file(fixture("kaggle2017_rating.csv")));
    const auto& d = r["dataset"];
    EXPECT_EQ(d["users"], 5);
    EXPECT_EQ(d["items"], 10);
    EXPECT_EQ(d["interactions"], 16);
    EXPECT_DOUBLE_EQ(d["density"].get<double>(), 16.0 / 50.0);
    // Lengths 1, 3, 4, 4, 4 (nearest-rank percentiles).
    EXPECT_EQ(d["sequence_length"]["min"], 1);
    EXPECT_EQ(d["sequence_length"]["median"], 4);
    EXPECT_EQ(d["sequence_length"]["p90"], 4);
    EXPECT_EQ(d["sequence_length"]["max"], 4);
    EXPECT_EQ(d["sequence_length"]["histogram"][1]["users"], 1);  // 2-3
    EXPECT_EQ(d["sequence_length"]["histogram"][2]["users"], 3);  // 4-7
    // Top 1% of 10 items = 1 item (anime 20, 3 of 16 interactions).
    EXPECT_EQ(d["popularity"]["top1pct_items"], 1);
    EXPECT_DOUBLE_EQ(d["popularity"]["top1pct_share"].get<double>(), 3.0 / 16.0);
    EXPECT_EQ(d["ratings"]["unrated"], 7);
    EXPECT_EQ(r["order"]["kind"], "sorted-by-item-id");
    EXPECT_FALSE(r["order"]["chronological"].get<bool>());
    EXPECT_EQ(r["ingest"]["filters"][0]["interactions"], 16);

    std::string text = stats_text(r);
    EXPECT_NE(text.find("!!! ORDER: sorted-by-item-id !!!"), std::string::npos) << text;
    EXPECT_NE(text.find("leave-one-out"), std::string::npos);
    EXPECT_NE(text.find("16 interactions"), std::string::npos);
}

TEST(Stats, MalformedLinesAppearWithLineNumbers) {
    std::string text = stats_text(stats_report(ingest_file(fixture("bad_nonnumeric_ids.csv"))));
    EXPECT_NE(text.find("malformed lines: 3 skipped"), std::string::npos) << text;
    EXPECT_NE(text.find("non-numeric or bad user id: 1 (line 3)"), std::string::npos) << text;
}

TEST(Stats, SameReportFromRawFileAndDatasetFile) {
    testing::TempDir d;
    IngestOptions o;
    o.meta_path = fixture("meta_kaggle2017_anime.csv");
    Dataset ds = ingest_file(fixture("kaggle2017_rating.csv"), o);
    save_dataset(ds, d.file("k.anirec"));
    nlohmann::json a = stats_report(ds);
    nlohmann::json b = stats_report(load_or_ingest(d.file("k.anirec")));
    EXPECT_EQ(a, b);
    std::string text = stats_text(b);
    EXPECT_NE(text.find("ids in the ratings missing from the metadata: 6 (e.g. 79, 154"), std::string::npos) << text;
    EXPECT_NE(text.find("metadata items never rated: 4"), std::string::npos) << text;
}

TEST(Stats, ChronologicalSourcesAreNotFlagged) {
    nlohmann::json r = stats_report(ingest_file(fixture("ml_ratings.dat")));
    EXPECT_EQ(r["order"]["kind"], "timestamp");
    EXPECT_TRUE(r["order"]["chronological"].get<bool>());
    EXPECT_EQ(stats_text(r).find("!!!"), std::string::npos);
}

}  // namespace
}  // namespace anirec
