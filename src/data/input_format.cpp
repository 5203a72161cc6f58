#include "data/input_format.h"

#include <algorithm>
#include <cctype>

#include "data/parse_values.h"
#include "util/error.h"

namespace anirec {

namespace {

struct FormatName {
    InputFormat format;
    const char* name;
};
constexpr FormatName kFormatNames[] = {
    {InputFormat::AUTO, "auto"},
    {InputFormat::KAGGLE_RATING, "kaggle-rating"},
    {InputFormat::KAGGLE2020_ANIMELIST, "kaggle2020-animelist"},
    {InputFormat::MAL2018, "mal2018"},
    {InputFormat::MOVIELENS_DAT, "movielens-dat"},
    {InputFormat::MOVIELENS_UDATA, "movielens-udata"},
    {InputFormat::SASREC, "sasrec"},
    {InputFormat::USER_SEQUENCE, "user-sequence"},
    {InputFormat::CSV, "csv"},
    {InputFormat::TSV, "tsv"},
};

std::string norm_name(std::string_view s) { return normalize_column_name(s); }

// Column aliases for the generic reader, most specific first.
const std::vector<std::string> kUserNames = {"userid", "user", "username", "uid", "customerid"};
const std::vector<std::string> kItemNames = {"animeid", "itemid", "malid", "movieid", "item", "anime",
                                             "movie", "iid", "productid", "businessid"};
const std::vector<std::string> kRatingNames = {"rating", "score", "myscore", "feedback", "stars"};
const std::vector<std::string> kTimeNames = {"timestamp", "time", "ts", "datetime", "unixtime",
                                             "mylastupdated", "date"};
const std::vector<std::string> kStatusNames = {"watchingstatus", "mystatus", "status"};

std::string join_columns(const std::vector<std::string>& cols) {
    std::string s;
    for (size_t i = 0; i < cols.size(); ++i) s += (i ? ", " : "") + cols[i];
    return s;
}

// Resolves a --*-col value: a header name (case-insensitive, punctuation ignored) or a
// 1-based position.
int resolve_column_flag(const std::string& flag, const std::string& value, const std::vector<std::string>& columns,
                        int n_fields) {
    std::string want = norm_name(value);
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == value || norm_name(columns[i]) == want) return static_cast<int>(i);
    int64_t pos = 0;
    if (parse_int64(value, pos) && pos >= 1 && pos <= n_fields) return static_cast<int>(pos - 1);
    if (columns.empty())
        throw UsageError(cat(flag, " '", value, "': the file has no header; give a position 1..", n_fields));
    throw UsageError(cat(flag, " '", value, "': no such column (header: ", join_columns(columns), ")"));
}

// Preset column layout of a format, by header name and by position.
struct Preset {
    Delim delim;
    int n_fields;  // without header; 0 = unknown
    int user, item, rating, time, status;  // positions, -1 = none
    std::vector<std::string> user_names, item_names, rating_names, time_names, status_names;
};

Preset preset_of(InputFormat f) {
    switch (f) {
        case InputFormat::KAGGLE_RATING:
            return {Delim::CSV, 3, 0, 1, 2, -1, -1, {"userid"}, {"animeid"}, {"rating"}, {}, {}};
        case InputFormat::KAGGLE2020_ANIMELIST:
            return {Delim::CSV, 5, 0, 1, 2, -1, 3, {"userid"}, {"animeid"}, {"rating"}, {}, {"watchingstatus"}};
        case InputFormat::MAL2018:
            return {Delim::CSV, 11, 0, 1, 5, 9, 6, {"username"}, {"animeid"}, {"myscore"}, {"mylastupdated"},
                    {"mystatus"}};
        case InputFormat::MOVIELENS_DAT: return {Delim::DOUBLE_COLON, 4, 0, 1, 2, 3, -1, {}, {}, {}, {}, {}};
        case InputFormat::MOVIELENS_UDATA: return {Delim::TAB, 4, 0, 1, 2, 3, -1, {}, {}, {}, {}, {}};
        case InputFormat::SASREC: return {Delim::WHITESPACE, 2, 0, 1, -1, -1, -1, {}, {}, {}, {}, {}};
        case InputFormat::USER_SEQUENCE: return {Delim::WHITESPACE, 0, 0, 1, -1, -1, -1, {}, {}, {}, {}, {}};
        default:
            return {Delim::CSV, 0, 0, 1, 2, 3, -1, kUserNames, kItemNames, kRatingNames, kTimeNames, kStatusNames};
    }
}

}  // namespace

std::string normalize_column_name(std::string_view s) {
    std::string out;
    for (char c : s)
        if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(c)));
    return out;
}

int find_column(const std::vector<std::string>& normalized, const std::vector<std::string>& names) {
    for (const auto& n : names)
        for (size_t i = 0; i < normalized.size(); ++i)
            if (normalized[i] == n) return static_cast<int>(i);
    return -1;
}

