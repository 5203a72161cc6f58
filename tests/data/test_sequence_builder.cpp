// Sequence building: filter counts, k-core to a fixed point, repeats, dense id order,
// and the per-step report.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/ingest.h"
#include "data/interactions.h"
#include "data/sequence_builder.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::fixture;
using testing::TempDir;
using S = std::vector<std::string>;

std::string csv(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string s = "user,item\n";
    for (const auto& [u, i] : rows) s += u + "," + i + "\n";
    return s;
}

TEST(SequenceBuilder, KCoreIteratesUntilStable) {
    TempDir d;
    // Round 1 drops items c and d (1 interaction each); users 2 and 3 then have 1
    // interaction and go in round 2; users 1, 4, 5 with items a, b remain.
    std::string path = d.write("k.csv", csv({{"1", "a"}, {"1", "b"}, {"2", "a"}, {"2", "c"}, {"3", "b"},
                                              {"3", "d"}, {"4", "a"}, {"4", "b"}, {"5", "a"}, {"5", "b"}}));
    FilterOptions f;
    f.min_user_interactions = 2;
    f.min_item_interactions = 2;
    BuildReport rep;
    Dataset ds = build_dataset(read_interactions(path), f, &rep);
    EXPECT_EQ(ds.user_ids, (S{"1", "4", "5"}));
    EXPECT_EQ(ds.item_ids, (S{"", "a", "b"}));
    EXPECT_EQ(ds.n_interactions(), 6);
    EXPECT_EQ(rep.kcore_rounds, 2);
    ASSERT_EQ(rep.steps.size(), 2u);
    EXPECT_EQ(rep.steps[1].name, "k-core");
    EXPECT_EQ(rep.steps[1].dropped, 4);
    EXPECT_EQ(rep.steps[1].users, 3);
    EXPECT_EQ(rep.steps[1].items, 2);
    // Every user and item of the result meets the thresholds.
    for (int32_t u = 0; u < ds.n_users(); ++u) EXPECT_GE(ds.sequence(u).size(), 2u);
}

TEST(SequenceBuilder, DenseIdsInRawOrderNumbersThenStrings) {
    TempDir d;
    std::string path = d.write("ids.csv", csv({{"b", "100"}, {"a", "abc"}, {"b", "9"}, {"10", "10"}, {"007", "9"}}));
    Dataset ds = build_dataset(read_interactions(path), FilterOptions{});
    EXPECT_EQ(ds.item_ids, (S{"", "9", "10", "100", "abc"}));
    // "10" is a number; "007" is not canonical, so it is a string (and not user 7).
    EXPECT_EQ(ds.user_ids, (S{"10", "007", "a", "b"}));
    EXPECT_EQ(ds.offsets, (std::vector<int64_t>{0, 1, 2, 3, 5}));
    EXPECT_EQ(std::vector<int32_t>(ds.items.begin(), ds.items.end()), (std::vector<int32_t>{2, 1, 4, 3, 1}));
}

TEST(SequenceBuilder, ReportCountsEachFilter) {
    IngestOptions o;
    o.filter.keep_unrated = false;
    o.filter.min_rating = 7.f;
    BuildReport rep;
    Dataset ds = build_dataset(read_interactions(fixture("kaggle2017_rating.csv")), o.filter, &rep);
    ASSERT_EQ(rep.steps.size(), 3u);
    EXPECT_EQ(rep.steps[0].name, "read");
    EXPECT_EQ(rep.steps[0].interactions, 16);
    EXPECT_EQ(rep.steps[0].users, 5);
    EXPECT_EQ(rep.steps[0].items, 10);
    EXPECT_EQ(rep.steps[1].name, "unrated");
    EXPECT_EQ(rep.steps[1].dropped, 7);
    EXPECT_EQ(rep.steps[1].interactions, 9);
    EXPECT_EQ(rep.steps[1].users, 4);  // user 1 rated nothing
    EXPECT_EQ(rep.steps[2].name, "min-rating");
    EXPECT_EQ(rep.steps[2].dropped, 3);  // 6, 6, 5
    EXPECT_EQ(rep.steps[2].interactions, 6);
    EXPECT_EQ(ds.n_interactions(), 6);
}

TEST(SequenceBuilder, DuplicatesCountedOnAllRowsRead) {
    BuildReport rep;
    build_dataset(read_interactions(fixture("user_sequence.txt")), FilterOptions{}, &rep);
    EXPECT_EQ(rep.duplicate_pairs, 1);
    EXPECT_EQ(rep.duplicate_rows, 1);
}

TEST(SequenceBuilder, MinRatingWithoutRatingsIsAUsageError) {
    FilterOptions f;
    f.min_rating = 5.f;
    EXPECT_THROW(build_dataset(read_interactions(fixture("sasrec.txt")), f), UsageError);
}

TEST(SequenceBuilder, FiltersMayLeaveNothing) {
    FilterOptions f;
    f.min_user_interactions = 1000;
    Dataset ds = build_dataset(read_interactions(fixture("sasrec.txt")), f);
    EXPECT_EQ(ds.n_interactions(), 0);
    EXPECT_EQ(ds.n_users(), 0);
    EXPECT_EQ(ds.item_ids, (S{""}));
    EXPECT_EQ(ds.offsets, (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace anirec
