#include "eval/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "util/atomic_file.h"
#include "util/error.h"

namespace anirec {

namespace {

const char* protocol_key(Protocol p) { return p == Protocol::FULL ? "full" : "sampled"; }

std::string thousands(int64_t n) {
    const std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out = n < 0 ? "-" : "";
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string fixed(double v, int prec = 4) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}

struct Column {
    std::string name;  // as printed
    std::string key;   // MetricsReport::to_json key
};

std::vector<Column> table_columns(const MetricsReport& m, bool coverage) {
    std::vector<Column> cols;
    for (int32_t k : m.ks) cols.push_back({cat("HR@", k), cat("hr@", k)});
    for (int32_t k : m.ks) cols.push_back({cat("NDCG@", k), cat("ndcg@", k)});
    cols.push_back({"MRR", "mrr"});
    if (coverage && !m.coverage.empty()) {
        const int32_t kc = std::find(m.ks.begin(), m.ks.end(), 10) != m.ks.end() ? 10 : m.ks.back();
        cols.push_back({cat("Cov@", kc), cat("coverage@", kc)});
    }
    return cols;
}

std::string pad_left(const std::string& s, size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }
std::string pad_right(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

}  // namespace

nlohmann::json lift_json(const EvalResult& model, const std::vector<const EvalResult*>& baselines) {
    nlohmann::json out = nlohmann::json::object();
    if (baselines.empty()) return out;
    const nlohmann::json mj = model.metrics.to_json();
    for (auto it = mj.begin(); it != mj.end(); ++it) {
        const std::string& key = it.key();
        if (key == "users" || key == "nan_users") continue;
        double best = -1.0;
        std::string best_name;
        for (const EvalResult* b : baselines) {
            const nlohmann::json bj = b->metrics.to_json();
            if (!bj.contains(key)) continue;
            const double v = bj[key].get<double>();
            if (v > best) {
                best = v;
                best_name = b->scorer;
            }
        }
        if (best_name.empty()) continue;
        out["best_baseline@" + key] = best_name;
        if (best > 0.0)
            out[key] = it.value().get<double>() / best - 1.0;
        else
            out[key] = nullptr;
    }
    return out;
}

std::string format_report(const ReportContext& ctx, const std::vector<EvalResult>& results) {
    std::ostringstream os;
    os << "anirec eval: " << (ctx.target == EvalTarget::TEST ? "test" : "validation") << " items, split "
       << ctx.split << " (data order: " << ctx.order << ")";
    if (!ctx.data.empty()) os << ", " << ctx.data;
    os << "\n";
    if (!ctx.split_warning.empty()) os << ctx.split_warning << "\n";
    os << "users: " << thousands(ctx.users_evaluated) << " evaluated (all users with a held-out item), "
       << thousands(ctx.users_skipped) << " skipped (< 3 interactions); items: " << thousands(ctx.n_items) << "\n";
    os << "ranks are pessimistic (ties count against the model); Recall@K = HR@K with one held-out item per user\n";

    for (Protocol p : {Protocol::FULL, Protocol::SAMPLED}) {
        std::vector<const EvalResult*> rows;
        for (const auto& r : results)
            if (r.protocol == p) rows.push_back(&r);
        if (rows.empty()) continue;
        // Model first, baselines in the given order.
        std::stable_partition(rows.begin(), rows.end(),
                              [&](const EvalResult* r) { return !ctx.model.empty() && r->scorer == ctx.model; });
        os << "\n== " << rows.front()->protocol_label << " | " << ctx.split << " | "
           << (ctx.target == EvalTarget::TEST ? "test" : "valid") << " ==\n";
        if (p == Protocol::FULL)
            os << "(held-out item ranked against every item not in the user's history)\n";
        else
            os << "(SAMPLED: held-out item ranked against negatives the user never interacted with; "
               << "not comparable with full ranking)\n";
        const auto cols = table_columns(rows.front()->metrics, p == Protocol::FULL);
        size_t name_w = 8;
        for (auto* r : rows) name_w = std::max(name_w, r->scorer.size() + 1);
        const size_t w = 9;
        os << pad_right("scorer", name_w);
        for (const auto& c : cols) os << pad_left(c.name, w);
        os << pad_left("sec", w) << "\n";
        for (auto* r : rows) {
            const nlohmann::json j = r->metrics.to_json();
            os << pad_right(r->scorer, name_w);
            for (const auto& c : cols) os << pad_left(j.contains(c.key) ? fixed(j[c.key].get<double>()) : "-", w);
            os << pad_left(fixed(r->seconds, 2), w) << "\n";
            if (r->metrics.nan_users > 0)
                os << "  WARNING: " << r->scorer << " produced NaN scores for " << thousands(r->metrics.nan_users)
                   << " users (ranked as the worst scores)\n";
        }
        std::vector<const EvalResult*> baselines;
        const EvalResult* model = nullptr;
        for (auto* r : rows) {
            if (!ctx.model.empty() && r->scorer == ctx.model)
                model = r;
            else
                baselines.push_back(r);
        }
        if (model && !baselines.empty()) {
            const nlohmann::json lift = lift_json(*model, baselines);
            os << pad_right("lift", name_w);
            for (const auto& c : cols) {
                std::string cell = "-";
                if (lift.contains(c.key) && !lift[c.key].is_null()) {
                    const double v = lift[c.key].get<double>() * 100.0;
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%+.1f%%", v);
                    cell = buf;
                }
                os << pad_left(cell, w);
            }
            os << "\n(lift: " << ctx.model << " over the best baseline of each column";
            if (lift.contains("best_baseline@ndcg@10"))
                os << "; best on NDCG@10: " << lift["best_baseline@ndcg@10"].get<std::string>();
            os << ")\n";
        }
    }
    return os.str();
}

nlohmann::json report_json(const ReportContext& ctx, const std::vector<EvalResult>& results) {
    nlohmann::json j;
    j["split"] = ctx.split;
    j["order"] = ctx.order;
    if (!ctx.split_warning.empty()) j["split_warning"] = ctx.split_warning;
    j["target"] = eval_target_name(ctx.target);
    j["users_evaluated"] = ctx.users_evaluated;
    j["users_skipped"] = ctx.users_skipped;
    j["items"] = ctx.n_items;
    j["tie_rule"] = "pessimistic";
    if (!ctx.model.empty()) j["model"] = ctx.model;
    j["results"] = nlohmann::json::array();
    for (const auto& r : results) j["results"].push_back(r.to_json());
    nlohmann::json lift = nlohmann::json::object();
    for (Protocol p : {Protocol::FULL, Protocol::SAMPLED}) {
        const EvalResult* model = nullptr;
        std::vector<const EvalResult*> baselines;
        for (const auto& r : results) {
            if (r.protocol != p) continue;
            if (!ctx.model.empty() && r.scorer == ctx.model)
                model = &r;
            else
                baselines.push_back(&r);
        }
        if (model && !baselines.empty()) lift[protocol_key(p)] = lift_json(*model, baselines);
    }
    j["lift"] = lift;
    return j;
}

void write_ranks_csv(const std::string& path, const std::vector<EvalResult>& results,
                     const std::vector<std::string>& user_ids) {
    if (results.empty()) throw Error(cat(path, ": no results to write ranks for"));
    for (const auto& r : results)
        if (r.ranks.size() != user_ids.size())
            throw Error(cat(path, ": result ", r.scorer, " carries ", r.ranks.size(), " ranks for ", user_ids.size(),
                            " users"));
    std::string out = "user";
    for (const auto& r : results) out += cat(",", r.scorer, ":", protocol_key(r.protocol));
    out += "\n";
    for (size_t u = 0; u < user_ids.size(); ++u) {
        if (results.front().ranks[u] < 0) continue;
        const std::string& id = user_ids[u];
        // Quote ids that would break the CSV (user names may hold anything).
        if (id.find_first_of(",\"\n\r") != std::string::npos) {
            out += '"';
            for (char c : id) out += c == '"' ? std::string("\"\"") : std::string(1, c);
            out += '"';
        } else {
            out += id;
        }
        for (const auto& r : results) out += cat(",", r.ranks[u]);
        out += "\n";
    }
    AtomicFile f(path);
    f.write(out);
    f.commit();
}

}  // namespace anirec
