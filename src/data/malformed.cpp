#include "data/malformed.h"

#include "util/error.h"

namespace anirec {

const char* malformed_reason(Malformed m) {
    switch (m) {
        case Malformed::EMPTY_LINE: return "empty line";
        case Malformed::LINE_TOO_LONG: return "line too long";
        case Malformed::WRONG_COLUMN_COUNT: return "wrong column count";
        case Malformed::UNTERMINATED_QUOTE: return "unterminated quote";
        case Malformed::BAD_QUOTING: return "bad quoting";
        case Malformed::BAD_USER_ID: return "non-numeric or bad user id";
        case Malformed::BAD_ITEM_ID: return "non-numeric or bad item id";
        case Malformed::BAD_RATING: return "bad rating";
        case Malformed::BAD_TIMESTAMP: return "bad timestamp";
        case Malformed::BAD_STATUS: return "bad status";
        case Malformed::COUNT_: break;
    }
    return "?";
}

const char* malformed_key(Malformed m) {
    switch (m) {
        case Malformed::EMPTY_LINE: return "empty_line";
        case Malformed::LINE_TOO_LONG: return "line_too_long";
        case Malformed::WRONG_COLUMN_COUNT: return "wrong_column_count";
        case Malformed::UNTERMINATED_QUOTE: return "unterminated_quote";
        case Malformed::BAD_QUOTING: return "bad_quoting";
        case Malformed::BAD_USER_ID: return "bad_user_id";
        case Malformed::BAD_ITEM_ID: return "bad_item_id";
        case Malformed::BAD_RATING: return "bad_rating";
        case Malformed::BAD_TIMESTAMP: return "bad_timestamp";
        case Malformed::BAD_STATUS: return "bad_status";
        case Malformed::COUNT_: break;
    }
    return "?";
}

void MalformedLog::add(Malformed m, uint64_t line, std::string_view detail) {
    size_t k = static_cast<size_t>(m);
    if (count[k] == 0) first_detail[k] = std::string(detail);
    ++count[k];
    if (first_lines[k].size() < kExamples) first_lines[k].push_back(line);
}

void MalformedLog::merge(const MalformedLog& later, uint64_t line_offset) {
    for (size_t k = 0; k < kMalformedKinds; ++k) {
        if (later.count[k] == 0) continue;
        if (count[k] == 0) first_detail[k] = later.first_detail[k];
        count[k] += later.count[k];
        for (uint64_t l : later.first_lines[k]) {
            if (first_lines[k].size() >= kExamples) break;
            first_lines[k].push_back(l + line_offset);
        }
    }
}

uint64_t MalformedLog::total() const {
    uint64_t t = 0;
    for (uint64_t c : count) t += c;
    return t;
}

uint64_t MalformedLog::first_line(Malformed* reason) const {
    uint64_t best = 0;
    for (size_t k = 0; k < kMalformedKinds; ++k) {
        if (first_lines[k].empty()) continue;
        if (best == 0 || first_lines[k][0] < best) {
            best = first_lines[k][0];
            if (reason) *reason = static_cast<Malformed>(k);
        }
    }
    return best;
}

std::string MalformedLog::first_error(const std::string& path) const {
    Malformed m = Malformed::EMPTY_LINE;
    uint64_t line = first_line(&m);
    const std::string& d = first_detail[static_cast<size_t>(m)];
    return cat(path, ":", line, ": ", malformed_reason(m), d.empty() ? "" : " (", d, d.empty() ? "" : ")");
}

std::string field_detail(std::string_view name, std::string_view value) {
    std::string v(value.substr(0, 40));
    if (value.size() > 40) v += "...";
    return cat("field '", name, "' = '", v, "'");
}

}  // namespace anirec
