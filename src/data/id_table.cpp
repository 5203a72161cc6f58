#include "data/id_table.h"

#include <algorithm>
#include <numeric>

#include "data/parse_values.h"
#include "util/error.h"

namespace anirec {

namespace {
// Numbers below this use the direct table (at most 64 MiB); MAL anime and user ids,
// MovieLens and re-numbered ids all fit far below it.
constexpr uint64_t kDirectLimit = uint64_t(1) << 24;
}  // namespace

int32_t IdTable::intern_number_slow(uint64_t v) {
    if (keys_.size() >= static_cast<size_t>(INT32_MAX)) throw Error("more than 2^31 distinct ids");
    if (v < kDirectLimit) {
        if (v >= direct_.size()) {
            size_t n = std::max<size_t>(v + 1, std::min<size_t>(kDirectLimit, direct_.size() * 2 + 1024));
            direct_.resize(n, -1);
        }
        int32_t idx = static_cast<int32_t>(keys_.size());
        direct_[v] = idx;
        keys_.push_back(v);
        return idx;
    }
    auto [it, inserted] = big_numbers_.try_emplace(v, static_cast<int32_t>(keys_.size()));
    if (inserted) keys_.push_back(v);
    return it->second;
}

int32_t IdTable::intern_string(std::string_view s) {
    auto it = string_index_.find(s);
    if (it != string_index_.end()) return it->second;
    if (keys_.size() >= static_cast<size_t>(INT32_MAX)) throw Error("more than 2^31 distinct ids");
    int32_t idx = static_cast<int32_t>(keys_.size());
    keys_.push_back(kStringBit | strings_.size());
    strings_.emplace_back(s);
    string_index_.emplace(strings_.back(), idx);
    return idx;
}

int32_t IdTable::intern(std::string_view raw) {
    uint64_t v;
    if (parse_canonical_id(raw, v)) return intern_number(v);
    return intern_string(raw);
}

std::optional<int32_t> IdTable::find(std::string_view raw) const {
    uint64_t v;
    if (parse_canonical_id(raw, v)) {
        if (v < direct_.size()) {
            if (direct_[v] >= 0) return direct_[v];
            return std::nullopt;
        }
        auto it = big_numbers_.find(v);
        if (it != big_numbers_.end()) return it->second;
        return std::nullopt;
    }
    auto it = string_index_.find(raw);
    if (it != string_index_.end()) return it->second;
    return std::nullopt;
}

std::string IdTable::raw(int32_t idx) const {
    if (is_number(idx)) return std::to_string(keys_[idx]);
    return std::string(string(idx));
}

bool IdTable::raw_less(int32_t a, int32_t b) const {
    bool na = is_number(a), nb = is_number(b);
    if (na != nb) return na;
    if (na) return keys_[a] < keys_[b];
    return string(a) < string(b);
}

std::vector<int32_t> IdTable::sorted_by_raw() const {
    std::vector<int32_t> order(keys_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return raw_less(a, b); });
    return order;
}

}  // namespace anirec
