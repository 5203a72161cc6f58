#include "data/order_detect.h"

#include <algorithm>
#include <vector>

#include "data/huge_pages.h"

namespace anirec {

OrderEvidence detect_order(const Dataset& ds, OrderKind base) {
    OrderEvidence ev;
    const int32_t U = ds.n_users();
    for (int32_t u = 0; u < U; ++u) {
        auto s = ds.sequence(u);
        if (s.size() < 3) continue;
        ++ev.users_checked;
        if (std::is_sorted(s.begin(), s.end())) ++ev.users_sorted;
    }

    // Consecutive pairs as (lo << 32 | hi) << 1 | (a < b), sorted so each item pair's
    // occurrences in both directions are adjacent.
    constexpr size_t kMaxPairs = size_t(1) << 20;
    std::vector<uint64_t> pairs;
    reserve_huge(pairs, std::min<size_t>(kMaxPairs, ds.items.size()));
    for (int32_t u = 0; u < U && pairs.size() < kMaxPairs; ++u) {
        auto s = ds.sequence(u);
        for (size_t i = 1; i < s.size(); ++i) {
            uint32_t a = static_cast<uint32_t>(s[i - 1]), b = static_cast<uint32_t>(s[i]);
            if (a == b) continue;
            uint64_t lo = std::min(a, b), hi = std::max(a, b);
            pairs.push_back(((lo << 32 | hi) << 1) | (a < b ? 1u : 0u));
        }
    }
    std::sort(pairs.begin(), pairs.end());
    for (size_t i = 0; i < pairs.size();) {
        size_t j = i;
        int64_t fwd = 0, bwd = 0;
        while (j < pairs.size() && (pairs[j] >> 1) == (pairs[i] >> 1)) {
            (pairs[j] & 1 ? fwd : bwd) += 1;
            ++j;
        }
        if (fwd + bwd >= 2) {
            ev.pair_instances += fwd + bwd;
            if (fwd == 0 || bwd == 0) ev.pair_consistent += fwd + bwd;
        }
        i = j;
    }

    ev.sorted_by_id = ev.users_checked > 0 && ev.sorted_share() >= kSortedByIdShare;
    ev.global_order = ev.pair_instances >= kGlobalOrderMinPairs && ev.pair_consistency() >= kGlobalOrderConsistency;
    ev.kind = base;
    if (base == OrderKind::FILE_ORDER && (ev.sorted_by_id || ev.global_order)) ev.kind = OrderKind::SORTED_BY_ITEM_ID;
    return ev;
}

}  // namespace anirec
