// The fused losses (loss.h) against the naive reference losses (loss_ref.h), whose
// gradients are in turn checked against central finite differences in double.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "../model/grad_check.h"
#include "train/loss.h"
#include "train/loss_internal.h"
#include "train/loss_ref.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {
namespace {

using test::all_close;
using test::Tol;

constexpr double kFdEps = 1e-6;
constexpr Tol kRefGradTol{1e-9, 1e-6};  // double analytic vs double central differences
constexpr Tol kLossTol{1e-6, 1e-5};     // float loss vs double
constexpr Tol kFastGradTol{1e-6, 2e-4};  // float gradients vs double

struct LossCase {
    const char* name;
    LossConfig cfg;
    int B, T, C, N;
};

LossConfig make(LossKind k, int K = 1, float t = 0.75f) {
    LossConfig c;
    c.kind = k;
    c.negatives = K;
    c.gbce_t = t;
    return c;
}

struct Problem {
    std::vector<float> hidden, E;
    std::vector<int32_t> targets, negatives;
};

// Random hidden and item table; targets with padding (a fully padded sequence
// included); negatives never equal to the target at the same position.
Problem make_problem(const LossCase& c, uint64_t seed) {
    Rng rng(seed);
    Problem p;
    p.hidden.resize((size_t)c.B * c.T * c.C);
    p.E.resize((size_t)(c.N + 1) * c.C);
    test::fill_normal(p.hidden, rng, 0.7);
    test::fill_normal(p.E, rng, 0.7);
    p.targets.assign((size_t)c.B * c.T, 0);
    for (int b = 0; b < c.B; ++b) {
        const int pad = b == 1 ? c.T : static_cast<int>(rng.below(c.T));  // sequence 1 fully padded
        for (int t = pad; t < c.T; ++t) p.targets[(size_t)b * c.T + t] = 1 + (int32_t)rng.below(c.N);
    }
    const bool per_position = c.cfg.kind == LossKind::BCE;
    p.negatives.assign(per_position ? (size_t)c.B * c.T : (size_t)c.B * c.cfg.negatives, 0);
    for (size_t i = 0; i < p.negatives.size(); ++i) {
        int32_t v;
        do v = 1 + (int32_t)rng.below(c.N);
        while (per_position && v == p.targets[i]);
        p.negatives[i] = v;
    }
    return p;
}

class LossGrad : public ::testing::TestWithParam<LossCase> {};

TEST_P(LossGrad, MatchesReferenceAndFiniteDifferences) {
    const LossCase& c = GetParam();
    Problem p = make_problem(c, 5);
    std::vector<double> hd(p.hidden.begin(), p.hidden.end()), Ed(p.E.begin(), p.E.end());
    // reference: analytic gradients vs central differences
    std::vector<double> dh_ref(hd.size()), dE_ref(Ed.size(), 0.0);
    const double want = ref::loss<double>(c.cfg, hd.data(), Ed.data(), p.targets.data(), p.negatives.data(), c.B,
                                          c.T, c.C, c.N, dh_ref.data(), dE_ref.data());
    auto f = [&]() {
        return ref::loss<double>(c.cfg, hd.data(), Ed.data(), p.targets.data(), p.negatives.data(), c.B, c.T, c.C,
                                 c.N);
    };
    std::vector<double> dh_num(hd.size()), dE_num(Ed.size());
    for (size_t i = 0; i < hd.size(); ++i) dh_num[i] = test::central_diff(hd[i], kFdEps, f);
    for (size_t i = 0; i < Ed.size(); ++i) dE_num[i] = test::central_diff(Ed[i], kFdEps, f);
    EXPECT_TRUE(all_close(std::string(c.name) + " ref dhidden", dh_ref, dh_num, kRefGradTol));
    EXPECT_TRUE(all_close(std::string(c.name) + " ref dE", dE_ref, dE_num, kRefGradTol));

    // fast: value, dhidden overwritten, dE added onto what is there
    LossBuffers buf;
    std::vector<float> dh(p.hidden.size(), 42.f), dE(p.E.size());
    Rng rng(3);
    test::fill_normal(dE, rng);
    const std::vector<float> dE0 = dE;
    const float got = loss_forward_backward(c.cfg, p.hidden.data(), p.E.data(), p.targets.data(),
                                            p.negatives.data(), c.B, c.T, c.C, c.N, dh.data(), dE.data(), buf);
    EXPECT_TRUE(all_close(std::string(c.name) + " loss", &got, &want, 1, kLossTol));
    EXPECT_TRUE(all_close(std::string(c.name) + " dhidden", dh, dh_num, kFastGradTol));
    std::vector<double> dE_added(dE.size());
    for (size_t i = 0; i < dE.size(); ++i) dE_added[i] = (double)dE[i] - dE0[i];
    EXPECT_TRUE(all_close(std::string(c.name) + " dE (added)", dE_added, dE_num, kFastGradTol));
    for (int k = 0; k < c.C; ++k) EXPECT_EQ(dE[k], dE0[k]) << "padding row of dE touched";
    const float fwd = loss_forward(c.cfg, p.hidden.data(), p.E.data(), p.targets.data(), p.negatives.data(), c.B,
                                   c.T, c.C, c.N, buf);
    EXPECT_EQ(fwd, got);
}

INSTANTIATE_TEST_SUITE_P(Kinds, LossGrad,
                         ::testing::Values(LossCase{"bce", make(LossKind::BCE), 4, 5, 6, 9},
                                           LossCase{"ce", make(LossKind::CE), 4, 5, 6, 9},
                                           LossCase{"sampled_ce", make(LossKind::SAMPLED_CE, 3), 4, 5, 6, 9},
                                           LossCase{"gbce", make(LossKind::GBCE, 3, 0.75f), 4, 5, 6, 9},
                                           LossCase{"gbce_t0", make(LossKind::GBCE, 2, 0.f), 4, 5, 6, 9}),
                         [](const auto& info) { return std::string(info.param.name); });

// Larger problems (several CE row blocks, threads) against the reference's analytic
// gradients; 1 and 2 threads agree, and a repeat is bit-identical.
class LossLarge : public ::testing::TestWithParam<LossCase> {};

TEST_P(LossLarge, MatchesReferenceAcrossThreads) {
    const LossCase& c = GetParam();
    Problem p = make_problem(c, 9);
    std::vector<double> hd(p.hidden.begin(), p.hidden.end()), Ed(p.E.begin(), p.E.end());
    std::vector<double> dh_ref(hd.size()), dE_ref(Ed.size(), 0.0);
    const double want = ref::loss<double>(c.cfg, hd.data(), Ed.data(), p.targets.data(), p.negatives.data(), c.B,
                                          c.T, c.C, c.N, dh_ref.data(), dE_ref.data());
    LossBuffers buf;
    std::vector<float> dh[3], dE[3];
    float got[3];
    const int threads[3] = {2, 2, 1};
    for (int k = 0; k < 3; ++k) {
        set_num_threads(threads[k]);
        dh[k].assign(p.hidden.size(), 0.f);
        dE[k].assign(p.E.size(), 0.f);
        got[k] = loss_forward_backward(c.cfg, p.hidden.data(), p.E.data(), p.targets.data(), p.negatives.data(), c.B,
                                       c.T, c.C, c.N, dh[k].data(), dE[k].data(), buf);
    }
    set_num_threads(0);
    EXPECT_TRUE(all_close(std::string(c.name) + " loss", &got[0], &want, 1, kLossTol));
    EXPECT_TRUE(all_close(std::string(c.name) + " dhidden", dh[0], dh_ref, kFastGradTol));
    EXPECT_TRUE(all_close(std::string(c.name) + " dE", dE[0], dE_ref, kFastGradTol));
    EXPECT_EQ(got[0], got[1]);
    EXPECT_EQ(dh[0], dh[1]);
    EXPECT_EQ(dE[0], dE[1]);
    EXPECT_TRUE(all_close(std::string(c.name) + " dE 1 vs 2 threads", dE[2], dE[0], Tol{1e-7, 1e-5}));
}

INSTANTIATE_TEST_SUITE_P(Kinds, LossLarge,
                         ::testing::Values(LossCase{"bce", make(LossKind::BCE), 9, 60, 16, 300},
                                           LossCase{"ce", make(LossKind::CE), 9, 60, 16, 300},
                                           LossCase{"sampled_ce", make(LossKind::SAMPLED_CE, 40), 9, 60, 16, 300},
                                           LossCase{"gbce", make(LossKind::GBCE, 40, 0.9f), 9, 60, 16, 300}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Loss, NamesRoundTrip) {
    for (LossKind k : {LossKind::BCE, LossKind::CE, LossKind::SAMPLED_CE, LossKind::GBCE})
        EXPECT_EQ(parse_loss_kind(loss_kind_name(k)), k);
    EXPECT_THROW(parse_loss_kind("softmax"), UsageError);
}

TEST(Loss, GbceBeta) {
    EXPECT_DOUBLE_EQ(gbce_beta(99, 100, 0.3), 1.0);   // alpha = 1: all negatives sampled
    EXPECT_DOUBLE_EQ(gbce_beta(5, 101, 0.0), 1.0);    // t = 0: plain BCE
    EXPECT_DOUBLE_EQ(gbce_beta(5, 101, 1.0), 0.05);   // t = 1: beta = alpha
    EXPECT_NEAR(gbce_beta(256, 3417, 0.75), (256.0 / 3416) * (0.75 * (1 - 3416.0 / 256) + 3416.0 / 256), 1e-12);
}

TEST(Loss, NoTargets) {
    const int B = 2, T = 3, C = 4, N = 5;
    std::vector<float> h(B * T * C, 1.f), E((N + 1) * C, 1.f), dh(h.size(), 7.f), dE(E.size(), 3.f);
    std::vector<int32_t> tgt(B * T, 0), neg(B * T, 1);
    LossBuffers buf;
    for (LossKind k : {LossKind::BCE, LossKind::CE, LossKind::SAMPLED_CE, LossKind::GBCE}) {
        EXPECT_EQ(loss_forward_backward(make(k), h.data(), E.data(), tgt.data(), neg.data(), B, T, C, N, dh.data(),
                                        dE.data(), buf),
                  0.f);
        for (float v : dh) EXPECT_EQ(v, 0.f);
        for (float v : dE) EXPECT_EQ(v, 3.f);
    }
}

TEST(Loss, BadIdsThrow) {
    const int B = 1, T = 3, C = 2, N = 4;
    std::vector<float> h(B * T * C, 1.f), E((N + 1) * C, 1.f), dh(h.size()), dE(E.size());
    LossBuffers buf;
    std::vector<int32_t> tgt = {0, 2, 5}, neg = {1, 1, 1};
    EXPECT_THROW(loss_forward(make(LossKind::CE), h.data(), E.data(), tgt.data(), nullptr, B, T, C, N, buf), Error);
    tgt = {0, 2, 3};
    neg = {0, 0, 1};  // a padded position's negative is ignored, a real one's is not
    EXPECT_THROW(loss_forward(make(LossKind::BCE), h.data(), E.data(), tgt.data(), neg.data(), B, T, C, N, buf),
                 Error);
    neg = {3, 1, 1};
    EXPECT_NO_THROW(loss_forward(make(LossKind::BCE), h.data(), E.data(), tgt.data(), neg.data(), B, T, C, N, buf));
    neg = {1, 5};
    EXPECT_THROW(
        loss_forward(make(LossKind::SAMPLED_CE, 2), h.data(), E.data(), tgt.data(), neg.data(), B, T, C, N, buf),
        Error);
    EXPECT_THROW(loss_forward(make(LossKind::GBCE, 2), h.data(), E.data(), tgt.data(), nullptr, B, T, C, N, buf),
                 Error);
}

// Buffers grow on first use and are reused, without reallocation, for calls of the
// same or a smaller size.
TEST(Loss, BuffersAreReused) {
    LossCase big{"ce", make(LossKind::CE), 6, 40, 8, 200};
    LossCase small{"ce", make(LossKind::CE), 3, 40, 8, 100};
    Problem pb = make_problem(big, 1), ps = make_problem(small, 2);
    LossBuffers buf;
    std::vector<float> dh(pb.hidden.size()), dE(pb.E.size());
    loss_forward_backward(big.cfg, pb.hidden.data(), pb.E.data(), pb.targets.data(), nullptr, big.B, big.T, big.C,
                          big.N, dh.data(), dE.data(), buf);
    const float* tb = buf.scratch->thread_buf.data();
    const float* dp = buf.scratch->de_part.data();
    const int64_t* rows = buf.scratch->rows.data();
    loss_forward_backward(small.cfg, ps.hidden.data(), ps.E.data(), ps.targets.data(), nullptr, small.B, small.T,
                          small.C, small.N, dh.data(), dE.data(), buf);
    EXPECT_EQ(buf.scratch->thread_buf.data(), tb);
    EXPECT_EQ(buf.scratch->de_part.data(), dp);
    EXPECT_EQ(buf.scratch->rows.data(), rows);
}

TEST(Loss, TrainFlops) {
    EXPECT_DOUBLE_EQ(loss_train_flops(make(LossKind::BCE), 10, 50, 3416), 12.0 * 50 * 10);
    EXPECT_DOUBLE_EQ(loss_train_flops(make(LossKind::CE), 10, 50, 3416), 6.0 * 3416 * 50 * 10);
    EXPECT_DOUBLE_EQ(loss_train_flops(make(LossKind::GBCE, 7), 10, 50, 3416), 6.0 * 8 * 50 * 10);
}

}  // namespace
}  // namespace anirec
