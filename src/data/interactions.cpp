#include "data/interactions.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <thread>

#include "data/huge_pages.h"
#include "data/parse_values.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {

namespace {

constexpr float kUnrated = std::numeric_limits<float>::quiet_NaN();

// What one thread parsed from its part of a block: raw id keys (numbers, or
// IdTable::kStringBit | index into `strings`), values, and its bad lines numbered
// from 1 at the part's first line.
struct PartOut {
    std::vector<uint64_t> user, item;
    std::vector<float> rating;
    std::vector<int64_t> time;
    std::vector<int16_t> status;
    std::vector<std::string> strings;
    MalformedLog malformed;
    uint64_t lines = 0;
    bool crlf = false;

    void clear() {
        user.clear();
        item.clear();
        rating.clear();
        time.clear();
        status.clear();
        strings.clear();
        malformed = MalformedLog{};
        lines = 0;
        crlf = false;
    }
};

// Ratings are nearly always small integers: parse those without from_chars.
inline bool parse_rating(std::string_view f, float& out) {
    size_t n = f.size();
    if (n == 1 && f[0] >= '0' && f[0] <= '9') {
        out = static_cast<float>(f[0] - '0');
        return true;
    }
    if (n == 2 && f[0] >= '1' && f[0] <= '9' && f[1] >= '0' && f[1] <= '9') {
        out = static_cast<float>((f[0] - '0') * 10 + (f[1] - '0'));
        return true;
    }
    return parse_finite_float(f, out);
}

class PartParser {
public:
    PartParser(const InputSpec& spec, size_t max_line, bool strict)
        : spec_(spec), max_line_(max_line), strict_(strict), split_(spec.delim) {
        // The one-pass scanner handles single-character delimiters and a fixed field
        // count; lines with quotes (and every other format) go through FieldSplitter.
        fast_ = (spec.delim == Delim::CSV || spec.delim == Delim::TAB) && !spec.items_rest_of_line &&
                spec.n_fields <= static_cast<int>(kFastFields);
        delim_char_ = spec.delim == Delim::TAB ? '\t' : ',';
    }

    void parse(std::string_view data, PartOut& out) {
        out.clear();
        // At most one row per 6 bytes ("1,2,3\n") outside user-sequence lines: reserve
        // once (huge pages), so the columns do not grow page by page.
        if (!spec_.items_rest_of_line && out.user.capacity() < data.size() / 6) {
            size_t n = data.size() / 6 + 16;
            reserve_huge(out.user, n);
            reserve_huge(out.item, n);
            if (spec_.rating_col >= 0) reserve_huge(out.rating, n);
            if (spec_.time_col >= 0) reserve_huge(out.time, n);
            if (spec_.status_col >= 0) reserve_huge(out.status, n);
        }
        last_user_string_.clear();
        last_user_key_ = 0;
        const char* p = data.data();
        const char* end = p + data.size();
        uint64_t rel = 0;
        while (p < end) {
            ++rel;
            bool ok;
            if (fast_) {
                // One pass over the line: find the delimiters and the end together.
                const char* start = p;
                const char* fs = p;
                size_t nf = 0;
                bool quote = false;
                for (; p < end; ++p) {
                    char c = *p;
                    if (c == '\n') break;
                    if (c == delim_char_) {
                        if (nf < kFastFields) fast_fields_[nf] = std::string_view(fs, static_cast<size_t>(p - fs));
                        ++nf;
                        fs = p + 1;
                    } else if (c == '"') {
                        quote = true;
                    }
                }
                const char* le = p;
                if (p < end) ++p;  // past the '\n'
                if (le > start && le[-1] == '\r') {
                    --le;
                    out.crlf = true;
                }
                std::string_view line(start, static_cast<size_t>(le - start));
                if (!quote && nf < kFastFields) {
                    fast_fields_[nf++] = std::string_view(fs, fs < le ? static_cast<size_t>(le - fs) : 0);
                    ok = parse_fields(line, fast_fields_, nf, rel, out);
                } else {
                    ok = parse_line(line, rel, out);
                }
            } else {
                const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
                const char* le = nl ? nl : end;
                size_t len = static_cast<size_t>(le - p);
                if (len > 0 && p[len - 1] == '\r') {
                    --len;
                    out.crlf = true;
                }
                std::string_view line(p, len);
                p = nl ? nl + 1 : end;
                ok = parse_line(line, rel, out);
            }
            if (!ok && strict_) break;
        }
        out.lines = rel;
    }

private:
    static constexpr size_t kFastFields = 16;

