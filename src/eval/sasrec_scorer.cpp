#include "eval/sasrec_scorer.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "util/error.h"

namespace anirec {

namespace {
struct SasrecState : ScorerState {
    SasrecState(const ModelConfig& cfg, int32_t max_batch)
        : ws(cfg, max_batch, /*for_training=*/false), states(static_cast<size_t>(max_batch) * cfg.hidden) {}
    Workspace ws;
    std::vector<float> states;  // (B, C)
};
}  // namespace

SasrecScorer::SasrecScorer(const ParamArena& w, std::string name) : w_(w), name_(std::move(name)) {}

std::unique_ptr<ScorerState> SasrecScorer::make_state(int32_t max_batch, int32_t T) const {
    ANIREC_ASSERT(T == w_.config().maxlen);
    return std::make_unique<SasrecState>(w_.config(), max_batch);
}

void SasrecScorer::score(ScorerState& state, const int32_t* seq, int32_t B, int32_t T, float* scores) const {
    auto& st = static_cast<SasrecState&>(state);
    const ModelConfig& cfg = w_.config();
    ANIREC_ASSERT(T == cfg.maxlen && B <= st.ws.max_batch());
    const int32_t C = cfg.hidden, N1 = cfg.n_items + 1;
    sasrec_last_state(w_, st.ws, seq, B, st.states.data());
    // scores (B, N+1) = states (B, C) . item_emb (N+1, C)^T: one product per block.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, N1, C, 1.0f, st.states.data(), C, w_.item_emb, C,
                0.0f, scores, N1);
}

ValidationScores validate_sasrec(const ParamArena& w, const Split& split, EvalOptions opt) {
    if (std::find(opt.ks.begin(), opt.ks.end(), 10) == opt.ks.end()) {
        opt.ks.push_back(10);
        std::sort(opt.ks.begin(), opt.ks.end());
    }
    opt.keep_ranks = false;
    SasrecScorer scorer(w);
    auto results = evaluate(scorer, split, EvalTarget::VALID, opt);
    const EvalResult& r = results.front();
    ValidationScores v;
    v.ndcg_at_10 = r.metrics.ndcg_at(10);
    v.hr_at_10 = r.metrics.hr_at(10);
    v.mrr = r.metrics.mrr;
    v.users = r.metrics.n_users;
    v.seconds = r.seconds;
    v.protocol = cat(r.protocol_label, ", ", r.split, ", valid");
    v.json = r.to_json();
    return v;
}

}  // namespace anirec
