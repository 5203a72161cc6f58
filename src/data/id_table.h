// Raw id interning: each distinct raw id (a number such as a MyAnimeList id, or a
// string such as a user name) gets an index 0,1,2,... in order of first appearance.
//
// Canonical non-negative integers (see parse_canonical_id) are kept as numbers, with a
// direct lookup table for small values (MAL ids, user ids), so interning the ids of a
// 57M-row file costs a few nanoseconds per row. Anything else is a string id.
// The raw order (raw_less) puts numbers first, ascending by value, then strings in
// byte order: dense ids are assigned in that order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace anirec {

class IdTable {
public:
    static constexpr uint64_t kStringBit = uint64_t(1) << 63;

    // Index of a numeric id (value < 2^63), added when new.
    int32_t intern_number(uint64_t v) {
        if (v < direct_.size()) {
            int32_t idx = direct_[v];
            if (idx >= 0) return idx;
        }
        return intern_number_slow(v);
    }
    // Index of a raw id given as text: numeric when canonical, else a string id.
    int32_t intern(std::string_view raw);
    // Index of an id known to be a (non-canonical) string.
    int32_t intern_string(std::string_view s);

    std::optional<int32_t> find(std::string_view raw) const;

    int32_t size() const { return static_cast<int32_t>(keys_.size()); }
    bool is_number(int32_t idx) const { return !(keys_[idx] & kStringBit); }
    uint64_t number(int32_t idx) const { return keys_[idx]; }
    std::string_view string(int32_t idx) const { return strings_[keys_[idx] & ~kStringBit]; }
    std::string raw(int32_t idx) const;  // the id as text
    bool raw_less(int32_t a, int32_t b) const;
    // Indices 0..size()-1 sorted by raw order.
    std::vector<int32_t> sorted_by_raw() const;

private:
    int32_t intern_number_slow(uint64_t v);

    struct StrHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::vector<uint64_t> keys_;   // number, or kStringBit | index into strings_
    std::vector<int32_t> direct_;  // number -> index, -1 absent (numbers below kDirectLimit)
    std::unordered_map<uint64_t, int32_t> big_numbers_;
    std::vector<std::string> strings_;
    std::unordered_map<std::string, int32_t, StrHash, std::equal_to<>> string_index_;
};

}  // namespace anirec
