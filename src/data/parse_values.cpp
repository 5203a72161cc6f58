#include "data/parse_values.h"

#include <cmath>

namespace anirec {

bool parse_finite_float(std::string_view s, float& out) {
    s = trim_blanks(s);
    if (s.empty()) return false;
    const char* b = s.data();
    if (*b == '+') ++b;  // from_chars rejects a leading '+'
    float v = 0.f;
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return false;
    out = v;
    return true;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, unsigned& out) {
    if (pos + n > s.size()) return false;
    unsigned v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    out = v;
    return true;
}

bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

bool parse_timestamp(std::string_view s, int64_t& out) {
    s = trim_blanks(s);
    if (s.size() < 10 || s[4] != '-') return parse_int64(s, out);
    unsigned y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, 0, 4, y) || s[7] != '-' || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d)) return false;
    if (s.size() > 10) {
        if ((s[10] != ' ' && s[10] != 'T') || s.size() < 19 || s[13] != ':' || s[16] != ':') return false;
        if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, se)) return false;
        if (s.size() > 19 && !(s.size() == 20 && s[19] == 'Z')) return false;
    }
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1) return false;
    if (d > mdays[mo - 1] + (mo == 2 && leap(y) ? 1u : 0u)) return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

}  // namespace anirec
