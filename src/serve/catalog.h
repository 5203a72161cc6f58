// The item catalogue a Recommender answers with: raw ids, display metadata, and the
// genre and type filters compiled against it.
//
// Filter rules (CLI flags --include-genres/--exclude-genres/--types and the server's
// query parameters):
//   * include genres: an item passes when it has AT LEAST ONE of the listed genres;
//   * exclude genres: an item fails when it has ANY of the listed genres;
//   * types: an item passes when its type is one of the listed types;
//   * names are matched case-insensitively after trimming ("sci-fi" = "Sci-Fi");
//   * a name the catalogue does not know is a UsageError listing the known names, so a
//     typo never silently filters everything out;
//   * on a catalogue without metadata any genre or type filter is a UsageError.
// exclude_seen is applied by the Recommender (it knows the history), not here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace anirec {

struct FilterSpec {
    std::vector<std::string> include_genres;
    std::vector<std::string> exclude_genres;
    std::vector<std::string> types;
    bool exclude_seen = true;

    bool has_metadata_filters() const {
        return !include_genres.empty() || !exclude_genres.empty() || !types.empty();
    }
    // Parses comma lists as given on a command line ("Action, Comedy").
    static FilterSpec from_lists(std::string_view include_genres, std::string_view exclude_genres,
                                 std::string_view types, bool exclude_seen = true);
};

class Catalog;

// A FilterSpec resolved to genre bits and type ids; cheap to test per item.
class ItemFilter {
public:
    ItemFilter() = default;  // passes every real item (1..N)
    bool allows(int32_t item) const {
        if (!active_) return true;
        const uint64_t* g = genre_bits_ + static_cast<size_t>(item) * words_;
        if (!include_.empty()) {
            bool any = false;
            for (size_t w = 0; w < words_; ++w) any |= (g[w] & include_[w]) != 0;
            if (!any) return false;
        }
        for (size_t w = 0; w < exclude_.size(); ++w)
            if (g[w] & exclude_[w]) return false;
        if (!types_.empty() && !types_[static_cast<size_t>(type_ids_[item])]) return false;
        return true;
    }
    bool active() const { return active_; }

private:
    friend class Catalog;
    bool active_ = false;
    size_t words_ = 0;
    const uint64_t* genre_bits_ = nullptr;  // owned by the Catalog, which must outlive the filter
    const int32_t* type_ids_ = nullptr;
    std::vector<uint64_t> include_;  // empty = no include filter
    std::vector<uint64_t> exclude_;  // empty = no exclude filter
    std::vector<uint8_t> types_;     // by type id (+1 slot: unknown type); empty = any type
};

class Catalog {
public:
    Catalog() = default;
    // item_ids: dense -> raw (N+1 entries, [0] padding). info: empty or N+1 entries.
    Catalog(std::vector<std::string> item_ids, std::vector<ItemInfo> info);

    int32_t n_items() const { return item_ids_.empty() ? 0 : static_cast<int32_t>(item_ids_.size()) - 1; }
    bool has_metadata() const { return !info_.empty(); }
    const std::string& raw_id(int32_t item) const { return item_ids_[static_cast<size_t>(item)]; }
    const std::vector<std::string>& raw_ids() const { return item_ids_; }
    const std::vector<ItemInfo>& info() const { return info_; }
    // The main title, or the raw id when the model carries no titles.
    const std::string& title(int32_t item) const;
    const std::string& genres(int32_t item) const;  // "" when unknown
    const std::string& type(int32_t item) const;    // "" when unknown
    std::vector<std::string> genre_list(int32_t item) const;  // split, trimmed

    // Dense id of a raw id, or 0 when the catalogue has no such raw id.
    int32_t find_raw_id(std::string_view raw) const;

    // Distinct genre and type names in first-seen order (display spelling).
    const std::vector<std::string>& genre_names() const { return genre_names_; }
    const std::vector<std::string>& type_names() const { return type_names_; }

    // Throws UsageError for unknown genre/type names or for filters on a catalogue
    // without metadata.
    ItemFilter compile(const FilterSpec& spec) const;

private:
    std::vector<std::string> item_ids_;
    std::vector<ItemInfo> info_;
    std::vector<std::pair<std::string, int32_t>> raw_sorted_;  // (raw id, dense) sorted by raw id
    std::vector<std::string> genre_names_;
    std::vector<std::string> genre_keys_;  // lower-case, parallel to genre_names_
    std::vector<std::string> type_names_;
    std::vector<std::string> type_keys_;
    size_t words_ = 1;
    std::vector<uint64_t> genre_bits_;  // (N+1) * words_
    std::vector<int32_t> type_ids_;     // N+1; type_names_.size() = unknown type
};

}  // namespace anirec
