#include "serve/recommender.h"

#include <algorithm>
#include <cmath>

#include "model/blas.h"
#include "model/sasrec.h"
#include "util/error.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

namespace {

// One query runs in the calling thread alone: concurrency comes from the callers
// (server workers, recommend-all blocks), and forking an OpenMP team for a single
// sequence costs more than it saves (milliseconds on a busy machine). The setting is
// the calling thread's own and is restored on exit.
class OmpSerialScope {
public:
#ifdef ANIREC_HAVE_OPENMP
    OmpSerialScope() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
    ~OmpSerialScope() { omp_set_num_threads(saved_); }

private:
    int saved_;
#else
    OmpSerialScope() {}
#endif
};

}  // namespace

// SASRec Workspaces for concurrent calls: a call takes one (or makes one when all are
// in use) and gives it back when done, so the pool grows to the peak concurrency.
class Recommender::WorkspacePool {
public:
    WorkspacePool(const ModelConfig& cfg, int32_t batch) : cfg_(cfg), batch_(batch) {}

    class Lease {
    public:
        Lease(WorkspacePool& pool, std::unique_ptr<Workspace> ws) : pool_(pool), ws_(std::move(ws)) {}
        ~Lease() { pool_.give_back(std::move(ws_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Workspace& ws() { return *ws_; }

    private:
        WorkspacePool& pool_;
        std::unique_ptr<Workspace> ws_;
    };

    Lease acquire() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!free_.empty()) {
                auto ws = std::move(free_.back());
                free_.pop_back();
                return Lease(*this, std::move(ws));
            }
        }
        return Lease(*this, std::make_unique<Workspace>(cfg_, batch_, /*for_training=*/false));
    }

private:
    void give_back(std::unique_ptr<Workspace> ws) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(ws));
    }
    ModelConfig cfg_;
    int32_t batch_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Workspace>> free_;
};

std::unique_ptr<Recommender> Recommender::load(const std::string& path, SimilaritySpace space) {
    return std::make_unique<Recommender>(load_model(path), space);
}

Recommender::Recommender(LoadedModel model, SimilaritySpace space)
    : model_(std::move(model)), catalog_(model_.meta.item_ids, model_.meta.item_info) {
    const ModelConfig& cfg = model_.config;
    const int32_t n1 = cfg.n_items + 1;
    const int32_t C = cfg.hidden;
    if (catalog_.n_items() != cfg.n_items)
        throw Error(cat("model: ", catalog_.n_items(), " item ids for a model of ", cfg.n_items, " items"));
    titles_ = TitleIndex(catalog_);

    const float* E = model_.params.item_emb;
    space_ = effective_space(space, cfg.n_items, C);
    auto bf = std::make_unique<BruteForceIndex>();
    if (space_ == SimilaritySpace::DEBIASED)
        bf->build(debias_embeddings(E, n1, C, 1).data(), n1, C);
    else
        bf->build(E, n1, C);
    index_ = std::move(bf);
    item_emb_t_.resize(static_cast<size_t>(n1) * C);
    for (size_t i = 0; i < static_cast<size_t>(n1); ++i)
        for (size_t c = 0; c < static_cast<size_t>(C); ++c)
            item_emb_t_[c * n1 + i] = E[i * C + c];

    const ModelMeta& m = model_.meta;
    for (int32_t u = 0; u < n_users(); ++u) user_by_raw_.emplace(m.user_ids[static_cast<size_t>(u)], u);
    popularity_.assign(static_cast<size_t>(n1), 0);
    if (!m.user_items.empty()) {
        // Users who watched the item (a repeat within one history counts once).
        std::vector<int32_t> last_user(static_cast<size_t>(n1), -1);
        for (int32_t u = 0; u < n_users(); ++u)
            for (int32_t it : user_history(u))
                if (it > 0 && it < n1 && last_user[static_cast<size_t>(it)] != u) {
                    last_user[static_cast<size_t>(it)] = u;
                    ++popularity_[static_cast<size_t>(it)];
                }
    } else if (!m.item_info.empty()) {
        for (int32_t i = 1; i < n1; ++i) popularity_[static_cast<size_t>(i)] = std::max<int64_t>(0, m.item_info[static_cast<size_t>(i)].members);
    }
    single_pool_ = std::make_unique<WorkspacePool>(cfg, 1);
    batch_pool_ = std::make_unique<WorkspacePool>(cfg, max_batch());
}

