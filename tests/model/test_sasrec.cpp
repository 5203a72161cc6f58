// The whole model: parameter layout, forward against the double reference model,
// backward against its central finite differences, inference helpers, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "grad_check.h"
#include "model/ops.h"
#include "model/sasrec.h"
#include "model/sasrec_ref.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {
namespace {

using test::all_close;
using test::Tol;

// fast float model vs the double reference
constexpr Tol kForwardTol{2e-5, 2e-4};
// float analytic gradients vs double central differences (eps kFdEps): float
// rounding in the backward, relative to gradients of order 0.1-1
constexpr Tol kGradTol{5e-6, 5e-4};
constexpr double kFdEps = 1e-5;

const std::vector<int> kLens = {7, 3, 0, 1, 6};  // padding in the batch, an empty sequence

ModelConfig with_dropout(ModelConfig c, float p) {
    c.dropout = p;
    return c;
}

struct Tiny {
    ModelConfig cfg;
    ParamArena w;
    std::vector<int32_t> seq;
    int B;
    explicit Tiny(NormLayout norm, float dropout = 0.f, uint64_t seed = 3)
        : cfg(with_dropout(test::tiny_config(norm), dropout)), w(cfg), B(static_cast<int>(kLens.size())) {
        test::random_params(w, seed);
        Rng rng(seed + 1);
        seq = test::random_seqs(kLens, cfg.maxlen, cfg.n_items, rng);
    }
};

TEST(ParamArena, NamesShapesAndViews) {
    ModelConfig c = test::tiny_config(NormLayout::SASREC, 10, 5, 6, 2, 2);
    ParamArena p(c);
    const auto& ts = p.tensors();
    ASSERT_EQ(ts.size(), 2u + 2 * 12 + 2);
    EXPECT_EQ(ts[0].name, "item_emb.weight");
    EXPECT_EQ(ts[0].shape, (std::vector<int64_t>{11, 6}));
    EXPECT_EQ(ts[1].name, "pos_emb.weight");
    EXPECT_EQ(ts[2].name, "attention_layernorms.0.weight");
    EXPECT_EQ(ts[6].name, "attention_layers.0.in_proj_weight");
    EXPECT_EQ(ts[6].shape, (std::vector<int64_t>{18, 6}));
    EXPECT_EQ(ts.back().name, "last_layernorm.bias");
    const size_t C = 6;
    const size_t per_block = 2 * C + 3 * C * C + 3 * C + C * C + C + 2 * C + 2 * (C * C + C);
    EXPECT_EQ(p.size(), 11 * C + 5 * C + 2 * per_block + 2 * C);
    size_t off = 0;
    for (const auto& t : ts) {
        EXPECT_EQ(t.offset, off) << t.name;
        off += t.numel;
    }
    EXPECT_EQ(p.tensor("forward_layers.1.conv2.bias"), p.blocks[1].conv2_b);
    EXPECT_EQ(p.tensor("attention_layers.1.out_proj.weight"), p.blocks[1].out_proj_w);
    EXPECT_THROW(p.tensor("nope"), Error);
    p.data()[3] = 5.f;
    ParamArena q = p;
    EXPECT_EQ(q.item_emb[3], 5.f);
    EXPECT_NE(q.item_emb, p.item_emb);
    EXPECT_EQ(q.blocks[1].conv2_b, q.tensor("forward_layers.1.conv2.bias"));
}

TEST(ParamArena, InitParams) {
    ModelConfig c = test::tiny_config(NormLayout::SASREC, 40, 5, 6, 2, 1);
    ParamArena p(c), q(c), r(c);
    init_params(p, 1);
    init_params(q, 1);
    init_params(r, 2);
    EXPECT_EQ(std::memcmp(p.data(), q.data(), p.size() * sizeof(float)), 0);
    EXPECT_NE(std::memcmp(p.data(), r.data(), p.size() * sizeof(float)), 0);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(p.item_emb[k], 0.f);
    for (const auto& t : p.tensors()) {
        const float* x = p.data() + t.offset;
        if (t.shape.size() >= 2) {
            const double fan = t.shape[0] + t.shape[1];
            const double a = std::sqrt(6.0 / fan);
            double mx = 0;
            for (size_t i = 0; i < t.numel; ++i) mx = std::max(mx, (double)std::fabs(x[i]));
            EXPECT_LE(mx, a) << t.name;
            EXPECT_GT(mx, 0.5 * a) << t.name;
        } else {
            const float want = t.name.find("layernorm") != std::string::npos && t.name.ends_with(".weight") ? 1.f : 0.f;
            for (size_t i = 0; i < t.numel; ++i) ASSERT_EQ(x[i], want) << t.name;
        }
    }
}

class Layouts : public ::testing::TestWithParam<NormLayout> {};

TEST_P(Layouts, ForwardMatchesReference) {
    Tiny m(GetParam());
    Workspace ws(m.cfg, 8);
    const float* h = sasrec_forward(m.w, ws, m.seq.data(), m.B, false, nullptr);
    std::vector<double> params(m.w.data(), m.w.data() + m.w.size());
    std::vector<double> want = ref::sasrec_forward<double>(m.w, params, m.seq.data(), m.B);
    EXPECT_TRUE(all_close("hidden", h, want.data(), want.size(), kForwardTol));
    // padded rows are exactly zero
    for (int b = 0; b < m.B; ++b)
        for (int t = 0; t < m.cfg.maxlen - kLens[b]; ++t)
            for (int c = 0; c < m.cfg.hidden; ++c) EXPECT_EQ(h[((size_t)b * m.cfg.maxlen + t) * m.cfg.hidden + c], 0.f);
}

TEST_P(Layouts, BackwardMatchesFiniteDifferences) {
    Tiny m(GetParam());
    const size_t nh = (size_t)m.B * m.cfg.maxlen * m.cfg.hidden;
    Rng rng(9);
    std::vector<float> G(nh);
    test::fill_normal(G, rng);
    Workspace ws(m.cfg, m.B);
    sasrec_forward(m.w, ws, m.seq.data(), m.B, true, nullptr);  // dropout 0: no Rng needed
    ParamArena dw(m.cfg);
    dw.data()[0] = 0.f;
    sasrec_backward(m.w, dw, ws, G.data());

    std::vector<double> params(m.w.data(), m.w.data() + m.w.size());
    auto objective = [&]() {
        std::vector<double> o = ref::sasrec_forward<double>(m.w, params, m.seq.data(), m.B);
        double s = 0;
        for (size_t i = 0; i < nh; ++i) s += o[i] * G[i];
        return s;
    };
    for (const auto& t : m.w.tensors()) {
        std::vector<double> numeric(t.numel);
        for (size_t i = 0; i < t.numel; ++i) numeric[i] = test::central_diff(params[t.offset + i], kFdEps, objective);
        EXPECT_TRUE(all_close("d " + t.name, dw.data() + t.offset, numeric.data(), t.numel, kGradTol));
    }
    // the padding row of the item table never gets a gradient
    for (int c = 0; c < m.cfg.hidden; ++c) EXPECT_EQ(dw.item_emb[c], 0.f);
}

TEST_P(Layouts, BackwardAccumulates) {
    Tiny m(GetParam());
    const size_t nh = (size_t)m.B * m.cfg.maxlen * m.cfg.hidden;
    std::vector<float> G(nh, 0.5f);
    Workspace ws(m.cfg, m.B);
    sasrec_forward(m.w, ws, m.seq.data(), m.B, true, nullptr);
    ParamArena once(m.cfg), twice(m.cfg);
    sasrec_backward(m.w, once, ws, G.data());
    sasrec_backward(m.w, twice, ws, G.data());
    sasrec_backward(m.w, twice, ws, G.data());
    for (size_t i = 0; i < once.size(); ++i) ASSERT_NEAR(twice.data()[i], 2 * once.data()[i], 1e-5 + 1e-5 * std::fabs(once.data()[i])) << i;
}

TEST_P(Layouts, LastStateIsLastRowOfForward) {
    Tiny m(GetParam(), 0.3f);  // dropout configured: inference must ignore it
    Workspace ws(m.cfg, 8);
    Workspace inf(m.cfg, 8, false);
    const float* h = sasrec_forward(m.w, ws, m.seq.data(), m.B, false, nullptr);
    std::vector<float> last((size_t)m.B * m.cfg.hidden, 9.f), last_inf(last.size(), 9.f);
    sasrec_last_state(m.w, ws, m.seq.data(), m.B, last.data());
    sasrec_last_state(m.w, inf, m.seq.data(), m.B, last_inf.data());
    const int T = m.cfg.maxlen, C = m.cfg.hidden;
    for (int b = 0; b < m.B; ++b)
        for (int c = 0; c < C; ++c) {
            EXPECT_EQ(last[(size_t)b * C + c], h[((size_t)b * T + T - 1) * C + c]) << b;
            EXPECT_EQ(last_inf[(size_t)b * C + c], last[(size_t)b * C + c]) << b;
        }
    EXPECT_THROW(sasrec_forward(m.w, inf, m.seq.data(), m.B, true, nullptr), Error);
}

TEST_P(Layouts, SequencesAreIndependentOfTheBatch) {
    Tiny m(GetParam());
    Workspace ws(m.cfg, 8);
    const int T = m.cfg.maxlen, C = m.cfg.hidden;
    std::vector<float> all(sasrec_forward(m.w, ws, m.seq.data(), m.B, false, nullptr),
                           sasrec_forward(m.w, ws, m.seq.data(), m.B, false, nullptr) + (size_t)m.B * T * C);
    for (int b = 0; b < m.B; ++b) {
        const float* one = sasrec_forward(m.w, ws, m.seq.data() + (size_t)b * T, 1, false, nullptr);
        EXPECT_TRUE(all_close("sequence alone", one, all.data() + (size_t)b * T * C, (size_t)T * C, kForwardTol)) << b;
    }
}


// The dropout keep factors (0 or 1/(1-p)) the fast model draws from `seed` (the
// first rng->next() of its forward), rebuilt in the padded layout for the reference.
ref::DropoutMasks<double> replay_masks(const ModelConfig& cfg, const std::vector<int32_t>& seq, int B,
                                       uint64_t seed) {
    const int T = cfg.maxlen, C = cfg.hidden, H = cfg.heads;
    const double p = cfg.dropout, ks = 1.0 / (1.0 - p);
    PackedLayout lay;
    lay.reserve(B, T);
    lay.build(seq.data(), B, T, cfg.n_items);
    auto rows = [&](DropKind kind, int layer) {
        std::vector<uint8_t> m((size_t)lay.R * C);
        dropout_mask(m.data(), lay, C, cfg.dropout, seed, kind, layer);
        std::vector<double> keep((size_t)B * T * C, 0.0);
        for (int b = 0; b < B; ++b)
            for (int i = 0; i < lay.len[b]; ++i)
                for (int c = 0; c < C; ++c)
                    keep[((size_t)b * T + T - lay.len[b] + i) * C + c] = m[(lay.row0[b] + i) * C + c] ? ks : 0.0;
        return keep;
    };
    ref::DropoutMasks<double> m;
    m.emb = rows(DropKind::EMB, 0);
    for (int l = 0; l < cfg.blocks; ++l) {
        m.ffn1.push_back(rows(DropKind::FFN1, l));
        m.ffn2.push_back(rows(DropKind::FFN2, l));
        std::vector<double> att((size_t)B * H * T * T, 0.0);
        for (int b = 0; b < B; ++b) {
            const int L = lay.len[b], first = T - L;
            std::vector<uint8_t> k((size_t)L * L);
            for (int h = 0; h < H; ++h) {
                attention_dropout_keep(k.data(), seed, l, b, h, L, cfg.dropout);
                for (int i = 0; i < L; ++i)
                    for (int j = 0; j <= i; ++j)
                        att[(((size_t)b * H + h) * T + first + i) * T + first + j] = k[(size_t)i * L + j] ? ks : 0.0;
            }
        }
        m.attn.push_back(att);
    }
    return m;
}

// With dropout on, the fast model must equal the reference run with the same masks,
// and its backward must match that function's central differences.
TEST_P(Layouts, DropoutForwardBackwardMatchReference) {
    Tiny m(GetParam(), 0.25f);
    const size_t nh = (size_t)m.B * m.cfg.maxlen * m.cfg.hidden;
    Rng grng(4);
    std::vector<float> G(nh);
    test::fill_normal(G, grng);
    Workspace ws(m.cfg, m.B);
    Rng rng(77);
    const float* h = sasrec_forward(m.w, ws, m.seq.data(), m.B, true, &rng);
    ParamArena dw(m.cfg);
    sasrec_backward(m.w, dw, ws, G.data());

    Rng seed_rng(77);
    const ref::DropoutMasks<double> masks = replay_masks(m.cfg, m.seq, m.B, seed_rng.next());
    std::vector<double> params(m.w.data(), m.w.data() + m.w.size());
    const std::vector<double> want = ref::sasrec_forward<double>(m.w, params, m.seq.data(), m.B, &masks);
    EXPECT_TRUE(all_close("hidden with dropout", h, want.data(), nh, kForwardTol));
    const std::vector<double> plain = ref::sasrec_forward<double>(m.w, params, m.seq.data(), m.B);
    EXPECT_FALSE(all_close("dropout changes the output", h, plain.data(), nh, kForwardTol));
    auto objective = [&]() {
        std::vector<double> o = ref::sasrec_forward<double>(m.w, params, m.seq.data(), m.B, &masks);
        double s = 0;
        for (size_t i = 0; i < nh; ++i) s += o[i] * G[i];
        return s;
    };
    for (const auto& t : m.w.tensors()) {
        std::vector<double> numeric(t.numel);
        for (size_t i = 0; i < t.numel; ++i) numeric[i] = test::central_diff(params[t.offset + i], kFdEps, objective);
        EXPECT_TRUE(all_close("d " + t.name, dw.data() + t.offset, numeric.data(), t.numel, kGradTol));
    }
}

// Same seed and thread count: bit-identical forward and gradients. 1 vs 2 threads:
// equal to float tolerance (the products split their rows differently).
TEST(Sasrec, Determinism) {
    Tiny m(NormLayout::SASREC, 0.3f);
    ModelConfig cfg = m.cfg;
    cfg.maxlen = 90;  // long enough for several attention tiles and threaded products
    cfg.n_items = 50;
    ParamArena w(cfg);
    test::random_params(w, 5);
    Rng srng(3);
    std::vector<int> lens = {90, 70, 0, 1, 33, 89, 64, 65};
    std::vector<int32_t> seq = test::random_seqs(lens, cfg.maxlen, cfg.n_items, srng);
    const int B = static_cast<int>(lens.size());
    const size_t nh = (size_t)B * cfg.maxlen * cfg.hidden;
    std::vector<float> G(nh);
    test::fill_normal(G, srng);
    auto run = [&](int threads, uint64_t seed, std::vector<float>& hidden, ParamArena& dw) {
        set_num_threads(threads);
        Workspace ws(cfg, B);
        Rng rng(seed);
        const float* h = sasrec_forward(w, ws, seq.data(), B, true, &rng);
        hidden.assign(h, h + nh);
        dw.zero();
        sasrec_backward(w, dw, ws, G.data());
    };
    std::vector<float> h1, h2, h3, h4;
    ParamArena d1(cfg), d2(cfg), d3(cfg), d4(cfg);
    run(2, 10, h1, d1);
    run(2, 10, h2, d2);
    run(2, 11, h3, d3);
    run(1, 10, h4, d4);
    set_num_threads(0);
    EXPECT_EQ(std::memcmp(h1.data(), h2.data(), nh * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(d1.data(), d2.data(), d1.size() * sizeof(float)), 0);
    EXPECT_NE(h1, h3);  // another seed, other dropout masks
    EXPECT_TRUE(all_close("hidden 1 vs 2 threads", h4, h1, Tol{1e-5, 1e-4}));
    EXPECT_TRUE(all_close("grads 1 vs 2 threads", d4.data(), d1.data(), d1.size(), Tol{1e-5, 1e-4}));
}

TEST(Sasrec, BadInputThrows) {
    Tiny m(NormLayout::PRE);
    Workspace ws(m.cfg, 2);
    EXPECT_THROW(sasrec_forward(m.w, ws, m.seq.data(), 3, false, nullptr), Error);  // batch > max
    std::vector<int32_t> bad(m.seq.begin(), m.seq.begin() + 2 * m.cfg.maxlen);
    bad[3] = m.cfg.n_items + 1;
    EXPECT_THROW(sasrec_forward(m.w, ws, bad.data(), 2, false, nullptr), Error);
    Workspace fresh(m.cfg, 2);
    ParamArena dw(m.cfg);
    std::vector<float> G((size_t)2 * m.cfg.maxlen * m.cfg.hidden);
    EXPECT_THROW(sasrec_backward(m.w, dw, fresh, G.data()), Error);  // no forward yet
    ModelConfig other = m.cfg;
    other.hidden = 4;
    ParamArena w2(other);
    EXPECT_THROW(sasrec_forward(w2, ws, m.seq.data(), 2, false, nullptr), Error);
    ModelConfig dropcfg = m.cfg;
    dropcfg.dropout = 0.1f;
    Workspace wsd(dropcfg, 2);
    ParamArena wd(dropcfg);
    EXPECT_THROW(sasrec_forward(wd, wsd, m.seq.data(), 2, true, nullptr), Error);  // dropout needs an Rng
    // Wider than the kernels' per-thread stack partials allow (a hand-made or newer model
    // file): refused by name before any buffer is sized from it.
    ModelConfig wide = m.cfg;
    wide.hidden = kMaxHidden + 1;
    try {
        wide.validate();
        ADD_FAILURE() << "hidden " << wide.hidden << " accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--hidden: must be in [1, 4096]"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ParamArena{wide}, UsageError);
}

TEST(Sasrec, TrainFlops) {
    ModelConfig c = test::tiny_config(NormLayout::SASREC, 10, 4, 6, 2, 2);
    const std::vector<int32_t> seq = {0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0};  // lengths 2, 4, 0
    const double C = 6;
    const double want = 2 * (36 * C * C * (2 + 4) + 6 * C * (2 * 3 + 4 * 5));
    EXPECT_DOUBLE_EQ(sasrec_train_flops(c, seq.data(), 3), want);
}

INSTANTIATE_TEST_SUITE_P(Norm, Layouts, ::testing::Values(NormLayout::PRE, NormLayout::SASREC),
                         [](const auto& info) { return std::string(norm_layout_name(info.param)); });

}  // namespace
}  // namespace anirec
