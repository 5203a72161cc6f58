// One call from a raw interaction file (any format of input_format.h, plain or gzip)
// to a Dataset: read -> filter -> sequences -> dense ids -> optional metadata.
// This is what `anirec prepare` and `anirec stats` run, and what any other command that
// accepts a raw file (e.g. `recommend --history-file`) should call.
//
// ds.source is "<path> (<format description>)"; ds.options_json is the ingest report as
// JSON text (stored in the dataset file, read back by `stats`):
//   {"input": {path, format, spec, lines, bytes, bom, crlf},
//    "options": {min_rating, keep_unrated, statuses, repeats, min_user_interactions,
//                min_item_interactions, strict},
//    "malformed": {"total": n, "<reason key>": {"count", "reason", "first_lines", "detail"}, ...},
//    "filters": [{"name", "reason", "dropped", "interactions", "users", "items"}, ...],
//    "duplicates": {"pairs", "rows"},
//    "order": {"kind", "users_checked", "users_sorted", "sorted_share", "pair_instances",
//              "pair_consistency", "sorted_by_id", "global_order"},
//    "metadata": {path, format, rows, malformed, duplicate_ids, items_with_info, missing,
//                 missing_examples, never_rated, never_rated_examples}   (only with --meta)}
#pragma once

#include <string>

#include "data/dataset.h"
#include "data/input_format.h"
#include "data/metadata.h"
#include "data/sequence_builder.h"

namespace anirec {

struct IngestOptions {
    ReadOptions read;
    FilterOptions filter;
    std::string meta_path;  // empty: no metadata
    MetaOptions meta;
};

// Throws Error (missing, empty or unreadable input; with strict, the first bad line) or
// UsageError (bad format or column flags). A file whose lines are all bad, or whose
// interactions the filters all drop, gives an empty dataset (n_interactions() == 0)
// with the report saying why: callers that need data check for it.
Dataset ingest_file(const std::string& path, const IngestOptions& opt = {});

// A dataset file (recognised by its magic) is loaded as it is (the reading and filter
// options do not apply; --meta, when given, replaces its metadata); anything else is
// ingested with opt.
Dataset load_or_ingest(const std::string& path, const IngestOptions& opt = {});

}  // namespace anirec
