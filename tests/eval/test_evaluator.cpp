#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "eval/evaluator.h"
#include "test_scorers.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/rng.h"

using namespace anirec;
using anirec::test::FixedScorer;
using anirec::test::HashScorer;

namespace {

// Items 1..5 scored 0.9, 0.8, 0.7, 0.6, 0.5 for every user.
//   u0: train [1 2], valid 3, test 4
//   u1: train [4 1], valid 2, test 4   (test item also in the training history)
//   u2: train [],    valid 0, test 5   (empty history, no validation item)
Split hand_split() { return make_split_from_parts({{1, 2}, {4, 1}, {}}, {3, 2, 0}, {4, 4, 5}, 5, "hand"); }
FixedScorer hand_scorer() { return FixedScorer({0.f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f}); }

EvalOptions opts(std::vector<int32_t> ks = {1, 2, 5}) {
    EvalOptions o;
    o.ks = std::move(ks);
    o.keep_ranks = true;
    return o;
}

// Random data: users of 0..30 items from N = 40 (repeats allowed).
Dataset random_dataset(int users, int n_items, uint64_t seed) {
    Dataset ds;
    ds.item_ids = {""};
    for (int i = 1; i <= n_items; ++i) ds.item_ids.push_back(std::to_string(i));
    ds.offsets = {0};
    Rng rng(seed);
    for (int u = 0; u < users; ++u) {
        ds.user_ids.push_back(cat("u", u));
        const int len = static_cast<int>(rng.below(31));
        for (int k = 0; k < len; ++k) ds.items.push_back(1 + static_cast<int32_t>(rng.below(n_items)));
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    ds.order = OrderKind::TIMESTAMP;
    return ds;
}

// The obvious per-user loop: build the candidate list, score one user, rank.
std::vector<int64_t> naive_ranks(const Scorer& sc, const Split& s, EvalTarget target, bool sampled,
                                 const EvalOptions& o) {
    const auto& held = target == EvalTarget::VALID ? s.valid_item : s.test_item;
    int32_t T = sc.maxlen();
    if (T <= 0) {
        T = 1;
        for (int32_t u = 0; u < s.n_users(); ++u)
            if (held[u] != 0) T = std::max<int32_t>(T, static_cast<int32_t>(eval_input(s, u, target).size()));
    }
    const auto pop = item_counts(s);
    std::vector<int64_t> ranks(s.n_users(), -1);
    auto state = sc.make_state(1, T);
    std::vector<float> scores(static_cast<size_t>(s.n_items) + 1);
    for (int32_t u = 0; u < s.n_users(); ++u) {
        const int32_t tgt = held[u];
        if (tgt == 0) continue;
        const auto in = eval_input(s, u, target);
        std::vector<int32_t> row(T, 0);
        const size_t take = std::min<size_t>(in.size(), static_cast<size_t>(T));
        std::copy(in.end() - static_cast<long>(take), in.end(), row.end() - static_cast<long>(take));
        sc.score(*state, row.data(), 1, T, scores.data());
        std::vector<float> others;
        if (sampled) {
            for (int32_t n : sample_negatives(s, u, o.n_negatives, o.seed, o.popularity_negatives, pop))
                others.push_back(scores[n]);
        } else {
            const std::set<int32_t> excluded(in.begin(), in.end());
            for (int32_t i = 1; i <= s.n_items; ++i)
                if (i != tgt && !excluded.count(i)) others.push_back(scores[i]);
        }
        ranks[u] = pessimistic_rank(others, scores[tgt]);
    }
    return ranks;
}

}  // namespace

TEST(Evaluator, HandComputedFullRanking) {
    const Split s = hand_split();
    const auto r = evaluate(hand_scorer(), s, EvalTarget::TEST, opts());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].protocol, Protocol::FULL);
    EXPECT_EQ(r[0].protocol_label, "full ranking");
    EXPECT_EQ(r[0].split, "hand");
    // u0: candidates {4,5} -> rank 0. u1: history {4,1,2} but the target 4 stays a
    // candidate: {3,4,5}, 3 scores above -> rank 1. u2: no history, 4 items above -> 4.
    EXPECT_EQ(r[0].ranks, (std::vector<int64_t>{0, 1, 4}));
    const auto& m = r[0].metrics;
    EXPECT_EQ(m.n_users, 3);
    EXPECT_DOUBLE_EQ(m.hr_at(1), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(m.hr_at(2), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(m.hr_at(5), 1.0);
    EXPECT_DOUBLE_EQ(m.ndcg_at(5), (1.0 + 1.0 / std::log2(3.0) + 1.0 / std::log2(6.0)) / 3.0);
    EXPECT_DOUBLE_EQ(m.mrr, (1.0 + 0.5 + 0.2) / 3.0);
    // Top-1 lists: u0 -> 4, u1 -> 3, u2 -> 1: 3 of 5 items. Top-2: every item appears.
    ASSERT_EQ(m.coverage.size(), 3u);
    EXPECT_DOUBLE_EQ(m.coverage[0], 0.6);
    EXPECT_DOUBLE_EQ(m.coverage[1], 1.0);
}

TEST(Evaluator, ValidationUsesTheTrainingPrefixOnly) {
    const auto r = evaluate(hand_scorer(), hand_split(), EvalTarget::VALID, opts());
    // u0: history {1,2}, target 3 -> rank 0. u1: history {4,1}, target 2 -> rank 0. u2 skipped.
    EXPECT_EQ(r[0].ranks, (std::vector<int64_t>{0, 0, -1}));
    EXPECT_EQ(r[0].metrics.n_users, 2);
    EXPECT_EQ(r[0].users_skipped, 1);
}

TEST(Evaluator, HeldOutItemInHistoryStaysACandidate) {
    // u1's test item 4 is also its first training item. Were it excluded with the
    // history, there would be nothing to rank; it must be ranked among {3, 4, 5}.
    const Split s = make_split_from_parts({{4, 1}}, {2}, {4}, 5, "hand");
    const auto r = evaluate(hand_scorer(), s, EvalTarget::TEST, opts());
    EXPECT_EQ(r[0].ranks[0], 1);
}

TEST(Evaluator, AllEqualScoresScoreNearZero) {
    const int N = 500;
    std::vector<std::vector<int32_t>> train(50, std::vector<int32_t>{1, 2, 3});
    const Split s = make_split_from_parts(train, std::vector<int32_t>(50, 4), std::vector<int32_t>(50, 5), N, "flat");
    const FixedScorer flat(std::vector<float>(N + 1, 0.f));
    EvalOptions o = opts({1, 5, 10, 20});
    o.sampled = true;
    const auto r = evaluate(flat, s, EvalTarget::TEST, o);
    ASSERT_EQ(r.size(), 2u);
    // Full: candidates = 500 - {1,2,3,4} = 496, so every rank is 495.
    for (int32_t u = 0; u < 50; ++u) EXPECT_EQ(r[0].ranks[u], 495);
    EXPECT_EQ(r[0].metrics.hr_at(10), 0.0);
    EXPECT_EQ(r[0].metrics.ndcg_at(20), 0.0);
    // Sampled: 100 negatives, all tied -> rank 100.
    EXPECT_EQ(r[1].protocol, Protocol::SAMPLED);
    for (int32_t u = 0; u < 50; ++u) EXPECT_EQ(r[1].ranks[u], 100);
    EXPECT_EQ(r[1].metrics.hr_at(10), 0.0);
}

TEST(Evaluator, NanScoresAreWorstAndCounted) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // Item 1 is NaN: it drops below everything. u2 (target 5, no history) now has 2, 3, 4 above: rank 3.
    const FixedScorer s({0.f, nan, 0.8f, 0.7f, 0.6f, 0.5f});
    const auto r = evaluate(s, hand_split(), EvalTarget::TEST, opts());
    EXPECT_EQ(r[0].ranks, (std::vector<int64_t>{0, 1, 3}));
    EXPECT_EQ(r[0].metrics.nan_users, 3);
    // A NaN target is ranked below all candidates.
    const FixedScorer t({0.f, 0.9f, 0.8f, 0.7f, 0.6f, nan});
    EXPECT_EQ(evaluate(t, hand_split(), EvalTarget::TEST, opts())[0].ranks[2], 4);
}

