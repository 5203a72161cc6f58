#include "eval/evaluator.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include "model/blas.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/rng.h"
#include "util/timer.h"

namespace anirec {

const char* eval_target_name(EvalTarget t) { return t == EvalTarget::VALID ? "valid" : "test"; }

std::string protocol_label(Protocol p, const EvalOptions& opt) {
    if (p == Protocol::FULL) return "full ranking";
    return cat("sampled: ", opt.n_negatives, opt.popularity_negatives ? " popularity-sampled" : " uniform",
               " negatives");
}

nlohmann::json EvalResult::to_json() const {
    nlohmann::json j;
    j["scorer"] = scorer;
    j["protocol"] = protocol == Protocol::FULL ? "full" : "sampled";
    j["protocol_label"] = protocol_label;
    j["split"] = split;
    j["target"] = eval_target_name(target);
    j["users_skipped"] = users_skipped;
    j["seconds"] = seconds;
    j["metrics"] = metrics.to_json();
    return j;
}

std::vector<int32_t> eval_input(const Split& split, int32_t u, EvalTarget target) {
    auto tr = split.train(u);
    std::vector<int32_t> in(tr.begin(), tr.end());
    if (target == EvalTarget::TEST && split.valid_item[u] != 0) in.push_back(split.valid_item[u]);
    return in;
}

std::vector<int64_t> item_counts(const Split& split) {
    std::vector<int64_t> pop(static_cast<size_t>(split.n_items) + 1, 0);
    for (int32_t it : split.train_items) ++pop[it];
    return pop;
}

namespace {

// Draws sampled-protocol negatives. Marks are epoch stamps, so a user costs O(its
// history + n) and not O(N) (except in the rare fallbacks below).
class NegativeSampler {
public:
    NegativeSampler(int32_t N, bool popularity, const std::vector<int64_t>& pop)
        : N_(N), popularity_(popularity), pop_(pop) {
        if (popularity_) {
            cdf_.assign(static_cast<size_t>(N) + 1, 0.0);
            for (int32_t i = 1; i <= N; ++i) {
                cdf_[i] = cdf_[i - 1] + static_cast<double>(pop[i]);
                n_positive_ += pop[i] > 0;
            }
            total_ = cdf_[N];
        }
    }

    // hist_mark[i] == epoch marks the user's history; drawn_mark is scratch.
    void sample(int32_t u, int32_t n, uint64_t seed, std::span<const int32_t> history,
                std::vector<uint32_t>& hist_mark, std::vector<uint32_t>& drawn_mark, uint32_t epoch,
                std::vector<int32_t>& out) const {
        out.clear();
        int64_t n_hist = 0;
        double hist_mass = 0.0;
        int64_t hist_positive = 0;
        for (int32_t it : history) {
            if (hist_mark[it] == epoch) continue;
            hist_mark[it] = epoch;
            ++n_hist;
            if (popularity_) {
                hist_mass += static_cast<double>(pop_[it]);
                hist_positive += pop_[it] > 0;
            }
        }
        // A stream of its own, distinct from the random split's (which uses seed, u).
        Rng rng = Rng::derive(seed ^ 0x5EED0F4E6A71BE5ull, static_cast<uint64_t>(u));
        auto allowed = [&](int32_t i) { return hist_mark[i] != epoch && (!popularity_ || pop_[i] > 0); };
        const int64_t avail = popularity_ ? n_positive_ - hist_positive : N_ - n_hist;
        if (avail <= n) {  // fewer candidates than asked for: all of them
            for (int32_t i = 1; i <= N_; ++i)
                if (allowed(i)) out.push_back(i);
            return;
        }
        if (!popularity_) {
            // Rejection: the expected number of draws is n * N / avail <= 2n when at
            // least half the catalogue is available, and bounded by ~N otherwise.
            while (static_cast<int32_t>(out.size()) < n) {
                const int32_t i = 1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(N_)));
                if (hist_mark[i] == epoch || drawn_mark[i] == epoch) continue;
                drawn_mark[i] = epoch;
                out.push_back(i);
            }
            return;
        }
        const double avail_mass = total_ - hist_mass;
        if (avail_mass >= 0.25 * total_) {
            // Rejection on the training-count distribution: at most 4 draws per accept
            // on average (plus the duplicate rejections).
            int64_t guard = 0;
            while (static_cast<int32_t>(out.size()) < n && guard < 1000LL * n) {
                ++guard;
                const double x = rng.uniform_double() * total_;
                const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), x);
                if (it == cdf_.end()) continue;
                const int32_t i = static_cast<int32_t>(it - cdf_.begin());
                if (hist_mark[i] == epoch || drawn_mark[i] == epoch) continue;
                drawn_mark[i] = epoch;
                out.push_back(i);
            }
            if (static_cast<int32_t>(out.size()) == n) return;
            for (int32_t i : out) drawn_mark[i] = 0;  // rare: fall through to the exact method
            out.clear();
        }
        // Weighted sampling without replacement (Efraimidis-Spirakis): key = u^(1/w),
        // keep the n largest; compared in log space, log(u)/w.
        std::vector<std::pair<double, int32_t>> keyed;
        for (int32_t i = 1; i <= N_; ++i) {
            if (!allowed(i)) continue;
            double r = rng.uniform_double();
            if (r <= 0.0) r = 1e-300;
            keyed.emplace_back(std::log(r) / static_cast<double>(pop_[i]), i);
        }
        std::partial_sort(keyed.begin(), keyed.begin() + n, keyed.end(),
                          [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
        for (int32_t k = 0; k < n; ++k) out.push_back(keyed[k].second);
    }

private:
    int32_t N_;
    bool popularity_;
    const std::vector<int64_t>& pop_;
    std::vector<double> cdf_;
    double total_ = 0.0;
    int64_t n_positive_ = 0;
};

