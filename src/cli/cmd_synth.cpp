// `anirec synth -o DIR [--preset demo|kaggle2020] [--users N] [--items N] [--seed S] ...`:
// writes DIR/ratings.csv and DIR/anime.csv, a seeded synthetic anime world with a planted
// sequential structure (docs/synth.md). A preset sets every field; flags given override it.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "cli/command.h"
#include "data/synth.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct SynthOptions {
    std::string output;
    std::string preset = "demo";
    SynthConfig cfg;  // flag values; only the flags actually given override the preset
    std::string shape = "timestamped";
    std::string order = "default";
    int threads = 0;
    bool quiet = false;
    // The options whose presence on the command line overrides the preset.
    CLI::Option *users = nullptr, *items = nullptr, *seed = nullptr, *mean_length = nullptr,
                *length_sigma = nullptr, *min_length = nullptr, *zipf = nullptr, *taste = nullptr,
                *follow = nullptr, *soon = nullptr, *shape_opt = nullptr, *order_opt = nullptr;
};

int run_synth(const SynthOptions& o) {
    SynthConfig cfg = synth_preset(o.preset);
    auto given = [](const CLI::Option* opt) { return opt && opt->count() > 0; };
    if (given(o.users)) cfg.n_users = o.cfg.n_users;
    if (given(o.items)) cfg.n_items = o.cfg.n_items;
    if (given(o.seed)) cfg.seed = o.cfg.seed;
    if (given(o.mean_length)) cfg.mean_length = o.cfg.mean_length;
    if (given(o.length_sigma)) cfg.length_sigma = o.cfg.length_sigma;
    if (given(o.min_length)) cfg.min_length = o.cfg.min_length;
    if (given(o.zipf)) cfg.zipf = o.cfg.zipf;
    if (given(o.taste)) cfg.taste = o.cfg.taste;
    if (given(o.follow)) cfg.follow = o.cfg.follow;
    if (given(o.soon)) cfg.soon = o.cfg.soon;
    if (given(o.shape_opt)) cfg.shape = o.shape == "kaggle2020" ? SynthShape::KAGGLE2020 : SynthShape::TIMESTAMPED;
    if (given(o.order_opt)) {
        static const std::map<std::string, SynthOrder> orders{{"default", SynthOrder::DEFAULT},
                                                              {"time", SynthOrder::TIME},
                                                              {"item-id", SynthOrder::ITEM_ID},
                                                              {"shuffled", SynthOrder::SHUFFLED}};
        cfg.order = orders.at(o.order);
    }
    synth_validate(cfg);  // cross-field checks (mean-length vs items, ...) -> UsageError, exit 2
    set_num_threads(o.threads);

    const bool show = !o.quiet && ::isatty(STDERR_FILENO);
    Timer timer;
    double last = -1;
    auto progress = [&](int64_t users_done, int64_t rows) {
        if (!show || (timer.seconds() - last < 0.5 && users_done < cfg.n_users)) return;
        last = timer.seconds();
        std::fprintf(stderr, "\rsynth: %lld/%lld users, %lld rows, %.1f s", static_cast<long long>(users_done),
                     static_cast<long long>(cfg.n_users), static_cast<long long>(rows), last);
    };
    SynthSummary s = synth_write(cfg, o.output, progress);
    if (show) std::fprintf(stderr, "\n");
    if (!o.quiet)
        std::printf("synth: wrote %s (%lld users, %lld ratings, %.1f MB, shape %s) and %s (%d animes) in %.2f s\n",
                    s.ratings_path.c_str(), static_cast<long long>(s.n_users),
                    static_cast<long long>(s.n_interactions), s.ratings_bytes / 1e6, synth_shape_name(cfg.shape),
                    s.anime_path.c_str(), s.n_items, timer.seconds());
    return 0;
}

cli::Registrar reg{
    "synth", "Generate a synthetic anime ratings file with a planted sequential structure",
    [](CLI::App& app) -> cli::RunFn {
        auto o = std::make_shared<SynthOptions>();
        app.add_option("-o,--output", o->output, "Folder to write ratings.csv and anime.csv into (created)")
            ->required();
        app.add_option("--preset", o->preset,
                       "demo: 4,000 users, 1,500 animes, ~200k ratings; kaggle2020: 310,059 users, "
                       "16,872 animes, ~57.6M ratings. Flags below override it")
            ->check(CLI::IsMember({"demo", "kaggle2020"}))
            ->capture_default_str();
        o->users = app.add_option("--users", o->cfg.n_users, "Number of users")
                       ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
        o->items = app.add_option("--items", o->cfg.n_items, "Number of animes in the catalogue")
                       ->check(CLI::Range(10, 5'000'000));
        o->seed = app.add_option("--seed", o->cfg.seed, "Random seed (same seed + flags = same bytes)")
                      ->capture_default_str();
        o->mean_length = app.add_option("--mean-length", o->cfg.mean_length,
                                        "Mean number of animes per user (at most items/4)")
                             ->check(CLI::Range(1.0, 100000.0));
        o->length_sigma = app.add_option("--length-sigma", o->cfg.length_sigma,
                                         "Log-normal sigma of the per-user lengths (heavier tail when larger)")
                              ->check(CLI::Range(0.0, 3.0))
                              ->capture_default_str();
        o->min_length = app.add_option("--min-length", o->cfg.min_length, "Shortest user history")
                            ->check(CLI::Range(1, 100000))
                            ->capture_default_str();
        o->zipf = app.add_option("--zipf", o->cfg.zipf, "Franchise popularity exponent: weight = rank^-zipf")
                      ->check(CLI::Range(0.0, 3.0))
                      ->capture_default_str();
        o->taste = app.add_option("--taste", o->cfg.taste,
                                  "Share of new-franchise picks drawn from the user's genre clusters")
                       ->check(CLI::Range(0.0, 1.0))
                       ->capture_default_str();
        o->follow = app.add_option("--follow", o->cfg.follow, "P(watch entry k+1 of a franchise | watched entry k)")
                        ->check(CLI::Range(0.0, 1.0))
                        ->capture_default_str();
        o->soon = app.add_option("--soon", o->cfg.soon,
                                 "P(entry k+1 is the very next anime | it is watched); else 2-40 animes later")
                      ->check(CLI::Range(0.0, 1.0))
                      ->capture_default_str();
        o->shape_opt = app.add_option("--shape", o->shape,
                                      "timestamped: user_id,anime_id,rating,timestamp; kaggle2020: "
                                      "user_id,anime_id,rating (rating_complete.csv)")
                           ->check(CLI::IsMember({"timestamped", "kaggle2020"}))
                           ->capture_default_str();
        o->order_opt = app.add_option("--order", o->order,
                                      "Row order within a user: time, item-id (like the Kaggle files), shuffled; "
                                      "default = time for timestamped, item-id for kaggle2020")
                           ->check(CLI::IsMember({"default", "time", "item-id", "shuffled"}))
                           ->capture_default_str();
        app.add_option("--threads", o->threads, "Threads (0 = all cores); the output does not depend on it")
            ->check(CLI::Range(0, 1024))
            ->capture_default_str();
        app.add_flag("-q,--quiet", o->quiet, "No progress line and no summary");
        return [o] { return run_synth(*o); };
    }};

}  // namespace
