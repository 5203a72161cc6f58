#include "model/sasrec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "model/blas.h"
#include "model/ops.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {

// ---------------------------------------------------------------------------
// Parameters

ParamArena::ParamArena(const ModelConfig& cfg) : cfg_(cfg) {
    cfg_.validate();
    const int64_t C = cfg_.hidden, N = cfg_.n_items, T = cfg_.maxlen;
    size_t off = 0;
    auto add = [&](std::string name, std::vector<int64_t> shape) {
        size_t n = 1;
        for (int64_t d : shape) n *= static_cast<size_t>(d);
        tensors_.push_back(TensorInfo{std::move(name), std::move(shape), off, n});
        off += n;
    };
    // pmixer/SASRec.pytorch's state_dict order: modules in registration order,
    // each ModuleList with all of its blocks.
    add("item_emb.weight", {N + 1, C});
    add("pos_emb.weight", {T, C});
    for (int b = 0; b < cfg_.blocks; ++b) {
        add(cat("attention_layernorms.", b, ".weight"), {C});
        add(cat("attention_layernorms.", b, ".bias"), {C});
    }
    for (int b = 0; b < cfg_.blocks; ++b) {
        add(cat("attention_layers.", b, ".in_proj_weight"), {3 * C, C});
        add(cat("attention_layers.", b, ".in_proj_bias"), {3 * C});
        add(cat("attention_layers.", b, ".out_proj.weight"), {C, C});
        add(cat("attention_layers.", b, ".out_proj.bias"), {C});
    }
    for (int b = 0; b < cfg_.blocks; ++b) {
        add(cat("forward_layernorms.", b, ".weight"), {C});
        add(cat("forward_layernorms.", b, ".bias"), {C});
    }
    for (int b = 0; b < cfg_.blocks; ++b) {
        add(cat("forward_layers.", b, ".conv1.weight"), {C, C, 1});
        add(cat("forward_layers.", b, ".conv1.bias"), {C});
        add(cat("forward_layers.", b, ".conv2.weight"), {C, C, 1});
        add(cat("forward_layers.", b, ".conv2.bias"), {C});
    }
    add("last_layernorm.weight", {C});
    add("last_layernorm.bias", {C});
    data_.assign(off, 0.f);
    point_views();
}

ParamArena::ParamArena(const ParamArena& o) : cfg_(o.cfg_), data_(o.data_), tensors_(o.tensors_) { point_views(); }

ParamArena& ParamArena::operator=(const ParamArena& o) {
    if (this != &o) {
        cfg_ = o.cfg_;
        data_ = o.data_;
        tensors_ = o.tensors_;
        point_views();
    }
    return *this;
}

float* ParamArena::tensor(std::string_view name) {
    for (const auto& t : tensors_)
        if (t.name == name) return data_.data() + t.offset;
    throw Error(cat("model: no tensor named '", name, "'"));
}

const float* ParamArena::tensor(std::string_view name) const {
    return const_cast<ParamArena*>(this)->tensor(name);
}

void ParamArena::zero() { std::fill(data_.begin(), data_.end(), 0.f); }

void ParamArena::point_views() {
    item_emb = tensor("item_emb.weight");
    pos_emb = tensor("pos_emb.weight");
    blocks.assign(cfg_.blocks, Block{});
    for (int b = 0; b < cfg_.blocks; ++b) {
        Block& k = blocks[b];
        k.attn_ln_w = tensor(cat("attention_layernorms.", b, ".weight"));
        k.attn_ln_b = tensor(cat("attention_layernorms.", b, ".bias"));
        k.in_proj_w = tensor(cat("attention_layers.", b, ".in_proj_weight"));
        k.in_proj_b = tensor(cat("attention_layers.", b, ".in_proj_bias"));
        k.out_proj_w = tensor(cat("attention_layers.", b, ".out_proj.weight"));
        k.out_proj_b = tensor(cat("attention_layers.", b, ".out_proj.bias"));
        k.ffn_ln_w = tensor(cat("forward_layernorms.", b, ".weight"));
        k.ffn_ln_b = tensor(cat("forward_layernorms.", b, ".bias"));
        k.conv1_w = tensor(cat("forward_layers.", b, ".conv1.weight"));
        k.conv1_b = tensor(cat("forward_layers.", b, ".conv1.bias"));
        k.conv2_w = tensor(cat("forward_layers.", b, ".conv2.weight"));
        k.conv2_b = tensor(cat("forward_layers.", b, ".conv2.bias"));
    }
    last_ln_w = tensor("last_layernorm.weight");
    last_ln_b = tensor("last_layernorm.bias");
}

