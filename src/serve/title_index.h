// Title lookup: what a person types ("shingeki no kyojin", "Steins;Gate", "9253")
// to a dense item id, over the main, English and Japanese names of the catalogue and
// its raw ids.
//
// Lookup rules, in order; the first rule that matches anything decides:
//   1. "id:X" is the raw id X and nothing else.
//   2. A raw id ("9253"). If the same text is also exactly the title of another anime
//      (a title "86"), the result is ambiguous and the candidates say to write "id:86".
//   3. Literal match: HTML entities decoded, ASCII case and runs of spaces ignored.
//      ("Gintama" finds "Gintama", not "Gintama'" or "Gintama°".)
//   4. Normalised match (normalize_title: case, accents, punctuation, spacing):
//      "fullmetal alchemist brotherhood" finds "Fullmetal Alchemist: Brotherhood".
//   5. Compact match (normalised, spaces removed): "rezero" finds "Re:Zero".
//   6. Partial match: the normalised text starts at a word of a normalised name
//      ("alchemist brotherhood", "kyojin"), or its compact form starts a compact name
//      ("rezero" finds "Re:Zero kara Hajimeru..."). Skipped in exact-only mode.
// A rule that matches one anime gives FOUND; several give AMBIGUOUS with the
// candidates, most popular first (metadata "members"); nothing gives NOT_FOUND with
// the closest titles by trigram similarity as suggestions.
// A catalogue without titles resolves raw ids only, and says so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "serve/catalog.h"

namespace anirec {

enum class LookupStatus : uint8_t { FOUND = 0, AMBIGUOUS = 1, NOT_FOUND = 2 };

struct LookupResult {
    LookupStatus status = LookupStatus::NOT_FOUND;
    std::string query;                // the text as given (trimmed)
    int32_t item = 0;                 // FOUND: the dense id
    std::string matched;              // FOUND: the name or raw id it matched
    std::string how;                  // FOUND: "raw id", "title", "English title", "Japanese title"
    std::vector<int32_t> candidates;  // AMBIGUOUS: matching items, best first (capped)
    int32_t n_matches = 0;            // AMBIGUOUS: how many items matched in all
    std::vector<int32_t> suggestions; // NOT_FOUND: closest titles, best first
    bool no_titles = false;           // NOT_FOUND because the catalogue has no titles
    bool by_raw_id = false;           // the query was "id:X" (NOT_FOUND: no such raw id)
    bool raw_id_clash = false;        // AMBIGUOUS: the text is a raw id and another anime's title
    bool ok() const { return status == LookupStatus::FOUND; }
};

// One hit of a title search (the server's /v1/items?q=).
struct TitleHit {
    int32_t item = 0;
    std::string matched;  // the name that matched
    int32_t tier = 0;     // 0 raw id, 1 exact, 2 name prefix, 3 word start, 4 substring, 5 similar
    double similarity = 0;  // trigram similarity of the query and the matched name
};

// Result of resolving a ';'-separated list of titles and ids.
struct ListResolution {
    std::vector<int32_t> items;          // resolved dense ids, in list order
    std::vector<std::string> pieces;     // the text each item was resolved from
    std::vector<LookupResult> failures;  // pieces that did not resolve (empty when all did)
    bool ok() const { return failures.empty(); }
};

class TitleIndex {
public:
    TitleIndex() = default;
    // Keeps a pointer to catalog, which must outlive the index and not move.
    explicit TitleIndex(const Catalog& catalog);

    bool has_titles() const { return has_titles_; }

    // exact_only skips rule 6 and the suggestions (used to probe joined list pieces).
    LookupResult lookup(std::string_view text, bool exact_only = false, int32_t max_candidates = 10,
                        int32_t max_suggestions = 5) const;

    // Ranked search for suggestions as a person types: exact, then names that start
    // with the query, then word starts, then substrings, then (to fill up) the closest
    // names by trigram similarity. One hit per item, at most limit hits.
    std::vector<TitleHit> search(std::string_view query, int32_t limit) const;

    // Resolves "Shingeki no Kyojin; Steins;Gate; 9253". Titles may contain the
    // separator, so at each position the longest run of up to max_join adjacent
    // pieces that is an exact match (rules 1-5) is taken; when no run is exact, the
    // single piece goes through the full lookup. Empty pieces are skipped.
    ListResolution resolve_list(std::string_view text, char sep = ';', int32_t max_join = 4) const;

    // A message for a failed lookup: the reason, then the candidates or suggestions one
    // per line ("  9253  Steins;Gate  [TV; Sci-Fi, Thriller]").
    std::string describe_failure(const LookupResult& r) const;

private:
    struct NameEntry {
        int32_t item;
        uint8_t field;        // 0 main, 1 English, 2 Japanese
        std::string display;  // decoded name
        std::string key;      // normalize_title
        std::string compact;  // key without spaces
        std::vector<uint32_t> trigrams;
    };
    void rank_by_popularity(std::vector<int32_t>& items) const;
    bool collect_exact(std::string_view text, std::vector<const NameEntry*>& out) const;
    std::vector<int32_t> suggest(std::string_view key, int32_t n) const;

    const Catalog* catalog_ = nullptr;
    bool has_titles_ = false;
    std::vector<NameEntry> names_;
    std::unordered_multimap<std::string, int32_t> by_literal_;  // -> index into names_
    std::unordered_multimap<std::string, int32_t> by_key_;
    std::unordered_multimap<std::string, int32_t> by_compact_;
};

// "title", "English title", "Japanese title"
const char* title_field_name(uint8_t field);

}  // namespace anirec
