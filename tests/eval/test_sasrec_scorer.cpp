#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/evaluator.h"
#include "eval/sasrec_scorer.h"
#include "util/parallel.h"
#include "util/rng.h"

using namespace anirec;

namespace {
ModelConfig small_config(int32_t n_items) {
    ModelConfig c;
    c.n_items = n_items;
    c.maxlen = 12;
    c.hidden = 16;
    c.blocks = 2;
    c.heads = 2;
    c.dropout = 0.2f;
    return c;
}

Split random_split(int users, int n_items, uint64_t seed) {
    Dataset ds;
    ds.item_ids = {""};
    for (int i = 1; i <= n_items; ++i) ds.item_ids.push_back(std::to_string(i));
    ds.offsets = {0};
    Rng rng(seed);
    for (int u = 0; u < users; ++u) {
        ds.user_ids.push_back(std::to_string(u));
        const int len = 1 + static_cast<int>(rng.below(25));
        for (int k = 0; k < len; ++k) ds.items.push_back(1 + static_cast<int32_t>(rng.below(n_items)));
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    ds.order = OrderKind::TIMESTAMP;
    return make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
}
}  // namespace

TEST(SasrecScorer, ScoresAreStatesTimesTheItemTable) {
    ParamArena w(small_config(30));
    init_params(w, 1);
    const SasrecScorer sc(w);
    const int32_t B = 3, T = 12, C = 16, N1 = 31;
    std::vector<int32_t> seq(B * T, 0);
    for (int t = 0; t < 5; ++t) seq[T - 5 + t] = 1 + t;      // user 0: 5 items
    for (int t = 0; t < T; ++t) seq[T + t] = 1 + (t * 7) % 30;  // user 1: full
    // user 2: empty (all padding)
    auto st = sc.make_state(B, T);
    std::vector<float> scores(B * N1);
    sc.score(*st, seq.data(), B, T, scores.data());
    // Reference: the last states from the model, then plain dot products.
    Workspace ws(w.config(), B, false);
    std::vector<float> states(B * C);
    sasrec_last_state(w, ws, seq.data(), B, states.data());
    double max_diff = 0;
    for (int b = 0; b < B; ++b)
        for (int i = 0; i < N1; ++i) {
            double dot = 0;
            for (int c = 0; c < C; ++c) dot += double(states[b * C + c]) * w.item_emb[i * C + c];
            max_diff = std::max(max_diff, std::fabs(dot - scores[b * N1 + i]));
            EXPECT_NEAR(scores[b * N1 + i], dot, 1e-5 + 1e-5 * std::fabs(dot)) << b << " " << i;
        }
    std::printf("max |sgemm - dot| = %g\n", max_diff);
    // The states are not trivial (the test would pass on zeros otherwise).
    double norm = 0;
    for (int c = 0; c < C; ++c) norm += std::fabs(states[c]);
    EXPECT_GT(norm, 0.1);
}

TEST(SasrecScorer, ThreadCountDoesNotChangeResults) {
    const Split s = random_split(300, 40, 3);
    ParamArena w(small_config(40));
    init_params(w, 2);
    const SasrecScorer sc(w);
    EvalOptions o;
    o.sampled = true;
    o.keep_ranks = true;
    o.block_users = 16;
    set_num_threads(1);
    const auto a = evaluate(sc, s, EvalTarget::TEST, o);
    set_num_threads(2);
    const auto b = evaluate(sc, s, EvalTarget::TEST, o);
    set_num_threads(0);
    ASSERT_EQ(a.size(), 2u);
    for (size_t k = 0; k < a.size(); ++k) {
        EXPECT_EQ(a[k].ranks, b[k].ranks);
        EXPECT_EQ(a[k].metrics.ndcg, b[k].metrics.ndcg);
    }
    for (size_t k = 0; k < a[0].metrics.ks.size(); ++k) EXPECT_LE(a[0].metrics.ndcg[k], a[0].metrics.hr[k]);
}

TEST(SasrecScorer, ZeroItemTableScoresNearZero) {
    // All item embeddings zero -> every score is 0 -> pessimistic ties: nobody hits.
    // 300 items and at most 25 per user: at least 275 candidates, rank >= 274.
    const Split s = random_split(200, 300, 4);
    ParamArena w(small_config(300));
    init_params(w, 3);
    std::fill(w.item_emb, w.item_emb + 301 * 16, 0.f);
    const auto r = evaluate(SasrecScorer(w), s, EvalTarget::TEST, EvalOptions{});
    EXPECT_EQ(r[0].metrics.hr_at(20), 0.0);
    EXPECT_LT(r[0].metrics.mrr, 1.0 / 274.0);
}

TEST(SasrecScorer, ValidationHookMatchesTheEvaluator) {
    const Split s = random_split(200, 40, 5);
    ParamArena w(small_config(40));
    init_params(w, 4);
    EvalOptions o;
    o.ks = {5, 20};  // 10 is added by validate_sasrec
    const ValidationScores v = validate_sasrec(w, s, o);
    o.ks = {5, 10, 20};
    const auto r = evaluate(SasrecScorer(w), s, EvalTarget::VALID, o);
    EXPECT_EQ(v.ndcg_at_10, r[0].metrics.ndcg_at(10));
    EXPECT_EQ(v.hr_at_10, r[0].metrics.hr_at(10));
    EXPECT_EQ(v.users, r[0].metrics.n_users);
    EXPECT_EQ(v.json["target"], "valid");
    EXPECT_NE(v.protocol.find("full ranking"), std::string::npos);
    EXPECT_NE(v.protocol.find("leave-one-out"), std::string::npos);
}
