#include "data/text.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace anirec {

void append_utf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

char32_t next_code_point(std::string_view s, size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) ok = false;
        cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms and out-of-range values: they are not UTF-8, so the
    // byte is most likely Latin-1.
    static constexpr char32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
        ++i;
        return b0;  // Latin-1 reading of the byte
    }
    i += len;
    return cp;
}

// ---------------------------------------------------------------------------
// HTML entities

namespace {

struct NamedEntity {
    const char* name;
    char32_t cp;
};

// Sorted by name (strcmp order) for binary search.
constexpr NamedEntity kEntities[] = {
    {"AElig", 0xC6},   {"Aacute", 0xC1},  {"Acirc", 0xC2},   {"Agrave", 0xC0},  {"Aring", 0xC5},
    {"Atilde", 0xC3},  {"Auml", 0xC4},    {"Ccedil", 0xC7},  {"ETH", 0xD0},     {"Eacute", 0xC9},
    {"Ecirc", 0xCA},   {"Egrave", 0xC8},  {"Euml", 0xCB},    {"Iacute", 0xCD},  {"Icirc", 0xCE},
    {"Igrave", 0xCC},  {"Iuml", 0xCF},    {"Ntilde", 0xD1},  {"OElig", 0x152},  {"Oacute", 0xD3},
    {"Ocirc", 0xD4},   {"Ograve", 0xD2},  {"Oslash", 0xD8},  {"Otilde", 0xD5},  {"Ouml", 0xD6},
    {"Scaron", 0x160}, {"THORN", 0xDE},   {"Uacute", 0xDA},  {"Ucirc", 0xDB},   {"Ugrave", 0xD9},
    {"Uuml", 0xDC},    {"Yacute", 0xDD},  {"Yuml", 0x178},   {"aacute", 0xE1},  {"acirc", 0xE2},
    {"aelig", 0xE6},   {"agrave", 0xE0},  {"amp", 0x26},     {"apos", 0x27},    {"aring", 0xE5},
    {"atilde", 0xE3},  {"auml", 0xE4},    {"bdquo", 0x201E}, {"bull", 0x2022},  {"ccedil", 0xE7},
    {"copy", 0xA9},    {"deg", 0xB0},     {"divide", 0xF7},  {"eacute", 0xE9},  {"ecirc", 0xEA},
    {"egrave", 0xE8},  {"eth", 0xF0},     {"euml", 0xEB},    {"frac12", 0xBD},  {"frac14", 0xBC},
    {"frac34", 0xBE},  {"gt", 0x3E},      {"hearts", 0x2665}, {"hellip", 0x2026}, {"iacute", 0xED},
    {"icirc", 0xEE},   {"iexcl", 0xA1},   {"igrave", 0xEC},  {"iquest", 0xBF},  {"iuml", 0xEF},
    {"laquo", 0xAB},   {"ldquo", 0x201C}, {"lsquo", 0x2018}, {"lt", 0x3C},      {"mdash", 0x2014},
    {"middot", 0xB7},  {"nbsp", 0xA0},    {"ndash", 0x2013}, {"ntilde", 0xF1},  {"oacute", 0xF3},
    {"ocirc", 0xF4},   {"oelig", 0x153},  {"ograve", 0xF2},  {"oslash", 0xF8},  {"otilde", 0xF5},
    {"ouml", 0xF6},    {"prime", 0x2032}, {"quot", 0x22},    {"raquo", 0xBB},   {"rdquo", 0x201D},
    {"reg", 0xAE},     {"rsquo", 0x2019}, {"sbquo", 0x201A}, {"scaron", 0x161}, {"star", 0x2606},
    {"starf", 0x2605}, {"sup2", 0xB2},    {"sup3", 0xB3},    {"szlig", 0xDF},   {"thorn", 0xFE},
    {"times", 0xD7},   {"trade", 0x2122}, {"uacute", 0xFA},  {"ucirc", 0xFB},   {"ugrave", 0xF9},
    {"uuml", 0xFC},    {"yacute", 0xFD},  {"yuml", 0xFF},
};

static_assert(std::is_sorted(std::begin(kEntities), std::end(kEntities),
                             [](const NamedEntity& a, const NamedEntity& b) {
                                 return std::string_view(a.name) < std::string_view(b.name);
                             }),
              "kEntities must stay sorted for binary search");

bool lookup_entity(std::string_view name, char32_t& cp) {
    const auto* begin = std::begin(kEntities);
    const auto* end = std::end(kEntities);
    const auto* it = std::lower_bound(begin, end, name, [](const NamedEntity& e, std::string_view n) {
        return std::string_view(e.name) < n;
    });
    if (it == end || std::string_view(it->name) != name) return false;
    cp = it->cp;
    return true;
}

// HTML maps numeric references 128..159 through Windows-1252 (&#150; is an en dash);
// MyAnimeList dumps contain these. 0 marks the five undefined positions.
constexpr char32_t kCp1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

// Parses a reference starting at s[i] == '&'. On success appends the character,
// sets len to the reference's length and returns true.
bool parse_reference(std::string_view s, size_t i, std::string& out, size_t& len) {
    const size_t semi = s.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) return false;
    std::string_view body = s.substr(i + 1, semi - i - 1);
    if (body.empty()) return false;
    char32_t cp = 0;
    if (body[0] == '#') {
        std::string_view digits = body.substr(1);
        int base = 10;
        if (!digits.empty() && (digits[0] == 'x' || digits[0] == 'X')) {
            base = 16;
            digits = digits.substr(1);
        }
        if (digits.empty() || digits.size() > 8) return false;
        uint64_t v = 0;
        for (char c : digits) {
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else return false;
            v = v * base + d;
        }
        if (v >= 0x80 && v <= 0x9F && kCp1252[v - 0x80] != 0) v = kCp1252[v - 0x80];
        if (v == 0 || v > 0x10FFFF) v = 0xFFFD;
        cp = static_cast<char32_t>(v);
    } else if (!lookup_entity(body, cp)) {
        return false;
    }
    append_utf8(out, cp);
    len = semi - i + 1;
    return true;
}

}  // namespace