TEST(Evaluator, SampledHandComputed) {
    EvalOptions o = opts();
    o.full = false;
    o.sampled = true;
    const auto r = evaluate(hand_scorer(), hand_split(), EvalTarget::TEST, o);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].protocol, Protocol::SAMPLED);
    EXPECT_NE(r[0].protocol_label.find("sampled"), std::string::npos);
    // Fewer than 100 never-seen items: all are negatives. u0: {5} -> 0; u1: {3,5} -> 1; u2: {1,2,3,4} -> 4.
    EXPECT_EQ(r[0].ranks, (std::vector<int64_t>{0, 1, 4}));
    EXPECT_TRUE(r[0].metrics.coverage.empty());  // coverage is a full-ranking notion
}

TEST(Evaluator, SampledNegativesExcludeHistoryAndAreDeterministic) {
    const Dataset ds = random_dataset(200, 300, 5);
    const Split s = make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    const auto pop = item_counts(s);
    for (int32_t u = 0; u < s.n_users(); ++u) {
        const auto neg = sample_negatives(s, u, 100, 9, false, pop);
        auto hist = s.history(u);
        const std::set<int32_t> hset(hist.begin(), hist.end());
        EXPECT_EQ(neg.size(), 100u);
        EXPECT_EQ(std::set<int32_t>(neg.begin(), neg.end()).size(), neg.size()) << "duplicates";
        for (int32_t n : neg) {
            EXPECT_EQ(hset.count(n), 0u) << "user " << u << " negative " << n << " is in the history";
            EXPECT_GE(n, 1);
            EXPECT_LE(n, 300);
        }
        EXPECT_EQ(neg, sample_negatives(s, u, 100, 9, false, pop));
    }
    EXPECT_NE(sample_negatives(s, 3, 100, 9, false, pop), sample_negatives(s, 3, 100, 10, false, pop));
}