struct Scratch {
    std::unique_ptr<ScorerState> state;
    std::vector<int32_t> seq;     // (B, T)
    std::vector<float> scores;    // (B, N+1)
    std::vector<uint32_t> excl_mark, hist_mark, drawn_mark;  // (N+1) epoch stamps
    uint32_t epoch = 0;
    std::vector<int32_t> best_pos;  // (N+1) coverage
    std::vector<std::pair<float, int32_t>> heap;
    std::vector<int32_t> negatives;
};

// "a ranks before b" in a recommendation list: higher score, then lower item id.
inline bool list_before(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

}  // namespace

std::vector<int32_t> sample_negatives(const Split& split, int32_t u, int32_t n, uint64_t seed,
                                      bool popularity, const std::vector<int64_t>& pop) {
    const size_t N1 = static_cast<size_t>(split.n_items) + 1;
    NegativeSampler sampler(split.n_items, popularity, pop);
    std::vector<uint32_t> hist(N1, 0), drawn(N1, 0);
    std::vector<int32_t> out;
    sampler.sample(u, n, seed, split.history(u), hist, drawn, 1, out);
    return out;
}

std::vector<EvalResult> evaluate(const Scorer& scorer, const Split& split, EvalTarget target,
                                 const EvalOptions& opt) {
    Timer timer;
    const int32_t N = split.n_items;
    const int32_t U = split.n_users();
    if (scorer.n_items() != N)
        throw Error(cat("scorer '", scorer.name(), "' scores ", scorer.n_items(), " items but the split has ", N));
    if (!opt.full && !opt.sampled) throw UsageError("evaluate: no protocol selected");
    if (opt.ks.empty()) throw UsageError("evaluate: no cut-off K");
    if (opt.n_negatives < 1) throw UsageError("evaluate: n_negatives must be >= 1");
    if (opt.block_users < 1) throw UsageError("evaluate: block_users must be >= 1");
    const auto& held = target == EvalTarget::VALID ? split.valid_item : split.test_item;

    std::vector<int32_t> users;
    for (int32_t u = 0; u < U; ++u)
        if (held[u] != 0) users.push_back(u);
    const int64_t n_eval = static_cast<int64_t>(users.size());

    auto input_len = [&](int32_t u) -> int64_t {
        return static_cast<int64_t>(split.train(u).size()) +
               (target == EvalTarget::TEST && split.valid_item[u] != 0 ? 1 : 0);
    };
    int32_t T = scorer.maxlen();
    const bool whole_history = T <= 0;
    if (whole_history) {
        int64_t longest = 1;
        for (int32_t u : users) longest = std::max(longest, input_len(u));
        T = static_cast<int32_t>(longest);
    }
    const int32_t B = opt.block_users;
    const size_t N1 = static_cast<size_t>(N) + 1;
    const int32_t k_max = std::min<int32_t>(*std::max_element(opt.ks.begin(), opt.ks.end()), N);
    const bool want_cov = opt.full && opt.coverage && N > 0;

    std::vector<int64_t> pop;
    if (opt.sampled) pop = item_counts(split);
    NegativeSampler sampler(N, opt.popularity_negatives, pop);

    std::vector<int64_t> rank_full(opt.full ? U : 0, -1), rank_sampled(opt.sampled ? U : 0, -1);
    std::vector<uint8_t> saw_nan(U, 0);

    int n_scratch = std::max(1, num_threads());
#ifdef ANIREC_HAVE_OPENMP
    n_scratch = std::max(n_scratch, omp_get_max_threads());
#endif
    if (!opt.parallel_users) n_scratch = 1;
    std::vector<Scratch> scratch(static_cast<size_t>(n_scratch));

    auto init_scratch = [&](Scratch& s) {
        if (s.state) return;
        s.state = scorer.make_state(B, T);
        s.seq.assign(static_cast<size_t>(B) * T, 0);
        s.scores.assign(static_cast<size_t>(B) * N1, 0.f);
        s.excl_mark.assign(N1, 0);
        s.hist_mark.assign(N1, 0);
        s.drawn_mark.assign(N1, 0);
        if (want_cov) s.best_pos.assign(N1, INT32_MAX);
    };

    auto run_block = [&](int64_t blk, Scratch& s) {
        init_scratch(s);
        const int64_t lo = blk * B;
        const int32_t nb = static_cast<int32_t>(std::min<int64_t>(B, n_eval - lo));
        // Inputs: the last T items of (training [+ validation]), left-padded. A
        // whole-history scorer gets the block's longest input as its T, so one very
        // long user does not make every block wide.
        int32_t Tb = T;
        if (whole_history) {
            int64_t longest = 1;
            for (int32_t b = 0; b < nb; ++b) longest = std::max(longest, input_len(users[lo + b]));
            Tb = static_cast<int32_t>(longest);
        }
        std::fill(s.seq.begin(), s.seq.begin() + static_cast<size_t>(nb) * Tb, 0);
        for (int32_t b = 0; b < nb; ++b) {
            const int32_t u = users[lo + b];
            auto tr = split.train(u);
            const bool add_valid = target == EvalTarget::TEST && split.valid_item[u] != 0;
            const int64_t L = static_cast<int64_t>(tr.size()) + (add_valid ? 1 : 0);
            const int64_t take = std::min<int64_t>(L, Tb);
            int32_t* row = s.seq.data() + static_cast<size_t>(b) * Tb;
            int64_t pos = Tb - take;
            for (int64_t i = L - take; i < L; ++i)
                row[pos++] = i < static_cast<int64_t>(tr.size()) ? tr[i] : split.valid_item[u];
        }
        scorer.score(*s.state, s.seq.data(), nb, Tb, s.scores.data());

        for (int32_t b = 0; b < nb; ++b) {
            const int32_t u = users[lo + b];
            const int32_t tgt = held[u];
            float* sc = s.scores.data() + static_cast<size_t>(b) * N1;
            ++s.epoch;
            // NaN is the worst score: map it to -inf so plain comparisons rank it last.
            bool nan = false;
            for (int32_t i = 1; i <= N; ++i) {
                if (std::isnan(sc[i])) {
                    sc[i] = -std::numeric_limits<float>::infinity();
                    nan = true;
                }
            }
            saw_nan[u] = nan;
            const float t = sc[tgt];
            if (opt.full) {
                // rank = #{candidates != target with score >= t}, candidates = all items
                // minus the input history (the target stays). Count over all items with a
                // vectorisable loop, then take out the target and the distinct history
                // items that were counted.
                int64_t ge = 0;
                for (int32_t i = 1; i <= N; ++i) ge += sc[i] >= t;
                ge -= 1;  // the target itself
                auto drop = [&](int32_t it) {
                    if (s.excl_mark[it] == s.epoch) return;
                    s.excl_mark[it] = s.epoch;
                    if (it != tgt && sc[it] >= t) --ge;
                };
                for (int32_t it : split.train(u)) drop(it);
                if (target == EvalTarget::TEST && split.valid_item[u] != 0) drop(split.valid_item[u]);
                rank_full[u] = ge;
                if (want_cov) {
                    // This user's top-k_max list among the candidates (ties: lower id first).
                    auto& h = s.heap;
                    h.clear();
                    auto worse_on_top = [](const auto& a, const auto& b) { return list_before(a, b); };
                    for (int32_t i = 1; i <= N; ++i) {
                        if (static_cast<int32_t>(h.size()) == k_max && !(sc[i] > h.front().first)) continue;
                        if (s.excl_mark[i] == s.epoch && i != tgt) continue;
                        if (static_cast<int32_t>(h.size()) == k_max) {
                            std::pop_heap(h.begin(), h.end(), worse_on_top);
                            h.back() = {sc[i], i};
                        } else {
                            h.emplace_back(sc[i], i);
                        }
                        std::push_heap(h.begin(), h.end(), worse_on_top);
                    }
                    std::sort(h.begin(), h.end(), list_before);
                    for (size_t p = 0; p < h.size(); ++p) {
                        int32_t& bp = s.best_pos[h[p].second];
                        bp = std::min(bp, static_cast<int32_t>(p));
                    }
                }
            }
            if (opt.sampled) {
                sampler.sample(u, opt.n_negatives, opt.seed, split.history(u), s.hist_mark, s.drawn_mark,
                               s.epoch, s.negatives);
                int64_t r = 0;
                for (int32_t it : s.negatives) r += sc[it] >= t;
                rank_sampled[u] = r;
            }
        }
    };

    const int64_t n_blocks = (n_eval + B - 1) / B;
    if (opt.parallel_users) {
        BlasSerialScope pin;  // one BLAS thread per user block
        parallel_for(0, n_blocks, [&](int64_t blk, int tid) {
            ANIREC_ASSERT(tid >= 0 && tid < n_scratch);
            run_block(blk, scratch[static_cast<size_t>(tid)]);
        });
    } else {
        for (int64_t blk = 0; blk < n_blocks; ++blk) run_block(blk, scratch[0]);
    }

    std::vector<double> coverage;
    if (want_cov) {
        std::vector<int32_t> best(N1, INT32_MAX);
        for (const auto& s : scratch)
            for (size_t i = 0; i < s.best_pos.size(); ++i) best[i] = std::min(best[i], s.best_pos[i]);
        coverage = coverage_from_best_positions(best, opt.ks);
    }

    std::vector<EvalResult> out;
    for (Protocol p : {Protocol::FULL, Protocol::SAMPLED}) {
        if ((p == Protocol::FULL && !opt.full) || (p == Protocol::SAMPLED && !opt.sampled)) continue;
        const auto& ranks = p == Protocol::FULL ? rank_full : rank_sampled;
        MetricsAccumulator acc(opt.ks);
        for (int32_t u : users) acc.add(ranks[u], saw_nan[u] != 0);
        EvalResult r;
        r.scorer = scorer.name();
        r.protocol = p;
        r.protocol_label = protocol_label(p, opt);
        r.split = split.protocol;
        r.target = target;
        r.metrics = acc.finish();
        if (p == Protocol::FULL) r.metrics.coverage = coverage;
        r.users_skipped = U - n_eval;
        if (opt.keep_ranks) r.ranks = ranks;
        out.push_back(std::move(r));
    }
    const double secs = timer.seconds();
    for (auto& r : out) r.seconds = secs;
    return out;
}

}  // namespace anirec
