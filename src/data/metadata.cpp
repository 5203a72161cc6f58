#include "data/metadata.h"

#include <algorithm>
#include <unordered_map>

#include "data/fields.h"
#include "data/input_format.h"
#include "data/parse_values.h"
#include "data/text.h"
#include "util/error.h"

namespace anirec {

namespace {

constexpr const char* kMetaFormats[] = {"auto", "kaggle2017-anime", "kaggle2020-anime", "caserec-info",
                                        "movielens-movies", "csv", "tsv"};

struct MetaColumns {
    int id = -1, title = -1, english = -1, japanese = -1, genre = -1, type = -1, episodes = -1, score = -1,
        members = -1;
};

int resolve_flag(const std::string& flag, const std::string& value, const std::vector<std::string>& columns,
                 size_t n_fields) {
    std::string want = normalize_column_name(value);
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == value || normalize_column_name(columns[i]) == want) return static_cast<int>(i);
    int64_t pos = 0;
    if (parse_int64(value, pos) && pos >= 1 && static_cast<size_t>(pos) <= n_fields) return static_cast<int>(pos - 1);
    std::string names;
    for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c;
    throw UsageError(cat(flag, " '", value, "': no such column", names.empty() ? "" : " (header: ", names,
                         names.empty() ? "" : ")"));
}

std::string field_text(std::string_view v) { return decode_html_entities(trim_blanks(v)); }

int64_t number_or_unknown(std::string_view v) {
    int64_t x;
    return parse_int64(v, x) ? x : -1;
}

}  // namespace

