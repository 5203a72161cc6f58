// Item metadata (titles, genres, ...) and joining it to a dataset by raw item id.
//
// Formats, sniffed from the header (or --meta-format):
//   kaggle2017-anime   anime_id,name,genre,type,episodes,rating,members (CSV, quoted
//                      genres, CRLF, HTML entities such as &#039; in names)
//   kaggle2020-anime   MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,...
//                      (35 columns; "Unknown" for missing values; Rating is the age rating)
//   caserec-info       anime_ids<TAB>name<TAB>genre<TAB>type<TAB>episodes<TAB>rating<TAB>members
//   movielens-movies   MovieID::Title::Genres (no header; genres '|'-separated)
//   csv, tsv           named columns: --meta-id-col --meta-title-col --meta-genre-col
//                      (others found by name: type, episodes, score, members, English name...)
// Text fields are HTML-entity decoded. "Unknown" or empty numbers become -1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/line_reader.h"
#include "data/malformed.h"

namespace anirec {

struct MetaOptions {
    std::string format = "auto";  // auto, kaggle2017-anime, kaggle2020-anime, caserec-info, movielens-movies, csv, tsv
    std::string id_col, title_col, genre_col;  // names or 1-based positions
    bool strict = false;
    size_t max_line_bytes = kDefaultMaxLineBytes;
};

struct Metadata {
    std::string path;
    std::string format;              // the format used
    std::vector<std::string> ids;    // raw item ids, file order, unique
    std::vector<ItemInfo> info;      // parallel to ids
    uint64_t lines = 0;              // lines after the header
    int64_t duplicate_ids = 0;       // rows whose id appeared before (the first row wins)
    MalformedLog malformed;
};

// Throws Error (missing/empty file; with strict the first bad line), UsageError (bad
// format name or a column flag naming no column).
Metadata read_metadata(const std::string& path, const MetaOptions& opt = {});

struct MetadataJoin {
    int64_t items_with_info = 0;
    int64_t missing = 0;       // dataset items with no metadata row
    std::vector<std::string> missing_examples;     // first raw ids (dense-id order)
    int64_t never_rated = 0;   // metadata rows whose id is not in the dataset
    std::vector<std::string> never_rated_examples;  // first raw ids (file order)
};

// Fills ds.item_info (N+1 entries; items without a row get a default ItemInfo).
MetadataJoin attach_metadata(Dataset& ds, const Metadata& meta);

}  // namespace anirec
