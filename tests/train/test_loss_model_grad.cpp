// The whole training step's gradient: sasrec_forward -> loss_forward_backward ->
// sasrec_backward (the item table tied between input and output) against central
// finite differences, in double, of the reference model followed by the reference
// loss. Both norm layouts, 2 blocks, 2 heads, padding in the batch, dropout 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../model/grad_check.h"
#include "model/sasrec.h"
#include "model/sasrec_ref.h"
#include "train/loss.h"
#include "train/loss_ref.h"

namespace anirec {
namespace {

using test::all_close;
using test::Tol;

constexpr double kFdEps = 1e-5;
constexpr Tol kGradTol{1e-6, 2e-4};  // float step vs double differences (passes at 5e-7, 1e-4)
constexpr Tol kLossTol{1e-6, 1e-5};

struct StepCase {
    std::string name;
    NormLayout norm;
    LossConfig loss;
};

class StepGrad : public ::testing::TestWithParam<StepCase> {};

TEST_P(StepGrad, MatchesFiniteDifferences) {
    const StepCase& c = GetParam();
    const ModelConfig cfg = test::tiny_config(c.norm);  // N 13, T 7, C 8, 2 blocks, 2 heads
    ParamArena w(cfg);
    test::random_params(w, 21);
    const int T = cfg.maxlen, C = cfg.hidden, N = cfg.n_items;
    const std::vector<int> lens = {7, 3, 0, 1, 5};
    const int B = static_cast<int>(lens.size());
    Rng rng(8);
    // a training batch: input items, the next item as target, padding aligned
    std::vector<int32_t> seq = test::random_seqs(lens, T, N, rng), targets(seq.size(), 0);
    for (int b = 0; b < B; ++b)
        for (int t = T - lens[b]; t < T; ++t) targets[(size_t)b * T + t] = 1 + (int32_t)rng.below(N);
    const bool per_position = c.loss.kind == LossKind::BCE;
    std::vector<int32_t> negatives(per_position ? (size_t)B * T : (size_t)B * c.loss.negatives);
    for (auto& v : negatives) v = 1 + (int32_t)rng.below(N);

    // the fast step
    Workspace ws(cfg, B);
    LossBuffers buf;
    ParamArena dw(cfg);
    const float* hidden = sasrec_forward(w, ws, seq.data(), B, true, nullptr);
    std::vector<float> dhidden((size_t)B * T * C);
    const float got = loss_forward_backward(c.loss, hidden, w.item_emb, targets.data(), negatives.data(), B, T, C, N,
                                            dhidden.data(), dw.item_emb, buf);
    sasrec_backward(w, dw, ws, dhidden.data());

    // the reference function of all parameters
    std::vector<double> params(w.data(), w.data() + w.size());
    const size_t e_off = w.tensors()[0].offset;  // item_emb.weight
    auto objective = [&]() {
        const std::vector<double> h = ref::sasrec_forward<double>(w, params, seq.data(), B);
        return ref::loss<double>(c.loss, h.data(), params.data() + e_off, targets.data(), negatives.data(), B, T, C, N);
    };
    const double want = objective();
    EXPECT_TRUE(all_close(c.name + " loss", &got, &want, 1, kLossTol));
    for (const auto& t : w.tensors()) {
        std::vector<double> numeric(t.numel);
        for (size_t i = 0; i < t.numel; ++i) numeric[i] = test::central_diff(params[t.offset + i], kFdEps, objective);
        EXPECT_TRUE(all_close(c.name + " d " + t.name, dw.data() + t.offset, numeric.data(), t.numel, kGradTol));
    }
}

LossConfig lc(LossKind k, int K = 1) {
    LossConfig c;
    c.kind = k;
    c.negatives = K;
    return c;
}

std::vector<StepCase> step_cases() {
    std::vector<StepCase> cs;
    for (NormLayout n : {NormLayout::PRE, NormLayout::SASREC}) {
        const std::string ln = norm_layout_name(n);
        cs.push_back({ln + "_bce", n, lc(LossKind::BCE)});
        cs.push_back({ln + "_ce", n, lc(LossKind::CE)});
        cs.push_back({ln + "_sampled_ce", n, lc(LossKind::SAMPLED_CE, 4)});
        cs.push_back({ln + "_gbce", n, lc(LossKind::GBCE, 4)});
    }
    return cs;
}

INSTANTIATE_TEST_SUITE_P(ModelAndLoss, StepGrad, ::testing::ValuesIn(step_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace anirec
