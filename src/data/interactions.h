// Reading an interaction file into columns, in file order, before any filtering.
//
// The file is read in blocks of whole lines; each block is cut into one part per
// thread at line boundaries, the parts are parsed in parallel into per-part columns
// with raw id keys, and the parts are appended in file order while ids are interned
// (so the result is the same for any thread count). Bad lines are skipped and counted
// per reason (MalformedLog); with ReadOptions::strict the first one throws an Error
// naming file:line and the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/id_table.h"
#include "data/input_format.h"
#include "data/malformed.h"

namespace anirec {

struct RawInteractions {
    std::string path;
    InputSpec spec;
    // One entry per interaction read (a user-sequence line gives one per item).
    std::vector<int32_t> user;    // index into users (first-appearance order)
    std::vector<int32_t> item;    // index into items
    std::vector<float> rating;    // empty without a rating column; NaN = watched, not rated
    std::vector<int64_t> time;    // empty without a time column; unix seconds
    std::vector<int16_t> status;  // empty without a status column
    IdTable users, items;

    uint64_t lines = 0;      // lines after the header, good or bad
    uint64_t bytes = 0;      // uncompressed bytes read
    MalformedLog malformed;  // bad lines, skipped
    bool bom = false;        // a UTF-8 byte-order mark was stripped
    bool crlf = false;       // some lines ended with "\r\n" (stripped)

    size_t size() const { return user.size(); }
    bool has_rating() const { return !rating.empty() || spec.rating_col >= 0; }
    bool has_time() const { return spec.time_col >= 0; }
    bool has_status() const { return spec.status_col >= 0; }
};

// Reads `path` (plain or gzip) with the format sniffed or forced by `opt`.
// Throws Error: missing/empty file, unreadable gzip, with opt.strict the first bad line.
RawInteractions read_interactions(const std::string& path, const ReadOptions& opt = {});

}  // namespace anirec
