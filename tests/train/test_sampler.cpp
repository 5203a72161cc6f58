// The batch sampler: row layout, epochs as permutations, negatives outside the user's
// full history, determinism for any worker count, exact resume from a cursor.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "train/sampler.h"
#include "util/error.h"
#include "util/rng.h"

using namespace anirec;

namespace {

struct Csr {
    std::vector<int64_t> offsets{0};
    std::vector<int32_t> items;
    void add(const std::vector<int32_t>& s) {
        items.insert(items.end(), s.begin(), s.end());
        offsets.push_back(static_cast<int64_t>(items.size()));
    }
    SequenceView view() const { return {offsets, items}; }
};

// Random data: U users, N items, training length 0..maxlen_train, history = train + 2 held-out.
struct Data {
    Csr train, hist;
    int32_t n_items;
};
Data make_data(int32_t U, int32_t N, int32_t max_train, uint64_t seed) {
    Data d;
    d.n_items = N;
    Rng rng(seed);
    for (int32_t u = 0; u < U; ++u) {
        std::vector<int32_t> s(rng.below(static_cast<uint64_t>(max_train) + 1));
        for (auto& x : s) x = 1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(N)));
        d.train.add(s);
        std::vector<int32_t> h = s;
        h.push_back(1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(N))));
        h.push_back(1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(N))));
        d.hist.add(h);
    }
    return d;
}

void expect_same(const Batch& a, const Batch& b) {
    ASSERT_EQ(a.B, b.B);
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.n_targets, b.n_targets);
    EXPECT_EQ(a.users, b.users);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.pos, b.pos);
    EXPECT_EQ(a.neg, b.neg);
}

}  // namespace

TEST(Sampler, NthAllowedMatchesBruteForce) {
    Rng rng(3);
    for (int trial = 0; trial < 200; ++trial) {
        const int32_t N = 1 + static_cast<int32_t>(rng.below(40));
        std::set<int32_t> ex;
        const int n_ex = static_cast<int>(rng.below(static_cast<uint64_t>(N)));
        for (int i = 0; i < n_ex; ++i) ex.insert(1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(N))));
        std::vector<int32_t> excl(ex.begin(), ex.end());
        std::vector<int32_t> allowed;
        for (int32_t i = 1; i <= N; ++i)
            if (!ex.count(i)) allowed.push_back(i);
        for (size_t r = 0; r < allowed.size(); ++r)
            ASSERT_EQ(BatchSampler::nth_allowed(excl, static_cast<int64_t>(r)), allowed[r]) << "N " << N << " r " << r;
    }
}

TEST(Sampler, RowLayoutLeftPaddedAndTruncated) {
    Csr train, hist;
    train.add({1, 2, 3, 4});                        // shorter than T
    train.add({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});     // longer than T + 1
    train.add({5});                                 // one item: not trainable
    for (int u = 0; u < 3; ++u) hist.add({});
    SamplerConfig sc;
    sc.batch_size = 4;
    sc.maxlen = 5;
    sc.threads = 0;
    BatchSampler s(train.view(), hist.view(), 30, sc);
    EXPECT_EQ(s.n_train_users(), 2);
    EXPECT_EQ(s.batches_per_epoch(), 1);
    EXPECT_EQ(s.n_train_positions(), 3 + 5);
    const Batch& b = s.next();
    ASSERT_EQ(b.B, 2);
    EXPECT_EQ(b.n_targets, 8);
    for (int r = 0; r < 2; ++r) {
        const int32_t* seq = b.seq.data() + r * 5;
        const int32_t* pos = b.pos.data() + r * 5;
        const int32_t* neg = b.neg.data() + r * 5;
        std::vector<int32_t> vs(seq, seq + 5), vp(pos, pos + 5);
        if (b.users[r] == 0) {
            EXPECT_EQ(vs, (std::vector<int32_t>{0, 0, 1, 2, 3}));
            EXPECT_EQ(vp, (std::vector<int32_t>{0, 0, 2, 3, 4}));
        } else {
            ASSERT_EQ(b.users[r], 1);
            EXPECT_EQ(vs, (std::vector<int32_t>{5, 6, 7, 8, 9}));
            EXPECT_EQ(vp, (std::vector<int32_t>{6, 7, 8, 9, 10}));
        }
        for (int t = 0; t < 5; ++t) {
            if (pos[t] == 0) {
                EXPECT_EQ(neg[t], 0);
            } else {
                EXPECT_GE(neg[t], 1);
                EXPECT_LE(neg[t], 30);
            }
        }
    }
    // Rows beyond B are zero.
    for (size_t i = 2 * 5; i < b.seq.size(); ++i) ASSERT_EQ(b.seq[i], 0);
}

