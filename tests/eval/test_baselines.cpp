#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/synth.h"
#include "eval/baselines.h"
#include "eval/evaluator.h"
#include "util/error.h"
#include "util/parallel.h"

using namespace anirec;

namespace {
std::vector<float> score_one(const Scorer& sc, std::vector<int32_t> input) {
    const int32_t T = std::max<int32_t>(1, static_cast<int32_t>(input.size()) + 2);  // some left padding
    std::vector<int32_t> row(T, 0);
    std::copy(input.begin(), input.end(), row.end() - static_cast<long>(input.size()));
    auto st = sc.make_state(1, T);
    std::vector<float> out(static_cast<size_t>(sc.n_items()) + 1);
    sc.score(*st, row.data(), 1, T, out.data());
    return out;
}

// Training: [1 2 3], [1 2 4], [1 3], [2 3]; nothing held out.
Split tiny() {
    return make_split_from_parts({{1, 2, 3}, {1, 2, 4}, {1, 3}, {2, 3}}, {0, 0, 0, 0}, {0, 0, 0, 0}, 5, "tiny");
}
}  // namespace

TEST(Baselines, MostPopCountsTrainingInteractions) {
    const MostPopScorer mp(tiny());
    const auto s = score_one(mp, {4});
    // counts: 1 -> 3, 2 -> 3, 3 -> 3, 4 -> 1, 5 -> 0
    EXPECT_EQ(s[1], 3.f);
    EXPECT_EQ(s[2], 3.f);
    EXPECT_EQ(s[3], 3.f);
    EXPECT_EQ(s[4], 1.f);
    EXPECT_EQ(s[5], 0.f);
    EXPECT_EQ(score_one(mp, {}), s);  // the same for everyone
}

TEST(Baselines, MostPopIgnoresHeldOutItems) {
    // Held-out items must not leak into the counts.
    const Split sp = make_split_from_parts({{1}, {1}}, {2, 2}, {3, 3}, 3, "x");
    const auto s = score_one(MostPopScorer(sp), {});
    EXPECT_EQ(s[1], 2.f);
    EXPECT_EQ(s[2], 0.f);
    EXPECT_EQ(s[3], 0.f);
}

TEST(Baselines, MarkovTransitionsWithPopularityBackoff) {
    const MarkovScorer mk(tiny());
    // Pairs: 1->2 (x2), 2->3 (x2), 2->4, 1->3.
    EXPECT_EQ(mk.transitions(1, 2), 2);
    EXPECT_EQ(mk.transitions(1, 3), 1);
    EXPECT_EQ(mk.transitions(2, 3), 2);
    EXPECT_EQ(mk.transitions(2, 4), 1);
    EXPECT_EQ(mk.transitions(3, 1), 0);
    EXPECT_EQ(mk.transitions(4, 4), 0);
    // Last item 1: score = count + pop / (max_pop + 1) with max_pop = 3.
    const auto s = score_one(mk, {4, 1});
    EXPECT_FLOAT_EQ(s[2], 2.f + 3.f / 4.f);
    EXPECT_FLOAT_EQ(s[3], 1.f + 3.f / 4.f);
    EXPECT_FLOAT_EQ(s[1], 0.f + 3.f / 4.f);  // never followed 1: back-off
    EXPECT_FLOAT_EQ(s[4], 1.f / 4.f);
    EXPECT_FLOAT_EQ(s[5], 0.f);
    // Only the last item matters.
    EXPECT_EQ(score_one(mk, {3, 3, 1}), s);
    // Last item 3 has no successors: pure popularity order.
    const auto p = score_one(mk, {3});
    EXPECT_GT(p[1], p[4]);
    EXPECT_GT(p[4], p[5]);
    // No input at all: popularity too.
    EXPECT_EQ(score_one(mk, {}), p);
}

