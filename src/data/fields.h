// Splitting one line into fields, without allocating per field.
//
//   CSV          RFC 4180 on one line: fields separated by ',', a field that starts with '"'
//                is quoted ("a, b" keeps its comma; "" inside is one "). A quote that is
//                never closed is an error (UNTERMINATED_QUOTE), and so is text after a
//                closing quote before the next comma (BAD_QUOTING). A '"' in the middle of
//                an unquoted field is kept as it is. Records never span lines.
//   TAB          split at every '\t' (empty fields kept).
//   WHITESPACE   split at runs of spaces and tabs; leading and trailing blanks ignored.
//   DOUBLE_COLON split at every "::" (MovieLens .dat files).
//   PIPE         split at every '|' (MovieLens u.item).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anirec {

enum class Delim : uint8_t { CSV, TAB, WHITESPACE, DOUBLE_COLON, PIPE };
const char* delim_name(Delim d);  // "csv", "tab", "whitespace", "::", "|"

enum class SplitStatus : uint8_t { OK, UNTERMINATED_QUOTE, BAD_QUOTING };

class FieldSplitter {
public:
    explicit FieldSplitter(Delim delim = Delim::CSV) : delim_(delim) {}
    void set_delim(Delim d) { delim_ = d; }
    Delim delim() const { return delim_; }

    // Splits `line` (no terminator). The fields are views into `line` or into this
    // splitter's scratch buffer (unescaped quoted fields): valid until the next split().
    SplitStatus split(std::string_view line);

    size_t size() const { return fields_.size(); }
    std::string_view operator[](size_t i) const { return fields_[i]; }
    const std::vector<std::string_view>& fields() const { return fields_; }

private:
    SplitStatus split_csv_quoted(std::string_view line);

    Delim delim_;
    std::vector<std::string_view> fields_;
    std::string scratch_;
};

}  // namespace anirec
