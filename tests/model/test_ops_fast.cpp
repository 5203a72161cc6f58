// The fast kernels (ops.h, blas.h) against the naive references (ops_ref.h),
// computed in double from the same float inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "grad_check.h"
#include "model/blas.h"
#include "model/ops.h"
#include "model/ops_ref.h"
#include "model/vmath.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {
namespace {

using test::all_close;
using test::Tol;
using VecF = std::vector<float>;
using VecD = std::vector<double>;

// float products against double references: a few float ulps of the terms summed
constexpr Tol kFwdTol{1e-5, 1e-4};
constexpr Tol kBwdTol{2e-5, 2e-4};

VecF randf(size_t n, Rng& rng, double scale = 1.0, double shift = 0.0) {
    VecF v(n);
    test::fill_normal(v, rng, scale, shift);
    return v;
}
VecD to_d(const VecF& v) { return VecD(v.begin(), v.end()); }

TEST(FastOps, ExpMatchesStdExp) {
    double worst = 0;
    for (float x = -87.f; x < 88.f; x += 0.013f) {
        const double want = std::exp(static_cast<double>(x));
        worst = std::max(worst, std::fabs(exp_fast(x) - want) / want);
    }
    EXPECT_LT(worst, 3e-7);  // ~2 float ulps
    EXPECT_EQ(exp_fast(-100.f), 0.f);
    EXPECT_EQ(exp_fast(0.f), 1.f);
    EXPECT_TRUE(std::isfinite(exp_fast(88.7f)));
}

TEST(FastOps, GemmRowsMatchesNaive) {
    Rng rng(1);
    set_num_threads(2);
    BlasSerialScope scope;
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            const int M = 301, N = 37, K = 53;
            VecF A = randf((size_t)M * K, rng), B = randf((size_t)K * N, rng), C = randf((size_t)M * N, rng);
            VecD want(C.size());
            for (int i = 0; i < M; ++i)
                for (int j = 0; j < N; ++j) {
                    double s = 0;
                    for (int k = 0; k < K; ++k)
                        s += (double)(ta ? A[(size_t)k * M + i] : A[(size_t)i * K + k]) *
                             (tb ? B[(size_t)j * K + k] : B[(size_t)k * N + j]);
                    want[(size_t)i * N + j] = 0.5 * s + 2.0 * C[(size_t)i * N + j];
                }
            gemm_rows(ta, tb, M, N, K, 0.5f, A.data(), ta ? M : K, B.data(), tb ? K : N, 2.f, C.data(), N);
            EXPECT_TRUE(all_close("gemm_rows", C, want, kFwdTol)) << ta << tb;
        }
}

// 37 rows run on one thread; 1500 rows (N*C over kParallelMinWork) on two, with the
// dw/db partials of each thread's slice added at the end.
class FastLayerNorm : public ::testing::TestWithParam<int> {};