    bool bad(PartOut& out, Malformed m, uint64_t rel, std::string_view detail = {}) {
        out.malformed.add(m, rel, detail);
        return false;
    }

    // Digits only, no leading zero, at most 18 digits: the common id, parsed inline.
    static bool small_canonical(std::string_view f, uint64_t& v) {
        size_t n = f.size();
        if (n == 0 || n > 18 || (f[0] == '0' && n > 1)) return false;
        uint64_t x = 0;
        for (char c : f) {
            unsigned d = static_cast<unsigned>(c - '0');
            if (d > 9) return false;
            x = x * 10 + d;
        }
        v = x;
        return true;
    }

    bool id_key(std::string_view f, bool numeric_only, bool is_user, uint64_t& key, PartOut& out) {
        if (small_canonical(f, key)) return true;
        f = trim_blanks(f);
        if (parse_canonical_id(f, key)) return true;
        if (numeric_only || f.empty()) return false;
        // String ids (user names) come in runs: reuse the key of the previous row.
        if (is_user && !out.strings.empty() && f == last_user_string_) {
            key = last_user_key_;
            return true;
        }
        key = IdTable::kStringBit | out.strings.size();
        out.strings.emplace_back(f);
        if (is_user) {
            last_user_string_.assign(f);
            last_user_key_ = key;
        }
        return true;
    }

    // Parses one line into `out` with the general splitter; false (and recorded) when the
    // line is bad.
    bool parse_line(std::string_view line, uint64_t rel, PartOut& out) {
        if (line.empty()) return bad(out, Malformed::EMPTY_LINE, rel);
        if (line.size() > max_line_)
            return bad(out, Malformed::LINE_TOO_LONG, rel, cat(line.size(), " bytes, limit ", max_line_));
        SplitStatus st = split_.split(line);
        if (st == SplitStatus::UNTERMINATED_QUOTE) return bad(out, Malformed::UNTERMINATED_QUOTE, rel);
        if (st == SplitStatus::BAD_QUOTING) return bad(out, Malformed::BAD_QUOTING, rel, "text after a closing quote");
        return parse_fields(line, split_.fields().data(), split_.size(), rel, out);
    }

