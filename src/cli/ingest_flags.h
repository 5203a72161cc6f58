// The flags that say how to read a raw interaction file, shared by every command that
// accepts one (`prepare`, `stats`, ...): one table, bound to an IngestOptions.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "data/ingest.h"
#include "util/error.h"

namespace anirec::cli {

struct IngestFlags {
    IngestOptions opt;
    float min_rating = 0.f;
    std::string statuses = "1,2,3,4";
    std::string repeats = "all";
    CLI::Option* min_rating_opt = nullptr;
    std::vector<CLI::Option*> raw_only;  // flags that only mean something for a raw file

    // The first reading/filter flag given on the command line ("" when none).
    std::string raw_flag_given() const {
        for (const CLI::Option* o : raw_only)
            if (o->count() > 0) return o->get_name();
        return "";
    }

    // Turns the flag strings into opt (throws UsageError on a bad value).
    IngestOptions resolve() const {
        IngestOptions o = opt;
        if (min_rating_opt && min_rating_opt->count() > 0) o.filter.min_rating = min_rating;
        o.filter.repeats = parse_repeat_policy(repeats);
        o.filter.statuses.clear();
        if (statuses != "all") {
            size_t start = 0;
            while (start <= statuses.size()) {
                size_t comma = statuses.find(',', start);
                std::string part = statuses.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                try {
                    size_t used = 0;
                    int v = std::stoi(part, &used);
                    if (used != part.size() || v < 0) throw std::invalid_argument(part);
                    o.filter.statuses.push_back(v);
                } catch (const std::exception&) {
                    throw UsageError(cat("--statuses '", statuses, "': expected a list such as 1,2 or 'all'"));
                }
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        return o;
    }
};

inline void add_ingest_flags(CLI::App& app, IngestFlags& f) {
    ReadOptions& r = f.opt.read;
    FilterOptions& fl = f.opt.filter;
    auto raw = [&](CLI::Option* o) {
        f.raw_only.push_back(o);
        return o;
    };
    raw(app.add_option("--format", r.format, "Input format: " + input_format_list()))->default_str("auto");
    raw(app.add_option("--user-col", r.user_col, "User id column (name, or 1-based position) for csv/tsv input"));
    raw(app.add_option("--item-col", r.item_col, "Item id column (name or position) for csv/tsv input"));
    raw(app.add_option("--rating-col", r.rating_col, "Rating column (name or position) for csv/tsv input"));
    raw(app.add_option("--time-col", r.time_col, "Timestamp column (unix seconds or YYYY-MM-DD[ HH:MM:SS])"));
    raw(app.add_option("--status-col", r.status_col, "Watching-status column (name or position)"));
    raw(app.add_flag("--strict", r.strict, "Stop at the first bad line (file:line and field) instead of skipping it"));
    raw(app.add_option("--threads", r.threads, "Parser threads (0 = all cores)"))->check(CLI::Range(0, 1024));
    f.min_rating_opt = raw(app.add_option("--min-rating", f.min_rating,
                                          "Drop rated interactions below this rating (unrated ones: see --keep-unrated)"));
    raw(app.add_flag("--keep-unrated,!--drop-unrated", fl.keep_unrated,
                     "Whether watched-but-unrated rows (-1 in Kaggle 2017, 0 in animelist/MAL) count"))
        ->default_str("keep");
    raw(app.add_option("--statuses", f.statuses,
                       "Watching statuses kept (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch) or 'all'"))
        ->default_str("1,2,3,4");
    raw(app.add_option("--repeats", f.repeats, "Repeated (user, item) pairs: keep all, the first or the last"))
        ->check(CLI::IsMember({"all", "first", "last"}))
        ->default_str("all");
    raw(app.add_option("--min-user-interactions", fl.min_user_interactions, "k-core: drop users with fewer"))
        ->check(CLI::Range(1, 1 << 30))
        ->default_str("1");
    raw(app.add_option("--min-item-interactions", fl.min_item_interactions, "k-core: drop items with fewer"))
        ->check(CLI::Range(1, 1 << 30))
        ->default_str("1");
    app.add_option("--meta", f.opt.meta_path, "Item metadata file (anime.csv, anime_info.dat, movies.dat, ...)");
    app.add_option("--meta-format", f.opt.meta.format,
                   "auto, kaggle2017-anime, kaggle2020-anime, caserec-info, movielens-movies, csv, tsv")
        ->default_str("auto");
    app.add_option("--meta-id-col", f.opt.meta.id_col, "Metadata item id column (name or position)");
    app.add_option("--meta-title-col", f.opt.meta.title_col, "Metadata title column");
    app.add_option("--meta-genre-col", f.opt.meta.genre_col, "Metadata genre column");
}

}  // namespace anirec::cli