TEST(Sampler, EpochIsAPermutationOfTrainableUsers) {
    const Data d = make_data(103, 50, 12, 5);
    SamplerConfig sc;
    sc.batch_size = 10;
    sc.maxlen = 8;
    sc.threads = 2;
    BatchSampler s(d.train.view(), d.hist.view(), d.n_items, sc);
    std::multiset<int32_t> expect;
    for (int32_t u = 0; u < 103; ++u)
        if (d.train.offsets[u + 1] - d.train.offsets[u] >= 2) expect.insert(u);
    ASSERT_EQ(static_cast<size_t>(s.n_train_users()), expect.size());
    std::vector<int32_t> order0;
    for (int epoch = 0; epoch < 2; ++epoch) {
        std::multiset<int32_t> seen;
        std::vector<int32_t> order;
        for (int64_t i = 0; i < s.batches_per_epoch(); ++i) {
            const Batch& b = s.next();
            EXPECT_EQ(b.epoch, epoch);
            EXPECT_EQ(b.index, i);
            for (int r = 0; r < b.B; ++r) {
                seen.insert(b.users[r]);
                order.push_back(b.users[r]);
            }
        }
        EXPECT_EQ(seen, expect);
        if (epoch == 0) order0 = order;
        else EXPECT_NE(order, order0);  // a fresh permutation each epoch
    }
}

TEST(Sampler, NegativesNeverInFullHistoryAndCoverTheRest) {
    // User 0's history covers all items but 3, 7 and 9, partly through held-out items
    // that are not in its training sequence.
    const int32_t N = 12;
    Csr train, hist;
    train.add({1, 2, 4, 5, 6});
    hist.add({1, 2, 4, 5, 6, 8, 10, 11, 12});
    for (LossKind kind : {LossKind::BCE, LossKind::SAMPLED_CE, LossKind::GBCE}) {
        SamplerConfig sc;
        sc.batch_size = 1;
        sc.maxlen = 6;
        sc.loss = kind;
        sc.negatives = 5;
        sc.threads = 1;
        BatchSampler s(train.view(), hist.view(), N, sc);
        std::set<int32_t> drawn;
        for (int i = 0; i < 200; ++i) {
            const Batch& b = s.next();
            for (size_t k = 0; k < b.neg.size(); ++k) {
                if (kind == LossKind::BCE && b.pos[k] == 0) continue;
                drawn.insert(b.neg[k]);
            }
        }
        EXPECT_EQ(drawn, (std::set<int32_t>{3, 7, 9})) << loss_kind_name(kind);
    }
}

TEST(Sampler, LayoutPerLoss) {
    const Data d = make_data(20, 40, 10, 9);
    SamplerConfig sc;
    sc.batch_size = 4;
    sc.maxlen = 6;
    sc.negatives = 7;
    sc.threads = 0;
    sc.loss = LossKind::CE;
    EXPECT_TRUE(BatchSampler(d.train.view(), d.hist.view(), d.n_items, sc).next().neg.empty());
    sc.loss = LossKind::SAMPLED_CE;
    EXPECT_EQ(BatchSampler(d.train.view(), d.hist.view(), d.n_items, sc).next().neg.size(), 4u * 7u);
    sc.loss = LossKind::BCE;
    EXPECT_EQ(BatchSampler(d.train.view(), d.hist.view(), d.n_items, sc).next().neg.size(), 4u * 6u);
}

