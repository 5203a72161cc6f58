// `anirec eval [--model m.safetensors] [--data d.anirec] [--protocol full|sampled|both]
//              [--split loo|random] [--on valid|test] [--k 1,5,10,20] [--json]
//              [--ranks-out ranks.csv] [--baselines mostpop,markov,itemknn|none] ...`
//
// Ranks every user's held-out item with the model and the baselines under the same
// protocol and prints one table per protocol (or --json). Without --model, only the
// baselines are evaluated on --data; without --data, the histories stored in the model
// file are used. The split defaults to the one recorded in the model card, else to the
// data's order (docs/evaluation.md).
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "data/ingest.h"
#include "eval/baselines.h"
#include "eval/evaluator.h"
#include "eval/report.h"
#include "eval/sasrec_scorer.h"
#include "eval/split.h"
#include "model/model_file.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct EvalCliOptions {
    std::string model;
    std::string data;
    std::string protocol = "full";
    std::string split;  // "" = from the model card, else from the data order
    uint64_t split_seed = 0;
    CLI::Option* split_seed_opt = nullptr;
    std::string on = "test";
    std::string ks = "1,5,10,20";
    bool json = false;
    std::string ranks_out;
    std::string baselines = "mostpop,markov,itemknn";
    uint64_t seed = 42;
    int threads = 0;
    int32_t negatives = 100;
    bool popularity_negatives = false;
    bool update_card = false;
    bool quiet = false;
};

Dataset dataset_from_model(const LoadedModel& m, const std::string& path) {
    Dataset ds;
    ds.user_ids = m.meta.user_ids;
    ds.item_ids = m.meta.item_ids;
    ds.offsets = m.meta.user_offsets;
    ds.items = m.meta.user_items;
    ds.item_info = m.meta.item_info;
    ds.order = m.meta.order;
    ds.source = cat(m.meta.source, " (histories stored in ", path, ")");
    return ds;
}

// The model ranks its own dense item ids: the data must number items the same way.
void check_same_items(const LoadedModel& m, const Dataset& ds, const std::string& model_path,
                      const std::string& data_path) {
    const auto& a = m.meta.item_ids;
    const auto& b = ds.item_ids;
    if (a.size() != b.size())
        throw Error(cat(data_path, ": has ", ds.n_items(), " items but model ", model_path, " was trained on ",
                        static_cast<int64_t>(a.size()) - 1, " (evaluate on the dataset the model was trained on)"));
    for (size_t i = 1; i < a.size(); ++i)
        if (a[i] != b[i])
            throw Error(cat(data_path, ": item ", i, " is '", b[i], "' but model ", model_path, " has '", a[i],
                            "' there (evaluate on the dataset the model was trained on)"));
}