void init_params(ParamArena& p, uint64_t seed) {
    Rng rng(seed);
    for (const auto& t : p.tensors()) {
        float* x = p.data() + t.offset;
        const bool is_ln = t.name.find("layernorm") != std::string::npos;
        if (t.shape.size() >= 2) {
            // Xavier-uniform as torch: fan_in = shape[1] * receptive, fan_out = shape[0] * receptive
            double receptive = 1;
            for (size_t d = 2; d < t.shape.size(); ++d) receptive *= static_cast<double>(t.shape[d]);
            const double fan_in = static_cast<double>(t.shape[1]) * receptive;
            const double fan_out = static_cast<double>(t.shape[0]) * receptive;
            const double a = std::sqrt(6.0 / (fan_in + fan_out));
            for (size_t i = 0; i < t.numel; ++i) x[i] = static_cast<float>((2.0 * rng.uniform_double() - 1.0) * a);
        } else if (is_ln && t.name.ends_with(".weight")) {
            std::fill(x, x + t.numel, 1.f);
        } else {
            std::fill(x, x + t.numel, 0.f);
        }
    }
    std::fill(p.item_emb, p.item_emb + p.config().hidden, 0.f);  // padding row
}

// ---------------------------------------------------------------------------
// Workspace

namespace {
struct BlockActs {
    float *ln1, *ln1_mean, *ln1_rstd;  // LN1 output (R,C) and stats (R)
    float* qkv;                        // (R,3C)
    float *probs, *probs_drop;         // attention blocks, see attention_forward
    float* att;                        // attention output before out_proj (R,C)
    float* x1;                         // residual after attention (R,C): LN2's input
    float *ln2, *ln2_mean, *ln2_rstd;  // LN2 output (R,C)
    float* h;                          // ReLU + dropout output of conv1 (R,C)
    uint8_t *mask1, *mask2;            // dropout masks after conv1 and conv2 (R,C)
};
}  // namespace

struct Workspace::Impl {
    ModelConfig cfg;
    int32_t max_batch = 0;
    bool trainable = true;
    PackedLayout lay;
    std::unique_ptr<float[]> fstore;  // not zero-filled: every kernel writes before it reads,
    std::unique_ptr<uint8_t[]> bstore;  // and pages never touched (padding) are never committed
    std::vector<float*> x;  // blocks + 1 residual streams (R,C); x[0] = embedding
    std::vector<BlockActs> blk;
    uint8_t* emb_mask = nullptr;
    float *lnf_out = nullptr, *lnf_mean = nullptr, *lnf_rstd = nullptr;
    float* hidden = nullptr;  // (B,T,C)
    float* y = nullptr;       // projection outputs (R,C), forward scratch
    // backward
    float *dx = nullptr, *dt1 = nullptr, *dt2 = nullptr, *dqkv = nullptr, *datt = nullptr;
    // per-thread packing space of the attention kernels
    float* att_scratch = nullptr;
    int att_threads = 1;
    // the last forward
    bool have_forward = false;
    float p = 0.f;
    uint64_t seed = 0;