TEST(Baselines, ItemKnnCosineByHand) {
    // Distinct training histories: u0 {1,2}, u1 {1,2,3}, u2 {2,3}; n1 = 2, n2 = 3, n3 = 2.
    // c(1,2) = 2, c(1,3) = 1, c(2,3) = 2 -> cos(1,2) = 2/sqrt(6), cos(1,3) = 1/2, cos(2,3) = 2/sqrt(6).
    const Split sp = make_split_from_parts({{1, 2, 1}, {3, 1, 2}, {2, 3}}, {0, 0, 0}, {0, 0, 0}, 4, "knn");
    const ItemKnnScorer knn(sp, 100);
    const auto n1 = knn.neighbours(1);
    ASSERT_EQ(n1.size(), 2u);
    EXPECT_EQ(n1[0].first, 2);
    EXPECT_FLOAT_EQ(n1[0].second, static_cast<float>(2.0 / std::sqrt(6.0)));
    EXPECT_EQ(n1[1].first, 3);
    EXPECT_FLOAT_EQ(n1[1].second, 0.5f);
    EXPECT_TRUE(knn.neighbours(4).empty());  // never seen in training
    // score(j) = sum of similarities to the distinct history items; repeats count once.
    const auto s = score_one(knn, {1, 3, 1});
    EXPECT_FLOAT_EQ(s[2], static_cast<float>(2.0 / std::sqrt(6.0) + 2.0 / std::sqrt(6.0)));
    EXPECT_FLOAT_EQ(s[1], 0.5f);  // from item 3 only (an item is not its own neighbour)
    EXPECT_FLOAT_EQ(s[3], 0.5f);
    EXPECT_FLOAT_EQ(s[4], 0.f);
    // Top-M keeps the best M, ties broken by lower id: cos(2,1) = cos(2,3).
    const ItemKnnScorer knn1(sp, 1);
    const auto n2 = knn1.neighbours(2);
    ASSERT_EQ(n2.size(), 1u);
    EXPECT_EQ(n2[0].first, 1);
}

TEST(Baselines, ItemKnnDoesNotDependOnThreads) {
    SynthConfig cfg;
    cfg.n_users = 300;
    cfg.n_items = 200;
    cfg.mean_length = 15;
    cfg.seed = 3;
    const Dataset ds = synth_to_dataset(synth_generate(cfg));
    const Split sp = make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    set_num_threads(1);
    const ItemKnnScorer a(sp, 20);
    set_num_threads(2);
    const ItemKnnScorer b(sp, 20);
    set_num_threads(0);
    for (int32_t i = 1; i <= sp.n_items; ++i) EXPECT_EQ(a.neighbours(i), b.neighbours(i)) << i;
}

TEST(Baselines, SequentialStructureIsFoundOnSynthData) {
    // synth plants "entry k+1 follows entry k": the Markov baseline must beat MostPop
    // under full ranking, and item-KNN must beat MostPop too (co-watched franchises).
    SynthConfig cfg;
    cfg.n_users = 1500;
    cfg.n_items = 400;
    cfg.mean_length = 20;
    cfg.seed = 5;
    const Dataset ds = synth_to_dataset(synth_generate(cfg));
    const Split sp = make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    EvalOptions o;
    const auto pop = evaluate(MostPopScorer(sp), sp, EvalTarget::TEST, o)[0].metrics;
    const auto mk = evaluate(MarkovScorer(sp), sp, EvalTarget::TEST, o)[0].metrics;
    const auto knn = evaluate(ItemKnnScorer(sp), sp, EvalTarget::TEST, o)[0].metrics;
    EXPECT_GT(mk.ndcg_at(10), 1.5 * pop.ndcg_at(10)) << mk.ndcg_at(10) << " vs " << pop.ndcg_at(10);
    EXPECT_GT(knn.hr_at(10), pop.hr_at(10)) << knn.hr_at(10) << " vs " << pop.hr_at(10);
    for (const auto* m : {&pop, &mk, &knn})
        for (size_t k = 0; k < m->ks.size(); ++k) EXPECT_LE(m->ndcg[k], m->hr[k]);
}

TEST(Baselines, ParseNames) {
    EXPECT_EQ(parse_baselines("mostpop,markov,itemknn"), (std::vector<std::string>{"mostpop", "markov", "itemknn"}));
    EXPECT_TRUE(parse_baselines("none").empty());
    EXPECT_THROW(parse_baselines("mostpop,bpr"), UsageError);
    EXPECT_THROW(parse_baselines("markov,markov"), UsageError);
    EXPECT_EQ(make_baseline("markov", tiny())->name(), "markov");
}