Recommender::~Recommender() = default;

int32_t Recommender::find_user(std::string_view raw) const {
    auto it = user_by_raw_.find(std::string(raw));
    return it == user_by_raw_.end() ? -1 : it->second;
}

std::span<const int32_t> Recommender::user_history(int32_t user) const {
    const ModelMeta& m = model_.meta;
    const int64_t b = m.user_offsets[static_cast<size_t>(user)];
    const int64_t e = m.user_offsets[static_cast<size_t>(user) + 1];
    return {m.user_items.data() + b, static_cast<size_t>(e - b)};
}

int32_t Recommender::resolve_item_or_throw(std::string_view text) const {
    const LookupResult r = titles_.lookup(text);
    if (!r.ok()) throw Error(titles_.describe_failure(r));
    return r.item;
}

std::vector<int32_t> Recommender::resolve_history(std::string_view list) const {
    ListResolution res = titles_.resolve_list(list, ';');
    if (!res.ok()) {
        std::string msg = res.failures.size() == 1
                              ? std::string("one history entry did not resolve: ")
                              : cat(res.failures.size(), " history entries did not resolve:\n");
        for (size_t i = 0; i < res.failures.size(); ++i) {
            if (i) msg += "\n";
            msg += titles_.describe_failure(res.failures[i]);
        }
        throw Error(msg);
    }
    if (res.items.empty()) throw Error("empty history: give at least one anime (title or raw id)");
    return std::move(res.items);
}

void Recommender::check_k(int32_t k) const {
    if (k <= 0) throw UsageError(cat("k must be at least 1 (got ", k, ")"));
    if (k > n_items())
        throw UsageError(cat("k = ", k, " is larger than the catalogue (", n_items(), " animes)"));
}

void Recommender::check_history(std::span<const int32_t> history) const {
    if (history.empty()) throw Error("empty history: give at least one anime (title or raw id)");
    for (size_t i = 0; i < history.size(); ++i)
        if (history[i] < 1 || history[i] > n_items())
            throw UsageError(cat("history entry ", i + 1, ": ", history[i], " is not an item id of this model (1..",
                                 n_items(), ")"));
}

std::vector<int32_t> Recommender::window(std::span<const int32_t> history) const {
    const size_t T = static_cast<size_t>(model_.config.maxlen);
    std::vector<int32_t> seq(T, 0);
    const size_t n = std::min(T, history.size());
    std::copy(history.end() - static_cast<ptrdiff_t>(n), history.end(), seq.end() - static_cast<ptrdiff_t>(n));
    return seq;
}

RecRow Recommender::make_row(int32_t rank, const ScoredItem& s) const {
    RecRow r;
    r.rank = rank;
    r.item = s.item;
    r.raw_id = catalog_.raw_id(s.item);
    r.title = catalog_.title(s.item);
    r.genres = catalog_.genres(s.item);
    r.type = catalog_.type(s.item);
    r.score = s.score;
    return r;
}

