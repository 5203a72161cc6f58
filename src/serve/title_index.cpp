#include "serve/title_index.h"

#include <algorithm>
#include <unordered_map>

#include "data/text.h"
#include "util/error.h"

namespace anirec {

const char* title_field_name(uint8_t field) {
    switch (field) {
        case 0: return "title";
        case 1: return "English title";
        case 2: return "Japanese title";
        default: return "name";
    }
}

namespace {

// Rule 3's key: entities decoded, ASCII lower-case, whitespace runs to one space, trimmed.
std::string literal_key(std::string_view s) {
    const std::string decoded = decode_html_entities(s);
    std::string out;
    out.reserve(decoded.size());
    bool space = false;
    for (char c : decoded) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
    }
    return out;
}

// Does needle occur in hay starting at a word start (position 0 or after a space)?
bool contains_at_word_start(std::string_view hay, std::string_view needle) {
    size_t pos = hay.find(needle);
    while (pos != std::string_view::npos) {
        if (pos == 0 || hay[pos - 1] == ' ') return true;
        pos = hay.find(needle, pos + 1);
    }
    return false;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != prefix[i]) return false;
    }
    return true;
}

}  // namespace

TitleIndex::TitleIndex(const Catalog& catalog) : catalog_(&catalog) {
    const auto& info = catalog.info();
    for (size_t i = 1; i < info.size(); ++i) {
        const std::string* fields[3] = {&info[i].title, &info[i].english_title, &info[i].japanese_title};
        for (uint8_t f = 0; f < 3; ++f) {
            if (trim(*fields[f]).empty()) continue;
            NameEntry e;
            e.item = static_cast<int32_t>(i);
            e.field = f;
            e.display = decode_html_entities(trim(*fields[f]));
            e.key = normalize_title(e.display);
            // Skip an alternative name identical to one already listed for the item.
            bool dup = false;
            for (auto it = names_.rbegin(); it != names_.rend() && it->item == e.item; ++it)
                dup |= it->display == e.display;
            if (dup) continue;
            e.compact = compact_key(e.key);
            e.trigrams = trigram_set(e.key);
            names_.push_back(std::move(e));
        }
    }
    has_titles_ = !names_.empty();
    for (size_t n = 0; n < names_.size(); ++n) {
        const auto idx = static_cast<int32_t>(n);
        by_literal_.emplace(literal_key(names_[n].display), idx);
        if (!names_[n].key.empty()) {
            by_key_.emplace(names_[n].key, idx);
            by_compact_.emplace(names_[n].compact, idx);
        }
    }
}

void TitleIndex::rank_by_popularity(std::vector<int32_t>& items) const {
    const auto& info = catalog_->info();
    auto members = [&](int32_t it) { return info.empty() ? int64_t(-1) : info[static_cast<size_t>(it)].members; };
    std::sort(items.begin(), items.end(), [&](int32_t a, int32_t b) {
        const int64_t ma = members(a), mb = members(b);
        if (ma != mb) return ma > mb;
        const size_t la = catalog_->title(a).size(), lb = catalog_->title(b).size();
        if (la != lb) return la < lb;
        return a < b;
    });
}

bool TitleIndex::collect_exact(std::string_view text, std::vector<const NameEntry*>& out) const {
    out.clear();
    auto collect = [&](const std::unordered_multimap<std::string, int32_t>& map, const std::string& key) {
        if (key.empty()) return false;
        auto [lo, hi] = map.equal_range(key);
        for (auto it = lo; it != hi; ++it) out.push_back(&names_[static_cast<size_t>(it->second)]);
        return !out.empty();
    };
    if (collect(by_literal_, literal_key(text))) return true;
    const std::string key = normalize_title(text);
    if (collect(by_key_, key)) return true;
    return collect(by_compact_, compact_key(key));
}