TEST(Sampler, SameBatchesForAnyWorkerCount) {
    const Data d = make_data(77, 60, 30, 11);
    for (bool shuffle : {false, true}) {
        SamplerConfig sc;
        sc.batch_size = 8;
        sc.maxlen = 10;
        sc.shuffle_order = shuffle;
        sc.seed = 1234;
        std::vector<Batch> ref;
        sc.threads = 0;
        {
            BatchSampler s(d.train.view(), d.hist.view(), d.n_items, sc);
            for (int i = 0; i < 35; ++i) ref.push_back(s.next());
        }
        for (int threads : {1, 3}) {
            sc.threads = threads;
            sc.prefetch = 2;
            BatchSampler s(d.train.view(), d.hist.view(), d.n_items, sc);
            for (int i = 0; i < 35; ++i) expect_same(s.next(), ref[i]);
        }
        // Another seed gives other batches.
        sc.seed = 1235;
        sc.threads = 0;
        BatchSampler other(d.train.view(), d.hist.view(), d.n_items, sc);
        EXPECT_NE(other.next().neg, ref[0].neg);
    }
}

TEST(Sampler, SeekResumesExactly) {
    const Data d = make_data(50, 30, 15, 13);
    SamplerConfig sc;
    sc.batch_size = 7;
    sc.maxlen = 5;
    sc.threads = 2;
    BatchSampler a(d.train.view(), d.hist.view(), d.n_items, sc);
    for (int i = 0; i < 11; ++i) a.next();
    const SamplerCursor c = a.cursor();
    EXPECT_EQ(c.epoch * a.batches_per_epoch() + c.batch, 11);
    std::vector<Batch> rest;
    for (int i = 0; i < 9; ++i) rest.push_back(a.next());
    BatchSampler b(d.train.view(), d.hist.view(), d.n_items, sc);
    b.seek(c);
    for (int i = 0; i < 9; ++i) expect_same(b.next(), rest[i]);
    // Seeking back on a running sampler works too.
    a.seek(c);
    for (int i = 0; i < 9; ++i) expect_same(a.next(), rest[i]);
}

TEST(Sampler, ShuffleOrderPermutesEachEpoch) {
    Csr train, hist;
    std::vector<int32_t> s;
    for (int32_t i = 1; i <= 9; ++i) s.push_back(i);
    train.add(s);
    hist.add(s);
    SamplerConfig sc;
    sc.batch_size = 1;
    sc.maxlen = 8;  // T + 1 = whole sequence
    sc.shuffle_order = true;
    sc.threads = 0;
    sc.loss = LossKind::CE;
    BatchSampler smp(train.view(), hist.view(), 20, sc);
    std::set<std::vector<int32_t>> orders;
    for (int e = 0; e < 5; ++e) {
        const Batch& b = smp.next();
        std::vector<int32_t> seq(b.seq.begin(), b.seq.begin() + 8);
        // The row is a chain: pos[t] = seq[t+1], and all 9 items appear once.
        for (int t = 0; t + 1 < 8; ++t) EXPECT_EQ(b.pos[t], b.seq[t + 1]);
        std::vector<int32_t> all = seq;
        all.push_back(b.pos[7]);
        std::sort(all.begin(), all.end());
        EXPECT_EQ(all, s);
        orders.insert(seq);
    }
    EXPECT_GE(orders.size(), 4u);
}

TEST(Sampler, Errors) {
    Csr train, hist;
    train.add({1});
    hist.add({1});
    SamplerConfig sc;
    sc.threads = 0;
    EXPECT_THROW(BatchSampler(train.view(), hist.view(), 5, sc), Error);  // nobody trainable
    Csr t2, h2;
    t2.add({1, 2});
    h2.add({1, 2, 3});
    EXPECT_THROW(BatchSampler(t2.view(), h2.view(), 3, sc), Error);  // no negative left
    sc.loss = LossKind::CE;
    EXPECT_NO_THROW(BatchSampler(t2.view(), h2.view(), 3, sc));
    Csr t3;
    t3.add({1, 9});
    EXPECT_THROW(BatchSampler(t3.view(), h2.view(), 3, sc), Error);  // item out of range
}
