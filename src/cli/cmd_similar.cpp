// `anirec similar --model m.safetensors "Title or id" [-k 10] [--include-genres ..]
//                 [--exclude-genres ..] [--types ..] [--explain] [--raw-cosine] [--json]`
//
// The nearest animes by cosine similarity of the model's item embeddings, after removing
// their mean and top principal direction (popularity; serve/embedding_space.h) unless
// --raw-cosine. --explain
// adds how many training users watched both. Exit 1 when the title does not resolve
// (candidates or suggestions printed), 2 for a bad flag or k.
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/rec_flags.h"
#include "serve/rec_format.h"
#include "serve/recommender.h"
#include "util/error.h"

namespace {

using namespace anirec;

struct SimilarOptions {
    std::string model;
    std::string anime;
    int32_t k = 10;
    bool explain = false;
    bool json = false;
    bool raw_cosine = false;
    cli::FilterFlags filters;
};

int run_similar(const SimilarOptions& o) {
    const FilterSpec spec = o.filters.spec();
    const auto rec =
        Recommender::load(o.model, o.raw_cosine ? SimilaritySpace::RAW : SimilaritySpace::DEBIASED);
    const std::string measure = rec->similarity_space() == SimilaritySpace::RAW
                                    ? "cosine similarity of item embeddings"
                                    : "cosine similarity of item embeddings without their mean and popularity direction";
    rec->check_k(o.k);
    const int32_t item = rec->resolve_item_or_throw(o.anime);
    const RecResult res = rec->similar(item, o.k, spec, o.explain);
    const Catalog& c = rec->catalog();
    if (o.json) {
        nlohmann::json q = {{"item", item},
                            {"id", c.raw_id(item)},
                            {"title", c.title(item)},
                            {"genres", c.genre_list(item)},
                            {"type", c.type(item)}};
        if (o.explain && rec->n_users() > 0) q["watched_by"] = rec->popularity(item);
        nlohmann::json j = {{"model", o.model},
                            {"query", q},
                            {"k", o.k},
                            {"space", similarity_space_name(rec->similarity_space())},
                            {"similar", rec_rows_json(res.rows)}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "Animes similar to " << describe_item(*rec, item) << "\n";
    if (o.explain && rec->n_users() > 0)
        std::cout << "(" << measure << "; \"watched by both\" counts training users, of "
                  << rec->popularity(item) << " who watched this one)\n";
    else if (o.explain)
        std::cout << "(" << measure << "; this model file stores no histories to count)\n";
    if (res.rows.empty()) {
        std::cout << "No anime passes the filters.\n";
        return 0;
    }
    std::cout << format_rec_table(res.rows, o.explain, "cosine");
    return 0;
}

cli::Registrar reg{"similar", "Animes most similar to one anime (cosine of item embeddings)",
                   [](CLI::App& app) -> cli::RunFn {
                       auto o = std::make_shared<SimilarOptions>();
                       app.add_option("--model", o->model, "Model file (.safetensors from `anirec train`)")->required();
                       app.add_option("anime", o->anime, "Title (main, English or Japanese), raw id, or id:RAW")->required();
                       app.add_option("-k,--k", o->k, "How many similar animes")->default_str("10");
                       app.add_flag("--explain", o->explain, "Also show how many training users watched both");
                       app.add_flag("--json", o->json, "Print JSON instead of a table");
                       app.add_flag("--raw-cosine", o->raw_cosine,
                                    "Cosine of the embeddings as trained (default: without their mean and top "
                                    "principal direction, which mostly encodes popularity)");
                       cli::add_filter_flags(app, o->filters, false);
                       return [o] { return run_similar(*o); };
                   }};

}  // namespace
