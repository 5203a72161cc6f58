// Bad input lines, counted per reason with the first few line numbers, so nothing is
// skipped silently. With --strict the first one is a fatal Error instead.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anirec {

enum class Malformed : uint8_t {
    EMPTY_LINE,
    LINE_TOO_LONG,
    WRONG_COLUMN_COUNT,
    UNTERMINATED_QUOTE,
    BAD_QUOTING,
    BAD_USER_ID,
    BAD_ITEM_ID,
    BAD_RATING,
    BAD_TIMESTAMP,
    BAD_STATUS,
    COUNT_
};
inline constexpr size_t kMalformedKinds = static_cast<size_t>(Malformed::COUNT_);

// "empty line", "line too long", "wrong column count", "unterminated quote",
// "bad quoting", "non-numeric or bad user id", "non-numeric or bad item id",
// "bad rating", "bad timestamp", "bad status".
const char* malformed_reason(Malformed m);
// Short machine key: "empty_line", "line_too_long", ...
const char* malformed_key(Malformed m);

struct MalformedLog {
    static constexpr size_t kExamples = 5;  // line numbers kept per reason

    std::array<uint64_t, kMalformedKinds> count{};
    std::array<std::vector<uint64_t>, kMalformedKinds> first_lines;
    std::array<std::string, kMalformedKinds> first_detail;  // what was wrong on the first such line

    // Records one bad line. detail (e.g. "field 'user_id' = 'abc'") is stored only for
    // the first line of each reason.
    void add(Malformed m, uint64_t line, std::string_view detail = {});
    // Appends a later log (its line numbers shifted by line_offset), keeping file order.
    void merge(const MalformedLog& later, uint64_t line_offset = 0);
    uint64_t total() const;
    // The first bad line in file order (0 when none) and its reason.
    uint64_t first_line(Malformed* reason) const;
    // "path:LINE: <reason> (<detail>)" of the first bad line, for --strict errors.
    std::string first_error(const std::string& path) const;
};

// Builds "field 'name' = 'value'" (value cut to 40 bytes), for MalformedLog details.
std::string field_detail(std::string_view name, std::string_view value);

}  // namespace anirec
