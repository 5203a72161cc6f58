// A tiny dataset is learned to near-zero loss by the model and each loss, trained
// with a minimal Adam written here (the real optimizer is src/train/optimizer.*):
// this proves forward, loss and backward fit together into a working step.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "../model/grad_check.h"
#include "model/sasrec.h"
#include "train/loss.h"

namespace anirec {
namespace {

struct TinyAdam {
    std::vector<float> m, v;
    float lr;
    int t = 0;
    TinyAdam(size_t n, float lr_) : m(n, 0.f), v(n, 0.f), lr(lr_) {}
    void step(float* w, const float* g, size_t n) {
        ++t;
        const float b1 = 0.9f, b2 = 0.98f;
        const float c1 = 1.f - std::pow(b1, (float)t), c2 = 1.f - std::pow(b2, (float)t);
        for (size_t i = 0; i < n; ++i) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            w[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + 1e-8f);
        }
    }
};

struct OverfitCase {
    const char* name;
    LossKind kind;
    int negatives;
    NormLayout norm;
    float max_final_loss;  // near zero: the starting loss is ~0.7 (bce) to ~3 (ce)
};

class Overfit : public ::testing::TestWithParam<OverfitCase> {};

TEST_P(Overfit, TinyDatasetReachesNearZeroLoss) {
    const OverfitCase& c = GetParam();
    ModelConfig cfg = test::tiny_config(c.norm, /*n_items=*/24, /*T=*/8, /*C=*/16, /*blocks=*/2, /*heads=*/2);
    ParamArena w(cfg), dw(cfg);
    init_params(w, 1);
    // 6 sequences walking a fixed cycle of the items from different starts, of
    // different lengths: the next item is always determined by the current one.
    const int B = 6, T = cfg.maxlen, C = cfg.hidden, N = cfg.n_items;
    const int lens[B] = {8, 8, 5, 3, 7, 1};
    auto cycle = [&](int k) { return 1 + (7 * k) % N; };  // 7 is coprime with 24: a permutation
    std::vector<int32_t> seq((size_t)B * T, 0), tgt((size_t)B * T, 0);
    for (int b = 0; b < B; ++b)
        for (int i = 0; i < lens[b]; ++i) {
            const int t = T - lens[b] + i;
            seq[(size_t)b * T + t] = cycle(3 * b + i);
            tgt[(size_t)b * T + t] = cycle(3 * b + i + 1);
        }
    // fixed negatives, never the target
    Rng rng(2);
    LossConfig lc;
    lc.kind = c.kind;
    lc.negatives = c.negatives;
    std::vector<int32_t> neg(c.kind == LossKind::BCE ? (size_t)B * T : (size_t)B * c.negatives);
    for (size_t i = 0; i < neg.size(); ++i) {
        int32_t v;
        do v = 1 + (int32_t)rng.below(N);
        while (c.kind == LossKind::BCE && v == tgt[i]);
        neg[i] = v;
    }
    if (c.kind != LossKind::BCE)  // shared negatives must avoid the sequence's targets
        for (int b = 0; b < B; ++b)
            for (int k = 0; k < c.negatives; ++k) {
                int32_t& v = neg[(size_t)b * c.negatives + k];
                for (bool clash = true; clash;) {
                    clash = false;
                    for (int t = 0; t < T; ++t) clash |= tgt[(size_t)b * T + t] == v;
                    if (clash) v = 1 + v % N;
                }
            }

    Workspace ws(cfg, B);
    LossBuffers buf;
    TinyAdam opt(w.size(), 0.01f);
    std::vector<float> dhidden((size_t)B * T * C);
    float first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
        dw.zero();
        const float* h = sasrec_forward(w, ws, seq.data(), B, true, nullptr);
        last = loss_forward_backward(lc, h, w.item_emb, tgt.data(), neg.data(), B, T, C, N, dhidden.data(),
                                     dw.item_emb, buf);
        if (step == 0) first = last;
        ASSERT_TRUE(std::isfinite(last)) << "step " << step;
        sasrec_backward(w, dw, ws, dhidden.data());
        opt.step(w.data(), dw.data(), w.size());
    }
    EXPECT_GT(first, 0.5f) << c.name;
    EXPECT_LT(last, c.max_final_loss) << c.name << ": first " << first << ", last " << last;
    std::printf("  %s: loss %.4f -> %.5f in 300 steps\n", c.name, first, last);
    if (c.kind != LossKind::CE) return;
    // and the full-softmax model predicts each next item: the target outranks every other item
    const float* h = sasrec_forward(w, ws, seq.data(), B, false, nullptr);
    int wrong = 0;
    for (size_t r = 0; r < (size_t)B * T; ++r) {
        if (tgt[r] == 0) continue;
        auto score = [&](int j) {
            double s = 0;
            for (int k = 0; k < C; ++k) s += (double)h[r * C + k] * w.item_emb[(size_t)j * C + k];
            return s;
        };
        const double st = score(tgt[r]);
        for (int j = 1; j <= N; ++j)
            if (j != tgt[r] && score(j) >= st) ++wrong;
    }
    EXPECT_EQ(wrong, 0) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Losses, Overfit,
                         ::testing::Values(OverfitCase{"ce_sasrec", LossKind::CE, 1, NormLayout::SASREC, 0.02f},
                                           OverfitCase{"ce_pre", LossKind::CE, 1, NormLayout::PRE, 0.02f},
                                           OverfitCase{"bce_sasrec", LossKind::BCE, 1, NormLayout::SASREC, 0.02f},
                                           OverfitCase{"sampled_ce_pre", LossKind::SAMPLED_CE, 5, NormLayout::PRE, 0.02f},
                                           OverfitCase{"gbce_sasrec", LossKind::GBCE, 5, NormLayout::SASREC, 0.02f}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace anirec
