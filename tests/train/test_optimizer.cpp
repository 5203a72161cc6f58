// Adam / AdamW steps against values worked out by hand from the update rule in
// train/optimizer.h (β1 0.9, β2 0.98, ε 1e-8).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "train/optimizer.h"
#include "util/error.h"
#include "util/parallel.h"

using namespace anirec;

namespace {
ModelConfig tiny() {
    ModelConfig c;
    c.n_items = 3;
    c.maxlen = 2;
    c.hidden = 2;
    c.blocks = 1;
    c.heads = 1;
    return c;
}
void fill(ParamArena& a, float x) {
    for (const TensorInfo& t : a.tensors()) std::fill(a.data() + t.offset, a.data() + t.offset + t.numel, x);
}
}  // namespace

TEST(Optimizer, TwoAdamStepsByHand) {
    const ModelConfig cfg = tiny();
    ParamArena w(cfg), g(cfg);
    Optimizer opt(cfg, OptimizerConfig{});
    fill(w, 1.f);
    fill(g, 0.5f);
    opt.step(w, g, 0.1f);
    // t=1: m = 0.05, v = 0.005; m̂ = 0.5, sqrt(v̂) = 0.5  =>  w = 1 - 0.1·0.5/(0.5+1e-8) = 0.9
    const float* pe = w.pos_emb;
    EXPECT_NEAR(pe[0], 0.9f, 1e-6f);
    fill(g, -0.25f);
    opt.step(w, g, 0.1f);
    // t=2: m = 0.9·0.05 - 0.1·0.25 = 0.02; v = 0.98·0.005 + 0.02·0.0625 = 0.00615
    //      m̂ = 0.02/0.19 = 0.1052632; sqrt(v̂) = sqrt(0.00615/0.0396) = 0.3940857
    //      w = 0.9 - 0.1·0.1052632/0.3940857 = 0.8732894
    EXPECT_NEAR(pe[0], 0.8732894f, 1e-6f);
    EXPECT_NEAR(opt.m().pos_emb[0], 0.02f, 1e-8f);
    EXPECT_NEAR(opt.v().pos_emb[0], 0.00615f, 1e-8f);
    EXPECT_EQ(opt.steps(), 2);
    // Every tensor got the same update, except the padding row of item_emb.
    for (const TensorInfo& t : w.tensors()) {
        const size_t skip = t.name == "item_emb.weight" ? 2 : 0;
        for (size_t i = skip; i < t.numel; ++i) ASSERT_NEAR(w.data()[t.offset + i], 0.8732894f, 1e-6f) << t.name;
    }
    EXPECT_EQ(w.item_emb[0], 0.f);
    EXPECT_EQ(w.item_emb[1], 0.f);
}

TEST(Optimizer, AdamWDecaysMatricesOnly) {
    const ModelConfig cfg = tiny();
    ParamArena w(cfg), g(cfg);
    OptimizerConfig oc;
    oc.kind = OptimizerKind::ADAMW;
    oc.weight_decay = 0.1f;
    Optimizer opt(cfg, oc);
    fill(w, 2.f);
    g.zero();  // zero gradient: the Adam part moves nothing, only the decay acts
    opt.step(w, g, 0.5f);
    // w *= 1 - 0.5·0.1 = 0.95 for rank >= 2 tensors; LayerNorm and biases untouched.
    EXPECT_FLOAT_EQ(w.pos_emb[0], 1.9f);
    EXPECT_FLOAT_EQ(w.item_emb[2], 1.9f);
    EXPECT_FLOAT_EQ(w.blocks[0].in_proj_w[0], 1.9f);
    EXPECT_FLOAT_EQ(w.blocks[0].conv1_w[3], 1.9f);
    EXPECT_FLOAT_EQ(w.blocks[0].attn_ln_w[0], 2.f);
    EXPECT_FLOAT_EQ(w.blocks[0].in_proj_b[0], 2.f);
    EXPECT_FLOAT_EQ(w.blocks[0].conv2_b[1], 2.f);
    EXPECT_FLOAT_EQ(w.last_ln_b[0], 2.f);
    // Plain Adam ignores weight_decay.
    ParamArena w2(cfg);
    fill(w2, 2.f);
    OptimizerConfig plain = oc;
    plain.kind = OptimizerKind::ADAM;
    Optimizer opt2(cfg, plain);
    opt2.step(w2, g, 0.5f);
    EXPECT_FLOAT_EQ(w2.pos_emb[0], 2.f);
}

