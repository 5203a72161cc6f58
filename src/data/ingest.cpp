#include "data/ingest.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/dataset_file.h"
#include "data/interactions.h"
#include "util/error.h"

namespace anirec {

namespace {

using nlohmann::json;

json malformed_json(const MalformedLog& log) {
    json j = json::object();
    j["total"] = log.total();
    for (size_t k = 0; k < kMalformedKinds; ++k) {
        if (log.count[k] == 0) continue;
        Malformed m = static_cast<Malformed>(k);
        j[malformed_key(m)] = {{"count", log.count[k]},
                               {"reason", malformed_reason(m)},
                               {"first_lines", log.first_lines[k]},
                               {"detail", log.first_detail[k]}};
    }
    return j;
}

json order_json(const OrderEvidence& ev) {
    return {{"kind", order_kind_name(ev.kind)},
            {"users_checked", ev.users_checked},
            {"users_sorted", ev.users_sorted},
            {"sorted_share", ev.sorted_share()},
            {"pair_instances", ev.pair_instances},
            {"pair_consistency", ev.pair_consistency()},
            {"sorted_by_id", ev.sorted_by_id},
            {"global_order", ev.global_order}};
}

json options_json(const IngestOptions& opt) {
    const FilterOptions& f = opt.filter;
    json j;
    j["format"] = opt.read.format;
    j["min_rating"] = f.min_rating ? json(*f.min_rating) : json(nullptr);
    j["keep_unrated"] = f.keep_unrated;
    j["statuses"] = f.statuses.empty() ? json("all") : json(f.statuses);
    j["repeats"] = repeat_policy_name(f.repeats);
    j["min_user_interactions"] = f.min_user_interactions;
    j["min_item_interactions"] = f.min_item_interactions;
    j["strict"] = opt.read.strict;
    return j;
}

// Reads opt.meta_path, attaches it to ds and returns its report.
json attach_metadata_file(Dataset& ds, const IngestOptions& opt) {
    Metadata meta = read_metadata(opt.meta_path, opt.meta);
    MetadataJoin mj = attach_metadata(ds, meta);
    return {{"path", opt.meta_path},
            {"format", meta.format},
            {"rows", meta.ids.size()},
            {"lines", meta.lines},
            {"malformed", malformed_json(meta.malformed)},
            {"duplicate_ids", meta.duplicate_ids},
            {"items_with_info", mj.items_with_info},
            {"missing", mj.missing},
            {"missing_examples", mj.missing_examples},
            {"never_rated", mj.never_rated},
            {"never_rated_examples", mj.never_rated_examples}};
}

}  // namespace

Dataset ingest_file(const std::string& path, const IngestOptions& opt) {
    RawInteractions raw = read_interactions(path, opt.read);
    json report;
    report["input"] = {{"path", path},
                       {"format", input_format_name(raw.spec.format)},
                       {"spec", raw.spec.describe()},
                       {"lines", raw.lines},
                       {"bytes", raw.bytes},
                       {"bom", raw.bom},
                       {"crlf", raw.crlf}};
    report["options"] = options_json(opt);
    report["malformed"] = malformed_json(raw.malformed);
    std::string source = cat(path, " read as ", raw.spec.describe());

    BuildReport br;
    Dataset ds = build_dataset(std::move(raw), opt.filter, &br);
    json filters = json::array();
    for (const auto& s : br.steps)
        filters.push_back({{"name", s.name},
                           {"reason", s.reason},
                           {"dropped", s.dropped},
                           {"interactions", s.interactions},
                           {"users", s.users},
                           {"items", s.items}});
    report["filters"] = filters;
    report["kcore_rounds"] = br.kcore_rounds;
    report["duplicates"] = {{"pairs", br.duplicate_pairs}, {"rows", br.duplicate_rows}};
    report["order"] = order_json(br.order);
    if (!opt.meta_path.empty()) report["metadata"] = attach_metadata_file(ds, opt);
    ds.source = source;
    ds.options_json = report.dump();
    return ds;
}

Dataset load_or_ingest(const std::string& path, const IngestOptions& opt) {
    if (!is_dataset_file(path)) return ingest_file(path, opt);
    Dataset ds = load_dataset(path);
    if (!opt.meta_path.empty()) {
        json meta = attach_metadata_file(ds, opt);
        json report = json::parse(ds.options_json, nullptr, false);
        if (!report.is_object()) report = json::object();
        report["metadata"] = meta;
        ds.options_json = report.dump();
    }
    return ds;
}

}  // namespace anirec