TEST_P(FastLayerNorm, ForwardBackward) {
    Rng rng(2);
    set_num_threads(2);
    const int N = GetParam(), C = 50;
    VecF x = randf((size_t)N * C, rng, 3.0, 1.0), a = randf((size_t)N * C, rng), w = randf(C, rng, 0.3, 1.0),
         b = randf(C, rng);
    // fused residual: res = x + a
    VecF res(x.size()), out(x.size()), mean(N), rstd(N);
    residual_layernorm_forward(res.data(), out.data(), mean.data(), rstd.data(), x.data(), a.data(), w.data(),
                               b.data(), N, C);
    VecD resd(x.size());
    for (size_t i = 0; i < x.size(); ++i) resd[i] = (double)x[i] + a[i];
    VecD outd(x.size()), meand(N), rstdd(N);
    ref::layernorm_forward(outd.data(), meand.data(), rstdd.data(), resd.data(), to_d(w).data(), to_d(b).data(), N, C,
                           1e-8);
    EXPECT_TRUE(all_close("residual", res, resd, kFwdTol));
    EXPECT_TRUE(all_close("ln out", out, outd, kFwdTol));
    EXPECT_TRUE(all_close("ln rstd", rstd, rstdd, kFwdTol));
    VecF out2(x.size()), mean2(N), rstd2(N);
    layernorm_forward(out2.data(), mean2.data(), rstd2.data(), res.data(), w.data(), b.data(), N, C);
    EXPECT_EQ(out2, out);  // the fused kernel is the plain one after the add

    VecF dout = randf(x.size(), rng), dx = randf(x.size(), rng), dw = randf(C, rng), db = randf(C, rng);
    VecD dxd = to_d(dx), dwd = to_d(dw), dbd = to_d(db);
    layernorm_backward(dx.data(), dw.data(), db.data(), dout.data(), res.data(), mean.data(), rstd.data(), w.data(),
                       N, C);
    ref::layernorm_backward(dxd.data(), dwd.data(), dbd.data(), to_d(dout).data(), resd.data(), meand.data(),
                            rstdd.data(), to_d(w).data(), N, C);
    EXPECT_TRUE(all_close("ln dx (+=)", dx, dxd, kBwdTol));
    EXPECT_TRUE(all_close("ln dw (+=)", dw, dwd, kBwdTol));
    EXPECT_TRUE(all_close("ln db (+=)", db, dbd, kBwdTol));
}

INSTANTIATE_TEST_SUITE_P(Rows, FastLayerNorm, ::testing::Values(37, 1500));

// Column slices of wider rows, like qkv. 203 rows: the weight gradient on one thread;
// 2003 rows: on two, with per-thread dw/db partials added at the end.
class FastLinear : public ::testing::TestWithParam<int> {};