    // Checks and stores the fields of one line.
    bool parse_fields(std::string_view line, const std::string_view* f, size_t nf, uint64_t rel, PartOut& out) {
        if (line.empty()) return bad(out, Malformed::EMPTY_LINE, rel);
        if (line.size() > max_line_)
            return bad(out, Malformed::LINE_TOO_LONG, rel, cat(line.size(), " bytes, limit ", max_line_));
        if (spec_.items_rest_of_line ? nf < 2 : nf != static_cast<size_t>(spec_.n_fields))
            return bad(out, Malformed::WRONG_COLUMN_COUNT, rel,
                       spec_.items_rest_of_line ? cat(nf, " field, expected at least 2")
                                                : cat(nf, " fields, expected ", spec_.n_fields));

        uint64_t ukey;
        std::string_view uf = f[spec_.user_col];
        if (!id_key(uf, spec_.user_numeric, true, ukey, out))
            return bad(out, Malformed::BAD_USER_ID, rel, field_detail(spec_.column_name(spec_.user_col), uf));

        if (spec_.items_rest_of_line) {
            // Validate every item first so a bad line adds nothing.
            size_t mark = out.strings.size();
            size_t first_row = out.item.size();
            for (size_t k = 1; k < nf; ++k) {
                uint64_t ikey;
                if (!id_key(f[k], spec_.item_numeric, false, ikey, out)) {
                    out.item.resize(first_row);
                    out.strings.resize(mark);
                    return bad(out, Malformed::BAD_ITEM_ID, rel, field_detail(cat("item ", k), f[k]));
                }
                out.item.push_back(ikey);
            }
            out.user.resize(out.item.size(), ukey);
            return true;
        }

        uint64_t ikey;
        std::string_view itf = f[spec_.item_col];
        if (!id_key(itf, spec_.item_numeric, false, ikey, out))
            return bad(out, Malformed::BAD_ITEM_ID, rel, field_detail(spec_.column_name(spec_.item_col), itf));

        float r = 0.f;
        if (spec_.rating_col >= 0) {
            std::string_view rf = f[spec_.rating_col];
            if (parse_rating(rf, r)) {
                if (spec_.has_unrated_value && r == spec_.unrated_value) r = kUnrated;
            } else if (spec_.empty_rating_unrated && trim_blanks(rf).empty()) {
                r = kUnrated;
            } else {
                return bad(out, Malformed::BAD_RATING, rel, field_detail(spec_.column_name(spec_.rating_col), rf));
            }
        }
        int64_t t = 0;
        if (spec_.time_col >= 0) {
            std::string_view tf = f[spec_.time_col];
            if (!parse_timestamp(tf, t))
                return bad(out, Malformed::BAD_TIMESTAMP, rel, field_detail(spec_.column_name(spec_.time_col), tf));
        }
        int64_t s = 0;
        if (spec_.status_col >= 0) {
            std::string_view sf = f[spec_.status_col];
            if (!parse_int64(sf, s) || s < 0 || s > 32767)
                return bad(out, Malformed::BAD_STATUS, rel, field_detail(spec_.column_name(spec_.status_col), sf));
        }
        out.user.push_back(ukey);
        out.item.push_back(ikey);
        if (spec_.rating_col >= 0) out.rating.push_back(r);
        if (spec_.time_col >= 0) out.time.push_back(t);
        if (spec_.status_col >= 0) out.status.push_back(static_cast<int16_t>(s));
        return true;
    }

    const InputSpec& spec_;
    size_t max_line_;
    bool strict_;
    FieldSplitter split_;
    bool fast_ = false;
    char delim_char_ = ',';
    std::string_view fast_fields_[kFastFields];
    std::string last_user_string_;
    uint64_t last_user_key_ = 0;
};

// Cuts data into up to n parts of similar size, each ending after a '\n'.
std::vector<std::string_view> cut_parts(std::string_view data, int n) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (int t = 1; t < n && start < data.size(); ++t) {
        size_t target = data.size() * static_cast<size_t>(t) / static_cast<size_t>(n);
        if (target < start) target = start;
        size_t nl = data.find('\n', target);
        if (nl == std::string_view::npos) break;
        parts.push_back(data.substr(start, nl + 1 - start));
        start = nl + 1;
    }
    if (start < data.size()) parts.push_back(data.substr(start));
    return parts;
}

// Grows a column by 1.5x into fresh huge-page-advised memory when `extra` more values
// do not fit (the first reservation comes from the file size; gzip input has none).
template <typename T>
void make_room(std::vector<T>& v, size_t extra) {
    if (v.size() + extra <= v.capacity()) return;
    reserve_huge(v, std::max(v.size() + extra, v.capacity() + v.capacity() / 2));
}

void intern_keys(const std::vector<uint64_t>& keys, const std::vector<std::string>& strings, IdTable& table,
                 std::vector<int32_t>& out) {
    make_room(out, keys.size());
    uint64_t last_key = ~uint64_t(0);
    int32_t last_idx = -1;
    for (uint64_t k : keys) {
        if (k != last_key) {
            last_key = k;
            last_idx = (k & IdTable::kStringBit) ? table.intern_string(strings[k & ~IdTable::kStringBit])
                                                 : table.intern_number(k);
        }
        out.push_back(last_idx);
    }
}

template <typename T>
void append(std::vector<T>& dst, const std::vector<T>& src) {
    make_room(dst, src.size());
    dst.insert(dst.end(), src.begin(), src.end());
}

}  // namespace

