// `anirec stats`: what a dataset holds and how it was read, as JSON (for machines) and
// as readable text. The report combines numbers computed from the Dataset with the
// ingest report stored in ds.options_json (see ingest.h), so it is the same for a raw
// file and for the dataset file prepared from it.
//
// JSON layout:
//   {"source": "...",
//    "dataset": {"users", "items", "interactions", "density",
//                "sequence_length": {"min", "median", "p90", "max", "mean",
//                                    "histogram": [{"from", "to", "users"}, ...]},
//                "popularity": {"top1pct_items", "top1pct_share", "gini"},
//                "ratings": {"rated", "unrated", "mean"}            (when present),
//                "timestamps": {"min", "max"}                       (when present)},
//    "order": {"kind", "chronological", "meaning", evidence... (see order_detect.h)},
//    "ingest": <ds.options_json parsed, or null>}
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "data/dataset.h"

namespace anirec {

nlohmann::json stats_report(const Dataset& ds);
std::string stats_text(const nlohmann::json& report);

// Gini coefficient of non-negative counts (0 = all equal, -> 1 = all on one).
double gini(std::vector<int64_t> counts);

}  // namespace anirec