TEST_P(FastLinear, StridesAndAccumulation) {
    Rng rng(3);
    set_num_threads(2);
    BlasSerialScope scope;
    const int N = GetParam(), IC = 20, OC = 40, ldi = 60, ldo = 60;
    VecF in = randf((size_t)N * ldi, rng), w = randf((size_t)OC * IC, rng), b = randf(OC, rng);
    VecF out((size_t)N * ldo, 7.f);
    linear_forward(out.data() + 10, ldo, in.data() + 5, ldi, w.data(), b.data(), N, IC, OC);
    VecD ind((size_t)N * IC), outd((size_t)N * OC);
    for (int n = 0; n < N; ++n)
        for (int i = 0; i < IC; ++i) ind[(size_t)n * IC + i] = in[(size_t)n * ldi + 5 + i];
    ref::linear_forward(outd.data(), ind.data(), to_d(w).data(), to_d(b).data(), N, IC, OC);
    VecF got((size_t)N * OC);
    for (int n = 0; n < N; ++n)
        for (int o = 0; o < OC; ++o) got[(size_t)n * OC + o] = out[(size_t)n * ldo + 10 + o];
    EXPECT_TRUE(all_close("linear out", got, outd, kFwdTol));
    EXPECT_EQ(out[9], 7.f);  // columns outside the slice untouched
    EXPECT_EQ(out[50], 7.f);

    VecF dout = randf((size_t)N * OC, rng), dx = randf((size_t)N * IC, rng), dw = randf(w.size(), rng),
         db = randf(OC, rng);
    for (bool acc : {false, true}) {
        VecF dx1 = dx, dw1 = dw, db1 = db;
        VecD dxd = acc ? to_d(dx) : VecD(dx.size(), 0.0), dwd = to_d(dw), dbd = to_d(db);
        linear_backward(dx1.data(), IC, acc, dw1.data(), db1.data(), dout.data(), OC, in.data() + 5,
                        ldi, w.data(), N, IC, OC);
        ref::linear_backward(dxd.data(), dwd.data(), dbd.data(), to_d(dout).data(), ind.data(), to_d(w).data(), N, IC,
                             OC);
        EXPECT_TRUE(all_close(acc ? "dx (+=)" : "dx (=)", dx1, dxd, kBwdTol));
        EXPECT_TRUE(all_close("dw (+=)", dw1, dwd, kBwdTol));
        EXPECT_TRUE(all_close("db (+=)", db1, dbd, kBwdTol));
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, FastLinear, ::testing::Values(203, 2003));

struct AttCase {
    const char* name;
    int T, C, H;
    std::vector<int> lens;
    float p;
};

class FastAttention : public ::testing::TestWithParam<AttCase> {};

TEST_P(FastAttention, MatchesNaive) {
    const AttCase& c = GetParam();
    Rng rng(11);
    set_num_threads(2);
    BlasSerialScope scope;
    const int B = static_cast<int>(c.lens.size()), T = c.T, C = c.C, H = c.H;
    std::vector<int32_t> seq = test::random_seqs(c.lens, T, 9, rng);
    PackedLayout lay;
    lay.reserve(B, T);
    lay.build(seq.data(), B, T, 9);
    // padded qkv (zero rows where padded) and its packed rows
    VecF qkv_pad((size_t)B * T * 3 * C, 0.f);
    for (int b = 0; b < B; ++b)
        for (int t = T - c.lens[b]; t < T; ++t)
            for (int k = 0; k < 3 * C; ++k) qkv_pad[((size_t)b * T + t) * 3 * C + k] = (float)rng.normal();
    VecF qkv((size_t)lay.R * 3 * C);
    gather_rows(qkv.data(), qkv_pad.data(), lay, 3 * C);
    const size_t natt = (size_t)lay.att0[B] * H;
    VecF out((size_t)lay.R * C), probs(natt), pdrop(c.p > 0 ? natt : 0);
    VecF scratch(2 * attention_scratch_floats(T, C, H));
    attention_forward(out.data(), probs.data(), c.p > 0 ? pdrop.data() : nullptr, qkv.data(), lay, C, H, c.p, 99, 0,
                      scratch.data(), 2);

    // naive, with the keep mask the fast kernel drew (recovered from probs_drop)
    std::vector<uint8_t> valid((size_t)B * T);
    for (size_t i = 0; i < valid.size(); ++i) valid[i] = seq[i] != 0;
    const size_t NP = (size_t)B * H * T * T;
    VecD keep(c.p > 0 ? NP : 0, 0.0);
    long kept = 0, allowed = 0;
    for (int b = 0; b < B && c.p > 0; ++b) {
        const int L = lay.len[b], first = T - L;
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < L; ++i)
                for (int j = 0; j <= i; ++j) {
                    const size_t ldp = attention_ld(L);
                    const float pd = pdrop[lay.att0[b] * H + (size_t)h * L * ldp + (size_t)i * ldp + j];
                    keep[(((size_t)b * H + h) * T + first + i) * T + first + j] = pd != 0.f ? 1.0 / (1.0 - c.p) : 0.0;
                    kept += pd != 0.f;
                    ++allowed;
                }
    }
    if (c.p > 0) {  // the drop rate is p (binomial, 5 sigma)
        const double rate = 1.0 - (double)kept / allowed;
        EXPECT_NEAR(rate, c.p, 5 * std::sqrt(c.p * (1 - c.p) / allowed));
    }
    VecD outd((size_t)B * T * C), probsd(NP);
    const double* kp = c.p > 0 ? keep.data() : nullptr;
    ref::attention_forward(outd.data(), probsd.data(), to_d(qkv_pad).data(), valid.data(), kp, B, T, C, H);
    VecF out_pad((size_t)B * T * C);
    scatter_rows(out_pad.data(), out.data(), lay, C);
    EXPECT_TRUE(all_close(std::string(c.name) + " out", out_pad, outd, kFwdTol));
    // probabilities: the lower triangle of each block
    double worst = 0;
    for (int b = 0; b < B; ++b) {
        const int L = lay.len[b], first = T - L;
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < L; ++i)
                for (int j = 0; j <= i; ++j)
                    worst = std::max(worst, std::fabs(probs[lay.att0[b] * H + (size_t)h * L * attention_ld(L) +
                                                            (size_t)i * attention_ld(L) + j] -
                                                      probsd[(((size_t)b * H + h) * T + first + i) * T + first + j]));
    }
    EXPECT_LT(worst, 1e-6) << "probabilities";

    // backward
    VecF dout = randf((size_t)lay.R * C, rng);
    VecF dqkv((size_t)lay.R * 3 * C, 123.f), dscratch(natt);
    attention_backward(dqkv.data(), dscratch.data(), dout.data(), qkv.data(), probs.data(),
                       c.p > 0 ? pdrop.data() : nullptr, lay, C, H, c.p, scratch.data(), 2);
    VecF dout_pad((size_t)B * T * C);
    scatter_rows(dout_pad.data(), dout.data(), lay, C);
    VecD dqkvd(qkv_pad.size(), 0.0);
    ref::attention_backward(dqkvd.data(), to_d(dout_pad).data(), to_d(qkv_pad).data(), probsd.data(), valid.data(), kp,
                            B, T, C, H);
    VecF dqkv_pad(qkv_pad.size());
    scatter_rows(dqkv_pad.data(), dqkv.data(), lay, 3 * C);
    EXPECT_TRUE(all_close(std::string(c.name) + " dqkv", dqkv_pad, dqkvd, kBwdTol));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FastAttention,
    ::testing::Values(AttCase{"one head, full", 9, 4, 1, {9}, 0.f},
                      AttCase{"two heads, padding, empty row", 12, 8, 2, {12, 0, 1, 5, 11}, 0.f},
                      AttCase{"several tiles", 150, 8, 2, {150, 65, 64, 63, 129, 3}, 0.f},
                      AttCase{"several tiles, dropout", 150, 6, 1, {150, 100, 64, 1, 0}, 0.3f},
                      AttCase{"head dim 50, ML-1M shape", 200, 50, 1, {200, 137, 16, 17, 33}, 0.2f},
                      AttCase{"head dim 40 x 2, 3 vectors", 70, 80, 2, {70, 31, 32, 9}, 0.f},
                      AttCase{"head dim 72, two column groups", 40, 144, 2, {40, 23}, 0.1f}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(FastOps, EmbeddingAndDropoutMask) {
    Rng rng(5);
    set_num_threads(2);
    const int T = 6, C = 5, N = 7;
    const std::vector<int> lens = {6, 2, 0, 4};
    const int B = static_cast<int>(lens.size());
    std::vector<int32_t> seq = test::random_seqs(lens, T, N, rng);
    seq[5] = seq[4];  // a repeated item: dE receives two rows
    PackedLayout lay;
    lay.reserve(B, T);
    lay.build(seq.data(), B, T, N);
    VecF E = randf((size_t)(N + 1) * C, rng), P = randf((size_t)T * C, rng);
    const float p = 0.25f;
    std::vector<uint8_t> mask((size_t)lay.R * C);
    dropout_mask(mask.data(), lay, C, p, 1234, DropKind::EMB, 0);
    VecF out((size_t)lay.R * C);
    embedding_forward(out.data(), lay, E.data(), P.data(), mask.data(), p, C);
    // naive with the same mask in the padded layout
    VecD keep((size_t)B * T * C, 0.0);
    for (int b = 0; b < B; ++b)
        for (int i = 0; i < lens[b]; ++i)
            for (int k = 0; k < C; ++k)
                keep[((size_t)b * T + T - lens[b] + i) * C + k] = mask[(lay.row0[b] + i) * C + k] ? 1.0 / (1 - p) : 0.0;
    VecD outd((size_t)B * T * C);
    ref::embedding_forward(outd.data(), seq.data(), to_d(E).data(), to_d(P).data(), keep.data(), B, T, C);
    VecF out_pad((size_t)B * T * C);
    scatter_rows(out_pad.data(), out.data(), lay, C);
    EXPECT_TRUE(all_close("embedding", out_pad, outd, kFwdTol));

    VecF dout = randf(out.size(), rng), dE = randf(E.size(), rng), dP = randf(P.size(), rng);
    VecD dEd = to_d(dE), dPd = to_d(dP);
    embedding_backward(dE.data(), dP.data(), dout.data(), lay, mask.data(), p, C, N);
    VecF dout_pad((size_t)B * T * C);
    scatter_rows(dout_pad.data(), dout.data(), lay, C);
    ref::embedding_backward(dEd.data(), dPd.data(), to_d(dout_pad).data(), seq.data(), keep.data(), B, T, C);
    EXPECT_TRUE(all_close("dE (+=)", dE, dEd, kBwdTol));
    EXPECT_TRUE(all_close("dP (+=)", dP, dPd, kBwdTol));

    // masks depend on the seed, not on the thread count
    std::vector<uint8_t> mask1(mask.size()), mask3(mask.size());
    set_num_threads(1);
    dropout_mask(mask1.data(), lay, C, p, 1234, DropKind::EMB, 0);
    set_num_threads(2);
    EXPECT_EQ(mask1, mask);
    dropout_mask(mask3.data(), lay, C, p, 1235, DropKind::EMB, 0);
    EXPECT_NE(mask3, mask);
}

TEST(FastOps, DropoutRate) {
    Rng rng(6);
    const int T = 200, C = 50;
    std::vector<int> lens(64, T);
    std::vector<int32_t> seq = test::random_seqs(lens, T, 100, rng);
    PackedLayout lay;
    lay.reserve(64, T);
    lay.build(seq.data(), 64, T, 100);
    std::vector<uint8_t> mask((size_t)lay.R * C);
    const float p = 0.2f;
    dropout_mask(mask.data(), lay, C, p, 77, DropKind::FFN1, 1);
    double dropped = 0;
    for (uint8_t m : mask) dropped += m == 0;
    const double n = static_cast<double>(mask.size());
    EXPECT_NEAR(dropped / n, p, 5 * std::sqrt(p * (1 - p) / n));
}

TEST(FastOps, ReluDropout) {
    Rng rng(8);
    const long n = 1000;
    VecF z = randf(n, rng);
    std::vector<uint8_t> mask(n);
    for (auto& m : mask) m = rng.uniform() < 0.7f ? 1 : 0;
    const float p = 0.3f;
    VecF h = z;
    relu_dropout_forward(h.data(), mask.data(), p, n);
    VecD keep(n), hd(n);
    for (long i = 0; i < n; ++i) keep[i] = mask[i] ? 1.0 / (1 - p) : 0.0;
    ref::relu_dropout_forward(hd.data(), to_d(z).data(), keep.data(), n);
    EXPECT_TRUE(all_close("relu dropout", h, hd, kFwdTol));
    VecF d = randf(n, rng);
    VecD dd(n, 0.0);
    ref::relu_dropout_backward(dd.data(), to_d(d).data(), to_d(z).data(), keep.data(), n);
    relu_dropout_backward(d.data(), h.data(), p, n);
    EXPECT_TRUE(all_close("relu dropout backward", d, dd, kBwdTol));
}

TEST(FastOps, PackedLayoutRejectsBadSequences) {
    PackedLayout lay;
    lay.reserve(2, 4);
    const std::vector<int32_t> gap = {0, 3, 0, 2, 1, 1, 1, 1};
    EXPECT_THROW(lay.build(gap.data(), 2, 4, 5), Error);
    const std::vector<int32_t> big = {0, 0, 6, 1, 1, 1, 1, 1};
    EXPECT_THROW(lay.build(big.data(), 2, 4, 5), Error);
    const std::vector<int32_t> neg = {0, 0, -1, 1, 1, 1, 1, 1};
    EXPECT_THROW(lay.build(neg.data(), 2, 4, 5), Error);
    const std::vector<int32_t> ok = {0, 0, 5, 1, 0, 0, 0, 0};
    lay.build(ok.data(), 2, 4, 5);
    EXPECT_EQ(lay.R, 2);
    EXPECT_EQ(lay.len[0], 2);
    EXPECT_EQ(lay.len[1], 0);
    EXPECT_EQ(lay.row_pos[0], 2);
    EXPECT_EQ(lay.row_item[1], 1);
}

}  // namespace
}  // namespace anirec
