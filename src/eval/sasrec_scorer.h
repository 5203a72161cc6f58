// The SASRec model as a Scorer, and the validation entry point the trainer's hook
// calls.
//
// score(): sasrec_last_state gives the user states (B,C); one cblas_sgemm multiplies
// them with the item table, scores (B, N+1) = states (B,C) x item_emb^T (C, N+1).
// Dropout is off (inference).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"
#include "eval/scorer.h"
#include "model/sasrec.h"

namespace anirec {

class SasrecScorer : public Scorer {
public:
    // Keeps a reference to w: it must outlive the scorer and not change while scoring.
    explicit SasrecScorer(const ParamArena& w, std::string name = "sasrec");
    std::string name() const override { return name_; }
    int32_t n_items() const override { return w_.config().n_items; }
    int32_t maxlen() const override { return w_.config().maxlen; }
    bool uses_blas() const override { return true; }
    std::unique_ptr<ScorerState> make_state(int32_t max_batch, int32_t T) const override;
    void score(ScorerState& state, const int32_t* seq, int32_t B, int32_t T, float* scores) const override;

private:
    const ParamArena& w_;
    std::string name_;
};

// What the trainer needs after each validation pass.
struct ValidationScores {
    double ndcg_at_10 = 0.0;
    double hr_at_10 = 0.0;
    double mrr = 0.0;
    int64_t users = 0;
    double seconds = 0.0;
    std::string protocol;  // e.g. "full ranking, leave-one-out, valid"
    nlohmann::json json;   // the whole EvalResult (all K) as JSON
};

// Ranks every user's validation item with parameters w (the full protocol unless opt
// says otherwise; the first protocol selected is reported). K = 10 is added to opt.ks
// when missing. The test items are never read.
ValidationScores validate_sasrec(const ParamArena& w, const Split& split, EvalOptions opt = {});

}  // namespace anirec