Delim sniff_delimiter(std::string_view first) {
    if (first.find("::") != std::string_view::npos) return Delim::DOUBLE_COLON;
    if (first.find('\t') != std::string_view::npos) return Delim::TAB;
    if (first.find(',') != std::string_view::npos) return Delim::CSV;
    return Delim::WHITESPACE;
}

bool looks_like_header(const FieldSplitter& f) {
    for (size_t i = 0; i < f.size(); ++i) {
        std::string_view v = trim_blanks(f[i]);
        float x;
        if (!v.empty() && !parse_finite_float(v, x)) return true;
    }
    return false;
}

const char* input_format_name(InputFormat f) {
    for (const auto& fn : kFormatNames)
        if (fn.format == f) return fn.name;
    return "?";
}

InputFormat parse_input_format(const std::string& name) {
    std::string n;
    for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (n == "kaggle2017" || n == "kaggle2020" || n == "kaggle2020-rating") return InputFormat::KAGGLE_RATING;
    for (const auto& fn : kFormatNames)
        if (n == fn.name) return fn.format;
    throw UsageError(cat("--format '", name, "': unknown format (one of: ", input_format_list(), ")"));
}

std::string input_format_list() {
    std::string s;
    for (const auto& fn : kFormatNames) s += std::string(s.empty() ? "" : ", ") + fn.name;
    return s;
}

std::string InputSpec::column_name(int col) const {
    if (col < 0) return "-";
    if (col < static_cast<int>(columns.size())) return columns[col];
    return cat("column ", col + 1);
}

std::string InputSpec::describe() const {
    std::string s = cat(input_format_name(format), " (", delim_name(delim), header ? ", header" : ", no header",
                        "; user=", column_name(user_col));
    if (items_rest_of_line)
        s += "; items=rest of line";
    else
        s += cat(" item=", column_name(item_col));
    if (rating_col >= 0) s += cat(" rating=", column_name(rating_col));
    if (time_col >= 0) s += cat(" time=", column_name(time_col));
    if (status_col >= 0) s += cat(" status=", column_name(status_col));
    return s + ")";
}

