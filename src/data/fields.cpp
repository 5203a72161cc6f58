#include "data/fields.h"

#include <cstring>

namespace anirec {

const char* delim_name(Delim d) {
    switch (d) {
        case Delim::CSV: return "csv";
        case Delim::TAB: return "tab";
        case Delim::WHITESPACE: return "whitespace";
        case Delim::DOUBLE_COLON: return "::";
        case Delim::PIPE: return "|";
    }
    return "?";
}

namespace {

void split_at_char(std::string_view line, char c, std::vector<std::string_view>& out) {
    const char* p = line.data();
    const char* end = p + line.size();
    for (;;) {
        const char* q = static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)));
        if (!q) {
            out.emplace_back(p, static_cast<size_t>(end - p));
            return;
        }
        out.emplace_back(p, static_cast<size_t>(q - p));
        p = q + 1;
    }
}

}  // namespace

SplitStatus FieldSplitter::split(std::string_view line) {
    fields_.clear();
    switch (delim_) {
        case Delim::CSV:
            if (std::memchr(line.data(), '"', line.size())) return split_csv_quoted(line);
            split_at_char(line, ',', fields_);
            return SplitStatus::OK;
        case Delim::TAB: split_at_char(line, '\t', fields_); return SplitStatus::OK;
        case Delim::PIPE: split_at_char(line, '|', fields_); return SplitStatus::OK;
        case Delim::WHITESPACE: {
            size_t i = 0, n = line.size();
            for (;;) {
                while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
                if (i == n) break;
                size_t start = i;
                while (i < n && line[i] != ' ' && line[i] != '\t') ++i;
                fields_.push_back(line.substr(start, i - start));
            }
            return SplitStatus::OK;
        }
        case Delim::DOUBLE_COLON: {
            size_t start = 0;
            for (;;) {
                size_t k = line.find("::", start);
                if (k == std::string_view::npos) {
                    fields_.push_back(line.substr(start));
                    return SplitStatus::OK;
                }
                fields_.push_back(line.substr(start, k - start));
                start = k + 2;
            }
        }
    }
    return SplitStatus::OK;
}

SplitStatus FieldSplitter::split_csv_quoted(std::string_view line) {
    // Unescaped text is never longer than the line, so reserving once keeps every
    // view into scratch_ valid while the line is split.
    scratch_.clear();
    scratch_.reserve(line.size());
    size_t i = 0, n = line.size();
    for (;;) {
        if (i < n && line[i] == '"') {
            size_t start = scratch_.size();
            ++i;
            bool closed = false;
            while (i < n) {
                char c = line[i];
                if (c == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        scratch_.push_back('"');
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                scratch_.push_back(c);
                ++i;
            }
            if (!closed) return SplitStatus::UNTERMINATED_QUOTE;
            fields_.emplace_back(scratch_.data() + start, scratch_.size() - start);
            if (i == n) return SplitStatus::OK;
            if (line[i] != ',') return SplitStatus::BAD_QUOTING;
            ++i;
            if (i == n) {  // trailing comma: one more, empty field
                fields_.emplace_back();
                return SplitStatus::OK;
            }
        } else {
            const char* p = line.data() + i;
            const void* q = std::memchr(p, ',', n - i);
            if (!q) {
                fields_.emplace_back(p, n - i);
                return SplitStatus::OK;
            }
            size_t k = static_cast<size_t>(static_cast<const char*>(q) - line.data());
            fields_.push_back(line.substr(i, k - i));
            i = k + 1;
            if (i == n) {
                fields_.emplace_back();
                return SplitStatus::OK;
            }
        }
    }
}

}  // namespace anirec
