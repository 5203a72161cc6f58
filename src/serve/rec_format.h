// How recommendation rows are written: a text table for people, JSON for machines
// (the CLI's --json and the server use the same row object), and the CSV / JSONL
// lines of `recommend-all`.
//
// Row JSON: {"rank": 1, "item": 17 (dense id), "id": "9253" (raw id), "title": "...",
//            "genres": ["Sci-Fi", "Thriller"], "type": "TV", "score": 12.5,
//            "cooccurrence": 311 (only when explained)}
//
// recommend-all CSV: header `user_id,rank,anime_id,score,title`, one row per
// recommendation, RFC 4180 quoting where needed.
// recommend-all JSONL: one object per user:
//   {"user": "42", "items": [{"rank": 1, "id": "9253", "title": "...", "score": 12.5}, ...]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/recommender.h"

namespace anirec {

nlohmann::json rec_row_json(const RecRow& row);
nlohmann::json rec_rows_json(const std::vector<RecRow>& rows);

// Aligned table: rank, id, title, type, genres, score (+ "watched by both" when
// explained). Long titles and genre lists are cut at a character boundary with "…".
std::string format_rec_table(const std::vector<RecRow>& rows, bool explain = false,
                             const char* score_label = "score");

// One line "Title (raw id) [type; genres]" describing an item.
std::string describe_item(const Recommender& rec, int32_t item);

// RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view s);

// Score as text with enough digits to rank by (%.6g).
std::string format_score(float s);

// Display width of a UTF-8 string in characters (code points; East Asian wide
// characters count two).
size_t display_width(std::string_view s);

}  // namespace anirec
