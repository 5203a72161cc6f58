// The in-memory dataset every later stage works on: per-user item sequences with
// dense ids, the raw-id maps to get back to the user's own ids, and item metadata.
//
// Dense ids: users 0..U-1; items 1..N, 0 is padding (so item_ids[0] is "").
// Sequences are stored CSR-style: user u's items are items[offsets[u] .. offsets[u+1]).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace anirec {

// What the order of each user's sequence means. Evaluation picks its protocol from it.
enum class OrderKind : uint8_t {
    TIMESTAMP = 0,             // sorted by real timestamps from the source (stable: ties keep file order)
    CHRONOLOGICAL_FORMAT = 1,  // no timestamps, but the format is chronological by definition (SASRec files)
    FILE_ORDER = 2,            // no timestamps, file order of unknown meaning
    SORTED_BY_ITEM_ID = 3,     // no timestamps and detected sorted by raw item id: not watch order
};
const char* order_kind_name(OrderKind k);   // "timestamp", "chronological-format", "file", "sorted-by-item-id"
bool order_is_chronological(OrderKind k);   // TIMESTAMP or CHRONOLOGICAL_FORMAT

struct ItemInfo {
    std::string title;           // main title, HTML entities decoded
    std::string english_title;   // empty when unknown
    std::string japanese_title;  // empty when unknown
    std::string genres;          // comma-separated, as in anime.csv ("Action, Drama")
    std::string type;            // "TV", "Movie", ... (empty when unknown)
    int32_t episodes = -1;       // -1 when unknown
    float score = -1.f;          // community score, -1 when unknown
    int64_t members = -1;        // -1 when unknown
};

struct Dataset {
    std::vector<std::string> user_ids;  // dense user -> raw id (numbers or user names)
    std::vector<std::string> item_ids;  // dense item -> raw id; item_ids[0] == "" (padding)
    std::vector<int64_t> offsets;       // size U+1
    std::vector<int32_t> items;         // dense item ids, each user's sequence in order
    std::vector<int64_t> timestamps;    // empty, or one per entry of items (unix seconds)
    std::vector<float> ratings;         // empty, or one per entry of items (NaN = watched, not rated)
    std::vector<ItemInfo> item_info;    // empty (no metadata) or N+1 entries; [0] unused
    OrderKind order = OrderKind::FILE_ORDER;
    std::string source;        // what it was made from (input path, format)
    std::string options_json;  // the prepare options and filter report, as JSON text

    int32_t n_users() const { return static_cast<int32_t>(user_ids.size()); }
    int32_t n_items() const { return item_ids.empty() ? 0 : static_cast<int32_t>(item_ids.size()) - 1; }
    int64_t n_interactions() const { return static_cast<int64_t>(items.size()); }
    bool has_titles() const { return !item_info.empty(); }
    std::span<const int32_t> sequence(int32_t u) const {
        return {items.data() + offsets[u], static_cast<size_t>(offsets[u + 1] - offsets[u])};
    }
};

}  // namespace anirec
