// Metrics on hand-computed cases: every value here was worked out on paper.
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <limits>
#include <vector>

#include "eval/metrics.h"
#include "util/error.h"

using namespace anirec;

TEST(Metrics, RankZeroIsAPerfectHit) {
    EXPECT_EQ(hr_at_k(0, 1), 1.0);
    EXPECT_EQ(ndcg_at_k(0, 1), 1.0);  // 1/log2(2)
    EXPECT_EQ(reciprocal_rank(0), 1.0);
}

TEST(Metrics, HandComputedRanks) {
    // rank 2 (third place): HR@1 = 0, HR@5 = 1, NDCG@5 = 1/log2(4) = 0.5, MRR = 1/3.
    EXPECT_EQ(hr_at_k(2, 1), 0.0);
    EXPECT_EQ(hr_at_k(2, 3), 1.0);
    EXPECT_EQ(hr_at_k(2, 2), 0.0);  // rank < K, strictly
    EXPECT_DOUBLE_EQ(ndcg_at_k(2, 5), 0.5);
    EXPECT_DOUBLE_EQ(reciprocal_rank(2), 1.0 / 3.0);
    // rank 6: NDCG@10 = 1/log2(8) = 1/3; NDCG@5 = 0 (outside the cut-off).
    EXPECT_DOUBLE_EQ(ndcg_at_k(6, 10), 1.0 / 3.0);
    EXPECT_EQ(ndcg_at_k(6, 5), 0.0);
    // rank 1: NDCG = 1/log2(3).
    EXPECT_DOUBLE_EQ(ndcg_at_k(1, 10), 1.0 / std::log2(3.0));
}

TEST(Metrics, NdcgNeverExceedsHr) {
    for (int64_t r = 0; r < 50; ++r)
        for (int32_t k : {1, 5, 10, 20}) EXPECT_LE(ndcg_at_k(r, k), hr_at_k(r, k)) << r << " " << k;
}

