// The SASRec hyperparameters that define a model's shape and behaviour. Saved in
// every model file, so later commands need only the file.
#pragma once

#include <cstdint>
#include <string>

namespace anirec {

// Where LayerNorm sits in a block (see docs/model.md):
//   PRE:    x = x + Attn(LN(x)); x = x + FFN(LN(x))
//   SASREC: the original code: Q = LN(x); x = Q + Attn(Q, K=x, V=x); x = LN(x); x = x + FFN(x)
enum class NormLayout : int32_t { PRE = 0, SASREC = 1 };
const char* norm_layout_name(NormLayout n);          // "pre" / "sasrec"
NormLayout parse_norm_layout(const std::string& s);  // throws UsageError

// The widest model accepted: kernels keep per-thread partials of one row on their stack.
constexpr int32_t kMaxHidden = 4096;

struct ModelConfig {
    int32_t n_items = 0;    // N: the item table has N+1 rows, row 0 is padding
    int32_t maxlen = 200;   // T: positions
    int32_t hidden = 50;    // C
    int32_t blocks = 2;
    int32_t heads = 1;      // hidden % heads == 0
    float dropout = 0.2f;   // embedding, attention, feed-forward
    NormLayout norm = NormLayout::SASREC;

    void validate() const;  // throws UsageError naming the field and its allowed range
};

}  // namespace anirec
