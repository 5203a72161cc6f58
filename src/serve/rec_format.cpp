#include "serve/rec_format.h"

#include <algorithm>
#include <cstdio>

#include "data/text.h"
#include "util/error.h"

namespace anirec {

nlohmann::json rec_row_json(const RecRow& row) {
    nlohmann::json j = {{"rank", row.rank},     {"item", row.item},
                        {"id", row.raw_id},     {"title", row.title},
                        {"genres", split_trimmed(row.genres, ',')},
                        {"type", row.type},     {"score", row.score}};
    if (row.cooccurrence >= 0) j["cooccurrence"] = row.cooccurrence;
    return j;
}

nlohmann::json rec_rows_json(const std::vector<RecRow>& rows) {
    nlohmann::json a = nlohmann::json::array();
    for (const RecRow& r : rows) a.push_back(rec_row_json(r));
    return a;
}

namespace {

bool is_wide(char32_t c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD);
}

// The longest prefix of s that fits width columns, with "…" when cut.
std::string fit(std::string_view s, size_t width) {
    if (display_width(s) <= width) return std::string(s);
    std::string out;
    size_t w = 0, i = 0;
    while (i < s.size()) {
        const size_t start = i;
        const char32_t c = next_code_point(s, i);
        const size_t cw = is_wide(c) ? 2 : 1;
        if (w + cw + 1 > width) break;  // keep one column for the ellipsis
        w += cw;
        // Re-encode: a Latin-1 byte read from invalid UTF-8 becomes valid UTF-8 here.
        if (c < 0x80 || i - start > 1) out.append(s.substr(start, i - start));
        else append_utf8(out, c);
    }
    out += "\u2026";
    return out;
}

std::string pad(const std::string& s, size_t width) {
    const size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

}  // namespace

size_t display_width(std::string_view s) {
    size_t w = 0, i = 0;
    while (i < s.size()) w += is_wide(next_code_point(s, i)) ? 2 : 1;
    return w;
}

std::string format_score(float s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(s));
    return buf;
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string format_rec_table(const std::vector<RecRow>& rows, bool explain, const char* score_label) {
    constexpr size_t kTitle = 48, kGenres = 40;
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> header = {"#", "id", "title", "type", "genres", score_label};
    if (explain) header.push_back("watched by both");
    for (const RecRow& r : rows) {
        std::vector<std::string> c = {std::to_string(r.rank), r.raw_id, fit(r.title, kTitle),
                                      r.type.empty() ? "-" : r.type, r.genres.empty() ? "-" : fit(r.genres, kGenres),
                                      format_score(r.score)};
        if (explain) c.push_back(r.cooccurrence >= 0 ? std::to_string(r.cooccurrence) : "-");
        cells.push_back(std::move(c));
    }
    std::vector<size_t> width(header.size());
    for (size_t k = 0; k < header.size(); ++k) {
        width[k] = display_width(header[k]);
        for (const auto& c : cells) width[k] = std::max(width[k], display_width(c[k]));
    }
    // Numbers right-aligned (rank, score, count), text left-aligned.
    auto right = [&](size_t k) { return k == 0 || k == 5 || k == 6; };
    auto line = [&](const std::vector<std::string>& c) {
        std::string s;
        for (size_t k = 0; k < c.size(); ++k) {
            if (k) s += "  ";
            const size_t w = display_width(c[k]);
            if (right(k) && w < width[k]) s += std::string(width[k] - w, ' ') + c[k];
            else if (k + 1 < c.size()) s += pad(c[k], width[k]);
            else s += c[k];
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s + "\n";
    };
    std::string out = line(header);
    for (const auto& c : cells) out += line(c);
    return out;
}

std::string describe_item(const Recommender& rec, int32_t item) {
    const Catalog& c = rec.catalog();
    std::string s = c.title(item);
    if (c.title(item) != c.raw_id(item)) s += cat(" (id ", c.raw_id(item), ")");
    const std::string& type = c.type(item);
    const std::string& genres = c.genres(item);
    if (!type.empty() || !genres.empty()) {
        s += " [";
        s += type;
        if (!type.empty() && !genres.empty()) s += "; ";
        s += genres;
        s += "]";
    }
    return s;
}

}  // namespace anirec
