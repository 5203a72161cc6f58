#include "serve/http_json.h"

#include <charconv>
#include <cmath>

namespace anirec {

void JsonWriter::comma() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_.push_back(',');
        first_.back() = false;
    }
}

void JsonWriter::open(char c) {
    comma();
    out_.push_back(c);
    first_.push_back(true);
}

void JsonWriter::close(char c) {
    out_.push_back(c);
    first_.pop_back();
}

void JsonWriter::key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
}

void JsonWriter::value(std::string_view s) {
    comma();
    append_json_string(out_, s);
}

void JsonWriter::value(int64_t v) {
    comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void JsonWriter::value(uint64_t v) {
    comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void JsonWriter::value(float v) {
    if (!std::isfinite(v)) return null();
    comma();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
    out_.append(buf, r.ptr);
}

void JsonWriter::value(double v) {
    if (!std::isfinite(v)) return null();
    comma();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void JsonWriter::value(bool v) {
    comma();
    out_ += v ? "true" : "false";
}

void JsonWriter::null() {
    comma();
    out_ += "null";
}

void JsonWriter::raw(std::string_view json) {
    comma();
    out_.append(json);
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    const size_t left = s.size() - i;
    auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
        if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
        if (c == 0xED && b(i + 1) > 0x9F) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
        if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(i + 1) > 0x8F) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                out.push_back('\\');
                out.push_back(static_cast<char>(c));
            } else if (c < 0x20) {
                switch (c) {
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 15]);
                }
            } else {
                out.push_back(static_cast<char>(c));
            }
            ++i;
            continue;
        }
        const size_t n = utf8_sequence(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for one invalid byte
            ++i;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
    out.push_back('"');
}

}  // namespace anirec
