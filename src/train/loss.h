// The output layer and its losses, fused: scores of items against the hidden
// states are computed only where the loss needs them (never the full (B,T,N+1)
// logits for sampled losses), and the backward pass writes dhidden and adds into
// dE (the tied item table) in the same sweep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace anirec {

enum class LossKind : int32_t { BCE = 0, CE = 1, SAMPLED_CE = 2, GBCE = 3 };
const char* loss_kind_name(LossKind k);          // "bce", "ce", "sampled-ce", "gbce"
LossKind parse_loss_kind(const std::string& s);  // throws UsageError

struct LossConfig {
    LossKind kind = LossKind::BCE;
    int32_t negatives = 1;  // K for SAMPLED_CE and GBCE (BCE always uses 1 per position)
    float gbce_t = 0.75f;   // gSASRec calibration t in [0,1]
};

// Negatives layout the sampler must produce for a loss:
//   BCE:               (B, T)  one negative per position
//   SAMPLED_CE, GBCE:  (B, K)  K negatives shared by all positions of a sequence
//   CE:                none (softmax over all N items)
// Negatives never include the user's own history (the sampler's job).

struct LossScratch;  // per-call buffers: grown on first use, never shrunk or regrown for smaller calls
struct LossBuffers {
    LossBuffers();
    ~LossBuffers();
    LossBuffers(const LossBuffers&) = delete;
    LossBuffers& operator=(const LossBuffers&) = delete;
    LossBuffers(LossBuffers&& o) noexcept;
    LossBuffers& operator=(LossBuffers&& o) noexcept;
    LossScratch* scratch = nullptr;
};

// hidden (B,T,C); E (N+1,C) item table; targets (B,T) next items, 0 = padded (no loss);
// negatives as above. Returns the mean loss over non-padded targets. Overwrites
// dhidden (B,T,C); adds into dE (N+1,C). Row 0 of dE (padding) receives nothing.
float loss_forward_backward(const LossConfig& cfg, const float* hidden, const float* E,
                            const int32_t* targets, const int32_t* negatives, int32_t B, int32_t T,
                            int32_t C, int32_t N, float* dhidden, float* dE, LossBuffers& buf);

// The loss definitions (per non-padded target with hidden state h, positive item i,
// s_j = h . E[j]; n = number of non-padded targets):
//   BCE:        (1/n) sum [ softplus(-s_i) + softplus(s_neg) ]           (the paper, pmixer port)
//   CE:         (1/n) sum [ logsumexp_{j=1..N} s_j - s_i ]
//   SAMPLED_CE: (1/n) sum [ logsumexp(s_i, s_neg_1..s_neg_K) - s_i ]
//   GBCE:       (1/(n(K+1))) sum [ beta softplus(-s_i) + sum_k softplus(s_neg_k) ],
//               beta = alpha (t (1 - 1/alpha) + 1/alpha), alpha = K / (N - 1)
//               (gSASRec: -log sigmoid(s_i)^beta - sum log(1 - sigmoid(s_neg)), averaged
//               over the K+1 scores of a position as the authors' code does).
// Ids out of range (a target outside [0, N], a negative outside [1, N]) throw Error.

// Forward only (validation loss); same arguments, no gradients.
float loss_forward(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                   const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N,
                   LossBuffers& buf);

// FLOPs of loss_forward_backward's products for n_targets non-padded targets (for
// benchmarks): BCE 12C, CE 6NC, SAMPLED_CE/GBCE 6(K+1)C per target.
double loss_train_flops(const LossConfig& cfg, int64_t n_targets, int32_t C, int32_t N);

}  // namespace anirec
