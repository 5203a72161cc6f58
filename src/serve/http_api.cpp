#include "serve/http_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include <nlohmann/json.hpp>

#include "data/text.h"
#include "serve/http_errors.h"
#include "serve/http_json.h"
#include "serve/recommender.h"
#include "util/error.h"

namespace anirec {

using nlohmann::json;

namespace {

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

// The fields of an anime (inside an object the caller opened). Genres are split from
// the catalogue's "Action, Drama" text without building a vector.
void write_item_fields(JsonWriter& w, const Recommender& rec, int32_t item) {
    const Catalog& c = rec.catalog();
    w.field("id", c.raw_id(item));
    w.field("title", c.title(item));
    w.key("genres");
    w.begin_array();
    const std::string& g = c.genres(item);
    size_t start = 0;
    while (start < g.size()) {
        size_t comma = g.find(',', start);
        if (comma == std::string::npos) comma = g.size();
        std::string_view piece = trim(std::string_view(g).substr(start, comma - start));
        if (!piece.empty()) w.value(piece);
        start = comma + 1;
    }
    w.end_array();
    w.field("type", c.type(item));
    w.field("popularity", rec.popularity(item));
    if (c.has_metadata()) {
        const ItemInfo& info = c.info()[static_cast<size_t>(item)];
        if (!info.english_title.empty()) {
            w.field("english_title", info.english_title);
        }
        if (!info.japanese_title.empty()) {
            w.field("japanese_title", info.japanese_title);
        }
        if (info.episodes >= 0) {
            w.field("episodes", info.episodes);
        }
        if (info.score >= 0 && std::isfinite(info.score)) {
            w.field("community_score", info.score);
        }
        if (info.members >= 0) {
            w.field("members", info.members);
        }
    }
}

void write_item(JsonWriter& w, const Recommender& rec, int32_t item) {
    w.begin_object();
    write_item_fields(w, rec, item);
    w.end_object();
}

// {"id", "title"}: how a history entry was resolved.
void write_item_ref(JsonWriter& w, const Recommender& rec, int32_t item) {
    w.begin_object();
    w.field("id", rec.catalog().raw_id(item));
    w.field("title", rec.catalog().title(item));
    w.end_object();
}

// Ranked rows; with_score false leaves the score out (the popular list has none).
void write_rows(JsonWriter& w, const Recommender& rec, const RecResult& r, bool with_score = true) {
    w.begin_array();
    for (const RecRow& row : r.rows) {
        w.begin_object();
        write_item_fields(w, rec, row.item);
        w.field("rank", row.rank);
        if (with_score) {
            w.field("score", row.score);
        }
        if (row.cooccurrence >= 0) {
            w.field("co_occurrences", row.cooccurrence);
        }
        w.end_object();
    }
    w.end_array();
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
    JsonWriter w;
    w.begin_object();
    w.field("query", q);
    w.key("items");
    if (q.empty()) {
        // No query: the most watched animes, a starting point for a new visitor.
        RecResult r = call([&] { return rec.popular(clamp_k(rec, limit), filters_from_query(req, false)); });
        write_rows(w, rec, r, /*with_score=*/false);
    } else {
        if (q.size() > 256) throw bad_param(cat("q is ", q.size(), " bytes; at most 256"));
        static const char* tier_names[] = {"id", "exact", "prefix", "word", "substring", "similar"};
        w.begin_array();
        for (const TitleHit& h : rec.titles().search(q, limit)) {
            w.begin_object();
            write_item_fields(w, rec, h.item);
            w.field("matched", h.matched);
            w.field("match", tier_names[std::clamp(h.tier, 0, 5)]);
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
    return w.take();
}

std::string api_get_item(const Recommender& rec, const std::string& id) {
    JsonWriter w;
    write_item(w, rec, item_from_path(rec, id));
    return w.take();
}

std::string api_similar(const Recommender& rec, const std::string& id, const httplib::Request& req,
                        const ApiLimits& lim) {
    const int32_t item = item_from_path(rec, id);
    const int k = int_param(req, "k", 10, 1, lim.max_k);
    const bool explain = bool_param(req, "explain", true);
    const FilterSpec f = filters_from_query(req, false);
    RecResult r = call([&] { return rec.similar(item, clamp_k(rec, k), f, explain); });
    JsonWriter w;
    w.begin_object();
    w.key("item");
    write_item(w, rec, item);
    w.field("k", k);
    w.key("items");
    write_rows(w, rec, r);
    w.end_object();
    return w.take();
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
    JsonWriter w;
    w.begin_object();
    w.field("k", k);
    w.key("history");
    w.begin_array();
    for (int32_t item : history) write_item_ref(w, rec, item);
    w.end_array();
    w.field("history_used", r.history_used);
    w.key("items");
    write_rows(w, rec, r);
    w.end_object();
    return w.take();
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
    JsonWriter w;
    w.begin_object();
    w.field("user", user);
    w.field("k", k);
    w.field("history_len", r.history_len);
    w.field("history_used", r.history_used);
    w.key("recent");  // the last few animes watched, most recent first
    w.begin_array();
    for (size_t i = 0; i < hist.size() && i < 10; ++i) write_item_ref(w, rec, hist[hist.size() - 1 - i]);
    w.end_array();
    w.key("items");
    write_rows(w, rec, r);
    w.end_object();
    return w.take();
}

std::string api_model_card(const Recommender& rec, const ServingInfo& serving) {
    const ModelConfig& c = rec.config();
    const ModelMeta& m = rec.meta();
    JsonWriter w;
    w.begin_object();
    w.field("format", MODEL_FORMAT_NAME);
    w.key("config");
    w.begin_object();
    w.field("n_items", c.n_items);
    w.field("maxlen", c.maxlen);
    w.field("hidden", c.hidden);
    w.field("blocks", c.blocks);
    w.field("heads", c.heads);
    w.field("dropout", c.dropout);
    w.field("norm", norm_layout_name(c.norm));
    w.end_object();
    w.key("data");
    w.begin_object();
    w.field("items", rec.n_items());
    w.field("users", rec.n_users());
    w.field("interactions", static_cast<uint64_t>(m.user_items.size()));
    w.field("order", order_kind_name(m.order));
    w.field("source", m.source);
    w.field("has_titles", rec.titles().has_titles());
    w.end_object();
    w.key("genres");
    w.begin_array();
    for (const std::string& g : rec.catalog().genre_names()) w.value(g);
    w.end_array();
    w.key("types");
    w.begin_array();
    for (const std::string& t : rec.catalog().type_names()) w.value(t);
    w.end_array();
    w.key("serving");
    w.begin_object();
    w.field("path", serving.path);
    w.field("generation", serving.generation);
    w.field("loaded_at", serving.loaded_at);
    w.end_object();
    // Last: the free-form card the trainer and evaluator wrote into the file.
    w.key("card");
    w.raw(m.card.is_object() ? m.card.dump(-1, ' ', false, json::error_handler_t::replace) : "{}");
    w.end_object();
    return w.take();
}

std::shared_ptr<const Recommender> load_recommender(const std::string& path) {
    return std::shared_ptr<const Recommender>(Recommender::load(path));
}

int api_item_count(const Recommender& rec) { return rec.n_items(); }

}  // namespace anirec
