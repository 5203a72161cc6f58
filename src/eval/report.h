// Presenting evaluation results: the readable table, the JSON document, the lift of
// the model over the baselines and the per-user ranks CSV. Every table and every JSON
// object names the protocol, the split and the target that produced its numbers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"

namespace anirec {

struct ReportContext {
    std::string split;          // Split::protocol
    std::string order;          // order_kind_name of the data
    std::string split_warning;  // split_default_warning, or empty
    EvalTarget target = EvalTarget::TEST;
    int64_t users_evaluated = 0;
    int64_t users_skipped = 0;
    int32_t n_items = 0;
    std::string model;          // name of the model's scorer ("" = baselines only)
    std::string data;           // what was evaluated (paths), for the title
};

// Lift of `model` over the best baseline, per metric: model / best - 1, where "best"
// is the baseline with the highest value of that metric. Keys as in
// MetricsReport::to_json ("hr@10", "mrr", ...) plus "best_baseline@<metric>".
// Null values where the best baseline scored 0. Empty object without baselines.
nlohmann::json lift_json(const EvalResult& model, const std::vector<const EvalResult*>& baselines);

// The readable report: a title block, then one table per protocol (model first, then
// baselines, then the lift row).
std::string format_report(const ReportContext& ctx, const std::vector<EvalResult>& results);

// {"split", "order", "target", "users", "results": [...], "lift": {"full": ..., "sampled": ...}}
nlohmann::json report_json(const ReportContext& ctx, const std::vector<EvalResult>& results);

// CSV, one row per evaluated user: `user,<scorer>:<protocol>,...` with the raw user id
// and each result's 0-based pessimistic rank. Results must carry ranks (keep_ranks);
// written atomically. Throws Error if the file cannot be written.
void write_ranks_csv(const std::string& path, const std::vector<EvalResult>& results,
                     const std::vector<std::string>& user_ids);

}  // namespace anirec
