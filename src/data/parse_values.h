// Parsing of single field values (std::from_chars: no locale, no allocation).
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace anirec {

// Trims ASCII spaces and tabs at both ends.
inline std::string_view trim_blanks(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return s.substr(b, e - b);
}

// A canonical non-negative decimal id: digits only, no sign, no leading zero (except
// "0" itself), below 2^63. Such ids are stored as numbers; "007" or "-5" are not
// canonical and are kept as strings where the format allows string ids (so "007" and
// "7" stay two different ids).
inline bool parse_canonical_id(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v >> 63) return false;
    out = v;
    return true;
}

// A decimal integer (optional '-'), blanks around it allowed.
inline bool parse_int64(std::string_view s, int64_t& out) {
    s = trim_blanks(s);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// A finite decimal number ("8", "-1", "7.5", "9.37"), blanks around it allowed.
bool parse_finite_float(std::string_view s, float& out);

// A timestamp in unix seconds: either an integer (unix seconds, may be negative) or a
// UTC date "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS[Z]".
// Dates must be real calendar dates (month 1-12, day within the month).
bool parse_timestamp(std::string_view s, int64_t& out);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace anirec
