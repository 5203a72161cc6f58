// From raw interactions to per-user sequences with dense ids (the Dataset contract).
//
// Steps, in this order, each counted in the BuildReport:
//   1. value filters on each interaction: watching status (--statuses), unrated
//      (--keep-unrated / --drop-unrated), rating (--min-rating);
//   2. grouping by user; with timestamps each user's interactions are stable-sorted by
//      time (ties keep file order), otherwise file order is kept;
//   3. repeated (user, item) pairs: keep all, the first or the last (in sequence order);
//   4. k-core: drop users with < --min-user-interactions and items with
//      < --min-item-interactions, repeated until nothing changes;
//   5. dense ids in raw-id order (numbers ascending, then strings in byte order): users
//      0..U-1, items 1..N (0 is padding). Ids that were already 1..N stay the same.
//   6. order: TIMESTAMP with a time column, CHRONOLOGICAL_FORMAT for sasrec /
//      user-sequence files, else FILE_ORDER or SORTED_BY_ITEM_ID (see order_detect.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/interactions.h"
#include "data/order_detect.h"

namespace anirec {

enum class RepeatPolicy : uint8_t { ALL, FIRST, LAST };
const char* repeat_policy_name(RepeatPolicy p);  // "all", "first", "last"
RepeatPolicy parse_repeat_policy(const std::string& s);  // throws UsageError

struct FilterOptions {
    std::optional<float> min_rating;         // drop rated interactions below it
    bool keep_unrated = true;                // unrated ("watched, not rated") count as interactions
    std::vector<int> statuses = {1, 2, 3, 4};  // watching statuses kept; empty = all (6 = plan to watch)
    RepeatPolicy repeats = RepeatPolicy::ALL;
    int min_user_interactions = 1;
    int min_item_interactions = 1;
};

struct FilterStep {
    std::string name;    // "read", "status", "unrated", "min-rating", "repeats", "k-core"
    std::string reason;  // what was dropped, in words
    int64_t dropped = 0;  // interactions dropped by this step
    int64_t interactions = 0, users = 0, items = 0;  // left after it
};

struct BuildReport {
    std::vector<FilterStep> steps;
    int64_t duplicate_pairs = 0;  // (user, item) pairs that occur more than once among all rows read
    int64_t duplicate_rows = 0;   // rows beyond the first occurrence of their pair
    int kcore_rounds = 0;
    OrderEvidence order;
};

// Builds the dataset; raw is consumed (its columns are freed as they are used).
// ds.source and ds.options_json are left for the caller (see ingest.h).
// Throws UsageError for --min-rating on a file without ratings.
Dataset build_dataset(RawInteractions&& raw, const FilterOptions& opt, BuildReport* report = nullptr);

}  // namespace anirec