int run_eval(const EvalCliOptions& o) {
    if (o.model.empty() && o.data.empty()) throw UsageError("give --model, --data, or both");
    const std::vector<int32_t> ks = parse_ks(o.ks);
    const auto baseline_names = parse_baselines(o.baselines);
    if (o.model.empty() && baseline_names.empty())
        throw UsageError("--baselines none without --model leaves nothing to evaluate");
    if (o.update_card && o.model.empty()) throw UsageError("--update-card needs --model");
    set_num_threads(o.threads);
    auto note = [&](const std::string& s) {
        if (!o.quiet) std::fprintf(stderr, "%s\n", s.c_str());
    };

    std::optional<LoadedModel> model;
    if (!o.model.empty()) model.emplace(load_model(o.model));
    Dataset ds = o.data.empty() ? dataset_from_model(*model, o.model) : load_or_ingest(o.data);
    if (model && !o.data.empty()) check_same_items(*model, ds, o.model, o.data);

    // The split: flags, else what the model was trained on, else the data's order.
    SplitKind card_kind = SplitKind::LEAVE_ONE_OUT;
    uint64_t card_seed = 0;
    const bool from_card = model && model->meta.card.contains("split") &&
                           split_from_json(model->meta.card["split"], card_kind, card_seed);
    SplitKind kind = !o.split.empty() ? parse_split_kind(o.split) : from_card ? card_kind : default_split_kind(ds.order);
    uint64_t split_seed = (o.split_seed_opt && o.split_seed_opt->count() > 0) ? o.split_seed
                          : from_card                                        ? card_seed
                                                                             : o.seed;
    if (from_card && (kind != card_kind || (kind == SplitKind::RANDOM && split_seed != card_seed)))
        std::fprintf(stderr,
                     "WARNING: the model was trained with the split recorded in its card (%s); evaluating on "
                     "another split puts held-out items into what it trained on\n",
                     model->meta.card["split"].dump().c_str());
    std::string warning;
    if (o.split.empty() && !from_card) warning = split_default_warning(ds.order);
    if (!o.split.empty() && kind == SplitKind::LEAVE_ONE_OUT && !order_is_chronological(ds.order))
        warning = cat("WARNING: --split loo on data whose order is '", order_kind_name(ds.order),
                      "', not time: the held-out items are the last in that order");
    if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());

    const Split split = make_split(ds, kind, split_seed);
    const EvalTarget target = o.on == "valid" ? EvalTarget::VALID : EvalTarget::TEST;

    EvalOptions eo;
    eo.ks = ks;
    eo.full = o.protocol == "full" || o.protocol == "both";
    eo.sampled = o.protocol == "sampled" || o.protocol == "both";
    eo.n_negatives = o.negatives;
    eo.popularity_negatives = o.popularity_negatives;
    eo.seed = o.seed;
    eo.keep_ranks = !o.ranks_out.empty();

    std::vector<EvalResult> results;
    auto run = [&](const Scorer& sc) {
        note(cat("eval: ", sc.name(), " on ", split.users_with_holdout(), " users..."));
        for (auto& r : evaluate(sc, split, target, eo)) results.push_back(std::move(r));
    };
    if (model) {
        if (model->config.n_items != split.n_items)
            throw Error(cat(o.model, ": model has ", model->config.n_items, " items, the data ", split.n_items));
        run(SasrecScorer(model->params));
    }
    for (const auto& name : baseline_names) {
        Timer t;
        auto sc = make_baseline(name, split);
        if (t.seconds() > 1.0) note(cat("eval: fitted ", name, " in ", t.seconds(), " s"));
        run(*sc);
    }

    ReportContext ctx;
    ctx.split = split.protocol;
    ctx.order = order_kind_name(ds.order);
    ctx.split_warning = warning;
    ctx.target = target;
    ctx.users_evaluated = results.empty() ? 0 : results.front().metrics.n_users;
    ctx.users_skipped = results.empty() ? 0 : results.front().users_skipped;
    ctx.n_items = split.n_items;
    ctx.model = model ? "sasrec" : "";
    ctx.data = o.data.empty() ? o.model : o.data;

    if (!o.ranks_out.empty()) {
        write_ranks_csv(o.ranks_out, results, ds.user_ids);
        note(cat("eval: per-user ranks written to ", o.ranks_out));
    }
    const nlohmann::json doc = report_json(ctx, results);
    if (o.update_card) {
        nlohmann::json card = model->meta.card;
        card["evaluation"][eval_target_name(target)] = doc;
        update_model_card(o.model, card);
        note(cat("eval: results stored in the card of ", o.model));
    }
    if (o.json)
        std::cout << doc.dump(2) << "\n";
    else
        std::cout << format_report(ctx, results);
    return 0;
}

cli::Registrar reg{
    "eval", "Evaluate a model and baselines (full-ranking and sampled metrics)",
    [](CLI::App& app) -> cli::RunFn {
        auto o = std::make_shared<EvalCliOptions>();
        app.add_option("--model", o->model, "Model file from 'anirec train' (omit to evaluate baselines only)");
        app.add_option("--data", o->data,
                       "Dataset (.anirec from 'anirec prepare', or a ratings file read with default options); "
                       "default: the histories stored in the model");
        app.add_option("--protocol", o->protocol,
                       "full: rank against every item not in the history; sampled: against 100 negatives "
                       "(the SASRec paper's protocol); both")
            ->check(CLI::IsMember({"full", "sampled", "both"}))
            ->capture_default_str();
        app.add_option("--split", o->split,
                       "loo (leave-one-out: last item test, second-to-last validation) or random (seeded hold-out); "
                       "default: the model's, else loo for time-ordered data and random otherwise")
            ->check(CLI::IsMember({"loo", "random"}));
        o->split_seed_opt = app.add_option("--split-seed", o->split_seed,
                                           "Seed of the random split (default: the model's, else --seed)");
        app.add_option("--on", o->on, "Which held-out item to rank: test or valid")
            ->check(CLI::IsMember({"valid", "test"}))
            ->capture_default_str();
        app.add_option("--k", o->ks, "Cut-offs K for HR/NDCG/Recall/coverage, comma-separated")->capture_default_str();
        app.add_flag("--json", o->json, "Print the report as JSON");
        app.add_option("--ranks-out", o->ranks_out,
                       "Write each user's rank (0-based, pessimistic) per scorer and protocol to this CSV");
        app.add_option("--baselines", o->baselines, "Comma-separated: mostpop, markov, itemknn; or none")
            ->capture_default_str();
        app.add_option("--seed", o->seed, "Seed of the sampled negatives (and of the random split)")
            ->capture_default_str();
        app.add_option("--threads", o->threads, "Threads (0 = all cores)")->check(CLI::Range(0, 1024));
        app.add_option("--negatives", o->negatives, "Negatives per user for --protocol sampled")
            ->check(CLI::Range(1, 1000000))
            ->capture_default_str();
        app.add_flag("--popularity-negatives", o->popularity_negatives,
                     "Sample negatives in proportion to training counts instead of uniformly");
        app.add_flag("--update-card", o->update_card, "Store the results in the model file's card");
        app.add_flag("-q,--quiet", o->quiet, "No progress notes on stderr");
        return [o] { return run_eval(*o); };
    }};

}  // namespace
