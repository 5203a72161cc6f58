// End to end against PyTorch: tests/fixtures/model/sasrec_reference.bin, written by
// tools/make_reference.py (an independent torch model: nn.MultiheadAttention,
// nn.LayerNorm, Conv1d feed-forward, computed in float64), holds the inputs, the
// weights, the hidden states, the logits, the four losses and every parameter
// gradient for both norm layouts. The fast float32 engine must match each tensor to
// atol + rtol*|ref|; the largest difference of every tensor is printed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "../model/grad_check.h"
#include "model/sasrec.h"
#include "train/loss.h"

namespace anirec {
namespace {

using test::all_close;
using test::Tol;

constexpr Tol kHiddenTol{1e-5, 1e-4};
constexpr Tol kLossTol{1e-6, 1e-5};
constexpr Tol kGradTol{1e-5, 1e-4};

struct Entry {
    bool is_int = false;
    std::vector<int64_t> shape;
    std::vector<float> f;
    std::vector<int32_t> i;
};

// The format is documented in tools/make_reference.py.
std::map<std::string, Entry> load_fixture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    char magic[8];
    in.read(magic, 8);
    if (!in || std::memcmp(magic, "ANRFIX01", 8) != 0) throw std::runtime_error(path + ": bad magic");
    auto u32 = [&]() {
        uint32_t v = 0;
        in.read(reinterpret_cast<char*>(&v), 4);
        return v;
    };
    const uint32_t n = u32();
    std::map<std::string, Entry> out;
    for (uint32_t k = 0; k < n; ++k) {
        std::string name(u32(), '\0');
        in.read(name.data(), static_cast<std::streamsize>(name.size()));
        uint8_t dtype = 0;
        in.read(reinterpret_cast<char*>(&dtype), 1);
        Entry e;
        e.is_int = dtype == 1;
        e.shape.resize(u32());
        size_t count = 1;
        for (auto& d : e.shape) {
            in.read(reinterpret_cast<char*>(&d), 8);
            count *= static_cast<size_t>(d);
        }
        if (e.is_int) {
            e.i.resize(count);
            in.read(reinterpret_cast<char*>(e.i.data()), static_cast<std::streamsize>(count * 4));
        } else {
            e.f.resize(count);
            in.read(reinterpret_cast<char*>(e.f.data()), static_cast<std::streamsize>(count * 4));
        }
        if (!in) throw std::runtime_error(path + ": truncated at " + name);
        out.emplace(name, std::move(e));
    }
    return out;
}

// EXPECTs the comparison and prints its summary line (largest difference) either way.
void check(const std::string& what, const float* got, const float* want, size_t n, Tol tol) {
    const ::testing::AssertionResult r = all_close(what, got, want, n, tol);
    std::cout << "  " << r.message() << "\n";
    EXPECT_TRUE(r);
}

class PyTorchReference : public ::testing::TestWithParam<std::string> {};

TEST_P(PyTorchReference, HiddenLogitsLossesAndGradients) {
    const std::string L = GetParam() + "/";
    const auto fx = load_fixture(std::string(ANIREC_FIXTURES) + "/model/sasrec_reference.bin");
    auto get = [&](const std::string& name) -> const Entry& {
        auto it = fx.find(L + name);
        if (it == fx.end()) throw std::runtime_error("fixture has no " + L + name);
        return it->second;
    };
    const auto& c = get("config").i;
    ModelConfig cfg;
    cfg.n_items = c[0];
    cfg.maxlen = c[1];
    cfg.hidden = c[2];
    cfg.blocks = c[3];
    cfg.heads = c[4];
    cfg.norm = c[5] == 0 ? NormLayout::PRE : NormLayout::SASREC;
    cfg.dropout = 0.f;
    const int K = c[6];
    ASSERT_EQ(cfg.heads, 2);
    ASSERT_EQ(cfg.blocks, 2);
    ParamArena w(cfg);
    for (const auto& t : w.tensors()) {
        const Entry& e = get("param/" + t.name);
        ASSERT_EQ(e.shape, t.shape) << t.name;
        std::memcpy(w.data() + t.offset, e.f.data(), t.numel * sizeof(float));
    }
    const auto& seq = get("seq").i;
    const auto& pos = get("pos").i;
    const auto& neg = get("neg").i;
    const auto& neg_k = get("neg_k").i;
    const int B = static_cast<int>(get("seq").shape[0]), T = cfg.maxlen, C = cfg.hidden, N = cfg.n_items;

    Workspace ws(cfg, B);
    const float* hidden = sasrec_forward(w, ws, seq.data(), B, true, nullptr);
    std::cout << "[" << GetParam() << "]\n";
    check("hidden", hidden, get("hidden").f.data(), (size_t)B * T * C, kHiddenTol);
    std::vector<float> logits((size_t)B * T * (N + 1));
    for (size_t r = 0; r < (size_t)B * T; ++r)
        for (int j = 0; j <= N; ++j) {
            double s = 0;
            for (int k = 0; k < C; ++k) s += (double)hidden[r * C + k] * w.item_emb[(size_t)j * C + k];
            logits[r * (N + 1) + j] = static_cast<float>(s);
        }
    check("logits", logits.data(), get("logits").f.data(), logits.size(), kHiddenTol);

    for (const char* kind : {"bce", "ce", "sampled-ce", "gbce"}) {
        LossConfig lc;
        lc.kind = parse_loss_kind(kind);
        lc.negatives = K;
        lc.gbce_t = get("gbce_t").f[0];
        const int32_t* negs = lc.kind == LossKind::BCE ? neg.data() : neg_k.data();
        ParamArena dw(cfg);
        LossBuffers buf;
        hidden = sasrec_forward(w, ws, seq.data(), B, true, nullptr);
        std::vector<float> dhidden((size_t)B * T * C);
        const float loss = loss_forward_backward(lc, hidden, w.item_emb, pos.data(), negs, B, T, C, N, dhidden.data(),
                                                 dw.item_emb, buf);
        sasrec_backward(w, dw, ws, dhidden.data());
        check(std::string("loss ") + kind, &loss, get(std::string("loss/") + kind).f.data(), 1, kLossTol);
        for (const auto& t : w.tensors())
            check(std::string("grad ") + kind + " " + t.name, dw.data() + t.offset,
                  get(std::string("grad/") + kind + "/" + t.name).f.data(), t.numel, kGradTol);
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PyTorchReference, ::testing::Values("pre", "sasrec"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace anirec
