// SASRec (Kang & McAuley, ICDM 2018) as explicit forward and backward passes over
// plain float buffers, llm.c style.
//
// Parameters live in one arena (ParamArena); gradients and Adam moments use the same
// layout, so an optimizer walks them as flat arrays. Activations live in a Workspace
// sized once for (max_batch, maxlen): nothing is allocated inside a step. Weights are
// read-only during forward, so many threads may run inference on one ParamArena with
// a Workspace each.
//
// Tensor names follow the PyTorch reference (pmixer/SASRec.pytorch state_dict), so a
// model file opens there too:
//   item_emb.weight (N+1,C)  pos_emb.weight (T,C)
//   attention_layernorms.{b}.weight/.bias (C)
//   attention_layers.{b}.in_proj_weight (3C,C)  .in_proj_bias (3C)   rows: Q, K, V
//   attention_layers.{b}.out_proj.weight (C,C)  .out_proj.bias (C)
//   forward_layernorms.{b}.weight/.bias (C)
//   forward_layers.{b}.conv1.weight (C,C,1) .conv1.bias (C)  .conv2.weight (C,C,1) .conv2.bias (C)
//   last_layernorm.weight/.bias (C)
// Linear weights are (out, in) row-major as in PyTorch: y = x W^T + b.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"
#include "util/rng.h"

namespace anirec {

struct TensorInfo {
    std::string name;
    std::vector<int64_t> shape;
    size_t offset = 0;  // in floats, into the arena
    size_t numel = 0;
};

class ParamArena {
public:
    explicit ParamArena(const ModelConfig& cfg);  // zero-filled
    ParamArena(const ParamArena&);
    ParamArena& operator=(const ParamArena&);

    const ModelConfig& config() const { return cfg_; }
    float* data() { return data_.data(); }
    const float* data() const { return data_.data(); }
    size_t size() const { return data_.size(); }
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    float* tensor(std::string_view name);  // throws Error on an unknown name
    const float* tensor(std::string_view name) const;
    void zero();

    struct Block {
        float *attn_ln_w, *attn_ln_b;
        float *in_proj_w, *in_proj_b;    // (3C,C), (3C)
        float *out_proj_w, *out_proj_b;  // (C,C), (C)
        float *ffn_ln_w, *ffn_ln_b;
        float *conv1_w, *conv1_b, *conv2_w, *conv2_b;  // (C,C), (C)
    };
    float* item_emb = nullptr;  // (N+1, C)
    float* pos_emb = nullptr;   // (T, C)
    std::vector<Block> blocks;
    float* last_ln_w = nullptr;
    float* last_ln_b = nullptr;

private:
    void point_views();
    ModelConfig cfg_;
    std::vector<float> data_;
    std::vector<TensorInfo> tensors_;
};

// Initialisation as the reference: Xavier-uniform for matrices, LayerNorm weight 1 /
// bias 0, linear biases 0; item row 0 (padding) zero.
void init_params(ParamArena& p, uint64_t seed);

// Activations of one forward pass, and their gradients for backward, for up to
// max_batch sequences, all allocated here (nothing is allocated inside a step).
// for_training = false makes an inference-only workspace: no gradient buffers and
// one block's activations reused by every block (several times smaller); a
// training forward or a backward on it throws Error.
class Workspace {
public:
    Workspace(const ModelConfig& cfg, int32_t max_batch, bool for_training = true);
    ~Workspace();
    Workspace(Workspace&&) noexcept;
    Workspace& operator=(Workspace&&) noexcept;
    int32_t max_batch() const;
    bool trainable() const;
    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

// seq: (B, T) item ids, left-padded with 0, B <= ws.max_batch(). With training set
// and dropout > 0, the call takes one rng->next() as the seed of all its dropout masks
// (one stream per layer, sequence and head: see ops.h), so they do not depend on the
// thread count. Returns the final-normalised hidden states (B, T, C),
// owned by ws and valid until its next forward. Padded positions' rows are zero.
const float* sasrec_forward(const ParamArena& w, Workspace& ws, const int32_t* seq, int32_t B,
                            bool training, Rng* rng);

// dhidden: (B, T, C) gradient of the loss w.r.t. the returned hidden states. Adds
// (+=) into dw; the caller zeroes dw once per step. Uses the activations of the last
// sasrec_forward on ws.
void sasrec_backward(const ParamArena& w, ParamArena& dw, Workspace& ws, const float* dhidden);

// Inference: the user state at the last position of each sequence, out (B, C).
// Dropout off. Thread-safe for distinct workspaces.
void sasrec_last_state(const ParamArena& w, Workspace& ws, const int32_t* seq, int32_t B, float* out);

// Model FLOPs of one training step (forward + backward) for a batch, counting only
// non-padded positions and the unmasked half of attention. Used by benchmarks.
double sasrec_train_flops(const ModelConfig& cfg, const int32_t* seq, int32_t B);

}  // namespace anirec
