#include "serve/http_api.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "data/text.h"
#include "serve/http_errors.h"
#include "serve/recommender.h"
#include "util/error.h"

namespace anirec {

using nlohmann::json;

namespace {

// Titles come from data files and may hold invalid UTF-8: replace it rather than
// fail the whole response.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A float as the JSON number of its shortest decimal form (7.4f -> 7.4, not
// 7.400000095367432, which is what widening it to double would print).
json float_json(float x) {
    if (!std::isfinite(x)) return nullptr;
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, x);
    return std::strtod(std::string(buf, res.ptr).c_str(), nullptr);
}

ApiError bad_param(const std::string& detail) { return ApiError(ApiErrorKind::INVALID_PARAMETER, detail); }

// An integer query parameter in [lo, hi], or def when absent.
int int_param(const httplib::Request& req, const char* name, int def, int lo, int hi) {
    if (!req.has_param(name)) return def;
    const std::string v = req.get_param_value(name);
    int x = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || end != v.data() + v.size() || x < lo || x > hi) {
        throw bad_param(cat(name, " must be an integer in [", lo, ", ", hi, "], got '", v, "'"));
    }
    return x;
}

bool parse_bool(std::string_view v, bool& out) {
    const std::string s = to_lower_ascii(v);
    if (s == "true" || s == "1" || s == "yes") return out = true, true;
    if (s == "false" || s == "0" || s == "no") return out = false, true;
    return false;
}

bool bool_param(const httplib::Request& req, const char* name, bool def) {
    if (!req.has_param(name)) return def;
    bool b = def;
    const std::string v = req.get_param_value(name);
    if (!parse_bool(v, b)) throw bad_param(cat(name, " must be true or false, got '", v, "'"));
    return b;
}

// genres=Action,Comedy&exclude_genres=Horror&types=TV,Movie (repeated parameters add up).
FilterSpec filters_from_query(const httplib::Request& req, bool exclude_seen) {
    auto joined = [&](const char* name) {
        std::string all;
        for (size_t i = 0; i < req.get_param_value_count(name); ++i) {
            if (!all.empty()) all += ',';
            all += req.get_param_value(name, i);
        }
        return all;
    };
    return FilterSpec::from_lists(joined("genres"), joined("exclude_genres"), joined("types"), exclude_seen);
}

// k limited by the server and by the catalogue: asking 50 of a 40-anime catalogue
// gives the 40 rather than an error.
int clamp_k(const Recommender& rec, int k) { return std::max(1, std::min(k, rec.n_items())); }

json item_json(const Recommender& rec, int32_t item) {
    const Catalog& c = rec.catalog();
    json j{{"id", c.raw_id(item)},
           {"title", c.title(item)},
           {"genres", c.genre_list(item)},
           {"type", c.type(item)},
           {"popularity", rec.popularity(item)}};
    if (c.has_metadata()) {
        const ItemInfo& info = c.info()[static_cast<size_t>(item)];
        if (!info.english_title.empty()) j["english_title"] = info.english_title;
        if (!info.japanese_title.empty()) j["japanese_title"] = info.japanese_title;
        if (info.episodes >= 0) j["episodes"] = info.episodes;
        if (info.score >= 0 && std::isfinite(info.score)) j["community_score"] = float_json(info.score);
        if (info.members >= 0) j["members"] = info.members;
    }
    return j;
}

json rows_json(const Recommender& rec, const RecResult& r) {
    json items = json::array();
    for (const RecRow& row : r.rows) {
        json j = item_json(rec, row.item);
        j["rank"] = row.rank;
        j["score"] = float_json(row.score);
        if (row.cooccurrence >= 0) j["co_occurrences"] = row.cooccurrence;
        items.push_back(std::move(j));
    }
    return items;
}

// Runs a Recommender call, turning the library's UsageError (bad k, unknown genre
// or type name) into 400. Anything else it throws is unexpected here, since the
// inputs were checked first, and becomes a 500 in the router.
template <typename Fn>
auto call(Fn&& fn) {
    try {
        return fn();
    } catch (const UsageError& e) {
        throw bad_param(e.what());
    }
}

// The item named by a path {id}: a raw id of the catalogue.
int32_t item_from_path(const Recommender& rec, const std::string& id) {
    int32_t item = rec.catalog().find_raw_id(id);
    if (item <= 0) {
        throw ApiError(ApiErrorKind::ITEM_NOT_FOUND,
                       cat("no anime with id '", id, "' in this model; search titles with /v1/items?q="));
    }
    return item;
}

