// Non-neural baselines, as Scorers, so they go through the same evaluator and every
// report can show the model's lift over them. All are fitted on the split's
// training sequences only (never the held-out items) and read the whole input
// history of a user (maxlen() == 0).
//
//   MostPop  score(i) = training count of i, the same for every user.
//   Markov   first-order transitions: score(i) = #(last -> i) + pop(i) / (max_pop + 1),
//            where #(a -> b) counts consecutive pairs in training sequences and "last"
//            is the last item of the user's input. The popularity term is < 1, so it
//            only orders items with equal transition counts, including every item
//            never seen after `last` and every item when the user has no input:
//            back-off to popularity. (In float32 the term cannot separate items whose
//            counts differ by less than the float spacing at #(last -> i); that only
//            matters for items with large transition counts.)
//   ItemKNN  item-item cosine over binary co-occurrence in training histories,
//            sim(i,j) = c(i,j) / sqrt(n_i n_j), c = users with both, n_i = users with i;
//            each item keeps its top-M neighbours (M = 100 default; ties: lower id);
//            score(j) = sum over distinct input items h of sim(h, j). Items with no
//            similarity to the history score 0 and tie (pessimistically ranked). The
//            neighbour lists are computed item by item with a dense accumulator per
//            thread (a sparse product of the item-user matrix with its transpose):
//            time O(sum over users of |history|^2), memory O(N*M + interactions).
//
// The sequences fed to score() may be truncated by the caller; with maxlen() == 0 the
// evaluator passes the whole history.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eval/scorer.h"
#include "eval/split.h"

namespace anirec {

class MostPopScorer : public Scorer {
public:
    explicit MostPopScorer(const Split& split);
    std::string name() const override { return "mostpop"; }
    int32_t n_items() const override { return N_; }
    int32_t maxlen() const override { return 0; }
    std::unique_ptr<ScorerState> make_state(int32_t, int32_t) const override;
    void score(ScorerState&, const int32_t* seq, int32_t B, int32_t T, float* scores) const override;
    const std::vector<float>& popularity() const { return pop_; }

private:
    int32_t N_;
    std::vector<float> pop_;  // (N+1)
};

class MarkovScorer : public Scorer {
public:
    explicit MarkovScorer(const Split& split);
    std::string name() const override { return "markov"; }
    int32_t n_items() const override { return N_; }
    int32_t maxlen() const override { return 0; }
    std::unique_ptr<ScorerState> make_state(int32_t, int32_t) const override;
    void score(ScorerState&, const int32_t* seq, int32_t B, int32_t T, float* scores) const override;
    // Transition count a -> b (0 when never seen).
    int64_t transitions(int32_t a, int32_t b) const;

private:
    int32_t N_;
    std::vector<float> backoff_;      // (N+1) pop / (max_pop + 1)
    std::vector<int64_t> offsets_;    // (N+2) CSR by source item
    std::vector<int32_t> next_;       // successor items, ascending per source
    std::vector<int32_t> count_;      // their counts
};

class ItemKnnScorer : public Scorer {
public:
    // M: neighbours kept per item. Builds in parallel over items (num_threads()).
    ItemKnnScorer(const Split& split, int32_t M = 100);
    std::string name() const override { return "itemknn"; }
    int32_t n_items() const override { return N_; }
    int32_t maxlen() const override { return 0; }
    std::unique_ptr<ScorerState> make_state(int32_t, int32_t) const override;
    void score(ScorerState&, const int32_t* seq, int32_t B, int32_t T, float* scores) const override;
    // Neighbours of i, best first: (item, cosine).
    std::vector<std::pair<int32_t, float>> neighbours(int32_t i) const;
    double build_seconds() const { return build_seconds_; }

private:
    int32_t N_, M_;
    std::vector<int64_t> offsets_;  // (N+2) CSR
    std::vector<int32_t> nbr_;
    std::vector<float> sim_;
    double build_seconds_ = 0.0;
};

// "mostpop,markov,itemknn" | "none" | "" -> names, in the given order; throws UsageError.
std::vector<std::string> parse_baselines(const std::string& s);
std::unique_ptr<Scorer> make_baseline(const std::string& name, const Split& split);

}  // namespace anirec