    Impl(const ModelConfig& c, int32_t mb, bool train) : cfg(c), max_batch(mb), trainable(train) {
        cfg.validate();
        if (mb < 1) throw UsageError(cat("workspace: max batch must be at least 1, got ", mb));
        const int64_t T = cfg.maxlen, C = cfg.hidden, H = cfg.heads, L = cfg.blocks;
        const int64_t Rm = static_cast<int64_t>(mb) * T;
        const int64_t Am = H * static_cast<int64_t>(mb) * T * attention_ld(cfg.maxlen);  // attention blocks
        const bool drop = cfg.dropout > 0.f && train;
        lay.reserve(mb, cfg.maxlen);

        // Two passes over one size table: count, then carve.
        std::vector<std::pair<float**, int64_t>> fs;
        std::vector<std::pair<uint8_t**, int64_t>> bs;
        x.assign(L + 1, nullptr);
        blk.assign(L, BlockActs{});
        for (int64_t l = 0; l <= L; ++l) {
            if (train || l < 2) fs.push_back({&x[l], Rm * C});
        }
        if (drop) bs.push_back({&emb_mask, Rm * C});
        for (int64_t l = 0; l < L; ++l) {
            if (!train && l > 0) break;  // inference: every block reuses block 0's buffers
            BlockActs& a = blk[l];
            fs.push_back({&a.ln1, Rm * C});
            fs.push_back({&a.ln1_mean, Rm});
            fs.push_back({&a.ln1_rstd, Rm});
            fs.push_back({&a.qkv, Rm * 3 * C});
            fs.push_back({&a.probs, Am});
            if (drop) fs.push_back({&a.probs_drop, Am});
            fs.push_back({&a.att, Rm * C});
            fs.push_back({&a.x1, Rm * C});
            fs.push_back({&a.ln2, Rm * C});
            fs.push_back({&a.ln2_mean, Rm});
            fs.push_back({&a.ln2_rstd, Rm});
            fs.push_back({&a.h, Rm * C});
            if (drop) {
                bs.push_back({&a.mask1, Rm * C});
                bs.push_back({&a.mask2, Rm * C});
            }
        }
        fs.push_back({&lnf_out, Rm * C});
        fs.push_back({&lnf_mean, Rm});
        fs.push_back({&lnf_rstd, Rm});
        fs.push_back({&hidden, Rm * C});
        fs.push_back({&y, Rm * C});
        att_threads = std::max(num_threads(), hardware_threads());
        fs.push_back({&att_scratch, att_threads * static_cast<int64_t>(attention_scratch_floats(cfg.maxlen, C, H))});
        if (train) {
            fs.push_back({&dx, Rm * C});
            fs.push_back({&dt1, Rm * C});
            fs.push_back({&dt2, Rm * C});
            fs.push_back({&dqkv, Rm * 3 * C});
            fs.push_back({&datt, Am});
        }
        int64_t nf = 0, nb = 0;
        for (auto& [p_, n] : fs) nf += (n + 15) / 16 * 16;  // 64-byte aligned offsets
        for (auto& [p_, n] : bs) nb += (n + 63) / 64 * 64;
        fstore.reset(new float[nf + 16]);
        bstore.reset(new uint8_t[nb + 64]);
        float* fbase = fstore.get();
        while (reinterpret_cast<uintptr_t>(fbase) % 64) ++fbase;
        for (auto& [p_, n] : fs) {
            *p_ = fbase;
            fbase += (n + 15) / 16 * 16;
        }
        uint8_t* bbase = bstore.get();
        for (auto& [p_, n] : bs) {
            *p_ = bbase;
            bbase += (n + 63) / 64 * 64;
        }
        if (!train) {
            for (int64_t l = 1; l < L; ++l) blk[l] = blk[0];
            for (int64_t l = 2; l <= L; ++l) x[l] = x[l % 2];
        }
    }
};

Workspace::Workspace(const ModelConfig& cfg, int32_t max_batch, bool for_training)
    : impl_(std::make_unique<Impl>(cfg, max_batch, for_training)) {}