InputSpec resolve_input_spec(const std::string& path, const ReadOptions& opt) {
    InputFormat forced = parse_input_format(opt.format);
    LineReader reader(path, opt.max_line_bytes, 2 * opt.max_line_bytes + 2);

    // Up to 200 lines: the first (header or data) and non-empty ones to count fields.
    std::vector<std::string> lines;
    bool first_is_empty = false;
    Line line;
    while (lines.size() < 200 && reader.next_line(line)) {
        if (line.too_long) {
            if (line.number == 1) throw Error(cat(path, ":1: line too long (over ", opt.max_line_bytes, " bytes)"));
            continue;
        }
        if (line.text.empty()) {
            if (line.number == 1) first_is_empty = true;
            continue;
        }
        lines.emplace_back(line.text);
    }
    if (lines.empty()) {
        if (reader.bytes_read() == 0) throw Error(cat(path, ": file is empty"));
        throw Error(cat(path, ": no data (only empty lines)"));
    }

    InputFormat fmt = forced;
    bool generic_cols = !opt.user_col.empty() || !opt.item_col.empty() || !opt.rating_col.empty() ||
                        !opt.time_col.empty() || !opt.status_col.empty();
    Delim delim = sniff_delimiter(lines[0]);
    if (fmt == InputFormat::CSV) delim = Delim::CSV;
    if (fmt == InputFormat::TSV && delim != Delim::WHITESPACE) delim = Delim::TAB;
    if (fmt != InputFormat::AUTO && fmt != InputFormat::CSV && fmt != InputFormat::TSV) delim = preset_of(fmt).delim;

    FieldSplitter split(delim);
    split.split(lines[0]);
    bool header = !first_is_empty && looks_like_header(split);
    std::vector<std::string> columns, normed;
    if (header) {
        for (size_t i = 0; i < split.size(); ++i) {
            columns.emplace_back(trim_blanks(split[i]));
            normed.push_back(norm_name(columns.back()));
        }
    }

    // Field counts of the data lines sniffed.
    std::vector<size_t> counts;
    for (size_t i = header ? 1 : 0; i < lines.size(); ++i) {
        split.split(lines[i]);
        counts.push_back(split.size());
    }
    bool same_count = !counts.empty() && std::all_of(counts.begin(), counts.end(),
                                                     [&](size_t c) { return c == counts[0]; });

    if (fmt == InputFormat::AUTO) {
        if (generic_cols) {
            fmt = delim == Delim::CSV ? InputFormat::CSV : InputFormat::TSV;
        } else if (header) {
            if (normed == std::vector<std::string>{"userid", "animeid", "rating"})
                fmt = InputFormat::KAGGLE_RATING;
            else if (normed.size() >= 4 && normed[0] == "userid" && normed[1] == "animeid" &&
                     normed[2] == "rating" && normed[3] == "watchingstatus")
                fmt = InputFormat::KAGGLE2020_ANIMELIST;
            else if (find_column(normed, {"username"}) >= 0 && find_column(normed, {"animeid"}) >= 0 &&
                     find_column(normed, {"myscore"}) >= 0 && find_column(normed, {"mystatus"}) >= 0)
                fmt = InputFormat::MAL2018;
            else
                fmt = delim == Delim::CSV ? InputFormat::CSV : InputFormat::TSV;
        } else if (delim == Delim::DOUBLE_COLON && same_count && counts[0] == 4) {
            fmt = InputFormat::MOVIELENS_DAT;
        } else if (delim == Delim::TAB && same_count && counts[0] == 4) {
            fmt = InputFormat::MOVIELENS_UDATA;
        } else if ((delim == Delim::WHITESPACE || delim == Delim::TAB) && same_count && counts[0] == 2) {
            fmt = InputFormat::SASREC;
        } else if ((delim == Delim::WHITESPACE || delim == Delim::TAB) && !same_count && !counts.empty()) {
            fmt = InputFormat::USER_SEQUENCE;
        } else {
            fmt = delim == Delim::CSV ? InputFormat::CSV : InputFormat::TSV;
        }
    }

    InputSpec spec;
    spec.format = fmt;
    spec.delim = delim;
    spec.header = header;
    spec.columns = columns;
    Preset p = preset_of(fmt);
    int n_data_fields = counts.empty() ? static_cast<int>(columns.size()) : static_cast<int>(counts[0]);
    spec.n_fields = header ? static_cast<int>(columns.size()) : (p.n_fields > 0 ? p.n_fields : n_data_fields);

    bool generic = fmt == InputFormat::CSV || fmt == InputFormat::TSV;
    if (fmt == InputFormat::USER_SEQUENCE) {
        spec.items_rest_of_line = true;
        spec.n_fields = 2;  // at least: a user and one item
        spec.chronological_format = true;
        spec.user_col = 0;
        spec.item_col = 1;
    } else if (header) {
        auto pick = [&](const std::vector<std::string>& names) { return names.empty() ? -1 : find_column(normed, names); };
        spec.user_col = pick(p.user_names);
        spec.item_col = pick(p.item_names);
        spec.rating_col = pick(p.rating_names);
        spec.time_col = pick(p.time_names);
        spec.status_col = pick(p.status_names);
    } else {
        if (fmt == InputFormat::MAL2018) throw Error(cat(path, ": mal2018 files need their header line"));
        auto pos = [&](int c) { return c < spec.n_fields ? c : -1; };
        spec.user_col = pos(p.user);
        spec.item_col = pos(p.item);
        spec.rating_col = pos(p.rating);
        spec.time_col = pos(p.time);
        spec.status_col = pos(p.status);
    }
    if (!opt.user_col.empty()) spec.user_col = resolve_column_flag("--user-col", opt.user_col, columns, spec.n_fields);
    if (!opt.item_col.empty()) spec.item_col = resolve_column_flag("--item-col", opt.item_col, columns, spec.n_fields);
    if (!opt.rating_col.empty())
        spec.rating_col = resolve_column_flag("--rating-col", opt.rating_col, columns, spec.n_fields);
    if (!opt.time_col.empty()) spec.time_col = resolve_column_flag("--time-col", opt.time_col, columns, spec.n_fields);
    if (!opt.status_col.empty())
        spec.status_col = resolve_column_flag("--status-col", opt.status_col, columns, spec.n_fields);

    if (spec.user_col < 0 || spec.item_col < 0) {
        std::string which = spec.user_col < 0 ? "user" : "item";
        if (generic)
            throw UsageError(cat(path, ": cannot tell which column holds the ", which, " id; use --", which,
                                 "-col (header: ", join_columns(columns), ")"));
        throw Error(cat(path, ": not a ", input_format_name(fmt), " file: its header has no ", which,
                        " id column (header: ", join_columns(columns), ")"));
    }
    if (spec.user_col == spec.item_col) throw UsageError(cat(path, ": user and item columns are the same column"));

    switch (fmt) {
        case InputFormat::KAGGLE_RATING:
            spec.has_unrated_value = true;
            spec.unrated_value = -1.f;
            break;
        case InputFormat::KAGGLE2020_ANIMELIST:
        case InputFormat::MAL2018:
            spec.has_unrated_value = true;
            spec.unrated_value = 0.f;
            spec.user_numeric = fmt != InputFormat::MAL2018;  // 2018 users are user names
            break;
        case InputFormat::SASREC: spec.chronological_format = true; break;
        case InputFormat::CSV:
        case InputFormat::TSV:
            spec.user_numeric = spec.item_numeric = false;
            spec.empty_rating_unrated = true;
            break;
        default: break;
    }
    return spec;
}

}  // namespace anirec