TEST(Evaluator, PopularityNegativesFollowTrainingCounts) {
    // Training counts: item 1 in 9 of 10 users, item 2 in 1 of 10; items 3, 4, 5, 8 never.
    // Every user holds out 6 and 7. The last user has no training items, so its
    // candidates are {1, 2} (3, 4, 5, 8 have count 0 and are never drawn).
    const int U = 2001, N = 8;
    std::vector<std::vector<int32_t>> train;
    for (int u = 0; u < U - 1; ++u) train.push_back(u % 10 == 0 ? std::vector<int32_t>{2} : std::vector<int32_t>{1});
    train.push_back({});
    const Split s = make_split_from_parts(train, std::vector<int32_t>(U, 6), std::vector<int32_t>(U, 7), N, "p");
    const auto pop = item_counts(s);
    int ones = 0;
    for (uint64_t seed = 0; seed < 2000; ++seed) {
        const auto neg = sample_negatives(s, U - 1, 1, seed, true, pop);
        ASSERT_EQ(neg.size(), 1u);
        ASSERT_TRUE(neg[0] == 1 || neg[0] == 2) << neg[0];
        ones += neg[0] == 1;
    }
    EXPECT_NEAR(ones / 2000.0, 0.9, 0.03);
    // Asking for more than there are positive-count candidates gives exactly those.
    EXPECT_EQ(sample_negatives(s, U - 1, 100, 1, true, pop), (std::vector<int32_t>{1, 2}));
}

TEST(Evaluator, PopularityNegativesWhenTheHistoryHoldsMostOfTheMass) {
    // Item 1 has 97% of the training counts and is in user 0's history: rejection
    // sampling would rarely succeed, the exact weighted method takes over.
    std::vector<std::vector<int32_t>> train(100, std::vector<int32_t>{1});
    train.push_back({2});
    train.push_back({3});
    train.push_back({4});
    const size_t U = train.size();
    const Split s = make_split_from_parts(train, std::vector<int32_t>(U, 6), std::vector<int32_t>(U, 7), 8, "p");
    const auto pop = item_counts(s);
    for (uint64_t seed = 0; seed < 50; ++seed) {
        const auto neg = sample_negatives(s, 0, 2, seed, true, pop);
        ASSERT_EQ(neg.size(), 2u);
        EXPECT_NE(neg[0], neg[1]);
        for (int32_t n : neg) EXPECT_TRUE(n == 2 || n == 3 || n == 4) << n;
        EXPECT_EQ(neg, sample_negatives(s, 0, 2, seed, true, pop));
    }
}

