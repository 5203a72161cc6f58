#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "eval/split.h"
#include "util/error.h"

using namespace anirec;

namespace {
// users: [5 6 7 8], [1 2], [3 4 5], [], [9]
Dataset tiny_dataset(OrderKind order) {
    Dataset ds;
    ds.user_ids = {"a", "b", "c", "d", "e"};
    ds.item_ids = {""};
    for (int i = 1; i <= 9; ++i) ds.item_ids.push_back(cat("i", i));
    const std::vector<std::vector<int32_t>> seqs{{5, 6, 7, 8}, {1, 2}, {3, 4, 5}, {}, {9}};
    ds.offsets = {0};
    for (const auto& s : seqs) {
        ds.items.insert(ds.items.end(), s.begin(), s.end());
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    ds.order = order;
    return ds;
}

Dataset long_dataset(int users, int len, int n_items) {
    Dataset ds;
    ds.item_ids = {""};
    for (int i = 1; i <= n_items; ++i) ds.item_ids.push_back(std::to_string(i));
    ds.offsets = {0};
    for (int u = 0; u < users; ++u) {
        ds.user_ids.push_back(std::to_string(u));
        for (int k = 0; k < len; ++k) ds.items.push_back(1 + (u * 7 + k * 3) % n_items);
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    ds.order = OrderKind::SORTED_BY_ITEM_ID;
    return ds;
}

std::vector<int32_t> vec(std::span<const int32_t> s) { return {s.begin(), s.end()}; }
}  // namespace

TEST(Split, LeaveOneOutAsThePaper) {
    const Dataset ds = tiny_dataset(OrderKind::CHRONOLOGICAL_FORMAT);
    const Split s = make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    EXPECT_EQ(s.protocol, "leave-one-out");
    ASSERT_EQ(s.n_users(), 5);
    EXPECT_EQ(vec(s.train(0)), (std::vector<int32_t>{5, 6}));
    EXPECT_EQ(s.valid_item[0], 7);
    EXPECT_EQ(s.test_item[0], 8);
    // Fewer than 3 interactions: training only.
    EXPECT_EQ(vec(s.train(1)), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(s.valid_item[1], 0);
    EXPECT_EQ(s.test_item[1], 0);
    // Exactly 3: one training item.
    EXPECT_EQ(vec(s.train(2)), (std::vector<int32_t>{3}));
    EXPECT_EQ(s.valid_item[2], 4);
    EXPECT_EQ(s.test_item[2], 5);
    EXPECT_TRUE(s.train(3).empty());
    EXPECT_EQ(vec(s.train(4)), (std::vector<int32_t>{9}));
    EXPECT_EQ(s.test_item[4], 0);
    EXPECT_EQ(s.users_with_holdout(), 2);
    // The full history is kept for exclusion.
    EXPECT_EQ(vec(s.history(0)), (std::vector<int32_t>{5, 6, 7, 8}));
    EXPECT_EQ(s.n_items, 9);
}

TEST(Split, RandomHoldOutKeepsOrderAndIsDeterministic) {
    const Dataset ds = long_dataset(200, 12, 50);
    const Split a = make_split(ds, SplitKind::RANDOM, 7);
    const Split b = make_split(ds, SplitKind::RANDOM, 7);
    const Split c = make_split(ds, SplitKind::RANDOM, 8);
    EXPECT_EQ(a.protocol, "random hold-out, seed 7");
    EXPECT_EQ(a.train_items, b.train_items);
    EXPECT_EQ(a.valid_item, b.valid_item);
    EXPECT_EQ(a.test_item, b.test_item);
    EXPECT_NE(a.test_item, c.test_item);  // 200 users: another seed moves some hold-outs

    int not_last = 0;
    for (int32_t u = 0; u < a.n_users(); ++u) {
        auto seq = ds.sequence(u);
        auto tr = a.train(u);
        ASSERT_EQ(tr.size(), seq.size() - 2);
        // Training is the sequence with two positions removed, in the original order:
        // find the two removed positions by walking both.
        std::vector<int32_t> removed;
        size_t j = 0;
        for (size_t i = 0; i < seq.size(); ++i) {
            if (j < tr.size() && tr[j] == seq[i])
                ++j;
            else
                removed.push_back(seq[i]);
        }
        ASSERT_EQ(j, tr.size());
        ASSERT_EQ(removed.size(), 2u);
        std::vector<int32_t> held{a.valid_item[u], a.test_item[u]};
        std::sort(held.begin(), held.end());
        std::sort(removed.begin(), removed.end());
        EXPECT_EQ(held, removed);
        not_last += a.test_item[u] != seq.back();
    }
    EXPECT_GT(not_last, 100);  // not leave-one-out in disguise
}

TEST(Split, RandomHoldOutPositionsAreUniform) {
    // 3-item users: each of the 3 positions should be the test item about a third of the time.
    Dataset ds;
    ds.item_ids = {"", "x", "y", "z"};
    ds.offsets = {0};
    for (int u = 0; u < 3000; ++u) {
        ds.user_ids.push_back(std::to_string(u));
        ds.items.insert(ds.items.end(), {1, 2, 3});
        ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
    }
    const Split s = make_split(ds, SplitKind::RANDOM, 1);
    int count[4] = {0, 0, 0, 0};
    for (int32_t t : s.test_item) ++count[t];
    for (int i = 1; i <= 3; ++i) EXPECT_NEAR(count[i], 1000, 120) << i;
    for (int32_t u = 0; u < s.n_users(); ++u) EXPECT_NE(s.valid_item[u], s.test_item[u]);
}

TEST(Split, RandomShortUsersTrainOnly) {
    const Split s = make_split(tiny_dataset(OrderKind::SORTED_BY_ITEM_ID), SplitKind::RANDOM, 3);
    EXPECT_EQ(s.test_item[1], 0);
    EXPECT_EQ(s.valid_item[1], 0);
    EXPECT_EQ(vec(s.train(1)), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(s.test_item[4], 0);
    EXPECT_NE(s.test_item[2], 0);
}

TEST(Split, DefaultFollowsTheOrder) {
    EXPECT_EQ(default_split_kind(OrderKind::TIMESTAMP), SplitKind::LEAVE_ONE_OUT);
    EXPECT_EQ(default_split_kind(OrderKind::CHRONOLOGICAL_FORMAT), SplitKind::LEAVE_ONE_OUT);
    EXPECT_EQ(default_split_kind(OrderKind::SORTED_BY_ITEM_ID), SplitKind::RANDOM);
    EXPECT_EQ(default_split_kind(OrderKind::FILE_ORDER), SplitKind::RANDOM);
    EXPECT_TRUE(split_default_warning(OrderKind::TIMESTAMP).empty());
    EXPECT_NE(split_default_warning(OrderKind::SORTED_BY_ITEM_ID).find("WARNING"), std::string::npos);
    EXPECT_NE(split_default_warning(OrderKind::FILE_ORDER).find("WARNING"), std::string::npos);
    EXPECT_EQ(parse_split_kind("loo"), SplitKind::LEAVE_ONE_OUT);
    EXPECT_EQ(parse_split_kind("random"), SplitKind::RANDOM);
    EXPECT_THROW(parse_split_kind("time"), UsageError);
}

TEST(Split, FromParts) {
    const Split s = make_split_from_parts({{1, 2}, {}}, {3, 0}, {4, 5}, 5, "custom");
    EXPECT_EQ(vec(s.history(0)), (std::vector<int32_t>{1, 2, 3, 4}));
    EXPECT_EQ(vec(s.history(1)), (std::vector<int32_t>{5}));
    EXPECT_TRUE(s.train(1).empty());
    EXPECT_EQ(s.protocol, "custom");
}

TEST(Split, CardRoundTrip) {
    const Split s = make_split(tiny_dataset(OrderKind::FILE_ORDER), SplitKind::RANDOM, 77);
    const auto j = split_to_json(s);
    EXPECT_EQ(j["protocol"], "random hold-out, seed 77");
    SplitKind k = SplitKind::LEAVE_ONE_OUT;
    uint64_t seed = 0;
    ASSERT_TRUE(split_from_json(j, k, seed));
    EXPECT_EQ(k, SplitKind::RANDOM);
    EXPECT_EQ(seed, 77u);
    EXPECT_FALSE(split_from_json(nlohmann::json::object(), k, seed));
    EXPECT_FALSE(split_from_json(nullptr, k, seed));
    EXPECT_THROW(split_from_json({{"kind", "time"}}, k, seed), Error);
}
