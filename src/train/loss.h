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

struct LossScratch;  // per-call buffers, sized once
struct LossBuffers {
    LossBuffers();
    ~LossBuffers();
    LossScratch* scratch = nullptr;
};

// hidden (B,T,C); E (N+1,C) item table; targets (B,T) next items, 0 = padded (no loss);
// negatives as above. Returns the mean loss over non-padded targets. Overwrites
// dhidden (B,T,C); adds into dE (N+1,C). Row 0 of dE (padding) receives nothing.
float loss_forward_backward(const LossConfig& cfg, const float* hidden, const float* E,
                            const int32_t* targets, const int32_t* negatives, int32_t B, int32_t T,
                            int32_t C, int32_t N, float* dhidden, float* dE, LossBuffers& buf);

// Forward only (validation loss); same arguments, no gradients.
float loss_forward(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                   const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N,
                   LossBuffers& buf);

}  // namespace anirec