RecResult Recommender::recommend(std::span<const int32_t> history, int32_t k, const FilterSpec& filters) const {
    check_k(k);
    check_history(history);
    const ItemFilter filter = catalog_.compile(filters);
    const int32_t C = model_.config.hidden;
    const int32_t n1 = n_items() + 1;
    const std::vector<int32_t> seq = window(history);

    thread_local std::vector<float> state, scores;
    state.resize(static_cast<size_t>(C));
    scores.resize(static_cast<size_t>(n1));
    {
        OmpSerialScope serial;
        auto lease = single_pool_->acquire();
        sasrec_last_state(model_.params, lease.ws(), seq.data(), 1, state.data());
    }
    score_transposed(item_emb_t_.data(), n1, C, state.data(), scores.data());
    if (filters.exclude_seen)
        for (int32_t it : history) scores[static_cast<size_t>(it)] = -INFINITY;
    const auto top = top_k(scores.data(), 1, n1, k, [&](int32_t i) { return filter.allows(i); });

    RecResult out;
    out.history_len = static_cast<int32_t>(history.size());
    out.history_used = std::min(out.history_len, model_.config.maxlen);
    out.rows.reserve(top.size());
    for (size_t r = 0; r < top.size(); ++r) out.rows.push_back(make_row(static_cast<int32_t>(r) + 1, top[r]));
    return out;
}

RecResult Recommender::recommend_user(std::string_view raw_user, int32_t k, const FilterSpec& filters) const {
    const int32_t u = find_user(raw_user);
    if (u < 0) {
        if (n_users() == 0)
            throw Error(cat("unknown user '", raw_user, "': this model file stores no user histories"));
        throw Error(cat("unknown user '", raw_user, "': not one of the ", n_users(),
                        " training users stored in the model (e.g. '", model_.meta.user_ids[0], "')"));
    }
    const auto h = user_history(u);
    if (h.empty()) throw Error(cat("user '", raw_user, "' has an empty history in the model file"));
    return recommend(h, k, filters);
}

RecResult Recommender::similar(int32_t item, int32_t k, const FilterSpec& filters, bool explain) const {
    if (item < 1 || item > n_items())
        throw UsageError(cat("item ", item, " is not an item id of this model (1..", n_items(), ")"));
    check_k(k);
    const ItemFilter filter = catalog_.compile(filters);
    const int32_t self[1] = {item};
    const auto top = index_->search_knn(index_->unit_row(item), k, filter, self);
    RecResult out;
    out.query_item = item;
    out.rows.reserve(top.size());
    for (size_t r = 0; r < top.size(); ++r) {
        out.rows.push_back(make_row(static_cast<int32_t>(r) + 1, top[r]));
        if (explain) out.rows.back().cooccurrence = cooccurrence(item, top[r].item);
    }
    return out;
}

RecResult Recommender::popular(int32_t k, const FilterSpec& filters) const {
    if (k <= 0) throw UsageError(cat("k must be at least 1 (got ", k, ")"));
    k = std::min(k, n_items());  // a listing: asking for more than there is gives all
    const ItemFilter filter = catalog_.compile(filters);
    thread_local std::vector<float> scores;
    scores.resize(popularity_.size());
    for (size_t i = 0; i < popularity_.size(); ++i) scores[i] = static_cast<float>(popularity_[i]);
    const auto top = top_k(scores.data(), 1, n_items() + 1, k, [&](int32_t i) { return filter.allows(i); });
    RecResult out;
    for (size_t r = 0; r < top.size(); ++r) out.rows.push_back(make_row(static_cast<int32_t>(r) + 1, top[r]));
    return out;
}

void Recommender::build_postings() const {
    std::call_once(postings_once_, [this] {
        const size_t n1 = static_cast<size_t>(n_items()) + 1;
        std::vector<int32_t> last_user(n1, -1);
        post_offsets_.assign(n1 + 1, 0);
        for (int32_t u = 0; u < n_users(); ++u)
            for (int32_t it : user_history(u))
                if (last_user[static_cast<size_t>(it)] != u) {
                    last_user[static_cast<size_t>(it)] = u;
                    ++post_offsets_[static_cast<size_t>(it) + 1];
                }
        for (size_t i = 0; i < n1; ++i) post_offsets_[i + 1] += post_offsets_[i];
        post_users_.resize(static_cast<size_t>(post_offsets_[n1]));
        std::vector<int64_t> fill(post_offsets_.begin(), post_offsets_.end() - 1);
        std::fill(last_user.begin(), last_user.end(), -1);
        // Users in increasing order: every posting list comes out sorted.
        for (int32_t u = 0; u < n_users(); ++u)
            for (int32_t it : user_history(u))
                if (last_user[static_cast<size_t>(it)] != u) {
                    last_user[static_cast<size_t>(it)] = u;
                    post_users_[static_cast<size_t>(fill[static_cast<size_t>(it)]++)] = u;
                }
    });
}

