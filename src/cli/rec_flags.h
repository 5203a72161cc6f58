// The filter flags shared by `recommend`, `similar` and `recommend-all`: one table,
// bound to a FilterSpec (rules in serve/catalog.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "serve/catalog.h"

namespace anirec::cli {

struct FilterFlags {
    std::string include_genres;
    std::string exclude_genres;
    std::string types;
    bool exclude_seen = true;

    FilterSpec spec() const { return FilterSpec::from_lists(include_genres, exclude_genres, types, exclude_seen); }
};

inline void add_filter_flags(CLI::App& app, FilterFlags& f, bool with_exclude_seen) {
    app.add_option("--include-genres", f.include_genres,
                   "Only animes with at least one of these genres (comma list, any case: \"Action,Sci-Fi\")");
    app.add_option("--exclude-genres", f.exclude_genres, "No anime with any of these genres (comma list)");
    app.add_option("--types", f.types, "Only these types (comma list: TV,Movie,OVA,ONA,Special,Music)");
    if (with_exclude_seen)
        app.add_flag("--exclude-seen,!--no-exclude-seen", f.exclude_seen,
                     "Leave out animes already in the history (default: on)");
}

}  // namespace anirec::cli
