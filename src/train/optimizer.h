// Adam / AdamW over the flat parameter arena, with optional L2 on the embeddings and
// global-norm gradient clipping.
//
// One step, in this order (each over the whole arena, OpenMP over flat arrays):
//   1. L2 on embeddings (--l2-emb λ): g += λ·w for item_emb.weight rows 1..N and
//      pos_emb.weight. This is the gradient of the original SASRec's
//      λ·½‖E‖² regulariser (TF l2_regularizer); it counts towards the clipped norm.
//   2. Clipping (--clip c > 0): if ‖g‖₂ over all parameters > c, g *= c/‖g‖₂.
//      The norm is summed in double over fixed 16k-float chunks, then the chunk sums
//      serially, so it does not depend on the thread count.
//   3. AdamW only: w *= 1 - lr·wd for matrices and embeddings (tensors of rank >= 2);
//      never for LayerNorm weights or biases (decoupled weight decay, Loshchilov &
//      Hutter 2019, as torch.optim.AdamW).
//   4. Adam (as torch.optim.Adam, t counts from 1):
//        m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//        w -= (lr / (1-β1^t)) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
//   5. Row 0 of item_emb (padding) and its moments are set back to zero.
// Moments m and v are ParamArenas: same layout as the parameters and gradients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/sasrec.h"

namespace anirec {

enum class OptimizerKind : int32_t { ADAM = 0, ADAMW = 1 };
const char* optimizer_kind_name(OptimizerKind k);          // "adam" / "adamw"
OptimizerKind parse_optimizer_kind(const std::string& s);  // throws UsageError naming --optimizer

struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::ADAM;
    float beta1 = 0.9f;
    float beta2 = 0.98f;  // the SASRec reference's value (torch's default is 0.999)
    float eps = 1e-8f;
    float weight_decay = 0.f;  // AdamW only
    float l2_emb = 0.f;        // λ of the embedding L2 term (both optimizers)
    float clip = 0.f;          // max global gradient norm; 0 = no clipping

    void validate() const;  // throws UsageError naming the flag
};

class Optimizer {
public:
    Optimizer(const ModelConfig& model, const OptimizerConfig& cfg);

    // One update of w from the gradients in g (g is modified: L2 and clipping are
    // applied in place). Returns the global gradient norm before clipping (after L2).
    float step(ParamArena& w, ParamArena& g, float lr);

    const OptimizerConfig& config() const { return cfg_; }
    int64_t steps() const { return t_; }  // updates done so far
    ParamArena& m() { return m_; }
    ParamArena& v() { return v_; }
    const ParamArena& m() const { return m_; }
    const ParamArena& v() const { return v_; }
    // Resume: restores the step count (the moments are restored through m()/v()).
    void set_steps(int64_t t) { t_ = t; }

private:
    struct Range {
        size_t begin, end;  // in floats
        bool decay;         // AdamW weight decay applies
        bool l2;            // --l2-emb applies
    };
    OptimizerConfig cfg_;
    ParamArena m_, v_;
    std::vector<Range> ranges_;
    std::vector<double> chunk_sums_;  // sized once: no allocation inside step()
    size_t pad_row_ = 0;              // C: floats of item_emb row 0
    int64_t t_ = 0;
};

}  // namespace anirec
