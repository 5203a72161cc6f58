#include "eval/metrics.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>

#include "util/error.h"

namespace anirec {

double hr_at_k(int64_t rank, int32_t k) { return rank >= 0 && rank < k ? 1.0 : 0.0; }

double ndcg_at_k(int64_t rank, int32_t k) {
    if (rank < 0 || rank >= k) return 0.0;
    return 1.0 / std::log2(static_cast<double>(rank) + 2.0);
}

double reciprocal_rank(int64_t rank) { return rank < 0 ? 0.0 : 1.0 / (static_cast<double>(rank) + 1.0); }

double recall_at_k(std::span<const int64_t> ranks, int32_t k) {
    if (ranks.empty()) return 0.0;
    int64_t hit = 0;
    for (int64_t r : ranks) hit += r >= 0 && r < k;
    return static_cast<double>(hit) / static_cast<double>(ranks.size());
}

int64_t pessimistic_rank(std::span<const float> others, float target, bool* saw_nan) {
    bool nan = std::isnan(target);
    int64_t rank = 0;
    if (nan) {
        // The target is the worst: every other candidate ties or beats it.
        rank = static_cast<int64_t>(others.size());
        if (saw_nan) *saw_nan = true;
        return rank;
    }
    for (float s : others) {
        if (std::isnan(s)) {
            nan = true;
            continue;
        }
        rank += s >= target;
    }
    if (saw_nan && nan) *saw_nan = true;
    return rank;
}

std::vector<int32_t> parse_ks(const std::string& s) {
    std::vector<int32_t> ks;
    std::stringstream ss(s);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
        size_t used = 0;
        long v = 0;
        try {
            v = std::stol(tok, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != tok.size() || v <= 0 || v > 1000000)
            throw UsageError(cat("--k: '", tok, "' is not a cut-off (a whole number in 1..1000000)"));
        ks.push_back(static_cast<int32_t>(v));
    }
    if (ks.empty()) throw UsageError("--k: give at least one cut-off, e.g. 1,5,10,20");
    std::sort(ks.begin(), ks.end());
    if (std::adjacent_find(ks.begin(), ks.end()) != ks.end())
        throw UsageError(cat("--k: '", s, "' lists a cut-off twice"));
    return ks;
}

static size_t k_index(const std::vector<int32_t>& ks, int32_t k) {
    auto it = std::find(ks.begin(), ks.end(), k);
    if (it == ks.end()) throw Error(cat("metric @", k, " was not computed (cut-offs: --k)"));
    return static_cast<size_t>(it - ks.begin());
}

double MetricsReport::hr_at(int32_t k) const { return hr[k_index(ks, k)]; }
double MetricsReport::ndcg_at(int32_t k) const { return ndcg[k_index(ks, k)]; }

nlohmann::json MetricsReport::to_json() const {
    nlohmann::json j;
    j["users"] = n_users;
    j["nan_users"] = nan_users;
    j["mrr"] = mrr;
    for (size_t i = 0; i < ks.size(); ++i) {
        const std::string k = std::to_string(ks[i]);
        j["hr@" + k] = hr[i];
        j["ndcg@" + k] = ndcg[i];
        j["recall@" + k] = recall[i];
        if (!coverage.empty()) j["coverage@" + k] = coverage[i];
    }
    return j;
}

MetricsAccumulator::MetricsAccumulator(std::vector<int32_t> ks)
    : ks_(std::move(ks)), hr_(ks_.size(), 0.0), ndcg_(ks_.size(), 0.0) {}

void MetricsAccumulator::add(int64_t rank, bool saw_nan) {
    ANIREC_ASSERT(rank >= 0);
    ++n_;
    nan_ += saw_nan;
    for (size_t i = 0; i < ks_.size(); ++i) {
        hr_[i] += hr_at_k(rank, ks_[i]);
        ndcg_[i] += ndcg_at_k(rank, ks_[i]);
    }
    mrr_ += reciprocal_rank(rank);
}

MetricsReport MetricsAccumulator::finish() const {
    MetricsReport r;
    r.ks = ks_;
    r.n_users = n_;
    r.nan_users = nan_;
    const double inv = n_ > 0 ? 1.0 / static_cast<double>(n_) : 0.0;
    for (size_t i = 0; i < ks_.size(); ++i) {
        r.hr.push_back(hr_[i] * inv);
        r.ndcg.push_back(ndcg_[i] * inv);
        r.recall.push_back(hr_[i] * inv);  // one held-out item per user: recall@K = HR@K
    }
    r.mrr = mrr_ * inv;
    return r;
}

std::vector<double> coverage_from_best_positions(std::span<const int32_t> best_pos,
                                                 std::span<const int32_t> ks) {
    std::vector<double> cov(ks.size(), 0.0);
    const size_t N = best_pos.empty() ? 0 : best_pos.size() - 1;
    if (N == 0) return cov;
    for (size_t i = 0; i < ks.size(); ++i) {
        int64_t n = 0;
        for (size_t it = 1; it <= N; ++it) n += best_pos[it] < ks[i];
        cov[i] = static_cast<double>(n) / static_cast<double>(N);
    }
    return cov;
}

}  // namespace anirec