std::vector<int32_t> TitleIndex::suggest(std::string_view key, int32_t n) const {
    if (n <= 0 || key.empty()) return {};
    const auto q = trigram_set(key);
    std::unordered_map<int32_t, double> best;
    for (const NameEntry& e : names_) {
        const double s = trigram_similarity(q, e.trigrams);
        if (s < 0.1) continue;  // below this the "closest" titles share nothing visible
        auto [it, inserted] = best.emplace(e.item, s);
        if (!inserted) it->second = std::max(it->second, s);
    }
    std::vector<std::pair<double, int32_t>> ranked;
    ranked.reserve(best.size());
    for (auto [item, s] : best) ranked.emplace_back(s, item);
    const size_t take = std::min<size_t>(static_cast<size_t>(n), ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(take), ranked.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    std::vector<int32_t> out;
    for (size_t i = 0; i < take; ++i) out.push_back(ranked[i].second);
    return out;
}

LookupResult TitleIndex::lookup(std::string_view text, bool exact_only, int32_t max_candidates,
                                int32_t max_suggestions) const {
    ANIREC_ASSERT(catalog_ != nullptr);
    LookupResult r;
    const std::string_view q = trim(text);
    r.query = std::string(q);
    if (q.empty()) return r;

    if (iequals_prefix(q, "id:")) {
        r.by_raw_id = true;
        const std::string_view raw = trim(q.substr(3));
        if (const int32_t item = catalog_->find_raw_id(raw)) {
            r.status = LookupStatus::FOUND;
            r.item = item;
            r.matched = std::string(raw);
            r.how = "raw id";
        }
        return r;
    }

    std::vector<const NameEntry*> exact;
    collect_exact(q, exact);
    std::vector<int32_t> items;
    for (const NameEntry* e : exact)
        if (std::find(items.begin(), items.end(), e->item) == items.end()) items.push_back(e->item);

    auto ambiguous = [&](std::vector<int32_t> cands, int32_t keep_first) {
        r.status = LookupStatus::AMBIGUOUS;
        r.n_matches = static_cast<int32_t>(cands.size());
        // The raw-id item (if any) stays first; the rest by popularity.
        rank_by_popularity(cands);
        if (keep_first > 0) {
            cands.erase(std::remove(cands.begin(), cands.end(), keep_first), cands.end());
            cands.insert(cands.begin(), keep_first);
        }
        if (static_cast<int32_t>(cands.size()) > max_candidates) cands.resize(static_cast<size_t>(max_candidates));
        r.candidates = std::move(cands);
        return r;
    };

    if (const int32_t raw_item = catalog_->find_raw_id(q)) {
        std::vector<int32_t> others;
        for (int32_t it : items)
            if (it != raw_item) others.push_back(it);
        if (others.empty()) {
            r.status = LookupStatus::FOUND;
            r.item = raw_item;
            r.matched = r.query;
            r.how = "raw id";
            return r;
        }
        r.raw_id_clash = true;
        others.push_back(raw_item);
        return ambiguous(std::move(others), raw_item);
    }
    if (items.size() == 1) {
        r.status = LookupStatus::FOUND;
        r.item = items[0];
        r.matched = exact[0]->display;
        r.how = title_field_name(exact[0]->field);
        return r;
    }
    if (items.size() > 1) return ambiguous(std::move(items), 0);

    if (!has_titles_) {
        r.no_titles = true;
        return r;
    }
    if (exact_only) return r;

    // Rule 6: partial match at a word start.
    const std::string key = normalize_title(q);
    if (key.empty()) return r;
    const std::string compact = compact_key(key);
    const NameEntry* first = nullptr;
    for (const NameEntry& e : names_) {
        if (!contains_at_word_start(e.key, key) && e.compact.compare(0, compact.size(), compact) != 0) continue;
        if (std::find(items.begin(), items.end(), e.item) == items.end()) {
            items.push_back(e.item);
            if (!first) first = &e;
        }
    }
    if (items.size() == 1) {
        r.status = LookupStatus::FOUND;
        r.item = items[0];
        r.matched = first->display;
        r.how = cat("partial ", title_field_name(first->field));
        return r;
    }
    if (items.size() > 1) return ambiguous(std::move(items), 0);

    r.suggestions = suggest(key, max_suggestions);
    return r;
}

std::vector<TitleHit> TitleIndex::search(std::string_view query, int32_t limit) const {
    ANIREC_ASSERT(catalog_ != nullptr);
    const std::string_view q = trim(query);
    if (q.empty() || limit <= 0) return {};
    const std::string key = normalize_title(q);
    const auto qtri = trigram_set(key);

    // Candidates refer to their name entry (nullptr: the raw id); strings and
    // similarities are made only for the hits returned.
    struct Cand {
        int32_t item;
        const NameEntry* entry;
        int32_t tier;
        double sim;
    };
    std::vector<Cand> cands;
    // slot[item]: index into cands + 1 (0 = none). Per thread, reset after use.
    thread_local std::vector<int32_t> slot;
    slot.resize(static_cast<size_t>(catalog_->n_items()) + 1, 0);
    auto offer = [&](int32_t item, const NameEntry* e, int32_t tier, double sim) {
        int32_t& s = slot[static_cast<size_t>(item)];
        if (s == 0) {
            cands.push_back({item, e, tier, sim});
            s = static_cast<int32_t>(cands.size());
        } else if (tier < cands[static_cast<size_t>(s - 1)].tier) {
            cands[static_cast<size_t>(s - 1)] = {item, e, tier, sim};
        }
    };
    if (const int32_t raw_item = catalog_->find_raw_id(q)) offer(raw_item, nullptr, 0, 0.0);
    if (!key.empty()) {
        for (const NameEntry& e : names_) {
            int32_t tier;
            if (e.key == key) tier = 1;
            else if (e.key.compare(0, key.size(), key) == 0) tier = 2;
            else if (contains_at_word_start(e.key, key)) tier = 3;
            else if (e.key.find(key) != std::string::npos) tier = 4;
            else continue;
            offer(e.item, &e, tier, 0.0);
        }
    }
    if (static_cast<int32_t>(cands.size()) < limit && key.size() >= 2) {
        // Fill up with the closest names (typos: "shingeki no kyojn").
        const size_t matched = cands.size();
        for (const NameEntry& e : names_) {
            const int32_t s = slot[static_cast<size_t>(e.item)];
            if (s != 0 && static_cast<size_t>(s) <= matched) continue;
            const double sim = trigram_similarity(qtri, e.trigrams);
            if (sim < 0.1) continue;
            if (s == 0) offer(e.item, &e, 5, sim);
            else if (sim > cands[static_cast<size_t>(s - 1)].sim) cands[static_cast<size_t>(s - 1)] = {e.item, &e, 5, sim};
        }
    }
    for (const Cand& c : cands) slot[static_cast<size_t>(c.item)] = 0;

    const auto& info = catalog_->info();
    auto members = [&](int32_t it) { return info.empty() ? int64_t(-1) : info[static_cast<size_t>(it)].members; };
    auto name_len = [&](const Cand& c) { return c.entry ? c.entry->display.size() : q.size(); };
    auto by_tier_then_popularity = [&](const Cand& a, const Cand& b) {
        if (a.tier != b.tier) return a.tier < b.tier;
        if (a.tier == 5 && a.sim != b.sim) return a.sim > b.sim;
        const int64_t ma = members(a.item), mb = members(b.item);
        if (ma != mb) return ma > mb;
        if (name_len(a) != name_len(b)) return name_len(a) < name_len(b);
        return a.item < b.item;
    };
    const size_t take = std::min(cands.size(), static_cast<size_t>(limit));
    std::partial_sort(cands.begin(), cands.begin() + static_cast<ptrdiff_t>(take), cands.end(),
                      by_tier_then_popularity);
    std::vector<TitleHit> hits;
    hits.reserve(take);
    for (size_t i = 0; i < take; ++i) {
        const Cand& c = cands[i];
        if (c.entry)
            hits.push_back({c.item, c.entry->display, c.tier,
                            c.tier == 5 ? c.sim : trigram_similarity(qtri, c.entry->trigrams)});
        else
            hits.push_back({c.item, std::string(q), c.tier, 0.0});
    }
    return hits;
}

ListResolution TitleIndex::resolve_list(std::string_view text, char sep, int32_t max_join) const {
    std::vector<std::string_view> pieces;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(sep, start);
        if (end == std::string_view::npos) end = text.size();
        pieces.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    ListResolution out;
    const size_t n = pieces.size();
    size_t i = 0;
    while (i < n) {
        if (trim(pieces[i]).empty()) {
            ++i;
            continue;
        }
        bool taken = false;
        // Longest run first: "Steins;Gate" must win over "Steins" + "Gate" (itself a title).
        for (size_t len = std::min<size_t>(static_cast<size_t>(std::max(max_join, 1)), n - i); len >= 2; --len) {
            const char* b = pieces[i].data();
            const char* e = pieces[i + len - 1].data() + pieces[i + len - 1].size();
            const std::string_view joined(b, static_cast<size_t>(e - b));
            LookupResult r = lookup(joined, /*exact_only=*/true);
            if (r.ok()) {
                out.items.push_back(r.item);
                out.pieces.emplace_back(trim(joined));
                i += len;
                taken = true;
                break;
            }
        }
        if (taken) continue;
        LookupResult r = lookup(pieces[i]);
        if (r.ok()) {
            out.items.push_back(r.item);
            out.pieces.emplace_back(trim(pieces[i]));
        } else {
            out.failures.push_back(std::move(r));
        }
        ++i;
    }
    return out;
}

std::string TitleIndex::describe_failure(const LookupResult& r) const {
    ANIREC_ASSERT(catalog_ != nullptr);
    auto line = [&](int32_t item) {
        std::string s = cat("  ", catalog_->raw_id(item), "  ", catalog_->title(item));
        const std::string& type = catalog_->type(item);
        const std::string& genres = catalog_->genres(item);
        if (!type.empty() || !genres.empty()) {
            s += "  [";
            s += type;
            if (!type.empty() && !genres.empty()) s += "; ";
            s += genres;
            s += "]";
        }
        return s + "\n";
    };
    std::string out;
    switch (r.status) {
        case LookupStatus::FOUND:
            return cat("'", r.query, "' is ", catalog_->title(r.item), " (raw id ", catalog_->raw_id(r.item), ")");
        case LookupStatus::AMBIGUOUS:
            if (r.raw_id_clash) {
                out = cat("'", r.query, "' is both a raw id and the title of another anime; write id:", r.query,
                          " for the raw id, or give the other anime's raw id:\n");
            } else {
                out = cat("'", r.query, "' matches ", r.n_matches, " animes; give the full title or a raw id",
                          r.n_matches > static_cast<int32_t>(r.candidates.size())
                              ? cat(" (", r.candidates.size(), " most popular shown)")
                              : std::string(),
                          ":\n");
            }
            for (int32_t it : r.candidates) out += line(it);
            break;
        case LookupStatus::NOT_FOUND:
            if (r.query.empty()) return "empty title or id";
            if (r.by_raw_id) return cat("no anime with raw id '", trim(std::string_view(r.query).substr(3)), "' in this model");
            if (r.no_titles)
                return cat("'", r.query,
                           "' is not a raw anime id of this model, and the model file carries no titles, so "
                           "only raw ids can be used");
            out = cat("unknown anime '", r.query, "'");
            if (r.suggestions.empty()) return out + " (no similar title either)";
            out += "; closest titles:\n";
            for (int32_t it : r.suggestions) out += line(it);
            break;
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace anirec