std::string decode_html_entities(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const size_t amp = s.find('&', i);
        if (amp == std::string_view::npos) {
            out.append(s.substr(i));
            break;
        }
        out.append(s.substr(i, amp - i));
        size_t len = 0;
        if (parse_reference(s, amp, out, len)) {
            i = amp + len;
        } else {
            out.push_back('&');
            i = amp + 1;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Title normalisation

namespace {

// Folding of U+00C0..U+017F to lower-case ASCII. nullptr: a symbol (× is "x" for
// "Hunter × Hunter", ÷ is punctuation).
constexpr const char* kLatinFold[0x180 - 0xC0] = {
    // U+00C0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00D0
    "d", "n", "o", "o", "o", "o", "o", "x", "o", "u", "u", "u", "u", "y", "th", "ss",
    // U+00E0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00F0
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y",
    // U+0100
    "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    // U+0110
    "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    // U+0120
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    // U+0130
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    // U+0140
    "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    // U+0150
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    // U+0160
    "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    // U+0170
    "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

bool is_apostrophe(char32_t c) {
    return c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0x2032 ||
           c == 0xB4;
}

// Punctuation and symbols that separate words. Letters, digits and marks of other
// scripts are not in here and are kept.
bool is_separator(char32_t c) {
    if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    if (c >= 0x80 && c <= 0xBF) return true;                     // C1 controls, Latin-1 symbols
    if (c == 0xF7) return true;                                  // ÷
    if (c >= 0x2000 && c <= 0x206F) return true;                 // general punctuation
    if (c >= 0x20A0 && c <= 0x2BFF) return true;                 // currency, arrows, math, ☆ ★ ♪ ♥
    if (c >= 0x3000 && c <= 0x3004) return true;                 // ideographic space, 、。
    if (c >= 0x3008 && c <= 0x3020) return true;                 // CJK brackets, 〜
    if (c == 0x30FB) return true;                                // katakana middle dot
    if (c >= 0xFE30 && c <= 0xFE4F) return true;                 // CJK compatibility forms
    if (c >= 0xFF5F && c <= 0xFF65) return true;                 // half-width punctuation
    if (c == 0xFFFD) return true;
    return false;
}

}  // namespace

std::string normalize_title(std::string_view raw) {
    const std::string s = decode_html_entities(raw);
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    auto emit = [&](std::string_view piece) {
        if (pending_space && !out.empty()) out.push_back(' ');
        pending_space = false;
        out.append(piece);
    };
    size_t i = 0;
    while (i < s.size()) {
        char32_t c = next_code_point(s, i);
        if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
        if (c >= 0x0300 && c <= 0x036F) continue;     // combining accents (decomposed input)
        if (is_apostrophe(c)) continue;
        if (is_separator(c)) {
            pending_space = true;
            continue;
        }
        if (c < 0x80) {
            const char ch = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
            emit(std::string_view(&ch, 1));
        } else if (c >= 0xC0 && c < 0x180) {
            const char* f = kLatinFold[c - 0xC0];
            if (f) emit(f);
            else pending_space = true;
        } else {
            // Simple case folding for Greek and Cyrillic capitals.
            if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) c += 0x20;
            else if (c >= 0x410 && c <= 0x42F) c += 0x20;
            else if (c >= 0x400 && c <= 0x40F) c += 0x50;
            std::string enc;
            append_utf8(enc, c);
            emit(enc);
        }
    }
    return out;
}

std::string compact_key(std::string_view normalized) {
    std::string out;
    out.reserve(normalized.size());
    for (char c : normalized)
        if (c != ' ') out.push_back(c);
    return out;
}

// ---------------------------------------------------------------------------
// Similarity

std::vector<uint32_t> trigram_set(std::string_view normalized) {
    std::vector<uint32_t> out;
    if (normalized.empty()) return out;
    std::string padded;
    padded.reserve(normalized.size() + 3);
    padded.append("  ");
    padded.append(normalized);
    padded.push_back(' ');
    out.reserve(padded.size());
    // Three bytes pack exactly into 24 bits: no hash collisions.
    for (size_t i = 0; i + 3 <= padded.size(); ++i) {
        const auto b0 = static_cast<unsigned char>(padded[i]);
        const auto b1 = static_cast<unsigned char>(padded[i + 1]);
        const auto b2 = static_cast<unsigned char>(padded[i + 2]);
        out.push_back((uint32_t(b0) << 16) | (uint32_t(b1) << 8) | b2);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

double trigram_similarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
    if (a.empty() && b.empty()) return 0.0;
    size_t i = 0, j = 0, common = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) ++i;
        else if (b[j] < a[i]) ++j;
        else {
            ++common;
            ++i;
            ++j;
        }
    }
    const size_t uni = a.size() + b.size() - common;
    return static_cast<double>(common) / static_cast<double>(uni);
}

int edit_distance(std::string_view a, std::string_view b, int max_dist) {
    if (a.size() < b.size()) std::swap(a, b);  // b is the shorter: rows of |b|+1
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    if (max_dist >= 0 && n - m > max_dist) return max_dist + 1;
    std::vector<int> prev(m + 1), cur(m + 1);
    for (int j = 0; j <= m; ++j) prev[j] = j;
    for (int i = 1; i <= n; ++i) {
        cur[0] = i;
        int row_min = cur[0];
        for (int j = 1; j <= m; ++j) {
            const int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
            row_min = std::min(row_min, cur[j]);
        }
        if (max_dist >= 0 && row_min > max_dist) return max_dist + 1;
        std::swap(prev, cur);
    }
    const int d = prev[m];
    return (max_dist >= 0 && d > max_dist) ? max_dist + 1 : d;
}

// ---------------------------------------------------------------------------
// Small string helpers

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

std::string_view trim(std::string_view s) {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string> split_trimmed(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        const std::string_view piece = trim(s.substr(start, end - start));
        if (!piece.empty()) out.emplace_back(piece);
        start = end + 1;
    }
    return out;
}

}  // namespace anirec
