// Order detection: sorted by raw id, sorted by a hidden global item order (re-numbered
// ids), a real-looking order, and sources whose order is known.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "data/order_detect.h"
#include "util/rng.h"

namespace anirec {
namespace {

// n_users sequences of `len` distinct items out of n_items; `arrange` orders each one.
template <typename Arrange>
Dataset make(int n_users, int n_items, int len, uint64_t seed, Arrange&& arrange) {
    Rng rng(seed);
    Dataset ds;
    ds.item_ids.emplace_back();
    for (int i = 1; i <= n_items; ++i) ds.item_ids.push_back(std::to_string(i));
    ds.offsets.push_back(0);
    std::vector<int32_t> all(static_cast<size_t>(n_items));
    std::iota(all.begin(), all.end(), 1);
    for (int u = 0; u < n_users; ++u) {
        for (int k = 0; k < len; ++k) std::swap(all[k], all[k + rng.below(static_cast<uint64_t>(n_items - k))]);
        std::vector<int32_t> seq(all.begin(), all.begin() + len);
        arrange(seq, rng);
        ds.items.insert(ds.items.end(), seq.begin(), seq.end());
        ds.user_ids.push_back(std::to_string(u));
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    return ds;
}

void shuffle(std::vector<int32_t>& s, Rng& rng) {
    for (size_t i = s.size(); i > 1; --i) std::swap(s[i - 1], s[rng.below(i)]);
}

TEST(OrderDetect, SortedByRawId) {
    Dataset ds = make(300, 60, 15, 1, [](std::vector<int32_t>& s, Rng&) { std::sort(s.begin(), s.end()); });
    OrderEvidence ev = detect_order(ds, OrderKind::FILE_ORDER);
    EXPECT_TRUE(ev.sorted_by_id);
    EXPECT_EQ(ev.users_sorted, 300);
    EXPECT_EQ(ev.kind, OrderKind::SORTED_BY_ITEM_ID);
}

TEST(OrderDetect, SortedByHiddenGlobalOrder) {
    // Items re-numbered after sorting: sequences follow a fixed permutation, not the ids.
    std::vector<int32_t> rank(61);
    std::iota(rank.begin(), rank.end(), 0);
    Rng prng(7);
    for (size_t i = rank.size() - 1; i > 1; --i) std::swap(rank[i], rank[1 + prng.below(i)]);
    Dataset ds = make(300, 60, 15, 2, [&](std::vector<int32_t>& s, Rng&) {
        std::sort(s.begin(), s.end(), [&](int32_t a, int32_t b) { return rank[a] < rank[b]; });
    });
    OrderEvidence ev = detect_order(ds, OrderKind::FILE_ORDER);
    EXPECT_FALSE(ev.sorted_by_id);
    EXPECT_TRUE(ev.global_order);
    EXPECT_GE(ev.pair_instances, kGlobalOrderMinPairs);
    EXPECT_EQ(ev.pair_consistency(), 1.0);
    EXPECT_EQ(ev.kind, OrderKind::SORTED_BY_ITEM_ID);
}

TEST(OrderDetect, ShuffledOrderStaysFileOrder) {
    Dataset ds = make(300, 60, 15, 3, shuffle);
    OrderEvidence ev = detect_order(ds, OrderKind::FILE_ORDER);
    EXPECT_FALSE(ev.sorted_by_id);
    EXPECT_FALSE(ev.global_order);
    EXPECT_LT(ev.pair_consistency(), 0.5);
    EXPECT_EQ(ev.kind, OrderKind::FILE_ORDER);
}

TEST(OrderDetect, KnownOrdersAreKept) {
    Dataset ds = make(100, 60, 15, 4, [](std::vector<int32_t>& s, Rng&) { std::sort(s.begin(), s.end()); });
    EXPECT_EQ(detect_order(ds, OrderKind::TIMESTAMP).kind, OrderKind::TIMESTAMP);
    EXPECT_EQ(detect_order(ds, OrderKind::CHRONOLOGICAL_FORMAT).kind, OrderKind::CHRONOLOGICAL_FORMAT);
    // The evidence is still computed (stats reports it).
    EXPECT_TRUE(detect_order(ds, OrderKind::TIMESTAMP).sorted_by_id);
}

TEST(OrderDetect, TooLittleEvidenceIsNotAClaim) {
    // Two short users, both ascending: below the >= 3 items / 1000 pairs thresholds.
    Dataset ds;
    ds.item_ids = {"", "1", "2", "3"};
    ds.user_ids = {"a", "b"};
    ds.items = {1, 2, 2, 3};
    ds.offsets = {0, 2, 4};
    EXPECT_EQ(detect_order(ds, OrderKind::FILE_ORDER).kind, OrderKind::FILE_ORDER);
}

}  // namespace
}  // namespace anirec
