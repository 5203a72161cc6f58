#include "serve/catalog.h"

#include <algorithm>

#include "data/text.h"
#include "util/error.h"

namespace anirec {

namespace {

const std::string kEmpty;

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i) out += ", ";
        out += names[i];
    }
    return out;
}

}  // namespace

FilterSpec FilterSpec::from_lists(std::string_view include_genres, std::string_view exclude_genres,
                                  std::string_view types, bool exclude_seen) {
    FilterSpec f;
    f.include_genres = split_trimmed(include_genres, ',');
    f.exclude_genres = split_trimmed(exclude_genres, ',');
    f.types = split_trimmed(types, ',');
    f.exclude_seen = exclude_seen;
    return f;
}

Catalog::Catalog(std::vector<std::string> item_ids, std::vector<ItemInfo> info)
    : item_ids_(std::move(item_ids)), info_(std::move(info)) {
    if (item_ids_.empty()) item_ids_.emplace_back();  // padding row of an empty catalogue
    const size_t n1 = item_ids_.size();
    if (!info_.empty() && info_.size() != n1)
        throw Error(cat("catalogue: item metadata has ", info_.size(), " rows, expected ", n1,
                        " (one per item plus padding)"));

    raw_sorted_.reserve(n1 - 1);
    for (size_t i = 1; i < n1; ++i) raw_sorted_.emplace_back(item_ids_[i], static_cast<int32_t>(i));
    std::sort(raw_sorted_.begin(), raw_sorted_.end());

    // Intern genres and types. Item rows get a bitset of genre ids.
    std::vector<std::vector<int32_t>> item_genres(n1);
    type_ids_.assign(n1, -1);
    if (!info_.empty()) {
        for (size_t i = 1; i < n1; ++i) {
            for (const std::string& g : split_trimmed(info_[i].genres, ',')) {
                const std::string key = to_lower_ascii(g);
                auto it = std::find(genre_keys_.begin(), genre_keys_.end(), key);
                int32_t id;
                if (it == genre_keys_.end()) {
                    id = static_cast<int32_t>(genre_keys_.size());
                    genre_keys_.push_back(key);
                    genre_names_.push_back(g);
                } else {
                    id = static_cast<int32_t>(it - genre_keys_.begin());
                }
                item_genres[i].push_back(id);
            }
            const std::string_view t = trim(info_[i].type);
            if (!t.empty()) {
                const std::string key = to_lower_ascii(t);
                auto it = std::find(type_keys_.begin(), type_keys_.end(), key);
                if (it == type_keys_.end()) {
                    type_ids_[i] = static_cast<int32_t>(type_keys_.size());
                    type_keys_.push_back(key);
                    type_names_.emplace_back(t);
                } else {
                    type_ids_[i] = static_cast<int32_t>(it - type_keys_.begin());
                }
            }
        }
    }
    const int32_t unknown_type = static_cast<int32_t>(type_names_.size());
    for (auto& t : type_ids_)
        if (t < 0) t = unknown_type;
    words_ = std::max<size_t>(1, (genre_keys_.size() + 63) / 64);
    genre_bits_.assign(n1 * words_, 0);
    for (size_t i = 1; i < n1; ++i)
        for (int32_t g : item_genres[i]) genre_bits_[i * words_ + g / 64] |= uint64_t(1) << (g % 64);
}

const std::string& Catalog::title(int32_t item) const {
    if (!info_.empty() && !info_[static_cast<size_t>(item)].title.empty())
        return info_[static_cast<size_t>(item)].title;
    return item_ids_[static_cast<size_t>(item)];
}

const std::string& Catalog::genres(int32_t item) const {
    return info_.empty() ? kEmpty : info_[static_cast<size_t>(item)].genres;
}

const std::string& Catalog::type(int32_t item) const {
    return info_.empty() ? kEmpty : info_[static_cast<size_t>(item)].type;
}

std::vector<std::string> Catalog::genre_list(int32_t item) const {
    return split_trimmed(genres(item), ',');
}

int32_t Catalog::find_raw_id(std::string_view raw) const {
    auto it = std::lower_bound(raw_sorted_.begin(), raw_sorted_.end(), raw,
                               [](const auto& e, std::string_view r) { return e.first < r; });
    if (it == raw_sorted_.end() || it->first != raw) return 0;
    return it->second;
}

ItemFilter Catalog::compile(const FilterSpec& spec) const {
    ItemFilter f;
    if (!spec.has_metadata_filters()) return f;
    if (!has_metadata())
        throw UsageError(
            "genre and type filters need item metadata, and this model file has none "
            "(train from a dataset with anime.csv / anime_info.dat to get titles, genres and types)");
    f.active_ = true;
    f.words_ = words_;
    f.genre_bits_ = genre_bits_.data();
    f.type_ids_ = type_ids_.data();
    auto genre_mask = [&](const std::vector<std::string>& names, const char* flag) {
        std::vector<uint64_t> mask(words_, 0);
        for (const std::string& n : names) {
            const std::string key = to_lower_ascii(trim(n));
            auto it = std::find(genre_keys_.begin(), genre_keys_.end(), key);
            if (it == genre_keys_.end())
                throw UsageError(cat(flag, ": unknown genre '", n, "'; known genres: ", join_names(genre_names_)));
            const size_t g = static_cast<size_t>(it - genre_keys_.begin());
            mask[g / 64] |= uint64_t(1) << (g % 64);
        }
        return mask;
    };
    if (!spec.include_genres.empty()) f.include_ = genre_mask(spec.include_genres, "include genres");
    if (!spec.exclude_genres.empty()) f.exclude_ = genre_mask(spec.exclude_genres, "exclude genres");
    if (!spec.types.empty()) {
        f.types_.assign(type_names_.size() + 1, 0);  // last slot: unknown type, never listed
        for (const std::string& n : spec.types) {
            const std::string key = to_lower_ascii(trim(n));
            auto it = std::find(type_keys_.begin(), type_keys_.end(), key);
            if (it == type_keys_.end())
                throw UsageError(cat("types: unknown type '", n, "'; known types: ", join_names(type_names_)));
            f.types_[static_cast<size_t>(it - type_keys_.begin())] = 1;
        }
    }
    return f;
}

}  // namespace anirec