Workspace::~Workspace() = default;
Workspace::Workspace(Workspace&&) noexcept = default;
Workspace& Workspace::operator=(Workspace&&) noexcept = default;
int32_t Workspace::max_batch() const { return impl_->max_batch; }
bool Workspace::trainable() const { return impl_->trainable; }

// ---------------------------------------------------------------------------
// Forward

namespace {

void check_compatible(const ModelConfig& a, const ModelConfig& b) {
    if (a.n_items != b.n_items || a.maxlen != b.maxlen || a.hidden != b.hidden || a.blocks != b.blocks ||
        a.heads != b.heads || a.norm != b.norm)
        throw Error("sasrec: workspace and parameters were made for different model configs");
}

void add_into(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd schedule(static) if (worth_parallel(n))
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void block_forward(const ParamArena::Block& w, BlockActs& a, const float* xin, float* xout, Workspace::Impl& s,
                   int layer) {
    const PackedLayout& lay = s.lay;
    const int64_t R = lay.R;
    const int C = s.cfg.hidden, H = s.cfg.heads;
    const float p = s.p;
    const bool pre = s.cfg.norm == NormLayout::PRE;

    layernorm_forward(a.ln1, a.ln1_mean, a.ln1_rstd, xin, w.attn_ln_w, w.attn_ln_b, R, C);
    if (pre) {
        linear_forward(a.qkv, 3 * C, a.ln1, C, w.in_proj_w, w.in_proj_b, R, C, 3 * C);
    } else {  // query from the normalised stream, keys and values from the raw one
        linear_forward(a.qkv, 3 * C, a.ln1, C, w.in_proj_w, w.in_proj_b, R, C, C);
        linear_forward(a.qkv + C, 3 * C, xin, C, w.in_proj_w + static_cast<int64_t>(C) * C, w.in_proj_b + C, R, C,
                       2 * C);
    }
    attention_forward(a.att, a.probs, p > 0.f ? a.probs_drop : nullptr, a.qkv, lay, C, H, p, s.seed, layer,
                      s.att_scratch, s.att_threads);
    linear_forward(s.y, C, a.att, C, w.out_proj_w, w.out_proj_b, R, C, C);
    residual_layernorm_forward(a.x1, a.ln2, a.ln2_mean, a.ln2_rstd, pre ? xin : a.ln1, s.y, w.ffn_ln_w, w.ffn_ln_b,
                               R, C);
    linear_forward(a.h, C, a.ln2, C, w.conv1_w, w.conv1_b, R, C, C);
    if (p > 0.f) {
        dropout_mask(a.mask1, lay, C, p, s.seed, DropKind::FFN1, layer);
        dropout_mask(a.mask2, lay, C, p, s.seed, DropKind::FFN2, layer);
    }
    relu_dropout_forward(a.h, p > 0.f ? a.mask1 : nullptr, p, R * C);
    linear_forward(s.y, C, a.h, C, w.conv2_w, w.conv2_b, R, C, C);
    if (p > 0.f) dropout_apply(s.y, a.mask2, p, R * C);
    add_into(xout, pre ? a.x1 : a.ln2, s.y, R * C);
}

void run_forward(const ParamArena& w, Workspace::Impl& s, const int32_t* seq, int32_t B, bool training, Rng* rng) {
    check_compatible(w.config(), s.cfg);
    if (B < 0 || B > s.max_batch)
        throw Error(cat("sasrec: batch of ", B, " sequences exceeds the workspace's ", s.max_batch));
    if (training && !s.trainable) throw Error("sasrec: training forward on an inference-only workspace");
    s.p = training ? s.cfg.dropout : 0.f;
    if (s.p > 0.f && !rng) throw Error("sasrec: training with dropout needs an Rng");
    s.seed = s.p > 0.f ? rng->next() : 0;
    s.lay.build(seq, B, s.cfg.maxlen, s.cfg.n_items);
    const int64_t R = s.lay.R;
    const int C = s.cfg.hidden;
    if (s.p > 0.f) dropout_mask(s.emb_mask, s.lay, C, s.p, s.seed, DropKind::EMB, 0);
    embedding_forward(s.x[0], s.lay, w.item_emb, w.pos_emb, s.p > 0.f ? s.emb_mask : nullptr, s.p, C);
    for (int l = 0; l < s.cfg.blocks; ++l) block_forward(w.blocks[l], s.blk[l], s.x[l], s.x[l + 1], s, l);
    layernorm_forward(s.lnf_out, s.lnf_mean, s.lnf_rstd, s.x[s.cfg.blocks], w.last_ln_w, w.last_ln_b, R, C);
    scatter_rows(s.hidden, s.lnf_out, s.lay, C);
    s.have_forward = true;
}

// dx holds d(block output); on return it holds d(block input).
void block_backward(const ParamArena::Block& w, ParamArena::Block& g, const BlockActs& a, const float* xin,
                    Workspace::Impl& s) {
    const PackedLayout& lay = s.lay;
    const int64_t R = lay.R;
    const int C = s.cfg.hidden, H = s.cfg.heads;
    const float p = s.p;
    const bool pre = s.cfg.norm == NormLayout::PRE;
    float* dx = s.dx;
    float* dt1 = s.dt1;
    float* dt2 = s.dt2;
    const int64_t CC = static_cast<int64_t>(C) * C;

    // out = base + dropout(conv2(h)): d(conv2 out) = dx * mask2 / (1-p)
    const float* df = dx;
    if (p > 0.f) {
        dropout_copy(dt1, dx, a.mask2, p, R * C);
        df = dt1;
    }
    linear_backward(dt2, C, false, g.conv2_w, g.conv2_b, df, C, a.h, C, w.conv2_w, R, C, C);
    relu_dropout_backward(dt2, a.h, p, R * C);  // dt2 = d(conv1 out)
    if (pre) {
        // out = x1 + ffn(LN2(x1)): dx1 = dx + LN2'(dz W1)
        linear_backward(dt1, C, false, g.conv1_w, g.conv1_b, dt2, C, a.ln2, C, w.conv1_w, R, C, C);
        layernorm_backward(dx, g.ffn_ln_w, g.ffn_ln_b, dt1, a.x1, a.ln2_mean, a.ln2_rstd, w.ffn_ln_w, R, C);
        // x1 = x + out_proj(attn(LN1(x)))
        linear_backward(dt1, C, false, g.out_proj_w, g.out_proj_b, dx, C, a.att, C, w.out_proj_w, R, C, C);
        attention_backward(s.dqkv, s.datt, dt1, a.qkv, a.probs, p > 0.f ? a.probs_drop : nullptr, lay, C, H, p,
                           s.att_scratch, s.att_threads);
        linear_backward(dt1, C, false, g.in_proj_w, g.in_proj_b, s.dqkv, 3 * C, a.ln1, C, w.in_proj_w, R, C, 3 * C);
        layernorm_backward(dx, g.attn_ln_w, g.attn_ln_b, dt1, xin, a.ln1_mean, a.ln1_rstd, w.attn_ln_w, R, C);
    } else {
        // out = c + ffn(c), c = LN2(x1): dc = dx + dz W1
        linear_backward(dx, C, true, g.conv1_w, g.conv1_b, dt2, C, a.ln2, C, w.conv1_w, R, C, C);
        std::memset(dt1, 0, sizeof(float) * R * C);
        layernorm_backward(dt1, g.ffn_ln_w, g.ffn_ln_b, dx, a.x1, a.ln2_mean, a.ln2_rstd, w.ffn_ln_w, R, C);
        // x1 = q + out_proj(attn(Q = q, K = V = x)), q = LN1(x); dt1 = dx1 = dq so far
        linear_backward(dt2, C, false, g.out_proj_w, g.out_proj_b, dt1, C, a.att, C, w.out_proj_w, R, C, C);
        attention_backward(s.dqkv, s.datt, dt2, a.qkv, a.probs, p > 0.f ? a.probs_drop : nullptr, lay, C, H, p,
                           s.att_scratch, s.att_threads);
        linear_backward(dt1, C, true, g.in_proj_w, g.in_proj_b, s.dqkv, 3 * C, a.ln1, C, w.in_proj_w, R, C, C);
        linear_backward(dx, C, false, g.in_proj_w + CC, g.in_proj_b + C, s.dqkv + C, 3 * C, xin, C,
                        w.in_proj_w + CC, R, C, 2 * C);
        layernorm_backward(dx, g.attn_ln_w, g.attn_ln_b, dt1, xin, a.ln1_mean, a.ln1_rstd, w.attn_ln_w, R, C);
    }
}

}  // namespace

const float* sasrec_forward(const ParamArena& w, Workspace& ws, const int32_t* seq, int32_t B, bool training,
                            Rng* rng) {
    BlasSerialScope blas_scope;
    Workspace::Impl& s = ws.impl();
    run_forward(w, s, seq, B, training, rng);
    return s.hidden;
}

void sasrec_backward(const ParamArena& w, ParamArena& dw, Workspace& ws, const float* dhidden) {
    BlasSerialScope blas_scope;
    Workspace::Impl& s = ws.impl();
    if (!s.trainable) throw Error("sasrec: backward on an inference-only workspace");
    if (!s.have_forward) throw Error("sasrec: backward without a forward pass");
    check_compatible(w.config(), s.cfg);
    check_compatible(dw.config(), s.cfg);
    const int64_t R = s.lay.R;
    const int C = s.cfg.hidden;
    gather_rows(s.dt1, dhidden, s.lay, C);
    std::memset(s.dx, 0, sizeof(float) * R * C);
    layernorm_backward(s.dx, dw.last_ln_w, dw.last_ln_b, s.dt1, s.x[s.cfg.blocks], s.lnf_mean, s.lnf_rstd,
                       w.last_ln_w, R, C);
    for (int l = s.cfg.blocks - 1; l >= 0; --l) block_backward(w.blocks[l], dw.blocks[l], s.blk[l], s.x[l], s);
    embedding_backward(dw.item_emb, dw.pos_emb, s.dx, s.lay, s.p > 0.f ? s.emb_mask : nullptr, s.p, C,
                       s.cfg.n_items);
}

void sasrec_last_state(const ParamArena& w, Workspace& ws, const int32_t* seq, int32_t B, float* out) {
    BlasSerialScope blas_scope;
    Workspace::Impl& s = ws.impl();
    run_forward(w, s, seq, B, false, nullptr);
    const int C = s.cfg.hidden;
    for (int32_t b = 0; b < B; ++b) {
        if (s.lay.len[b] == 0)
            std::memset(out + static_cast<int64_t>(b) * C, 0, sizeof(float) * C);
        else
            std::memcpy(out + static_cast<int64_t>(b) * C, s.lnf_out + (s.lay.row0[b + 1] - 1) * C,
                        sizeof(float) * C);
    }
}

double sasrec_train_flops(const ModelConfig& cfg, const int32_t* seq, int32_t B) {
    const double C = cfg.hidden;
    double flops = 0;
    for (int32_t b = 0; b < B; ++b) {
        double L = 0;
        for (int32_t t = 0; t < cfg.maxlen; ++t) L += seq[static_cast<int64_t>(b) * cfg.maxlen + t] != 0;
        // per block: 6 C^2 multiply-adds per row in the four projections (3C^2 + C^2 + C^2 + C^2),
        // x2 FLOPs, x3 for forward + the two backward products: 36 C^2 L.
        // attention: QK^T and PV over the L(L+1)/2 allowed pairs, C multiply-adds per pair over
        // all heads: 2 * 2 * C * L(L+1)/2 forward, twice that backward: 6 C L(L+1).
        flops += cfg.blocks * (36.0 * C * C * L + 6.0 * C * L * (L + 1));
    }
    return flops;
}

}  // namespace anirec
