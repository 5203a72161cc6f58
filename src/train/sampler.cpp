#include "train/sampler.h"

#include <algorithm>

#include "util/error.h"
#include "util/rng.h"

namespace anirec {

namespace {
// Distinct tags keep the permutation stream and the per-batch streams apart.
constexpr uint64_t PERM_TAG = 0x7045524d5f5f5f31ull;
constexpr uint64_t BATCH_TAG = 0x42415443485f5f32ull;

int32_t negatives_per_row(const SamplerConfig& c) {
    switch (c.loss) {
        case LossKind::BCE: return c.maxlen;
        case LossKind::SAMPLED_CE:
        case LossKind::GBCE: return c.negatives;
        case LossKind::CE: return 0;
    }
    return 0;
}
}  // namespace

int32_t BatchSampler::nth_allowed(std::span<const int32_t> excl, int64_t r) {
    // Allowed items below excl[j] number excl[j] - 1 - j, non-decreasing in j. The
    // answer is r + 1 + k, k = how many excluded items have at most r allowed below them.
    size_t lo = 0, hi = excl.size();
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (static_cast<int64_t>(excl[mid]) - 1 - static_cast<int64_t>(mid) <= r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return static_cast<int32_t>(r + 1 + static_cast<int64_t>(lo));
}

BatchSampler::BatchSampler(SequenceView train, SequenceView history, int32_t n_items, const SamplerConfig& cfg)
    : cfg_(cfg), train_(train), n_items_(n_items) {
    ANIREC_ASSERT(cfg_.batch_size >= 1 && cfg_.maxlen >= 1 && cfg_.prefetch >= 1 && cfg_.threads >= 0);
    ANIREC_ASSERT(history.n_users() == train.n_users());
    if (negatives_per_row(cfg_) > 0 && cfg_.loss != LossKind::BCE) ANIREC_ASSERT(cfg_.negatives >= 1);
    const int32_t U = train.n_users();
    const bool needs_neg = cfg_.loss != LossKind::CE;

    // Exclusion sets: history ∪ training items, sorted, deduplicated, within 1..N.
    excl_offsets_.assign(static_cast<size_t>(U) + 1, 0);
    excl_items_.reserve(history.items.size());
    for (int32_t u = 0; u < U; ++u) {
        const size_t begin = excl_items_.size();
        for (int32_t it : history.sequence(u))
            if (it >= 1 && it <= n_items) excl_items_.push_back(it);
        for (int32_t it : train.sequence(u))
            if (it >= 1 && it <= n_items) excl_items_.push_back(it);
        std::sort(excl_items_.begin() + begin, excl_items_.end());
        excl_items_.erase(std::unique(excl_items_.begin() + begin, excl_items_.end()), excl_items_.end());
        excl_offsets_[u + 1] = static_cast<int64_t>(excl_items_.size());
    }
    for (int32_t u = 0; u < U; ++u) {
        const auto s = train.sequence(u);
        for (size_t i = 0; i < s.size(); ++i)
            if (s[i] < 1 || s[i] > n_items)
                throw Error(cat("sampler: user ", u, " item ", i, " is ", s[i], ", outside 1..", n_items));
        if (s.size() < 2) continue;
        if (needs_neg && static_cast<int64_t>(exclusions(u).size()) >= n_items)
            throw Error(cat("sampler: user ", u, " has interacted with all ", n_items,
                            " items, so no negative item can be drawn for it"));
        train_users_.push_back(u);
        n_positions_ += std::min<int64_t>(static_cast<int64_t>(s.size()) - 1, cfg_.maxlen);
        max_len_ = std::max(max_len_, s.size());
    }
    if (train_users_.empty())
        throw Error("sampler: no user has 2 or more training items: nothing to train on");
    const int64_t n = static_cast<int64_t>(train_users_.size());
    batches_per_epoch_ = (n + cfg_.batch_size - 1) / cfg_.batch_size;

    const int32_t R = cfg_.threads == 0 ? 1 : cfg_.prefetch + 1;
    slots_.resize(static_cast<size_t>(R));
    for (Batch& b : slots_) alloc_batch(b);
    slot_ready_.assign(static_cast<size_t>(R), -1);
    sync_scratch_.resize(max_len_);
}

BatchSampler::~BatchSampler() { stop_workers(); }

void BatchSampler::alloc_batch(Batch& b) const {
    const size_t B = static_cast<size_t>(cfg_.batch_size), T = static_cast<size_t>(cfg_.maxlen);
    b.users.assign(B, 0);
    b.seq.assign(B * T, 0);
    b.pos.assign(B * T, 0);
    b.neg.assign(B * static_cast<size_t>(negatives_per_row(cfg_)), 0);
}

std::shared_ptr<const std::vector<int32_t>> BatchSampler::permutation(int64_t epoch) const {
    std::lock_guard<std::mutex> lock(perm_mutex_);
    for (auto& [e, p] : perms_)
        if (e == epoch) return p;
    auto p = std::make_shared<std::vector<int32_t>>(train_users_);
    Rng rng = Rng::derive(cfg_.seed ^ PERM_TAG, static_cast<uint64_t>(epoch));
    for (size_t i = p->size(); i > 1; --i) std::swap((*p)[i - 1], (*p)[rng.below(i)]);
    // Workers are at most `prefetch` batches apart, so a few epochs cover them all.
    const size_t keep = static_cast<size_t>(cfg_.prefetch) + 2;
    if (perms_.size() >= keep) {
        auto oldest = std::min_element(perms_.begin(), perms_.end(),
                                       [](const auto& a, const auto& b) { return a.first < b.first; });
        perms_.erase(oldest);
    }
    perms_.emplace_back(epoch, p);
    return p;
}

void BatchSampler::make_batch(int64_t epoch, int64_t index, Batch& out, std::vector<int32_t>& scratch) const {
    const int32_t T = cfg_.maxlen;
    const int32_t K = negatives_per_row(cfg_);
    if (out.seq.size() != static_cast<size_t>(cfg_.batch_size) * T) alloc_batch(out);
    if (scratch.size() < max_len_) scratch.resize(max_len_);
    const auto perm = permutation(epoch);
    const int64_t n = static_cast<int64_t>(perm->size());
    const int64_t first = index * cfg_.batch_size;
    ANIREC_ASSERT(index >= 0 && first < n);
    const int32_t B = static_cast<int32_t>(std::min<int64_t>(cfg_.batch_size, n - first));
    Rng rng = Rng::derive(Rng::derive(cfg_.seed ^ BATCH_TAG, static_cast<uint64_t>(epoch)).next(),
                          static_cast<uint64_t>(index));
    out.B = B;
    out.epoch = epoch;
    out.index = index;
    out.n_targets = 0;
    std::fill(out.seq.begin(), out.seq.end(), 0);
    std::fill(out.pos.begin(), out.pos.end(), 0);
    std::fill(out.neg.begin(), out.neg.end(), 0);
    std::fill(out.users.begin(), out.users.end(), 0);
    for (int32_t r = 0; r < B; ++r) {
        const int32_t u = (*perm)[static_cast<size_t>(first + r)];
        out.users[r] = u;
        std::span<const int32_t> s = train_.sequence(u);
        if (cfg_.shuffle_order) {
            std::copy(s.begin(), s.end(), scratch.begin());
            for (size_t i = s.size(); i > 1; --i) std::swap(scratch[i - 1], scratch[rng.below(i)]);
            s = std::span<const int32_t>(scratch.data(), s.size());
        }
        const int64_t L = static_cast<int64_t>(s.size());
        const int64_t nt = std::min<int64_t>(L - 1, T);  // targets in this row
        const int32_t* x = s.data() + (L - nt - 1);      // x[0..nt] are the last nt+1 items
        int32_t* seq = out.seq.data() + static_cast<size_t>(r) * T;
        int32_t* pos = out.pos.data() + static_cast<size_t>(r) * T;
        const int64_t off = T - nt;
        for (int64_t i = 0; i < nt; ++i) {
            seq[off + i] = x[i];
            pos[off + i] = x[i + 1];
        }
        out.n_targets += nt;
        if (K == 0) continue;
        const auto excl = exclusions(u);
        const int64_t allowed = static_cast<int64_t>(n_items_) - static_cast<int64_t>(excl.size());
        int32_t* neg = out.neg.data() + static_cast<size_t>(r) * K;
        if (cfg_.loss == LossKind::BCE) {
            for (int64_t i = off; i < T; ++i)
                neg[i] = nth_allowed(excl, static_cast<int64_t>(rng.below(static_cast<uint64_t>(allowed))));
        } else {
            for (int32_t k = 0; k < K; ++k)
                neg[k] = nth_allowed(excl, static_cast<int64_t>(rng.below(static_cast<uint64_t>(allowed))));
        }
    }
}

SamplerCursor BatchSampler::cursor() const {
    return {next_out_ / batches_per_epoch_, next_out_ % batches_per_epoch_};
}

void BatchSampler::seek(SamplerCursor c) {
    ANIREC_ASSERT(c.epoch >= 0 && c.batch >= 0 && c.batch < batches_per_epoch_);
    stop_workers();
    next_out_ = next_claim_ = c.epoch * batches_per_epoch_ + c.batch;
    holding_ = false;
    std::fill(slot_ready_.begin(), slot_ready_.end(), -1);
    error_ = nullptr;
}

const Batch& BatchSampler::next() {
    const int64_t g = next_out_;
    const size_t R = slots_.size();
    if (cfg_.threads == 0) {
        make_batch(g / batches_per_epoch_, g % batches_per_epoch_, slots_[0], sync_scratch_);
        ++next_out_;
        return slots_[0];
    }
    if (workers_.empty()) start_workers();
    std::unique_lock<std::mutex> lock(mutex_);
    holding_ = false;  // releases batch g-1: its slot may be refilled
    cv_.notify_all();
    cv_.wait(lock, [&] { return error_ || slot_ready_[g % R] == g; });
    if (error_) std::rethrow_exception(error_);
    holding_ = true;
    ++next_out_;
    return slots_[g % R];
}

void BatchSampler::start_workers() {
    stop_ = false;
    next_claim_ = next_out_;
    for (int32_t i = 0; i < cfg_.threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void BatchSampler::stop_workers() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
}

void BatchSampler::worker_loop() {
    std::vector<int32_t> scratch(max_len_);
    const int64_t R = static_cast<int64_t>(slots_.size());
    for (;;) {
        int64_t g;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            g = next_claim_++;
            // Slot g % R last held batch g - R: wait until the consumer released it.
            cv_.wait(lock, [&] {
                const int64_t released = holding_ ? next_out_ - 1 : next_out_;
                return stop_ || g - R < released;
            });
            if (stop_) return;
        }
        try {
            make_batch(g / batches_per_epoch_, g % batches_per_epoch_, slots_[static_cast<size_t>(g % R)],
                       scratch);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
            cv_.notify_all();
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            slot_ready_[static_cast<size_t>(g % R)] = g;
        }
        cv_.notify_all();
    }
}

}  // namespace anirec
