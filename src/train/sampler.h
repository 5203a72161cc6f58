// The training batch sampler: builds (seq, pos, neg) batches from users' training
// sequences, in background threads beside the compute.
//
// Epochs. An epoch is one pass over a permutation of the training users (users with
// at least 2 training items: one input and one target), in batches of batch_size; the
// last batch of an epoch holds the remainder (it may be shorter). The SASRec
// reference instead draws users with replacement; a permutation sees every user once
// per epoch, which lowers the variance of an epoch without changing its expectation.
//
// One row. For user u with training sequence s (length L), take its last
// n = min(L, T+1) items x; inputs are x[0..n-1), targets x[1..n), right-aligned in a
// row of T (left-padded with 0): seq[t] predicts pos[t]. With --order shuffle, s is
// first permuted, afresh for every epoch (for data whose order is not time).
//
// Negatives, by loss layout (see train/loss.h): BCE one per non-padded position (B,T)
// (0 at padded ones); SAMPLED_CE/GBCE K per row (B,K), shared by the row's positions;
// CE none. Each is drawn uniformly, with replacement, from the items 1..N that are NOT
// in the user's exclusion set (the full history: training and held-out items), exactly:
// the r-th allowed item is found by binary search over the sorted exclusion list,
// without rejection loops.
//
// Determinism. Batch (epoch e, index b) depends only on (seed, e, b): the epoch's
// permutation comes from Rng::derive(seed, e) and the batch's draws from a stream
// derived from (seed, e, b). So the batches are the same for any number of worker
// threads, and the cursor (e, b) is the whole state to save for an exact resume.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "train/loss.h"

namespace anirec {

// Per-user sequences, CSR: user u's items are items[offsets[u] .. offsets[u+1]).
struct SequenceView {
    std::span<const int64_t> offsets;  // U+1
    std::span<const int32_t> items;
    int32_t n_users() const { return offsets.empty() ? 0 : static_cast<int32_t>(offsets.size()) - 1; }
    std::span<const int32_t> sequence(int32_t u) const {
        return items.subspan(static_cast<size_t>(offsets[u]), static_cast<size_t>(offsets[u + 1] - offsets[u]));
    }
};

struct SamplerConfig {
    int32_t batch_size = 128;
    int32_t maxlen = 200;
    LossKind loss = LossKind::BCE;
    int32_t negatives = 1;  // K for SAMPLED_CE / GBCE
    bool shuffle_order = false;
    uint64_t seed = 42;
    int32_t threads = 1;   // background workers; 0 = build each batch in the caller's thread
    int32_t prefetch = 4;  // batches prepared ahead (ring slots)
};

struct Batch {
    int32_t B = 0;  // rows used (<= batch_size)
    int64_t epoch = 0;
    int64_t index = 0;      // batch index within the epoch
    int64_t n_targets = 0;  // non-padded target positions
    std::vector<int32_t> users;  // (batch_size): dense user of each row
    std::vector<int32_t> seq;    // (batch_size, T) inputs, left-padded with 0
    std::vector<int32_t> pos;    // (batch_size, T) targets, 0 where padded
    std::vector<int32_t> neg;    // (batch_size, T) BCE | (batch_size, K) sampled | empty CE
};

struct SamplerCursor {
    int64_t epoch = 0;
    int64_t batch = 0;  // index within the epoch of the next batch next() returns
};

class BatchSampler {
public:
    // train and history are indexed by the same dense users; history holds each user's
    // full history (its training items and held-out items), the items never drawn as
    // negatives. n_items = N. Throws Error if no user can be trained on, or if a user's
    // history covers the whole catalogue while the loss needs negatives.
    BatchSampler(SequenceView train, SequenceView history, int32_t n_items, const SamplerConfig& cfg);
    ~BatchSampler();
    BatchSampler(const BatchSampler&) = delete;
    BatchSampler& operator=(const BatchSampler&) = delete;

    int64_t batches_per_epoch() const { return batches_per_epoch_; }
    int32_t n_train_users() const { return static_cast<int32_t>(train_users_.size()); }
    int64_t n_train_positions() const { return n_positions_; }  // targets per epoch
    const SamplerConfig& config() const { return cfg_; }

    // The next batch in order; valid until the next call to next() or seek().
    // Rethrows an exception raised in a worker.
    const Batch& next();
    SamplerCursor cursor() const;  // where the next call to next() reads
    void seek(SamplerCursor c);    // restart from c (resume)

    // Builds batch (epoch, index) synchronously into out: what next() returns for it.
    void make_batch(int64_t epoch, int64_t index, Batch& out, std::vector<int32_t>& scratch) const;

    // The sorted, deduplicated exclusion set of user u (items 1..N).
    std::span<const int32_t> exclusions(int32_t u) const {
        return {excl_items_.data() + excl_offsets_[u],
                static_cast<size_t>(excl_offsets_[u + 1] - excl_offsets_[u])};
    }
    // The r-th item (0-based) of 1..N that is not in the sorted set excl; r < N - |excl|.
    static int32_t nth_allowed(std::span<const int32_t> excl, int64_t r);

private:
    std::shared_ptr<const std::vector<int32_t>> permutation(int64_t epoch) const;
    void alloc_batch(Batch& b) const;
    void start_workers();
    void stop_workers();
    void worker_loop();

    SamplerConfig cfg_;
    SequenceView train_;
    int32_t n_items_ = 0;
    std::vector<int32_t> train_users_;  // users with >= 2 training items
    std::vector<int64_t> excl_offsets_;
    std::vector<int32_t> excl_items_;
    int64_t batches_per_epoch_ = 0;
    int64_t n_positions_ = 0;
    size_t max_len_ = 0;  // longest training sequence (shuffle scratch)

    // Epoch permutations, computed once each and shared by the workers.
    mutable std::mutex perm_mutex_;
    mutable std::vector<std::pair<int64_t, std::shared_ptr<const std::vector<int32_t>>>> perms_;

    // The ring: batch number g (= epoch·batches_per_epoch + index) lives in slot g % R.
    std::vector<Batch> slots_;
    std::vector<int64_t> slot_ready_;  // the g whose batch the slot holds, -1 if none
    int64_t next_out_ = 0;             // g of the batch the next next() returns
    int64_t next_claim_ = 0;           // g the next worker builds
    bool holding_ = false;             // the consumer holds batch next_out_-1
    bool stop_ = false;
    std::exception_ptr error_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::thread> workers_;
    std::vector<int32_t> sync_scratch_;
};

}  // namespace anirec