TEST(Optimizer, L2OnEmbeddingsAndPaddingRowStaysZero) {
    const ModelConfig cfg = tiny();
    ParamArena w(cfg), g(cfg);
    OptimizerConfig oc;
    oc.l2_emb = 0.5f;
    Optimizer opt(cfg, oc);
    fill(w, 2.f);
    w.item_emb[0] = 7.f;  // garbage in the padding row must not survive a step
    g.zero();
    const float norm = opt.step(w, g, 0.1f);
    // g = 0.5·2 = 1 on item rows 1..3 (6 floats) and pos_emb (4 floats): norm sqrt(10).
    EXPECT_NEAR(norm, std::sqrt(10.f), 1e-6f);
    // First Adam step moves by lr·g/|g| = 0.1.
    EXPECT_NEAR(w.item_emb[2], 1.9f, 1e-6f);
    EXPECT_NEAR(w.pos_emb[3], 1.9f, 1e-6f);
    EXPECT_FLOAT_EQ(w.blocks[0].in_proj_w[0], 2.f);  // not an embedding
    EXPECT_EQ(w.item_emb[0], 0.f);
    EXPECT_EQ(w.item_emb[1], 0.f);
    EXPECT_EQ(opt.m().item_emb[0], 0.f);
}

TEST(Optimizer, ClipScalesToMaxNormAndNormIsThreadIndependent) {
    ModelConfig cfg = tiny();
    cfg.n_items = 5000;  // several chunks
    cfg.hidden = 8;
    ParamArena w(cfg), g(cfg);
    size_t n = 0;
    for (const TensorInfo& t : g.tensors()) {
        for (size_t i = 0; i < t.numel; ++i) g.data()[t.offset + i] = 0.001f * static_cast<float>((i * 7919) % 113) - 0.05f;
        n += t.numel;
    }
    std::fill(g.item_emb, g.item_emb + cfg.hidden, 0.f);
    ParamArena g2 = g;
    double sq = 0.0;
    for (const TensorInfo& t : g.tensors())
        for (size_t i = 0; i < t.numel; ++i) sq += double(g.data()[t.offset + i]) * g.data()[t.offset + i];
    OptimizerConfig oc;
    oc.clip = 0.5f;
    set_num_threads(1);
    Optimizer o1(cfg, oc);
    ParamArena w1 = w;
    const float n1 = o1.step(w1, g, 1e-3f);
    set_num_threads(2);
    Optimizer o2(cfg, oc);
    ParamArena w2 = w;
    const float n2 = o2.step(w2, g2, 1e-3f);
    EXPECT_EQ(n1, n2);  // bitwise: chunk sums in a fixed order
    EXPECT_NEAR(n1, std::sqrt(sq), 1e-4 * std::sqrt(sq));
    ASSERT_GT(n1, 0.5f);
    // The clipped gradient has norm 0.5.
    double sq2 = 0.0;
    for (const TensorInfo& t : g.tensors())
        for (size_t i = 0; i < t.numel; ++i) sq2 += double(g.data()[t.offset + i]) * g.data()[t.offset + i];
    EXPECT_NEAR(std::sqrt(sq2), 0.5, 1e-5);
    EXPECT_EQ(0, std::memcmp(w1.data(), w2.data(), w1.size() * sizeof(float)));
    set_num_threads(0);
}

TEST(Optimizer, BadConfigNamesTheFlag) {
    OptimizerConfig oc;
    oc.clip = -1.f;
    try {
        Optimizer o(tiny(), oc);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--clip"), std::string::npos);
    }
    EXPECT_THROW(parse_optimizer_kind("sgd"), UsageError);
    EXPECT_EQ(parse_optimizer_kind("adamw"), OptimizerKind::ADAMW);
}
