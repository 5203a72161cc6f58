#include "model/config.h"

#include "util/error.h"

namespace anirec {

const char* norm_layout_name(NormLayout n) { return n == NormLayout::PRE ? "pre" : "sasrec"; }

NormLayout parse_norm_layout(const std::string& s) {
    if (s == "pre") return NormLayout::PRE;
    if (s == "sasrec") return NormLayout::SASREC;
    throw UsageError(cat("--norm: expected 'pre' or 'sasrec', got '", s, "'"));
}

void ModelConfig::validate() const {
    if (n_items < 1) throw UsageError(cat("n_items: must be at least 1, got ", n_items));
    if (maxlen < 1 || maxlen > 4096) throw UsageError(cat("--maxlen: must be in [1, 4096], got ", maxlen));
    if (hidden < 1 || hidden > kMaxHidden)
        throw UsageError(cat("--hidden: must be in [1, ", kMaxHidden, "], got ", hidden));
    if (blocks < 1 || blocks > 64) throw UsageError(cat("--blocks: must be in [1, 64], got ", blocks));
    if (heads < 1 || hidden % heads != 0)
        throw UsageError(cat("--heads: must divide --hidden (", hidden, "), got ", heads));
    if (!(dropout >= 0.f && dropout < 1.f)) throw UsageError(cat("--dropout: must be in [0, 1), got ", dropout));
}

}  // namespace anirec