// One entry of a POST history: an integer raw id, or a string that is a raw id or a
// title (the CLI's lookup rules, see title_index.h).
int32_t resolve_history_entry(const Recommender& rec, const json& v, size_t index) {
    std::string text;
    if (v.is_number_integer()) {
        text = v.dump();
    } else if (v.is_string()) {
        text = v.get<std::string>();
    } else {
        throw bad_param(cat("history[", index, "] must be an id or a title, got ", v.type_name()));
    }
    LookupResult r = rec.resolve_item(v.is_number_integer() ? "id:" + text : text);
    if (r.ok()) return r.item;
    std::string why = rec.titles().describe_failure(r);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw ApiError(r.status == LookupStatus::AMBIGUOUS ? ApiErrorKind::AMBIGUOUS_TITLE : ApiErrorKind::UNKNOWN_ITEM,
                   cat("history[", index, "]: ", why));
}

// A filter field of the POST body: "Action, Comedy" or ["Action", "Comedy"].
std::vector<std::string> name_list(const json& body, const char* key) {
    if (!body.contains(key) || body[key].is_null()) return {};
    const json& v = body[key];
    if (v.is_string()) return split_trimmed(v.get<std::string>(), ',');
    if (!v.is_array()) throw bad_param(cat(key, " must be a list of names or a comma-separated string"));
    std::vector<std::string> out;
    for (const json& e : v) {
        if (!e.is_string()) throw bad_param(cat(key, " must contain strings only"));
        std::string s(trim(e.get<std::string>()));
        if (!s.empty()) out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

std::string api_search_items(const Recommender& rec, const httplib::Request& req, const ApiLimits& lim) {
    const int limit = int_param(req, "limit", 10, 1, lim.max_k);
    const std::string q = req.has_param("q") ? std::string(trim(req.get_param_value("q"))) : "";
    json items = json::array();
    if (q.empty()) {
        // No query: the most watched animes, a starting point for a new visitor.
        RecResult r = call([&] { return rec.popular(clamp_k(rec, limit), filters_from_query(req, false)); });
        items = rows_json(rec, r);
        for (json& j : items) j.erase("score");
    } else {
        if (q.size() > 256) throw bad_param(cat("q is ", q.size(), " bytes; at most 256"));
        static const char* tier_names[] = {"id", "exact", "prefix", "word", "substring", "similar"};
        for (const TitleHit& h : rec.titles().search(q, limit)) {
            json j = item_json(rec, h.item);
            j["matched"] = h.matched;
            j["match"] = tier_names[std::clamp(h.tier, 0, 5)];
            items.push_back(std::move(j));
        }
    }
    return dump(json{{"query", q}, {"items", std::move(items)}});
}

std::string api_get_item(const Recommender& rec, const std::string& id) {
    return dump(item_json(rec, item_from_path(rec, id)));
}

std::string api_similar(const Recommender& rec, const std::string& id, const httplib::Request& req,
                        const ApiLimits& lim) {
    const int32_t item = item_from_path(rec, id);
    const int k = int_param(req, "k", 10, 1, lim.max_k);
    const bool explain = bool_param(req, "explain", true);
    const FilterSpec f = filters_from_query(req, false);
    RecResult r = call([&] { return rec.similar(item, clamp_k(rec, k), f, explain); });
    return dump(json{{"item", item_json(rec, item)}, {"k", k}, {"items", rows_json(rec, r)}});
}

std::string api_recommend(const Recommender& rec, const std::string& body, const ApiLimits& lim) {
    json in;
    try {
        in = json::parse(body);
    } catch (const json::parse_error& e) {
        throw ApiError(ApiErrorKind::INVALID_JSON, cat("the body is not valid JSON: ", e.what()));
    }
    if (!in.is_object()) throw bad_param(cat("the body must be a JSON object, got ", in.type_name()));
    static const char* known[] = {"history", "k", "exclude_seen", "genres", "exclude_genres", "types"};
    for (const auto& [key, value] : in.items()) {
        bool ok = false;
        for (const char* n : known) ok |= key == n;
        if (!ok) {
            throw bad_param(cat("unknown field '", key,
                                "' (fields: history, k, exclude_seen, genres, exclude_genres, types)"));
        }
    }
    if (!in.contains("history")) throw bad_param("missing field 'history': a list of anime ids or titles");
    const json& h = in["history"];
    if (!h.is_array()) throw bad_param(cat("history must be a list of anime ids or titles, got ", h.type_name()));
    if (h.empty()) throw bad_param("history is empty: give at least one anime id or title");
    if (h.size() > static_cast<size_t>(lim.max_history)) {
        throw bad_param(cat("history has ", h.size(), " entries; the limit is ", lim.max_history));
    }
    int k = 10;
    if (in.contains("k")) {
        const json& kv = in["k"];
        if (!kv.is_number_integer() || kv.get<int64_t>() < 1 || kv.get<int64_t>() > lim.max_k) {
            throw bad_param(cat("k must be an integer in [1, ", lim.max_k, "], got ", kv.dump()));
        }
        k = kv.get<int>();
    }
    FilterSpec f;
    if (in.contains("exclude_seen")) {
        if (!in["exclude_seen"].is_boolean()) throw bad_param("exclude_seen must be true or false");
        f.exclude_seen = in["exclude_seen"].get<bool>();
    }
    f.include_genres = name_list(in, "genres");
    f.exclude_genres = name_list(in, "exclude_genres");
    f.types = name_list(in, "types");

    std::vector<int32_t> history;
    history.reserve(h.size());
    for (size_t i = 0; i < h.size(); ++i) history.push_back(resolve_history_entry(rec, h[i], i));

    RecResult r = call([&] { return rec.recommend(history, clamp_k(rec, k), f); });
    json used = json::array();
    for (int32_t item : history) used.push_back(json{{"id", rec.catalog().raw_id(item)}, {"title", rec.catalog().title(item)}});
    return dump(json{{"k", k},
                     {"history", std::move(used)},
                     {"history_used", r.history_used},
                     {"items", rows_json(rec, r)}});
}

std::string api_user_recommendations(const Recommender& rec, const std::string& user, const httplib::Request& req,
                                     const ApiLimits& lim) {
    const int32_t u = rec.find_user(user);
    if (u < 0) {
        throw ApiError(ApiErrorKind::USER_NOT_FOUND,
                       rec.n_users() == 0 ? cat("unknown user '", user, "': this model file stores no user histories")
                                          : cat("unknown user '", user, "': not one of the ", rec.n_users(),
                                                " users of the training data"));
    }
    const int k = int_param(req, "k", 10, 1, lim.max_k);
    const FilterSpec f = filters_from_query(req, bool_param(req, "exclude_seen", true));
    std::span<const int32_t> hist = rec.user_history(u);
    if (hist.empty()) {
        throw ApiError(ApiErrorKind::USER_NOT_FOUND, cat("user '", user, "' has an empty history in the model file"));
    }
    RecResult r = call([&] { return rec.recommend_user(user, clamp_k(rec, k), f); });
    json recent = json::array();  // the last few items watched, most recent first
    for (size_t i = 0; i < hist.size() && i < 10; ++i) {
        const int32_t item = hist[hist.size() - 1 - i];
        recent.push_back(json{{"id", rec.catalog().raw_id(item)}, {"title", rec.catalog().title(item)}});
    }
    return dump(json{{"user", user},
                     {"k", k},
                     {"history_len", r.history_len},
                     {"history_used", r.history_used},
                     {"recent", std::move(recent)},
                     {"items", rows_json(rec, r)}});
}

json api_model_card(const Recommender& rec) {
    const ModelConfig& c = rec.config();
    const ModelMeta& m = rec.meta();
    return json{{"format", MODEL_FORMAT_NAME},
                {"config",
                 {{"n_items", c.n_items},
                  {"maxlen", c.maxlen},
                  {"hidden", c.hidden},
                  {"blocks", c.blocks},
                  {"heads", c.heads},
                  {"dropout", float_json(c.dropout)},
                  {"norm", norm_layout_name(c.norm)}}},
                {"data",
                 {{"items", rec.n_items()},
                  {"users", rec.n_users()},
                  {"interactions", m.user_items.size()},
                  {"order", order_kind_name(m.order)},
                  {"source", m.source},
                  {"has_titles", rec.titles().has_titles()}}},
                {"genres", rec.catalog().genre_names()},
                {"types", rec.catalog().type_names()},
                {"card", m.card}};
}

std::shared_ptr<const Recommender> load_recommender(const std::string& path) {
    return std::shared_ptr<const Recommender>(Recommender::load(path));
}

int api_item_count(const Recommender& rec) { return rec.n_items(); }

}  // namespace anirec
