// Ranking metrics as pure functions of a rank.
//
// A rank is 0-based: the number of candidates placed above the held-out item. Ties
// are ranked pessimistically: every other candidate whose score is >= the target's
// counts as above it, so a model that scores everything equal gets the worst rank
// (#candidates - 1) and metrics near 0, never HR@10 = 1 as an argsort would give.
// NaN scores are the worst possible: a NaN candidate is never above a finite target;
// a NaN target is below every other candidate. The evaluator counts users that met
// a NaN and reports it.
//
// With one held-out item per user (our splits):
//   HR@K     = [rank < K]
//   NDCG@K   = [rank < K] / log2(rank + 2)     (the ideal DCG is 1: one relevant item at rank 0)
//   MRR      = 1 / (rank + 1)                   (over the whole candidate list, no cut-off)
//   Recall@K = |relevant items with rank < K| / |relevant items|  (= HR@K for one item)
// Since 1/log2(rank+2) <= 1, NDCG@K <= HR@K for every user and hence for the means.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anirec {

double hr_at_k(int64_t rank, int32_t k);
double ndcg_at_k(int64_t rank, int32_t k);
double reciprocal_rank(int64_t rank);
// ranks: 0-based position of each relevant item in the full ranked list (several
// relevant items each keep their own position). Empty -> 0.
double recall_at_k(std::span<const int64_t> ranks, int32_t k);

// The pessimistic rank of a target scoring `target` against `others` (the other
// candidates, the target itself NOT among them): #{s in others : s >= target}, NaN
// as worst. Sets *saw_nan (when given) if the target or any candidate is NaN.
int64_t pessimistic_rank(std::span<const float> others, float target, bool* saw_nan = nullptr);

// "1,5,10,20" -> {1,5,10,20}: positive, strictly increasing after sorting, no
// duplicates; throws UsageError naming the bad entry.
std::vector<int32_t> parse_ks(const std::string& s);

// Means over every evaluated user (no subsets).
struct MetricsReport {
    std::vector<int32_t> ks;
    int64_t n_users = 0;
    std::vector<double> hr, ndcg, recall;  // one per K
    std::vector<double> coverage;          // one per K; empty when not computed
    double mrr = 0.0;
    int64_t nan_users = 0;                 // users whose scores contained a NaN

    double hr_at(int32_t k) const;    // throws Error when k is not in ks
    double ndcg_at(int32_t k) const;
    nlohmann::json to_json() const;
};

// Sums per-user metrics in the order users are added (callers add in user order, so
// the means do not depend on the thread count).
class MetricsAccumulator {
public:
    explicit MetricsAccumulator(std::vector<int32_t> ks);
    void add(int64_t rank, bool saw_nan = false);
    MetricsReport finish() const;

private:
    std::vector<int32_t> ks_;
    int64_t n_ = 0, nan_ = 0;
    std::vector<double> hr_, ndcg_;
    double mrr_ = 0.0;
};

// Catalogue coverage at each K: the share of the N items that appear in at least one
// user's top-K list. best_pos[i] (size N+1, [0] unused) is the best (smallest, 0-based)
// position item i reached in any user's list, or INT32_MAX if it never appeared.
std::vector<double> coverage_from_best_positions(std::span<const int32_t> best_pos,
                                                 std::span<const int32_t> ks);

}  // namespace anirec
