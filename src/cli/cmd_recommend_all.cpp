// `anirec recommend-all --model m.safetensors [--data d.anirec] -k 20 -o recs.csv|recs.jsonl
//                       [--threads N] [--exclude-seen/--no-exclude-seen] [filters]`
//
// Top-K for every user: of --data (a dataset file or any raw interaction file; items
// are matched to the model by raw id), or, without --data, of the histories stored in
// the model file. Users are processed in blocks of Recommender::max_batch(): one
// sasrec_last_state call and one sgemm per block, blocks spread over the threads. The
// output is streamed in user order through an AtomicFile (all or nothing), as CSV or
// JSONL (format from the extension, or --format); rows are described in
// serve/rec_format.h. Progress and users/s go to stderr.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/rec_flags.h"
#include "data/ingest.h"
#include "serve/rec_format.h"
#include "serve/recommender.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct RecommendAllOptions {
    std::string model;
    std::string data;
    std::string out;
    std::string format = "auto";
    int32_t k = 20;
    int threads = 0;
    bool quiet = false;
    cli::FilterFlags filters;
};

bool ends_with(const std::string& s, const char* suffix) {
    const std::string suf(suffix);
    return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// Where the users come from: a dataset (items mapped by raw id) or the model file.
struct UserSource {
    std::vector<std::string> ids;
    std::vector<int64_t> offsets;
    std::vector<int32_t> items;  // model dense ids; items unknown to the model are dropped
    int64_t dropped = 0;         // interactions with items the model does not know
};

UserSource users_from(const Recommender& rec, const RecommendAllOptions& o) {
    UserSource s;
    if (o.data.empty()) {
        s.ids = rec.meta().user_ids;
        s.offsets = rec.meta().user_offsets;
        s.items = rec.meta().user_items;
        if (s.ids.empty())
            throw Error(cat(o.model, ": stores no user histories; give --data with the users to recommend for"));
        return s;
    }
    Dataset ds = load_or_ingest(o.data);
    if (ds.n_users() == 0) throw Error(cat(o.data, ": no users"));
    std::vector<int32_t> to_model(ds.item_ids.size(), 0);
    for (size_t i = 1; i < ds.item_ids.size(); ++i) to_model[i] = rec.catalog().find_raw_id(ds.item_ids[i]);
    s.ids = std::move(ds.user_ids);
    s.offsets.reserve(s.ids.size() + 1);
    s.offsets.push_back(0);
    s.items.reserve(ds.items.size());
    for (int32_t u = 0; u < static_cast<int32_t>(s.ids.size()); ++u) {
        for (int32_t it : ds.sequence(u)) {
            const int32_t m = to_model[static_cast<size_t>(it)];
            if (m) s.items.push_back(m);
            else ++s.dropped;
        }
        s.offsets.push_back(static_cast<int64_t>(s.items.size()));
    }
    return s;
}

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

int run_recommend_all(const RecommendAllOptions& o) {
    bool csv;
    if (o.format == "csv") csv = true;
    else if (o.format == "jsonl") csv = false;
    else if (ends_with(o.out, ".csv")) csv = true;
    else if (ends_with(o.out, ".jsonl") || ends_with(o.out, ".ndjson")) csv = false;
    else throw UsageError(cat("-o ", o.out, ": cannot tell the format from the name; use .csv or .jsonl, or --format"));

    const auto rec = Recommender::load(o.model);
    rec->check_k(o.k);
    const FilterSpec spec = o.filters.spec();
    const ItemFilter filter = rec->catalog().compile(spec);
    const UserSource users = users_from(*rec, o);
    if (users.dropped > 0 && !o.quiet)
        std::fprintf(stderr, "note: %lld interactions of %s are with animes the model does not know; left out\n",
                     static_cast<long long>(users.dropped), o.data.c_str());
    set_num_threads(o.threads);
    const int nt = num_threads();

    const int64_t U = static_cast<int64_t>(users.ids.size());
    const int64_t B = Recommender::max_batch();
    const int64_t round_users = B * 8 * nt;  // bounded memory: one round of text at a time
    const Catalog& catalog = rec->catalog();
    AtomicFile out(o.out);
    if (csv) out.write("user_id,rank,anime_id,score,title\n");

    Timer timer;
    double last_report = 0;
    std::atomic<int64_t> empty_count{0};  // users with no anime the model knows
    for (int64_t r0 = 0; r0 < U; r0 += round_users) {
        const int64_t r1 = std::min(U, r0 + round_users);
        const int64_t n_blocks = (r1 - r0 + B - 1) / B;
        std::vector<std::string> text(static_cast<size_t>(n_blocks));
        parallel_for(0, n_blocks, [&](int64_t blk, int) {
            const int64_t u0 = r0 + blk * B, u1 = std::min(r1, u0 + B);
            std::vector<std::span<const int32_t>> hs;
            for (int64_t u = u0; u < u1; ++u)
                hs.emplace_back(users.items.data() + users.offsets[static_cast<size_t>(u)],
                                static_cast<size_t>(users.offsets[static_cast<size_t>(u) + 1] -
                                                    users.offsets[static_cast<size_t>(u)]));
            const auto recs = rec->recommend_batch(hs, o.k, filter, spec.exclude_seen);
            std::string& t = text[static_cast<size_t>(blk)];
            for (int64_t u = u0; u < u1; ++u) {
                const auto& top = recs[static_cast<size_t>(u - u0)];
                const std::string& uid = users.ids[static_cast<size_t>(u)];
                if (hs[static_cast<size_t>(u - u0)].empty()) ++empty_count;
                if (csv) {
                    const std::string uf = csv_field(uid);
                    for (size_t r = 0; r < top.size(); ++r) {
                        t += uf;
                        t += ',';
                        t += std::to_string(r + 1);
                        t += ',';
                        t += csv_field(catalog.raw_id(top[r].item));
                        t += ',';
                        t += format_score(top[r].score);
                        t += ',';
                        t += csv_field(catalog.title(top[r].item));
                        t += '\n';
                    }
                } else {
                    t += "{\"user\":";
                    t += json_string(uid);
                    t += ",\"items\":[";
                    for (size_t r = 0; r < top.size(); ++r) {
                        if (r) t += ',';
                        t += "{\"rank\":";
                        t += std::to_string(r + 1);
                        t += ",\"id\":";
                        t += json_string(catalog.raw_id(top[r].item));
                        t += ",\"title\":";
                        t += json_string(catalog.title(top[r].item));
                        t += ",\"score\":";
                        t += format_score(top[r].score);
                        t += '}';
                    }
                    t += "]}\n";
                }
            }
        });
        for (const std::string& t : text) out.write(t);
        const double s = timer.seconds();
        if (!o.quiet && s - last_report >= 1.0) {
            last_report = s;
            std::fprintf(stderr, "\rrecommend-all: %lld/%lld users, %.0f users/s   ", static_cast<long long>(r1),
                         static_cast<long long>(U), static_cast<double>(r1) / s);
            std::fflush(stderr);
        }
    }
    out.commit();
    const int64_t empty_users = empty_count.load();
    const double s = timer.seconds();
    if (!o.quiet) {
        if (last_report > 0) std::fprintf(stderr, "\n");
        std::fprintf(stderr, "recommend-all: %lld users, top %d each, written to %s in %.2f s (%.0f users/s, %d threads)\n",
                     static_cast<long long>(U), o.k, o.out.c_str(), s, s > 0 ? static_cast<double>(U) / s : 0.0, nt);
        if (empty_users > 0)
            std::fprintf(stderr, "note: %lld users have no history the model knows; they get no recommendations\n",
                         static_cast<long long>(empty_users));
    }
    return 0;
}

cli::Registrar reg{"recommend-all", "Top-K recommendations for every user, to CSV or JSONL",
                   [](CLI::App& app) -> cli::RunFn {
                       auto o = std::make_shared<RecommendAllOptions>();
                       app.add_option("--model", o->model, "Model file (.safetensors from `anirec train`)")->required();
                       app.add_option("--data", o->data,
                                      "Users to recommend for: dataset file or raw interactions (default: the "
                                      "histories stored in the model)");
                       app.add_option("-o,--out", o->out, "Output file: .csv or .jsonl")->required();
                       app.add_option("--format", o->format, "csv, jsonl or auto (from the -o extension)")
                           ->check(CLI::IsMember({"auto", "csv", "jsonl"}))
                           ->default_str("auto");
                       app.add_option("-k,--k", o->k, "Recommendations per user")->default_str("20");
                       app.add_option("--threads", o->threads, "Worker threads (0 = all cores)")
                           ->check(CLI::Range(0, 1024))
                           ->default_str("0");
                       app.add_flag("--quiet", o->quiet, "No progress or summary on stderr");
                       cli::add_filter_flags(app, o->filters, true);
                       return [o] { return run_recommend_all(*o); };
                   }};

}  // namespace