int64_t Recommender::cooccurrence(int32_t a, int32_t b) const {
    if (a < 1 || a > n_items() || b < 1 || b > n_items())
        throw UsageError(cat("co-occurrence: item ids must be in 1..", n_items()));
    build_postings();
    const int32_t* pa = post_users_.data() + post_offsets_[static_cast<size_t>(a)];
    const int32_t* ea = post_users_.data() + post_offsets_[static_cast<size_t>(a) + 1];
    const int32_t* pb = post_users_.data() + post_offsets_[static_cast<size_t>(b)];
    const int32_t* eb = post_users_.data() + post_offsets_[static_cast<size_t>(b) + 1];
    int64_t n = 0;
    while (pa != ea && pb != eb) {
        if (*pa < *pb) ++pa;
        else if (*pb < *pa) ++pb;
        else {
            ++n;
            ++pa;
            ++pb;
        }
    }
    return n;
}

std::vector<std::vector<ScoredItem>> Recommender::recommend_batch(std::span<const std::span<const int32_t>> histories,
                                                                  int32_t k, const ItemFilter& filter,
                                                                  bool exclude_seen) const {
    check_k(k);
    const int32_t B = static_cast<int32_t>(histories.size());
    if (B > max_batch()) throw UsageError(cat("recommend_batch: ", B, " histories, at most ", max_batch()));
    std::vector<std::vector<ScoredItem>> out(static_cast<size_t>(B));
    if (B == 0) return out;
    const int32_t T = model_.config.maxlen;
    const int32_t C = model_.config.hidden;
    const int32_t n1 = n_items() + 1;

    thread_local std::vector<int32_t> seqs;
    thread_local std::vector<float> states, scores;
    seqs.assign(static_cast<size_t>(B) * T, 0);
    states.resize(static_cast<size_t>(B) * C);
    scores.resize(static_cast<size_t>(B) * n1);
    for (int32_t b = 0; b < B; ++b) {
        const auto h = histories[static_cast<size_t>(b)];
        for (size_t i = 0; i < h.size(); ++i)
            if (h[i] < 1 || h[i] > n_items())
                throw UsageError(cat("history ", b, " entry ", i + 1, ": ", h[i], " is not an item id (1..", n_items(), ")"));
        if (h.empty()) {
            seqs[static_cast<size_t>(b) * T + T - 1] = 1;  // placeholder row; its result is dropped
            continue;
        }
        const size_t n = std::min<size_t>(static_cast<size_t>(T), h.size());
        std::copy(h.end() - static_cast<ptrdiff_t>(n), h.end(), seqs.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(b) * T + T - n));
    }
    {
        auto lease = batch_pool_->acquire();
        sasrec_last_state(model_.params, lease.ws(), seqs.data(), B, states.data());
    }
    {
        // scores (B, N+1) = states (B, C) . E^T, E (N+1, C): one single-threaded sgemm
        // per block (the caller threads over blocks).
        BlasSerialScope serial;
        gemm(false, true, B, n1, C, 1.f, states.data(), C, model_.params.item_emb, C, 0.f, scores.data(), n1);
    }
    for (int32_t b = 0; b < B; ++b) {
        const auto h = histories[static_cast<size_t>(b)];
        if (h.empty()) continue;
        float* s = scores.data() + static_cast<size_t>(b) * n1;
        if (exclude_seen)
            for (int32_t it : h) s[it] = -INFINITY;
        out[static_cast<size_t>(b)] = top_k(s, 1, n1, k, [&](int32_t i) { return filter.allows(i); });
    }
    return out;
}

}  // namespace anirec
