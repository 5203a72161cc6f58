// Small Scorers for evaluator tests, independent of the model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eval/scorer.h"
#include "util/rng.h"

namespace anirec::test {

struct EmptyState : ScorerState {};

// The same score vector for every user.
class FixedScorer : public Scorer {
public:
    explicit FixedScorer(std::vector<float> s, std::string name = "fixed") : s_(std::move(s)), name_(std::move(name)) {}
    std::string name() const override { return name_; }
    int32_t n_items() const override { return static_cast<int32_t>(s_.size()) - 1; }
    int32_t maxlen() const override { return 0; }
    std::unique_ptr<ScorerState> make_state(int32_t, int32_t) const override { return std::make_unique<EmptyState>(); }
    void score(ScorerState&, const int32_t*, int32_t B, int32_t, float* out) const override {
        for (int32_t b = 0; b < B; ++b)
            for (size_t i = 0; i < s_.size(); ++i) out[b * s_.size() + i] = s_[i];
    }

private:
    std::vector<float> s_;
    std::string name_;
};

// A score that depends on the whole visible input and the item, quantised to 8
// levels so that ties are frequent: exercises the tie rule and input construction.
class HashScorer : public Scorer {
public:
    HashScorer(int32_t n_items, int32_t maxlen) : N_(n_items), T_(maxlen) {}
    std::string name() const override { return "hash"; }
    int32_t n_items() const override { return N_; }
    int32_t maxlen() const override { return T_; }
    std::unique_ptr<ScorerState> make_state(int32_t, int32_t) const override { return std::make_unique<EmptyState>(); }
    void score(ScorerState&, const int32_t* seq, int32_t B, int32_t T, float* out) const override {
        for (int32_t b = 0; b < B; ++b) {
            uint64_t h = 0x1234;
            // Padding is not hashed: the score is a function of the visible input only
            // (as for any scorer), however wide the caller's rows are.
            for (int32_t t = 0; t < T; ++t)
                if (seq[b * T + t] != 0) h = h * 1000003ull + static_cast<uint64_t>(seq[b * T + t]);
            for (int32_t i = 0; i <= N_; ++i) {
                uint64_t x = h ^ (static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull);
                out[static_cast<size_t>(b) * (N_ + 1) + i] = static_cast<float>(splitmix64(x) % 8) / 8.f;
            }
        }
    }

private:
    int32_t N_, T_;
};

}  // namespace anirec::test
