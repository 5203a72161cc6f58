// What the evaluator ranks with: anything that turns a batch of users' input
// sequences into a score for every item. The SASRec model (eval/sasrec_scorer.h)
// and the baselines (eval/baselines.h) implement it, so all are measured by the
// same code under the same protocol.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace anirec {

// Per-thread scratch of a scorer (a model Workspace, buffers). One per thread.
class ScorerState {
public:
    virtual ~ScorerState() = default;
};

class Scorer {
public:
    virtual ~Scorer() = default;
    virtual std::string name() const = 0;  // "sasrec", "mostpop", ...
    virtual int32_t n_items() const = 0;   // N: scores have N+1 columns
    // The input length T the scorer reads (the model's maxlen). 0: the whole history
    // (baselines); the evaluator then uses the longest input of the users evaluated.
    virtual int32_t maxlen() const = 0;
    // Whether score() calls BLAS: the evaluator then pins BLAS to one thread inside
    // its own parallel region.
    virtual bool uses_blas() const { return false; }
    virtual std::unique_ptr<ScorerState> make_state(int32_t max_batch, int32_t T) const = 0;
    // seq (B,T): item ids, each row left-padded with 0 (the most recent item last).
    // scores (B, N+1) row-major: scores[b*(N+1) + i] for item i; column 0 is ignored.
    // Must be safe to call from several threads at once with distinct states.
    virtual void score(ScorerState& state, const int32_t* seq, int32_t B, int32_t T,
                       float* scores) const = 0;
};

}  // namespace anirec
