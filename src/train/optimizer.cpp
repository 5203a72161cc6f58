#include "train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace anirec {

namespace {
// Chunk size of the flat sweeps: big enough to amortise the OpenMP scheduling, small
// enough that two cores share a 100k-parameter model evenly.
constexpr size_t CHUNK = 16384;
}  // namespace

const char* optimizer_kind_name(OptimizerKind k) { return k == OptimizerKind::ADAMW ? "adamw" : "adam"; }

OptimizerKind parse_optimizer_kind(const std::string& s) {
    if (s == "adam") return OptimizerKind::ADAM;
    if (s == "adamw") return OptimizerKind::ADAMW;
    throw UsageError(cat("--optimizer: expected 'adam' or 'adamw', got '", s, "'"));
}

void OptimizerConfig::validate() const {
    if (!(beta1 >= 0.f && beta1 < 1.f)) throw UsageError(cat("--beta1: must be in [0, 1), got ", beta1));
    if (!(beta2 >= 0.f && beta2 < 1.f)) throw UsageError(cat("--beta2: must be in [0, 1), got ", beta2));
    if (!(eps > 0.f && std::isfinite(eps))) throw UsageError(cat("--eps: must be > 0, got ", eps));
    if (!(weight_decay >= 0.f && weight_decay < 1.f))
        throw UsageError(cat("--weight-decay: must be in [0, 1), got ", weight_decay));
    if (!(l2_emb >= 0.f && std::isfinite(l2_emb))) throw UsageError(cat("--l2-emb: must be >= 0, got ", l2_emb));
    if (!(clip >= 0.f && std::isfinite(clip))) throw UsageError(cat("--clip: must be >= 0 (0 = off), got ", clip));
}

Optimizer::Optimizer(const ModelConfig& model, const OptimizerConfig& cfg) : cfg_(cfg), m_(model), v_(model) {
    cfg_.validate();
    // One range per tensor, split into chunks of at most CHUNK floats. Tensors are
    // taken from the arena's table, so padding between tensors (if any) is never touched.
    for (const TensorInfo& t : m_.tensors()) {
        const bool decay = t.shape.size() >= 2;
        const bool l2 = t.name == "item_emb.weight" || t.name == "pos_emb.weight";
        size_t begin = t.offset;
        if (t.name == "item_emb.weight") {
            pad_row_ = static_cast<size_t>(model.hidden);
            ANIREC_ASSERT(t.offset == static_cast<size_t>(m_.item_emb - m_.data()));
        }
        for (size_t b = begin; b < t.offset + t.numel; b += CHUNK)
            ranges_.push_back({b, std::min(b + CHUNK, t.offset + t.numel), decay, l2});
    }
    chunk_sums_.assign(ranges_.size(), 0.0);
}

float Optimizer::step(ParamArena& w, ParamArena& g, float lr) {
    ANIREC_ASSERT(w.size() == m_.size() && g.size() == m_.size());
    float* W = w.data();
    float* G = g.data();
    float* M = m_.data();
    float* V = v_.data();
    const size_t item0 = static_cast<size_t>(w.item_emb - w.data());
    const size_t C = pad_row_;
    // The padding row receives no gradient by contract; make sure L2 cannot add one.
    std::fill(G + item0, G + item0 + C, 0.f);

    // Pass 1: L2 on embeddings, then the squared norm of each chunk.
    const float l2 = cfg_.l2_emb;
    const int64_t n_chunks = static_cast<int64_t>(ranges_.size());
#ifdef ANIREC_HAVE_OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int64_t c = 0; c < n_chunks; ++c) {
        const Range r = ranges_[c];
        double s = 0.0;
        for (size_t i = r.begin; i < r.end; ++i) {
            if (r.l2 && l2 > 0.f && !(i >= item0 && i < item0 + C)) G[i] += l2 * W[i];
            s += static_cast<double>(G[i]) * static_cast<double>(G[i]);
        }
        chunk_sums_[c] = s;
    }
    double sq = 0.0;
    for (double s : chunk_sums_) sq += s;  // serial, in chunk order: thread-count independent
    const float norm = static_cast<float>(std::sqrt(sq));
    float gscale = 1.f;
    if (cfg_.clip > 0.f && norm > cfg_.clip) gscale = cfg_.clip / norm;

    // Pass 2: decay (AdamW) and the Adam update, as torch.optim.Adam(W) computes it.
    ++t_;
    const float b1 = cfg_.beta1, b2 = cfg_.beta2, eps = cfg_.eps;
    const double bc1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(t_));
    const double bc2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(t_));
    const float step_size = static_cast<float>(static_cast<double>(lr) / bc1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const float decay = cfg_.kind == OptimizerKind::ADAMW ? 1.f - lr * cfg_.weight_decay : 1.f;
#ifdef ANIREC_HAVE_OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int64_t c = 0; c < n_chunks; ++c) {
        const Range r = ranges_[c];
        const bool dec = r.decay && decay != 1.f;
        for (size_t i = r.begin; i < r.end; ++i) {
            float gi = G[i];
            if (gscale != 1.f) {
                gi *= gscale;
                G[i] = gi;
            }
            if (dec) W[i] *= decay;
            M[i] = M[i] * b1 + gi * (1.f - b1);
            V[i] = V[i] * b2 + gi * gi * (1.f - b2);
            const float denom = std::sqrt(V[i]) / bc2_sqrt + eps;
            W[i] += -step_size * (M[i] / denom);
        }
    }
    std::fill(W + item0, W + item0 + C, 0.f);
    std::fill(M + item0, M + item0 + C, 0.f);
    std::fill(V + item0, V + item0 + C, 0.f);
    return norm;
}

}  // namespace anirec