RawInteractions read_interactions(const std::string& path, const ReadOptions& opt) {
    RawInteractions raw;
    raw.path = path;
    raw.spec = resolve_input_spec(path, opt);
    const InputSpec& spec = raw.spec;

    const int n_threads = std::max(1, opt.threads > 0 ? opt.threads : hardware_threads());
    size_t buffer = opt.block_bytes * static_cast<size_t>(n_threads);
    std::error_code ec;
    uint64_t on_disk = std::filesystem::file_size(path, ec);
    if (!ec && on_disk < buffer / 4) buffer = std::max<size_t>(static_cast<size_t>(on_disk) * 4, 4096);
    LineReader reader(path, opt.max_line_bytes, buffer);
    const uint64_t file_size = reader.is_gzip() || ec ? 0 : on_disk;

    std::vector<PartOut> outs(static_cast<size_t>(n_threads));
    std::vector<PartParser> parsers;
    for (int t = 0; t < n_threads; ++t) parsers.emplace_back(spec, opt.max_line_bytes, opt.strict);

    uint64_t next_line = 1;  // file line number of the next line to come
    bool header_pending = spec.header;
    bool reserved = false;
    Block block;
    while (reader.next_block(block)) {
        for (uint64_t k = 0; k < block.too_long_before; ++k) {
            raw.malformed.add(Malformed::LINE_TOO_LONG, next_line,
                              cat("over ", opt.max_line_bytes, " bytes"));
            if (opt.strict) throw Error(raw.malformed.first_error(path));
            ++next_line;
        }
        std::string_view data = block.data;
        if (header_pending && !data.empty()) {
            size_t nl = data.find('\n');
            data = nl == std::string_view::npos ? std::string_view{} : data.substr(nl + 1);
            ++next_line;
            header_pending = false;
        }
        if (data.empty()) continue;

        // Small blocks are not worth a thread.
        int want = static_cast<int>(std::min<size_t>(static_cast<size_t>(n_threads), data.size() / (256 * 1024) + 1));
        std::vector<std::string_view> parts = cut_parts(data, want);
        std::vector<std::exception_ptr> errors(parts.size());
        std::vector<std::thread> threads;
        for (size_t t = 1; t < parts.size(); ++t) {
            threads.emplace_back([&, t] {
                try {
                    parsers[t].parse(parts[t], outs[t]);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        }
        try {
            parsers[0].parse(parts[0], outs[0]);
        } catch (...) {
            errors[0] = std::current_exception();
        }
        for (auto& th : threads) th.join();
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);

        for (size_t t = 0; t < parts.size(); ++t) {
            PartOut& o = outs[t];
            if (opt.strict && o.malformed.total() > 0) {
                MalformedLog shifted;
                shifted.merge(o.malformed, next_line - 1);
                throw Error(shifted.first_error(path));
            }
            if (!reserved && file_size > 0 && !o.user.empty()) {
                // Reserve once from the bytes per row of the first part, so the columns
                // of a large file are not doubled (and copied) as they grow.
                double rows_per_byte = static_cast<double>(o.user.size()) / static_cast<double>(parts[t].size());
                size_t est = static_cast<size_t>(rows_per_byte * static_cast<double>(file_size) * 1.02) + 1024;
                reserve_huge(raw.user, est);
                reserve_huge(raw.item, est);
                if (spec.rating_col >= 0) reserve_huge(raw.rating, est);
                if (spec.time_col >= 0) reserve_huge(raw.time, est);
                if (spec.status_col >= 0) reserve_huge(raw.status, est);
                reserved = true;
            }
            intern_keys(o.user, o.strings, raw.users, raw.user);
            intern_keys(o.item, o.strings, raw.items, raw.item);
            append(raw.rating, o.rating);
            append(raw.time, o.time);
            append(raw.status, o.status);
            raw.malformed.merge(o.malformed, next_line - 1);
            raw.crlf = raw.crlf || o.crlf;
            next_line += o.lines;
        }
    }
    raw.lines = next_line - 1 - (spec.header ? 1 : 0);
    raw.bytes = reader.bytes_read();
    raw.bom = reader.had_bom();
    return raw;
}

}  // namespace anirec
