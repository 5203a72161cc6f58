// The whole SASRec forward pass built from the naive layers of ops_ref.h, templated
// on the float type, on the plain padded (B,T,C) layout with explicit masks. Dropout
// only as fixed masks (DropoutMasks). Used by the tests as the double-precision function whose central finite
// differences check sasrec_backward, and as an oracle for sasrec_forward.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "model/ops_ref.h"
#include "model/sasrec.h"
#include "util/error.h"

namespace anirec::ref {

// Dropout as fixed keep factors (0 or 1/(1-p)), so the function stays differentiable.
template <typename T>
struct DropoutMasks {
    std::vector<T> emb;                   // (B,T,C) on the embedding
    std::vector<std::vector<T>> attn;     // per block (B,H,T,T) on the attention probabilities
    std::vector<std::vector<T>> ffn1;     // per block (B,T,C) after conv1 + ReLU
    std::vector<std::vector<T>> ffn2;     // per block (B,T,C) after conv2
};

// params: one value per float of a ParamArena with config cfg, in the arena's layout.
// Returns hidden (B,T,C), padded rows zero. masks: null = no dropout.
template <typename T>
std::vector<T> sasrec_forward(const ParamArena& layout, const std::vector<T>& params, const int32_t* seq, int B,
                              const DropoutMasks<T>* masks = nullptr) {
    const ModelConfig& cfg = layout.config();
    const int Tn = cfg.maxlen, C = cfg.hidden, H = cfg.heads;
    const long NR = static_cast<long>(B) * Tn;
    auto P = [&](const std::string& name) -> const T* {
        for (const auto& t : layout.tensors())
            if (t.name == name) return params.data() + t.offset;
        throw Error(cat("ref model: no tensor ", name));
    };
    std::vector<uint8_t> valid(NR);
    for (long r = 0; r < NR; ++r) valid[r] = seq[r] != 0;
    auto zero_padded = [&](std::vector<T>& x) {
        for (long r = 0; r < NR; ++r)
            if (!valid[r])
                for (int c = 0; c < C; ++c) x[r * C + c] = 0;
    };
    std::vector<T> x(NR * C), ln1(NR * C), qkv(NR * 3 * C), att(NR * C), y(NR * C), x1(NR * C), ln2(NR * C),
        h(NR * C), f(NR * C), kv(NR * 2 * C), mean(NR), rstd(NR), probs(static_cast<long>(B) * H * Tn * Tn);
    embedding_forward<T>(x.data(), seq, P("item_emb.weight"), P("pos_emb.weight"), masks ? masks->emb.data() : nullptr,
                         B, Tn, C);
    for (int l = 0; l < cfg.blocks; ++l) {
        const std::string a = "attention_layers." + std::to_string(l) + ".";
        const std::string fl = "forward_layers." + std::to_string(l) + ".";
        const std::string l1 = "attention_layernorms." + std::to_string(l) + ".";
        const std::string l2 = "forward_layernorms." + std::to_string(l) + ".";
        layernorm_forward<T>(ln1.data(), mean.data(), rstd.data(), x.data(), P(l1 + "weight"), P(l1 + "bias"),
                             static_cast<int>(NR), C, 1e-8);
        if (cfg.norm == NormLayout::PRE) {
            linear_forward<T>(qkv.data(), ln1.data(), P(a + "in_proj_weight"), P(a + "in_proj_bias"),
                              static_cast<int>(NR), C, 3 * C);
        } else {
            std::vector<T> q(NR * C);
            linear_forward<T>(q.data(), ln1.data(), P(a + "in_proj_weight"), P(a + "in_proj_bias"),
                              static_cast<int>(NR), C, C);
            linear_forward<T>(kv.data(), x.data(), P(a + "in_proj_weight") + static_cast<long>(C) * C,
                              P(a + "in_proj_bias") + C, static_cast<int>(NR), C, 2 * C);
            for (long r = 0; r < NR; ++r)
                for (int c = 0; c < 3 * C; ++c)
                    qkv[r * 3 * C + c] = c < C ? q[r * C + c] : kv[r * 2 * C + c - C];
        }
        attention_forward<T>(att.data(), probs.data(), qkv.data(), valid.data(), masks ? masks->attn[l].data() : nullptr,
                             B, Tn, C, H);
        linear_forward<T>(y.data(), att.data(), P(a + "out_proj.weight"), P(a + "out_proj.bias"),
                          static_cast<int>(NR), C, C);
        const std::vector<T>& base = cfg.norm == NormLayout::PRE ? x : ln1;
        for (long i = 0; i < NR * C; ++i) x1[i] = base[i] + y[i];
        layernorm_forward<T>(ln2.data(), mean.data(), rstd.data(), x1.data(), P(l2 + "weight"), P(l2 + "bias"),
                             static_cast<int>(NR), C, 1e-8);
        linear_forward<T>(h.data(), ln2.data(), P(fl + "conv1.weight"), P(fl + "conv1.bias"), static_cast<int>(NR),
                          C, C);
        relu_dropout_forward<T>(h.data(), h.data(), masks ? masks->ffn1[l].data() : nullptr, NR * C);
        linear_forward<T>(f.data(), h.data(), P(fl + "conv2.weight"), P(fl + "conv2.bias"), static_cast<int>(NR),
                          C, C);
        if (masks)
            for (long i = 0; i < NR * C; ++i) f[i] *= masks->ffn2[l][i];
        const std::vector<T>& res = cfg.norm == NormLayout::PRE ? x1 : ln2;
        for (long i = 0; i < NR * C; ++i) x[i] = res[i] + f[i];
        zero_padded(x);
    }
    std::vector<T> out(NR * C);
    layernorm_forward<T>(out.data(), mean.data(), rstd.data(), x.data(), P("last_layernorm.weight"),
                         P("last_layernorm.bias"), static_cast<int>(NR), C, 1e-8);
    zero_padded(out);
    return out;
}

}  // namespace anirec::ref
