#include "eval/baselines.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "util/error.h"
#include "util/parallel.h"
#include "util/timer.h"

namespace anirec {

namespace {
struct NoState : ScorerState {};

// Scratch for scorers that dedupe a user's history: epoch stamps over items.
struct MarkState : ScorerState {
    explicit MarkState(int32_t N) : mark(static_cast<size_t>(N) + 1, 0) {}
    std::vector<uint32_t> mark;
    uint32_t epoch = 0;
};

std::vector<float> training_popularity(const Split& split) {
    std::vector<float> pop(static_cast<size_t>(split.n_items) + 1, 0.f);
    for (int32_t it : split.train_items) pop[it] += 1.f;
    return pop;
}
}  // namespace

// ---------------------------------------------------------------- MostPop

MostPopScorer::MostPopScorer(const Split& split) : N_(split.n_items), pop_(training_popularity(split)) {}

std::unique_ptr<ScorerState> MostPopScorer::make_state(int32_t, int32_t) const {
    return std::make_unique<NoState>();
}

void MostPopScorer::score(ScorerState&, const int32_t*, int32_t B, int32_t, float* scores) const {
    const size_t N1 = static_cast<size_t>(N_) + 1;
    for (int32_t b = 0; b < B; ++b) std::memcpy(scores + b * N1, pop_.data(), N1 * sizeof(float));
}

// ---------------------------------------------------------------- Markov

MarkovScorer::MarkovScorer(const Split& split) : N_(split.n_items) {
    const auto pop = training_popularity(split);
    float max_pop = 0.f;
    for (float p : pop) max_pop = std::max(max_pop, p);
    backoff_.resize(pop.size());
    for (size_t i = 0; i < pop.size(); ++i) backoff_[i] = pop[i] / (max_pop + 1.f);

    // Bucket every consecutive training pair by its source, then sort and run-length
    // encode each bucket in place: 4 bytes per pair at the peak, not a sort of pairs.
    const int32_t U = split.n_users();
    std::vector<int64_t> start(static_cast<size_t>(N_) + 2, 0);
    for (int32_t u = 0; u < U; ++u) {
        auto s = split.train(u);
        for (size_t i = 1; i < s.size(); ++i) ++start[s[i - 1] + 1];
    }
    for (int32_t a = 1; a <= N_ + 1; ++a) start[a] += start[a - 1];
    std::vector<int32_t> succ(static_cast<size_t>(start[N_ + 1]));
    {
        std::vector<int64_t> fill(start.begin(), start.end() - 1);
        for (int32_t u = 0; u < U; ++u) {
            auto s = split.train(u);
            for (size_t i = 1; i < s.size(); ++i) succ[fill[s[i - 1]]++] = s[i];
        }
    }
    offsets_.assign(static_cast<size_t>(N_) + 2, 0);
    for (int32_t a = 0; a <= N_; ++a) {
        auto first = succ.begin() + start[a], last = succ.begin() + start[a + 1];
        std::sort(first, last);
        for (auto it = first; it != last;) {
            auto run_end = std::upper_bound(it, last, *it);
            next_.push_back(*it);
            count_.push_back(static_cast<int32_t>(run_end - it));
            it = run_end;
        }
        offsets_[a + 1] = static_cast<int64_t>(next_.size());
    }
}

int64_t MarkovScorer::transitions(int32_t a, int32_t b) const {
    if (a < 1 || a > N_) return 0;
    auto first = next_.begin() + offsets_[a], last = next_.begin() + offsets_[a + 1];
    auto it = std::lower_bound(first, last, b);
    return it != last && *it == b ? count_[it - next_.begin()] : 0;
}

std::unique_ptr<ScorerState> MarkovScorer::make_state(int32_t, int32_t) const {
    return std::make_unique<NoState>();
}

void MarkovScorer::score(ScorerState&, const int32_t* seq, int32_t B, int32_t T, float* scores) const {
    const size_t N1 = static_cast<size_t>(N_) + 1;
    for (int32_t b = 0; b < B; ++b) {
        float* row = scores + b * N1;
        std::memcpy(row, backoff_.data(), N1 * sizeof(float));
        const int32_t last = T > 0 ? seq[static_cast<size_t>(b) * T + T - 1] : 0;  // left-padded
        if (last <= 0) continue;
        for (int64_t k = offsets_[last]; k < offsets_[last + 1]; ++k)
            row[next_[k]] += static_cast<float>(count_[k]);
    }
}

// ---------------------------------------------------------------- ItemKNN

ItemKnnScorer::ItemKnnScorer(const Split& split, int32_t M) : N_(split.n_items), M_(M) {
    if (M < 1) throw UsageError("itemknn: the number of neighbours must be >= 1");
    Timer timer;
    const int32_t U = split.n_users();
    const size_t N1 = static_cast<size_t>(N_) + 1;

    // Each user's distinct training items (CSR), and the inverted lists item -> users.
    std::vector<int64_t> uoff(static_cast<size_t>(U) + 1, 0);
    std::vector<int32_t> uitems;
    uitems.reserve(split.train_items.size());
    for (int32_t u = 0; u < U; ++u) {
        auto s = split.train(u);
        const size_t at = uitems.size();
        uitems.insert(uitems.end(), s.begin(), s.end());
        std::sort(uitems.begin() + at, uitems.end());
        uitems.erase(std::unique(uitems.begin() + at, uitems.end()), uitems.end());
        uoff[u + 1] = static_cast<int64_t>(uitems.size());
    }
    std::vector<int64_t> ioff(N1 + 1, 0);
    for (int32_t it : uitems) ++ioff[it + 1];
    for (size_t i = 1; i <= N1; ++i) ioff[i] += ioff[i - 1];
    std::vector<int32_t> iusers(uitems.size());
    {
        std::vector<int64_t> fill(ioff.begin(), ioff.end() - 1);
        for (int32_t u = 0; u < U; ++u)
            for (int64_t k = uoff[u]; k < uoff[u + 1]; ++k) iusers[fill[uitems[k]]++] = u;
    }
    auto n_users_of = [&](int32_t i) { return static_cast<double>(ioff[i + 1] - ioff[i]); };

    // Row i of C = A^T A (A: users x items, binary), one item at a time with a dense
    // accumulator; keep the top-M cosines. Items differ a lot in cost (popular items
    // touch many users), so rows are handed out dynamically; each row's result depends
    // only on i, so the output does not depend on the schedule.
    std::vector<std::vector<std::pair<int32_t, float>>> rows(N1);
    auto build_row = [&](int32_t i, std::vector<int32_t>& acc, std::vector<std::pair<int32_t, float>>& cand) {
        // The hot loop: O(sum over users of |history|^2) increments in all. Branch-free
        // (no "first touch" test): the non-zero entries are found by one scan of the N
        // counters afterwards, which costs N per row, N^2 in all, far less.
        int32_t* a = acc.data();
        for (int64_t k = ioff[i]; k < ioff[i + 1]; ++k) {
            const int32_t u = iusers[k];
            const int32_t* it = uitems.data() + uoff[u];
            const int32_t* end = uitems.data() + uoff[u + 1];
            for (; it != end; ++it) ++a[*it];
        }
        a[i] = 0;  // an item is not its own neighbour
        cand.clear();
        const double ni = n_users_of(i);
        for (int32_t j = 1; j <= N_; ++j) {
            if (a[j] == 0) continue;
            cand.emplace_back(j, static_cast<float>(a[j] / std::sqrt(ni * n_users_of(j))));
            a[j] = 0;
        }
        auto better = [](const auto& x, const auto& y) {
            return x.second > y.second || (x.second == y.second && x.first < y.first);
        };
        const size_t keep = std::min<size_t>(cand.size(), static_cast<size_t>(M_));
        std::partial_sort(cand.begin(), cand.begin() + keep, cand.end(), better);
        rows[i].assign(cand.begin(), cand.begin() + keep);
    };
#ifdef ANIREC_HAVE_OPENMP
#pragma omp parallel num_threads(std::max(1, num_threads()))
#endif
    {
        std::vector<int32_t> acc(N1, 0);
        std::vector<std::pair<int32_t, float>> cand;
#ifdef ANIREC_HAVE_OPENMP
#pragma omp for schedule(dynamic, 8)
#endif
        for (int32_t i = 1; i <= N_; ++i) build_row(i, acc, cand);
    }
    offsets_.assign(N1 + 1, 0);
    for (size_t i = 1; i < N1; ++i) offsets_[i + 1] = offsets_[i] + static_cast<int64_t>(rows[i].size());
    nbr_.reserve(static_cast<size_t>(offsets_[N1]));
    sim_.reserve(static_cast<size_t>(offsets_[N1]));
    for (size_t i = 1; i < N1; ++i)
        for (auto [j, s] : rows[i]) {
            nbr_.push_back(j);
            sim_.push_back(s);
        }
    build_seconds_ = timer.seconds();
}

std::vector<std::pair<int32_t, float>> ItemKnnScorer::neighbours(int32_t i) const {
    std::vector<std::pair<int32_t, float>> out;
    if (i < 1 || i > N_) return out;
    for (int64_t k = offsets_[i]; k < offsets_[i + 1]; ++k) out.emplace_back(nbr_[k], sim_[k]);
    return out;
}

std::unique_ptr<ScorerState> ItemKnnScorer::make_state(int32_t, int32_t) const {
    return std::make_unique<MarkState>(N_);
}

void ItemKnnScorer::score(ScorerState& state, const int32_t* seq, int32_t B, int32_t T, float* scores) const {
    auto& st = static_cast<MarkState&>(state);
    const size_t N1 = static_cast<size_t>(N_) + 1;
    for (int32_t b = 0; b < B; ++b) {
        float* row = scores + b * N1;
        std::fill(row, row + N1, 0.f);
        ++st.epoch;
        const int32_t* s = seq + static_cast<size_t>(b) * T;
        int32_t start = T;  // rows are left-padded: the items are the non-zero suffix
        while (start > 0 && s[start - 1] != 0) --start;
        for (int32_t t = start; t < T; ++t) {
            const int32_t h = s[t];
            if (st.mark[h] == st.epoch) continue;
            st.mark[h] = st.epoch;
            for (int64_t k = offsets_[h]; k < offsets_[h + 1]; ++k) row[nbr_[k]] += sim_[k];
        }
    }
}

// ---------------------------------------------------------------- factory

std::vector<std::string> parse_baselines(const std::string& s) {
    std::vector<std::string> out;
    if (s.empty() || s == "none") return out;
    std::stringstream ss(s);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
        if (tok != "mostpop" && tok != "markov" && tok != "itemknn")
            throw UsageError(cat("--baselines: unknown baseline '", tok, "' (known: mostpop, markov, itemknn, none)"));
        if (std::find(out.begin(), out.end(), tok) != out.end())
            throw UsageError(cat("--baselines: '", tok, "' listed twice"));
        out.push_back(tok);
    }
    return out;
}

std::unique_ptr<Scorer> make_baseline(const std::string& name, const Split& split) {
    if (name == "mostpop") return std::make_unique<MostPopScorer>(split);
    if (name == "markov") return std::make_unique<MarkovScorer>(split);
    if (name == "itemknn") return std::make_unique<ItemKnnScorer>(split);
    throw UsageError(cat("unknown baseline '", name, "'"));
}

}  // namespace anirec