Metadata read_metadata(const std::string& path, const MetaOptions& opt) {
    std::string fmt = opt.format;
    if (std::find(std::begin(kMetaFormats), std::end(kMetaFormats), fmt) == std::end(kMetaFormats))
        throw UsageError(cat("--meta-format '", fmt,
                             "': unknown (auto, kaggle2017-anime, kaggle2020-anime, caserec-info, "
                             "movielens-movies, csv, tsv)"));
    Metadata meta;
    meta.path = path;
    LineReader reader(path, opt.max_line_bytes);
    Line line;
    if (!reader.next_line(line)) throw Error(cat(path, ": file is empty"));
    if (line.too_long) throw Error(cat(path, ":1: line too long"));
    std::string first(line.text);

    Delim delim = sniff_delimiter(first);
    if (fmt == "csv" || fmt == "kaggle2017-anime" || fmt == "kaggle2020-anime") delim = Delim::CSV;
    if (fmt == "tsv" || fmt == "caserec-info") delim = Delim::TAB;
    if (fmt == "movielens-movies") delim = Delim::DOUBLE_COLON;
    FieldSplitter split(delim);
    split.split(first);
    // Titles are text, so a data line "looks like" a header too: a first field that is a
    // number (an id) means there is no header.
    uint64_t first_id = 0;
    bool header = looks_like_header(split) && fmt != "movielens-movies" &&
                  !(split.size() > 0 && parse_canonical_id(trim_blanks(split[0]), first_id));
    std::vector<std::string> columns, normed;
    if (header)
        for (size_t i = 0; i < split.size(); ++i) {
            columns.emplace_back(trim_blanks(split[i]));
            normed.push_back(normalize_column_name(columns.back()));
        }
    const size_t n_fields = split.size();

    MetaColumns c;
    bool movielens = false;
    if (header) {
        c.id = find_column(normed, {"animeid", "malid", "animeids", "itemid", "movieid", "id", "item"});
        c.title = find_column(normed, {"name", "title"});
        c.english = find_column(normed, {"englishname"});
        c.japanese = find_column(normed, {"japanesename"});
        c.genre = find_column(normed, {"genre", "genres"});
        c.type = find_column(normed, {"type"});
        c.episodes = find_column(normed, {"episodes"});
        c.score = find_column(normed, {"score", "rating"});  // 2020: Score is the mean, Rating the age rating
        c.members = find_column(normed, {"members"});
        if (fmt == "auto") {
            if (normed == std::vector<std::string>{"animeid", "name", "genre", "type", "episodes", "rating", "members"})
                fmt = "kaggle2017-anime";
            else if (!normed.empty() && normed[0] == "animeids")
                fmt = "caserec-info";
            else if (!normed.empty() && normed[0] == "malid" && c.title >= 0)
                fmt = "kaggle2020-anime";
            else
                fmt = delim == Delim::CSV ? "csv" : "tsv";
        }
    } else if (delim == Delim::DOUBLE_COLON && n_fields == 3 && (fmt == "auto" || fmt == "movielens-movies")) {
        fmt = "movielens-movies";
        movielens = true;
        c.id = 0;
        c.title = 1;
        c.genre = 2;
    } else {
        if (fmt == "auto") fmt = delim == Delim::CSV ? "csv" : "tsv";
        c.id = 0;
        c.title = n_fields > 1 ? 1 : -1;
    }
    if (!opt.id_col.empty()) c.id = resolve_flag("--meta-id-col", opt.id_col, columns, n_fields);
    if (!opt.title_col.empty()) c.title = resolve_flag("--meta-title-col", opt.title_col, columns, n_fields);
    if (!opt.genre_col.empty()) c.genre = resolve_flag("--meta-genre-col", opt.genre_col, columns, n_fields);
    if (c.id < 0 || c.title < 0)
        throw UsageError(cat(path, ": cannot tell which column holds the ", c.id < 0 ? "item id" : "title",
                             "; use --meta-", c.id < 0 ? "id" : "title", "-col"));
    meta.format = fmt;

    std::unordered_map<std::string, size_t> seen;
    auto handle = [&](const Line& l) {
        ++meta.lines;
        auto bad = [&](Malformed m, std::string_view detail = {}) {
            meta.malformed.add(m, l.number, detail);
            if (opt.strict) throw Error(meta.malformed.first_error(path));
        };
        if (l.too_long) return bad(Malformed::LINE_TOO_LONG);
        if (l.text.empty()) return bad(Malformed::EMPTY_LINE);
        SplitStatus st = split.split(l.text);
        if (st == SplitStatus::UNTERMINATED_QUOTE) return bad(Malformed::UNTERMINATED_QUOTE);
        if (st == SplitStatus::BAD_QUOTING) return bad(Malformed::BAD_QUOTING, "text after a closing quote");
        if (split.size() != n_fields)
            return bad(Malformed::WRONG_COLUMN_COUNT, cat(split.size(), " fields, expected ", n_fields));
        std::string id(trim_blanks(split[c.id]));
        if (id.empty()) return bad(Malformed::BAD_ITEM_ID, "empty id");
        auto [it, inserted] = seen.emplace(id, meta.ids.size());
        if (!inserted) {
            ++meta.duplicate_ids;
            return;
        }
        ItemInfo info;
        info.title = field_text(split[c.title]);
        if (c.english >= 0) info.english_title = field_text(split[c.english]);
        if (c.japanese >= 0) info.japanese_title = field_text(split[c.japanese]);
        if (c.japanese >= 0 && info.japanese_title == "Unknown") info.japanese_title.clear();
        if (c.english >= 0 && info.english_title == "Unknown") info.english_title.clear();
        if (c.genre >= 0) {
            info.genres = field_text(split[c.genre]);
            if (movielens) {
                std::string g;
                for (const auto& part : split_trimmed(info.genres, '|')) g += (g.empty() ? "" : ", ") + part;
                info.genres = g;
            }
            if (info.genres == "Unknown") info.genres.clear();
        }
        if (c.type >= 0) {
            info.type = field_text(split[c.type]);
            if (info.type == "Unknown") info.type.clear();
        }
        if (c.episodes >= 0) info.episodes = static_cast<int32_t>(number_or_unknown(split[c.episodes]));
        if (c.score >= 0) {
            float s;
            info.score = parse_finite_float(split[c.score], s) ? s : -1.f;
        }
        if (c.members >= 0) info.members = number_or_unknown(split[c.members]);
        meta.ids.push_back(std::move(id));
        meta.info.push_back(std::move(info));
    };
    if (!header) handle(line);
    while (reader.next_line(line)) handle(line);
    return meta;
}

MetadataJoin attach_metadata(Dataset& ds, const Metadata& meta) {
    constexpr size_t kExamples = 10;
    MetadataJoin j;
    std::unordered_map<std::string_view, size_t> by_id;
    by_id.reserve(meta.ids.size());
    for (size_t k = 0; k < meta.ids.size(); ++k) by_id.emplace(meta.ids[k], k);
    ds.item_info.assign(ds.item_ids.size(), ItemInfo{});
    std::vector<uint8_t> used(meta.ids.size(), 0);
    for (size_t i = 1; i < ds.item_ids.size(); ++i) {
        auto it = by_id.find(ds.item_ids[i]);
        if (it == by_id.end()) {
            ++j.missing;
            if (j.missing_examples.size() < kExamples) j.missing_examples.push_back(ds.item_ids[i]);
            continue;
        }
        ds.item_info[i] = meta.info[it->second];
        used[it->second] = 1;
        ++j.items_with_info;
    }
    for (size_t k = 0; k < meta.ids.size(); ++k) {
        if (used[k]) continue;
        ++j.never_rated;
        if (j.never_rated_examples.size() < kExamples) j.never_rated_examples.push_back(meta.ids[k]);
    }
    return j;
}

}  // namespace anirec