TEST(Metrics, RecallCountsEachRelevantItem) {
    const std::vector<int64_t> ranks{0, 4, 12};
    EXPECT_DOUBLE_EQ(recall_at_k(ranks, 5), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(recall_at_k(ranks, 1), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(recall_at_k(ranks, 20), 1.0);
    EXPECT_EQ(recall_at_k({}, 10), 0.0);
    // One relevant item: Recall@K == HR@K.
    const std::vector<int64_t> one{7};
    EXPECT_EQ(recall_at_k(one, 10), hr_at_k(7, 10));
    EXPECT_EQ(recall_at_k(one, 5), hr_at_k(7, 5));
}

TEST(Metrics, TiesArePessimistic) {
    // Two other candidates tie with the target and one is below: both ties count above.
    const std::vector<float> others{0.5f, 0.2f, 0.5f};
    EXPECT_EQ(pessimistic_rank(others, 0.5f), 2);
    EXPECT_EQ(pessimistic_rank(others, 0.6f), 0);
    EXPECT_EQ(pessimistic_rank(others, 0.1f), 3);
}

TEST(Metrics, AllEqualScoresGiveTheWorstRankNotTheBest) {
    // 100 candidates, everything scored 0: rank = 99, so HR@10 = NDCG@10 = 0 and MRR = 1/100.
    const std::vector<float> others(99, 0.f);
    const int64_t r = pessimistic_rank(others, 0.f);
    EXPECT_EQ(r, 99);
    EXPECT_EQ(hr_at_k(r, 10), 0.0);
    EXPECT_EQ(ndcg_at_k(r, 10), 0.0);
    EXPECT_DOUBLE_EQ(reciprocal_rank(r), 0.01);
}

TEST(Metrics, KLargerThanTheCatalogue) {
    // Three candidates in all: any rank is at most 2, so HR@20 = 1 even for the worst.
    const std::vector<float> others{0.9f, 0.8f};
    const int64_t r = pessimistic_rank(others, 0.1f);
    EXPECT_EQ(r, 2);
    EXPECT_EQ(hr_at_k(r, 20), 1.0);
    EXPECT_DOUBLE_EQ(ndcg_at_k(r, 20), 0.5);
}

TEST(Metrics, NanIsTheWorstScoreAndIsReported) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    bool saw = false;
    // A NaN candidate is never above a finite target.
    EXPECT_EQ(pessimistic_rank(std::vector<float>{nan, 0.9f, 0.1f}, 0.5f, &saw), 1);
    EXPECT_TRUE(saw);
    // A NaN target is below everything, including other NaNs.
    saw = false;
    EXPECT_EQ(pessimistic_rank(std::vector<float>{nan, -1e30f, 0.1f}, nan, &saw), 3);
    EXPECT_TRUE(saw);
    saw = false;
    EXPECT_EQ(pessimistic_rank(std::vector<float>{0.1f}, 0.5f, &saw), 0);
    EXPECT_FALSE(saw);
}

TEST(Metrics, AccumulatorMeansOverAllUsers) {
    MetricsAccumulator acc({1, 5, 10});
    acc.add(0);
    acc.add(2);
    acc.add(6);
    acc.add(50, true);
    const MetricsReport m = acc.finish();
    EXPECT_EQ(m.n_users, 4);
    EXPECT_EQ(m.nan_users, 1);
    EXPECT_DOUBLE_EQ(m.hr_at(1), 0.25);
    EXPECT_DOUBLE_EQ(m.hr_at(5), 0.5);
    EXPECT_DOUBLE_EQ(m.hr_at(10), 0.75);
    EXPECT_DOUBLE_EQ(m.ndcg_at(5), (1.0 + 0.5) / 4.0);
    EXPECT_DOUBLE_EQ(m.ndcg_at(10), (1.0 + 0.5 + 1.0 / 3.0) / 4.0);
    EXPECT_DOUBLE_EQ(m.mrr, (1.0 + 1.0 / 3.0 + 1.0 / 7.0 + 1.0 / 51.0) / 4.0);
    EXPECT_EQ(m.recall, m.hr);
    EXPECT_THROW(m.hr_at(20), Error);
    const auto j = m.to_json();
    EXPECT_DOUBLE_EQ(j["hr@10"].get<double>(), 0.75);
    EXPECT_EQ(j["users"].get<int64_t>(), 4);
}

TEST(Metrics, EmptyAccumulatorIsZeroNotNan) {
    const MetricsReport m = MetricsAccumulator({10}).finish();
    EXPECT_EQ(m.n_users, 0);
    EXPECT_EQ(m.hr_at(10), 0.0);
    EXPECT_EQ(m.mrr, 0.0);
}

TEST(Metrics, Coverage) {
    // 4 items; item 1 was at position 0 for someone, item 3 at position 4, items 2, 4 never.
    const std::vector<int32_t> best{INT32_MAX, 0, INT32_MAX, 4, INT32_MAX};
    const std::vector<int32_t> ks{1, 5, 10};
    const auto cov = coverage_from_best_positions(best, ks);
    ASSERT_EQ(cov.size(), 3u);
    EXPECT_DOUBLE_EQ(cov[0], 0.25);
    EXPECT_DOUBLE_EQ(cov[1], 0.5);
    EXPECT_DOUBLE_EQ(cov[2], 0.5);
}

TEST(Metrics, ParseKs) {
    EXPECT_EQ(parse_ks("1,5,10,20"), (std::vector<int32_t>{1, 5, 10, 20}));
    EXPECT_EQ(parse_ks("20,1"), (std::vector<int32_t>{1, 20}));
    EXPECT_THROW(parse_ks(""), UsageError);
    EXPECT_THROW(parse_ks("0"), UsageError);
    EXPECT_THROW(parse_ks("5,x"), UsageError);
    EXPECT_THROW(parse_ks("5,5"), UsageError);
    EXPECT_THROW(parse_ks("10a"), UsageError);
    EXPECT_THROW(parse_ks("-3"), UsageError);
}
