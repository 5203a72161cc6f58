#include "eval/split.h"

#include "util/error.h"
#include "util/rng.h"

namespace anirec {

const char* split_kind_name(SplitKind k) {
    return k == SplitKind::LEAVE_ONE_OUT ? "loo" : "random";
}

SplitKind parse_split_kind(const std::string& s) {
    if (s == "loo" || s == "leave-one-out") return SplitKind::LEAVE_ONE_OUT;
    if (s == "random") return SplitKind::RANDOM;
    throw UsageError(cat("--split: unknown split '", s, "' (expected loo or random)"));
}

SplitKind default_split_kind(OrderKind order) {
    return order_is_chronological(order) ? SplitKind::LEAVE_ONE_OUT : SplitKind::RANDOM;
}

std::string split_default_warning(OrderKind order) {
    switch (order) {
        case OrderKind::SORTED_BY_ITEM_ID:
            return "WARNING: sequences are sorted by item id, not by time: a leave-one-out split would "
                   "hold out each user's largest item id, so the default is a random hold-out";
        case OrderKind::FILE_ORDER:
            return "WARNING: the order of the sequences is file order of unknown meaning (no timestamps): "
                   "the default is a random hold-out; pass --split loo only if the file order is time";
        default: return "";
    }
}

int32_t Split::users_with_holdout() const {
    int32_t n = 0;
    for (int32_t t : test_item) n += t != 0;
    return n;
}

Split make_split(const Dataset& ds, SplitKind kind, uint64_t seed) {
    const int32_t U = ds.n_users();
    ANIREC_ASSERT(static_cast<int32_t>(ds.offsets.size()) == U + 1);
    Split s;
    s.kind = kind;
    s.seed = kind == SplitKind::RANDOM ? seed : 0;
    s.protocol = kind == SplitKind::LEAVE_ONE_OUT ? std::string("leave-one-out")
                                                  : cat("random hold-out, seed ", seed);
    s.order = ds.order;
    s.n_items = ds.n_items();
    s.history_offsets = ds.offsets;
    s.history_items = ds.items;
    s.valid_item.assign(U, 0);
    s.test_item.assign(U, 0);
    s.train_offsets.assign(U + 1, 0);
    s.train_items.reserve(ds.items.size());
    for (int32_t u = 0; u < U; ++u) {
        auto seq = ds.sequence(u);
        const int64_t n = static_cast<int64_t>(seq.size());
        if (n < 3) {
            s.train_items.insert(s.train_items.end(), seq.begin(), seq.end());
        } else if (kind == SplitKind::LEAVE_ONE_OUT) {
            s.train_items.insert(s.train_items.end(), seq.begin(), seq.end() - 2);
            s.valid_item[u] = seq[n - 2];
            s.test_item[u] = seq[n - 1];
        } else {
            Rng rng = Rng::derive(seed, static_cast<uint64_t>(u));
            const int64_t p_test = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
            int64_t p_valid = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - 1)));
            if (p_valid >= p_test) ++p_valid;  // uniform over the n-1 other positions
            for (int64_t i = 0; i < n; ++i)
                if (i != p_test && i != p_valid) s.train_items.push_back(seq[i]);
            s.valid_item[u] = seq[p_valid];
            s.test_item[u] = seq[p_test];
        }
        s.train_offsets[u + 1] = static_cast<int64_t>(s.train_items.size());
    }
    return s;
}

Split make_split_from_parts(std::vector<std::vector<int32_t>> train, std::vector<int32_t> valid,
                            std::vector<int32_t> test, int32_t n_items, std::string protocol) {
    const size_t U = train.size();
    ANIREC_ASSERT(valid.size() == U && test.size() == U);
    Split s;
    s.protocol = std::move(protocol);
    s.n_items = n_items;
    s.valid_item = std::move(valid);
    s.test_item = std::move(test);
    s.train_offsets.assign(U + 1, 0);
    s.history_offsets.assign(U + 1, 0);
    for (size_t u = 0; u < U; ++u) {
        for (int32_t it : train[u]) ANIREC_ASSERT(it >= 1 && it <= n_items);
        s.train_items.insert(s.train_items.end(), train[u].begin(), train[u].end());
        s.train_offsets[u + 1] = static_cast<int64_t>(s.train_items.size());
        s.history_items.insert(s.history_items.end(), train[u].begin(), train[u].end());
        for (int32_t it : {s.valid_item[u], s.test_item[u]}) {
            ANIREC_ASSERT(it >= 0 && it <= n_items);
            if (it != 0) s.history_items.push_back(it);
        }
        s.history_offsets[u + 1] = static_cast<int64_t>(s.history_items.size());
    }
    return s;
}

nlohmann::json split_to_json(const Split& s) {
    return {{"kind", split_kind_name(s.kind)}, {"seed", s.seed}, {"protocol", s.protocol}};
}

bool split_from_json(const nlohmann::json& j, SplitKind& kind, uint64_t& seed) {
    if (!j.is_object() || !j.contains("kind")) return false;
    try {
        kind = parse_split_kind(j.at("kind").get<std::string>());
        seed = j.value("seed", uint64_t{0});
    } catch (const std::exception& e) {
        throw Error(cat("model card: bad \"split\" entry ", j.dump(), " (", e.what(), ")"));
    }
    return true;
}

}  // namespace anirec