TEST(Evaluator, AgreesExactlyWithANaivePerUserLoop) {
    const Dataset ds = random_dataset(300, 40, 11);
    for (SplitKind kind : {SplitKind::LEAVE_ONE_OUT, SplitKind::RANDOM}) {
        const Split s = make_split(ds, kind, 4);
        const HashScorer sc(40, 8);  // maxlen 8 < many inputs: truncation is exercised
        for (EvalTarget target : {EvalTarget::VALID, EvalTarget::TEST}) {
            EvalOptions o = opts({1, 5, 10});
            o.sampled = true;
            o.n_negatives = 10;
            o.block_users = 7;
            const auto r = evaluate(sc, s, target, o);
            ASSERT_EQ(r.size(), 2u);
            const auto full = naive_ranks(sc, s, target, false, o);
            const auto samp = naive_ranks(sc, s, target, true, o);
            EXPECT_EQ(r[0].ranks, full);
            EXPECT_EQ(r[1].ranks, samp);
            MetricsAccumulator acc(o.ks);
            for (int64_t x : full)
                if (x >= 0) acc.add(x);
            const auto m = acc.finish();
            EXPECT_EQ(r[0].metrics.n_users, m.n_users);
            EXPECT_EQ(r[0].metrics.hr, m.hr);
            EXPECT_EQ(r[0].metrics.ndcg, m.ndcg);
            EXPECT_EQ(r[0].metrics.mrr, m.mrr);
        }
    }
}

TEST(Evaluator, WholeHistoryScorersSeeTheWholeInput) {
    // maxlen() == 0: every scorer call sees each user's whole input (the naive loop pads
    // to the longest input overall, the evaluator to the longest in each block).
    const Dataset ds = random_dataset(100, 40, 12);
    const Split s = make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    const HashScorer sc(40, 0);
    EvalOptions o = opts();
    o.block_users = 7;  // each block gets its own width: the longest input in it
    const auto r = evaluate(sc, s, EvalTarget::TEST, o);
    EXPECT_EQ(r[0].ranks, naive_ranks(sc, s, EvalTarget::TEST, false, o));
}

TEST(Evaluator, ResultsDoNotDependOnThreadsOrBlocks) {
    const Dataset ds = random_dataset(400, 60, 13);
    const Split s = make_split(ds, SplitKind::RANDOM, 2);
    const HashScorer sc(60, 6);
    EvalOptions o = opts({1, 5, 10, 20});
    o.sampled = true;
    o.n_negatives = 20;
    set_num_threads(1);
    const auto ref = evaluate(sc, s, EvalTarget::TEST, o);
    for (int threads : {2, 3}) {
        for (int32_t block : {1, 16, 1000}) {
            for (bool par : {true, false}) {
                set_num_threads(threads);
                EvalOptions p = o;
                p.block_users = block;
                p.parallel_users = par;
                const auto r = evaluate(sc, s, EvalTarget::TEST, p);
                ASSERT_EQ(r.size(), ref.size());
                for (size_t k = 0; k < r.size(); ++k) {
                    EXPECT_EQ(r[k].ranks, ref[k].ranks) << threads << " threads, block " << block;
                    EXPECT_EQ(r[k].metrics.hr, ref[k].metrics.hr);
                    EXPECT_EQ(r[k].metrics.ndcg, ref[k].metrics.ndcg);
                    EXPECT_EQ(r[k].metrics.mrr, ref[k].metrics.mrr);
                    EXPECT_EQ(r[k].metrics.coverage, ref[k].metrics.coverage);
                }
            }
        }
    }
    set_num_threads(0);
}

TEST(Evaluator, RejectsAMismatchedScorer) {
    EXPECT_THROW(evaluate(FixedScorer(std::vector<float>(4, 0.f)), hand_split(), EvalTarget::TEST, opts()), Error);
    EvalOptions none = opts();
    none.full = false;
    EXPECT_THROW(evaluate(hand_scorer(), hand_split(), EvalTarget::TEST, none), UsageError);
}

TEST(Evaluator, JsonNamesProtocolAndSplit) {
    const auto r = evaluate(hand_scorer(), hand_split(), EvalTarget::TEST, opts());
    const auto j = r[0].to_json();
    EXPECT_EQ(j["protocol"], "full");
    EXPECT_EQ(j["split"], "hand");
    EXPECT_EQ(j["target"], "test");
    EXPECT_EQ(j["scorer"], "fixed");
    EXPECT_DOUBLE_EQ(j["metrics"]["hr@1"].get<double>(), 1.0 / 3.0);
}
