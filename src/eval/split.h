// Train / validation / test splits of a Dataset, per user.
//
// LEAVE_ONE_OUT (the SASRec paper): the last item of a user's sequence is the test
// item, the second-to-last the validation item, the rest is training. It is right
// only when the order is real (timestamps or a chronological format).
//
// RANDOM (seeded hold-out): one position drawn at random is the test item, another
// the validation item, the rest stays training in its original order. It is the
// default when the order is not time: for sequences sorted by item id (both Kaggle
// anime files, in MyAnimeList-id order) "the last item" would mean "the item with
// the largest id", and for FILE_ORDER data we cannot know what the order means, so
// we do not bet the test set on it (see docs/evaluation.md).
//
// Both: users with fewer than 3 interactions train only (valid = test = 0). Every
// user keeps their full history for exclusion (sampled negatives are drawn from
// items the user never interacted with).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"

namespace anirec {

enum class SplitKind : int32_t { LEAVE_ONE_OUT = 0, RANDOM = 1 };
const char* split_kind_name(SplitKind k);          // "loo" / "random"
SplitKind parse_split_kind(const std::string& s);  // "loo" | "random"; throws UsageError

// What the split defaults to for a dataset order: LEAVE_ONE_OUT when the order is
// chronological, RANDOM for SORTED_BY_ITEM_ID and FILE_ORDER.
SplitKind default_split_kind(OrderKind order);
// A one-line reason for the default, to print beside the protocol (empty when the
// order is chronological): says loudly that positions are not time.
std::string split_default_warning(OrderKind order);

struct Split {
    SplitKind kind = SplitKind::LEAVE_ONE_OUT;
    uint64_t seed = 0;        // RANDOM only
    std::string protocol;     // "leave-one-out" or "random hold-out, seed S"
    OrderKind order = OrderKind::FILE_ORDER;  // of the source dataset

    // Training sequences, CSR: user u's are train_items[train_offsets[u] .. [u+1]).
    std::vector<int64_t> train_offsets;  // size U+1
    std::vector<int32_t> train_items;
    // Held-out item per user, 0 = none (fewer than 3 interactions).
    std::vector<int32_t> valid_item;
    std::vector<int32_t> test_item;
    // Each user's full sequence (training + validation + test), CSR like the dataset.
    std::vector<int64_t> history_offsets;
    std::vector<int32_t> history_items;
    int32_t n_items = 0;  // N: item ids are 1..N

    int32_t n_users() const { return static_cast<int32_t>(valid_item.size()); }
    std::span<const int32_t> train(int32_t u) const {
        return {train_items.data() + train_offsets[u],
                static_cast<size_t>(train_offsets[u + 1] - train_offsets[u])};
    }
    std::span<const int32_t> history(int32_t u) const {
        return {history_items.data() + history_offsets[u],
                static_cast<size_t>(history_offsets[u + 1] - history_offsets[u])};
    }
    int32_t users_with_holdout() const;  // users whose test item is not 0
};

// Splits every user of ds. seed is used by RANDOM only; each user draws from its own
// stream (Rng::derive(seed, u)), so the split of a user does not depend on the others.
Split make_split(const Dataset& ds, SplitKind kind, uint64_t seed);

// Builds a split from explicit parts (for tests and for data split elsewhere): the
// history is train + valid + test in that order, skipping zeros.
Split make_split_from_parts(std::vector<std::vector<int32_t>> train, std::vector<int32_t> valid,
                            std::vector<int32_t> test, int32_t n_items, std::string protocol);

// How a split is recorded in a model card (card["split"]), so that `eval` re-creates
// the split the model was trained on: {"kind": "loo"|"random", "seed": S, "protocol": "..."}.
nlohmann::json split_to_json(const Split& s);
// Reads kind and seed back; false when j is not such an object. Throws Error when it is
// one but malformed.
bool split_from_json(const nlohmann::json& j, SplitKind& kind, uint64_t& seed);

}  // namespace anirec
