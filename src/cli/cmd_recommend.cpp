// `anirec recommend --model m.safetensors (--user ID | --history "T1; T2; 9253" |
//                   --history-file FILE [--user ID]) [-k 10] [--exclude-seen/--no-exclude-seen]
//                   [--include-genres ..] [--exclude-genres ..] [--types ..] [--json]`
//
// What to watch next after a history: a training user's stored one (--user), a list
// of titles or raw ids in watch order (--history; titles may contain ';', see
// TitleIndex::resolve_list), or one user's interaction file in any supported format
// (--history-file, read by the ingest API; a file with several users needs --user).
// Exit 1 when a title does not resolve (candidates or suggestions printed), 2 for a
// bad flag or k.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/ingest_flags.h"
#include "cli/rec_flags.h"
#include "data/ingest.h"
#include "serve/rec_format.h"
#include "serve/recommender.h"
#include "util/error.h"

namespace {

using namespace anirec;

struct RecommendOptions {
    std::string model;
    std::string user;
    std::string history;
    std::string history_file;
    int32_t k = 10;
    bool json = false;
    cli::FilterFlags filters;
    cli::IngestFlags ingest;
};

// One user's history from an interaction file, in the model's dense ids.
std::vector<int32_t> history_from_file(const Recommender& rec, const RecommendOptions& o, std::string& who) {
    const Dataset ds = load_or_ingest(o.history_file, o.ingest.resolve());
    if (ds.n_users() == 0 || ds.n_interactions() == 0)
        throw Error(cat(o.history_file, ": no interactions left after reading (run `anirec stats ", o.history_file,
                        "` to see why)"));
    int32_t u = 0;
    if (!o.user.empty()) {
        u = -1;
        for (int32_t i = 0; i < ds.n_users(); ++i)
            if (ds.user_ids[static_cast<size_t>(i)] == o.user) u = i;
        if (u < 0)
            throw Error(cat(o.history_file, ": no user '", o.user, "' in the file (it has ", ds.n_users(),
                            " users, e.g. '", ds.user_ids[0], "')"));
    } else if (ds.n_users() > 1) {
        throw Error(cat(o.history_file, ": holds ", ds.n_users(), " users ('", ds.user_ids[0], "', '", ds.user_ids[1],
                        "', ...); pick one with --user"));
    }
    who = cat("user '", ds.user_ids[static_cast<size_t>(u)], "' of ", o.history_file);
    std::vector<int32_t> hist;
    std::vector<std::string> unknown;
    const auto seq = ds.sequence(u);
    for (int32_t it : seq) {
        const std::string& raw = ds.item_ids[static_cast<size_t>(it)];
        if (const int32_t m = rec.catalog().find_raw_id(raw)) hist.push_back(m);
        else unknown.push_back(raw);
    }
    if (hist.empty())
        throw Error(cat(o.history_file, ": none of the ", seq.size(), " animes of ", who,
                        " is in the model's catalogue (are the ids of the same kind, e.g. MyAnimeList ids?)"));
    if (!unknown.empty())
        std::fprintf(stderr, "note: %zu of %zu animes in %s are not in the model's catalogue and were skipped (e.g. %s)\n",
                     unknown.size(), seq.size(), o.history_file.c_str(), unknown[0].c_str());
    if (ds.order == OrderKind::SORTED_BY_ITEM_ID)
        std::fprintf(stderr,
                     "note: %s is ordered by anime id, not by watch time; the model reads it in that order\n",
                     o.history_file.c_str());
    return hist;
}

int run_recommend(const RecommendOptions& o) {
    const int sources = !o.history.empty() + !o.history_file.empty() + (!o.user.empty() && o.history_file.empty());
    if (sources == 0) throw UsageError("give one of --user, --history or --history-file");
    if (sources > 1) throw UsageError("give only one of --user, --history and --history-file (--user may pick a user of --history-file)");
    const FilterSpec spec = o.filters.spec();
    const auto rec = Recommender::load(o.model);
    rec->check_k(o.k);  // a bad k is a usage error before any title lookup

    std::vector<int32_t> hist;
    std::string who;
    RecResult res;
    if (!o.history.empty()) {
        hist = rec->resolve_history(o.history);
        who = "your history";
        res = rec->recommend(hist, o.k, spec);
    } else if (!o.history_file.empty()) {
        hist = history_from_file(*rec, o, who);
        res = rec->recommend(hist, o.k, spec);
    } else {
        res = rec->recommend_user(o.user, o.k, spec);  // Error naming an unknown user
        const auto h = rec->user_history(rec->find_user(o.user));
        hist.assign(h.begin(), h.end());
        who = cat("user '", o.user, "'");
    }

    if (o.json) {
        nlohmann::json h = nlohmann::json::array();
        for (int32_t it : hist)
            h.push_back({{"item", it}, {"id", rec->catalog().raw_id(it)}, {"title", rec->catalog().title(it)}});
        nlohmann::json j = {{"model", o.model},
                            {"query", who},
                            {"history", h},
                            {"history_len", res.history_len},
                            {"history_used", res.history_used},
                            {"k", o.k},
                            {"exclude_seen", spec.exclude_seen},
                            {"recommendations", rec_rows_json(res.rows)}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::string head = cat("Recommendations for ", who, " (", res.history_len, res.history_len == 1 ? " anime" : " animes");
    if (res.history_used < res.history_len) head += cat(", the last ", res.history_used, " used");
    head += spec.exclude_seen ? "; watched ones left out)" : ")";
    std::cout << head << "\n";
    if (res.rows.empty()) {
        std::cout << "No anime passes the filters.\n";
        return 0;
    }
    std::cout << format_rec_table(res.rows);
    return 0;
}

cli::Registrar reg{"recommend", "What to watch next, for a training user or any watch history",
                   [](CLI::App& app) -> cli::RunFn {
                       auto o = std::make_shared<RecommendOptions>();
                       app.add_option("--model", o->model, "Model file (.safetensors from `anirec train`)")->required();
                       app.add_option("--user", o->user, "Raw user id or user name of the training data (or of --history-file)");
                       app.add_option("--history", o->history,
                                      "Titles or raw anime ids in watch order, separated by ';' (\"Shingeki no Kyojin; Steins;Gate; 9253\")");
                       app.add_option("--history-file", o->history_file,
                                      "One user's interactions in any supported format (e.g. a MyAnimeList export)");
                       app.add_option("-k,--k", o->k, "How many recommendations")->default_str("10");
                       app.add_flag("--json", o->json, "Print JSON instead of a table");
                       cli::add_filter_flags(app, o->filters, true);
                       // Grouped so the reading flags of --history-file stand apart in --help.
                       cli::add_ingest_flags(*app.add_option_group("Reading --history-file"), o->ingest);
                       return [o] { return run_recommend(*o); };
                   }};

}  // namespace
