#include "data/sequence_builder.h"

#include <algorithm>
#include <cmath>

#include "data/huge_pages.h"
#include "util/error.h"

namespace anirec {

const char* repeat_policy_name(RepeatPolicy p) {
    switch (p) {
        case RepeatPolicy::ALL: return "all";
        case RepeatPolicy::FIRST: return "first";
        case RepeatPolicy::LAST: return "last";
    }
    return "?";
}

RepeatPolicy parse_repeat_policy(const std::string& s) {
    if (s == "all") return RepeatPolicy::ALL;
    if (s == "first") return RepeatPolicy::FIRST;
    if (s == "last") return RepeatPolicy::LAST;
    throw UsageError(cat("--repeats '", s, "': expected first, last or all"));
}

namespace {

template <typename T>
void free_vector(std::vector<T>& v) {
    std::vector<T>().swap(v);
}

// Rows grouped by user: user u's rows are rows[start[u] .. start[u+1]) (first-appearance
// user index u), in sequence order.
struct Groups {
    std::vector<int64_t> start;
    std::vector<uint32_t> rows;

    int32_t n_users() const { return static_cast<int32_t>(start.size()) - 1; }
    int64_t n_rows() const { return static_cast<int64_t>(rows.size()); }

    // Keeps the rows for which keep(u, row) is true, in order.
    template <typename Keep>
    int64_t compact(Keep&& keep) {
        int64_t w = 0, dropped = 0;
        for (int32_t u = 0; u < n_users(); ++u) {
            int64_t b = start[u], e = start[u + 1];
            start[u] = w;
            for (int64_t k = b; k < e; ++k) {
                if (keep(u, rows[k]))
                    rows[w++] = rows[k];
                else
                    ++dropped;
            }
        }
        start[n_users()] = w;
        rows.resize(static_cast<size_t>(w));
        return dropped;
    }
};

}  // namespace

Dataset build_dataset(RawInteractions&& raw, const FilterOptions& opt, BuildReport* report) {
    BuildReport local;
    BuildReport& rep = report ? *report : local;
    rep = BuildReport{};

    const int64_t n = static_cast<int64_t>(raw.size());
    if (n >= (int64_t(1) << 32)) throw Error(cat(raw.path, ": more than 2^32 interactions are not supported"));
    const int32_t U0 = raw.users.size(), I0 = raw.items.size();
    const bool has_rating = raw.spec.rating_col >= 0;
    const bool has_time = raw.spec.time_col >= 0;
    const bool has_status = raw.spec.status_col >= 0;
    if (opt.min_rating && !has_rating)
        throw UsageError(cat("--min-rating: ", raw.path, " has no rating column"));

    std::vector<int32_t> umark(static_cast<size_t>(U0), -1), imark(static_cast<size_t>(I0), -1);
    int32_t mark_round = 0;
    // Counts users and items among the rows kept so far (row-level filters).
    auto count_rows = [&](const std::vector<uint8_t>& keep, FilterStep& s) {
        ++mark_round;
        s.interactions = s.users = s.items = 0;
        for (int64_t r = 0; r < n; ++r) {
            if (!keep[r]) continue;
            ++s.interactions;
            if (umark[raw.user[r]] != mark_round) umark[raw.user[r]] = mark_round, ++s.users;
            if (imark[raw.item[r]] != mark_round) imark[raw.item[r]] = mark_round, ++s.items;
        }
    };
    rep.steps.push_back({"read", "interactions read", 0, n, U0, I0});

    // 1. Value filters.
    std::vector<uint8_t> keep;
    reserve_huge(keep, static_cast<size_t>(n));
    keep.assign(static_cast<size_t>(n), 1);
    auto row_filter = [&](const std::string& name, const std::string& reason, auto&& drop) {
        FilterStep s{name, reason};
        for (int64_t r = 0; r < n; ++r)
            if (keep[r] && drop(r)) keep[r] = 0, ++s.dropped;
        count_rows(keep, s);
        rep.steps.push_back(s);
    };
    if (has_status && !opt.statuses.empty()) {
        std::vector<uint8_t> ok(32768, 0);
        std::string list;
        for (int st : opt.statuses) {
            if (st >= 0 && st < 32768) ok[st] = 1;
            list += (list.empty() ? "" : ",") + std::to_string(st);
        }
        row_filter("status", cat("watching status not in {", list, "}"), [&](int64_t r) { return !ok[raw.status[r]]; });
    }
    if (has_rating && !opt.keep_unrated)
        row_filter("unrated", "watched but not rated (--drop-unrated)", [&](int64_t r) { return std::isnan(raw.rating[r]); });
    if (has_rating && opt.min_rating) {
        float m = *opt.min_rating;
        row_filter("min-rating", cat("rating below ", m),
                   [&](int64_t r) { return !std::isnan(raw.rating[r]) && raw.rating[r] < m; });
    }
    free_vector(raw.status);

    // 2. Group all rows by user (stable counting sort), then count duplicates among all
    // rows read, then drop the rows the value filters removed.
    Groups g;
    g.start.assign(static_cast<size_t>(U0) + 1, 0);
    for (int64_t r = 0; r < n; ++r) ++g.start[raw.user[r] + 1];
    for (int32_t u = 0; u < U0; ++u) g.start[u + 1] += g.start[u];
    resize_huge(g.rows, static_cast<size_t>(n));
    {
        std::vector<int64_t> cursor(g.start.begin(), g.start.end() - 1);
        for (int64_t r = 0; r < n; ++r) g.rows[cursor[raw.user[r]]++] = static_cast<uint32_t>(r);
    }
    free_vector(raw.user);
    {
        std::vector<int32_t> seen(static_cast<size_t>(I0), -1), dup(static_cast<size_t>(I0), -1);
        for (int32_t u = 0; u < U0; ++u) {
            for (int64_t k = g.start[u]; k < g.start[u + 1]; ++k) {
                int32_t it = raw.item[g.rows[k]];
                if (seen[it] == u) {
                    ++rep.duplicate_rows;
                    if (dup[it] != u) dup[it] = u, ++rep.duplicate_pairs;
                } else {
                    seen[it] = u;
                }
            }
        }
    }
    g.compact([&](int32_t, uint32_t r) { return keep[r] != 0; });
    free_vector(keep);

    if (has_time) {
        for (int32_t u = 0; u < U0; ++u)
            std::stable_sort(g.rows.begin() + g.start[u], g.rows.begin() + g.start[u + 1],
                             [&](uint32_t a, uint32_t b) { return raw.time[a] < raw.time[b]; });
    }

    auto count_groups = [&](FilterStep& s) {
        ++mark_round;
        s.interactions = g.n_rows();
        s.users = s.items = 0;
        for (int32_t u = 0; u < U0; ++u)
            if (g.start[u + 1] > g.start[u]) ++s.users;
        for (uint32_t r : g.rows)
            if (imark[raw.item[r]] != mark_round) imark[raw.item[r]] = mark_round, ++s.items;
    };

    // 3. Repeated (user, item) pairs.
    if (opt.repeats != RepeatPolicy::ALL) {
        FilterStep s{"repeats", cat("repeated (user, item) pair, kept the ", repeat_policy_name(opt.repeats))};
        std::vector<int32_t> seen(static_cast<size_t>(I0), -1);
        std::vector<uint8_t> drop_row;
        if (opt.repeats == RepeatPolicy::LAST) {
            // Mark from the end, so the last occurrence is the one kept.
            reserve_huge(drop_row, raw.item.size());
            drop_row.assign(raw.item.size(), 0);
            for (int32_t u = 0; u < U0; ++u)
                for (int64_t k = g.start[u + 1] - 1; k >= g.start[u]; --k) {
                    int32_t it = raw.item[g.rows[k]];
                    if (seen[it] == u)
                        drop_row[g.rows[k]] = 1;
                    else
                        seen[it] = u;
                }
            s.dropped = g.compact([&](int32_t, uint32_t r) { return drop_row[r] == 0; });
        } else {
            s.dropped = g.compact([&](int32_t u, uint32_t r) {
                int32_t it = raw.item[r];
                if (seen[it] == u) return false;
                seen[it] = u;
                return true;
            });
        }
        count_groups(s);
        rep.steps.push_back(s);
    }

    // 4. k-core, until stable.
    if (opt.min_user_interactions > 1 || opt.min_item_interactions > 1) {
        FilterStep s{"k-core", cat("users with < ", opt.min_user_interactions, " or items with < ",
                                   opt.min_item_interactions, " interactions")};
        std::vector<int64_t> icount(static_cast<size_t>(I0)), ucount(static_cast<size_t>(U0));
        for (;;) {
            std::fill(icount.begin(), icount.end(), 0);
            for (uint32_t r : g.rows) ++icount[raw.item[r]];
            for (int32_t u = 0; u < U0; ++u) ucount[u] = g.start[u + 1] - g.start[u];
            int64_t dropped = g.compact([&](int32_t u, uint32_t r) {
                return ucount[u] >= opt.min_user_interactions && icount[raw.item[r]] >= opt.min_item_interactions;
            });
            if (dropped == 0) break;
            ++rep.kcore_rounds;
            s.dropped += dropped;
        }
        count_groups(s);
        rep.steps.push_back(s);
    }

    // 5. Dense ids in raw-id order.
    Dataset ds;
    std::vector<int32_t> user_order;
    for (int32_t u : raw.users.sorted_by_raw())
        if (g.start[u + 1] > g.start[u]) user_order.push_back(u);
    std::vector<int32_t> item_dense(static_cast<size_t>(I0), 0);
    for (uint32_t r : g.rows) item_dense[raw.item[r]] = 1;
    ds.item_ids.emplace_back();
    for (int32_t i : raw.items.sorted_by_raw()) {
        if (!item_dense[i]) continue;
        item_dense[i] = static_cast<int32_t>(ds.item_ids.size());
        ds.item_ids.push_back(raw.items.raw(i));
    }
    ds.user_ids.reserve(user_order.size());
    ds.offsets.reserve(user_order.size() + 1);
    ds.offsets.push_back(0);
    for (int32_t u : user_order) {
        ds.user_ids.push_back(raw.users.raw(u));
        ds.offsets.push_back(ds.offsets.back() + (g.start[u + 1] - g.start[u]));
    }
    // Each column is gathered in dense-user order, then its raw source freed, to keep
    // the peak memory near one copy of the data.
    auto gather = [&](auto& dst, const auto& src, auto&& map) {
        resize_huge(dst, g.rows.size());
        size_t w = 0;
        for (int32_t u : user_order)
            for (int64_t k = g.start[u]; k < g.start[u + 1]; ++k) dst[w++] = map(src[g.rows[k]]);
    };
    gather(ds.items, raw.item, [&](int32_t i) { return item_dense[i]; });
    free_vector(raw.item);
    if (has_rating) gather(ds.ratings, raw.rating, [](float r) { return r; });
    free_vector(raw.rating);
    if (has_time) gather(ds.timestamps, raw.time, [](int64_t t) { return t; });
    free_vector(raw.time);

    // 6. Order.
    OrderKind base = has_time ? OrderKind::TIMESTAMP
                              : (raw.spec.chronological_format ? OrderKind::CHRONOLOGICAL_FORMAT : OrderKind::FILE_ORDER);
    rep.order = detect_order(ds, base);
    ds.order = rep.order.kind;
    return ds;
}

}  // namespace anirec
