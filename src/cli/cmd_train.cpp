// `anirec train DATA -o model.safetensors [flags]`: trains SASRec on a dataset
// (.anirec from `anirec prepare`, or a ratings file read with default options).
//
// DATA is split (leave-one-out or a seeded random hold-out, by the data's order or
// --split); the model trains on the training part, is validated on the validation
// items through the evaluator (full ranking, NDCG@10 selects the best checkpoint), and
// at the end the best model is evaluated once on the test items, with MostPop beside
// it; the results go into the model card. docs/training.md describes every flag.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "data/ingest.h"
#include "eval/baselines.h"
#include "eval/evaluator.h"
#include "eval/report.h"
#include "eval/sasrec_scorer.h"
#include "eval/split.h"
#include "model/model_file.h"
#include "train/trainer.h"
#include "util/error.h"
#include "util/parallel.h"

namespace {

using namespace anirec;
using json = nlohmann::json;

struct TrainCliOptions {
    std::string data;
    TrainOptions t;
    std::string loss = "bce";
    std::string norm;
    std::string optimizer = "adam";
    std::string schedule = "constant";
    float lr = 1e-3f;
    int32_t negatives = 0;  // 0: the loss's default
    CLI::Option* negatives_opt = nullptr;
    CLI::Option* weight_decay_opt = nullptr;
    std::string split;  // "" = by the data's order
    uint64_t split_seed = 0;
    CLI::Option* split_seed_opt = nullptr;
    std::string order;  // "" = by the data's order
    int threads = 0;
    bool no_validate = false;
    bool no_test = false;
    std::string valid_protocol = "full";
    std::string baselines = "mostpop";
};

// Sampled losses default to 256 negatives (gSASRec's setting).
constexpr int32_t DEFAULT_SAMPLED_NEGATIVES = 256;

int run_train(TrainCliOptions& o) {
    TrainOptions& t = o.t;
    t.loss.kind = parse_loss_kind(o.loss);
    if (!o.norm.empty()) t.model.norm = parse_norm_layout(o.norm);
    t.optim.kind = parse_optimizer_kind(o.optimizer);
    t.schedule.kind = parse_schedule_kind(o.schedule);
    t.schedule.lr = o.lr;
    const bool sampled = t.loss.kind == LossKind::SAMPLED_CE || t.loss.kind == LossKind::GBCE;
    if (o.negatives_opt->count() > 0 && !sampled)
        throw UsageError(cat("--negatives: applies to --loss sampled-ce and gbce (", o.loss,
                             (t.loss.kind == LossKind::BCE ? " uses 1 negative per position)" : " uses every item)")));
    t.loss.negatives = sampled ? (o.negatives_opt->count() > 0 ? o.negatives : DEFAULT_SAMPLED_NEGATIVES) : 1;
    if (o.weight_decay_opt->count() > 0 && t.optim.kind != OptimizerKind::ADAMW)
        throw UsageError("--weight-decay: applies to --optimizer adamw (with adam, use --l2-emb)");
    if (t.optim.kind == OptimizerKind::ADAMW && o.weight_decay_opt->count() == 0) t.optim.weight_decay = 0.01f;
    if (o.no_validate && t.patience > 0) throw UsageError("--patience: needs validation (drop --no-validate)");
    t.validate();
    t.optim.validate();
    set_num_threads(o.threads);

    Dataset ds = load_or_ingest(o.data);
    if (ds.n_interactions() == 0 || ds.n_items() == 0)
        throw Error(cat(o.data, ": no interactions to train on (see `anirec stats ", o.data, "`)"));
    t.model.n_items = ds.n_items();
    t.model.validate();

    // Split and order: the defaults follow what the data's order means (issue: the
    // Kaggle anime files are sorted by MyAnimeList id, not time).
    const SplitKind kind = o.split.empty() ? default_split_kind(ds.order) : parse_split_kind(o.split);
    const uint64_t split_seed = o.split_seed_opt->count() > 0 ? o.split_seed : t.seed;
    if (o.split.empty()) {
        const std::string w = split_default_warning(ds.order);
        if (!w.empty() && t.verbose > 0) std::fprintf(stderr, "%s\n", w.c_str());
    } else if (kind == SplitKind::LEAVE_ONE_OUT && !order_is_chronological(ds.order)) {
        std::fprintf(stderr, "WARNING: --split loo on data whose order is '%s', not time\n", order_kind_name(ds.order));
    }
    t.shuffle_order = o.order.empty() ? !order_is_chronological(ds.order) : o.order == "shuffle";
    const Split split = make_split(ds, kind, split_seed);

    ModelMeta meta = model_meta_from_dataset(ds);
    meta.card = json{{"anirec", "0.1.0"},
                     {"data",
                      {{"path", o.data},
                       {"source", ds.source},
                       {"order", order_kind_name(ds.order)},
                       {"users", ds.n_users()},
                       {"items", ds.n_items()},
                       {"interactions", ds.n_interactions()}}},
                     {"split", split_to_json(split)},
                     {"training_order", t.shuffle_order ? "shuffle" : "keep"}};
    TrainData data{{split.train_offsets, split.train_items}, {split.history_offsets, split.history_items},
                   split.n_items};

    ValidationHook hook;
    const bool can_validate = split.users_with_holdout() > 0;
    if (!o.no_validate && !can_validate && t.verbose > 0)
        std::fprintf(stderr, "note: no user has 3 or more interactions: training without validation\n");
    if (!o.no_validate && can_validate) {
        EvalOptions eo;
        eo.full = o.valid_protocol == "full";
        eo.sampled = !eo.full;
        eo.seed = t.seed;
        eo.coverage = false;
        hook = [&split, eo](const ParamArena& w) {
            const ValidationScores v = validate_sasrec(w, split, eo);
            ValidationReport r;
            r.score = v.ndcg_at_10;
            r.name = "NDCG@10";
            r.metrics = {{"ndcg@10", v.ndcg_at_10}, {"hr@10", v.hr_at_10}, {"mrr", v.mrr},
                         {"users", v.users},        {"seconds", v.seconds}, {"protocol", v.protocol}};
            return r;
        };
    }

    if (t.verbose > 0)
        std::fprintf(stderr, "train: %d users (%d trainable), %d items, %lld interactions; split %s; order %s\n",
                     ds.n_users(), split.n_users(), ds.n_items(), static_cast<long long>(ds.n_interactions()),
                     split.protocol.c_str(), t.shuffle_order ? "shuffled each epoch" : "kept");
    Trainer trainer(t, data, std::move(meta), hook);
    const TrainResult res = trainer.run();

    // The test split is read once, here, with the model that validation selected.
    if (!o.no_test && can_validate) {
        LoadedModel best = load_model(t.output);
        EvalOptions eo;
        eo.full = true;
        eo.sampled = false;
        eo.seed = t.seed;
        std::vector<EvalResult> results;
        SasrecScorer scorer(best.params);
        for (auto& r : evaluate(scorer, split, EvalTarget::TEST, eo)) results.push_back(std::move(r));
        for (const auto& name : parse_baselines(o.baselines)) {
            auto sc = make_baseline(name, split);
            for (auto& r : evaluate(*sc, split, EvalTarget::TEST, eo)) results.push_back(std::move(r));
        }
        ReportContext ctx;
        ctx.split = split.protocol;
        ctx.order = order_kind_name(ds.order);
        ctx.split_warning = o.split.empty() ? split_default_warning(ds.order) : "";
        ctx.target = EvalTarget::TEST;
        ctx.users_evaluated = results.front().metrics.n_users;
        ctx.users_skipped = results.front().users_skipped;
        ctx.n_items = split.n_items;
        ctx.model = "sasrec";
        ctx.data = o.data;
        json card = best.meta.card;
        card["evaluation"][eval_target_name(EvalTarget::TEST)] = report_json(ctx, results);
        update_model_card(t.output, card);
        std::cout << format_report(ctx, results);
    }
    (void)res;
    return 0;
}

cli::Registrar reg{
    "train", "Train a SASRec model on a dataset",
    [](CLI::App& app) -> cli::RunFn {
        auto o = std::make_shared<TrainCliOptions>();
        TrainOptions& t = o->t;
        app.add_option("data", o->data, "Dataset (.anirec from 'anirec prepare', or a ratings file)")->required();
        app.add_option("-o,--output", t.output, "Model file to write (safetensors layout)")->required();
        // Model
        app.add_option("--maxlen", t.model.maxlen, "Input length T: the last T items of a history")
            ->check(CLI::Range(1, 4096))->capture_default_str();
        app.add_option("--hidden", t.model.hidden, "Hidden size d")->check(CLI::Range(1, 4096))->capture_default_str();
        app.add_option("--blocks", t.model.blocks, "Self-attention blocks")->check(CLI::Range(1, 64))->capture_default_str();
        app.add_option("--heads", t.model.heads, "Attention heads (must divide --hidden)")
            ->check(CLI::Range(1, 4096))->capture_default_str();
        app.add_option("--dropout", t.model.dropout, "Dropout rate in [0, 1)")
            ->check(CLI::Range(0.0, 0.999999))->capture_default_str();
        app.add_option("--norm", o->norm, "LayerNorm layout: sasrec (the original code's) or pre")
            ->check(CLI::IsMember({"pre", "sasrec"}))->default_str(norm_layout_name(ModelConfig{}.norm));
        // Loss
        app.add_option("--loss", o->loss, "bce (the paper), ce (full softmax, SASRec+), sampled-ce, gbce (gSASRec)")
            ->check(CLI::IsMember({"bce", "ce", "sampled-ce", "gbce"}))->capture_default_str();
        o->negatives_opt = app.add_option("--negatives", o->negatives,
                                          "Negatives per sequence for sampled-ce and gbce (default 256)")
                               ->check(CLI::Range(1, 100000));
        app.add_option("--gbce-t", t.loss.gbce_t, "gSASRec calibration t in [0, 1]")
            ->check(CLI::Range(0.0, 1.0))->capture_default_str();
        // Optimizer
        app.add_option("--optimizer", o->optimizer, "adam or adamw (decoupled weight decay)")
            ->check(CLI::IsMember({"adam", "adamw"}))->capture_default_str();
        app.add_option("--lr", o->lr, "Learning rate (the base rate of cyclical schedules)")
            ->check(CLI::PositiveNumber)->capture_default_str();
        app.add_option("--beta1", t.optim.beta1, "Adam beta1")->check(CLI::Range(0.0, 0.999999))->capture_default_str();
        app.add_option("--beta2", t.optim.beta2, "Adam beta2 (0.98 as the SASRec reference)")
            ->check(CLI::Range(0.0, 0.999999))->capture_default_str();
        o->weight_decay_opt = app.add_option("--weight-decay", t.optim.weight_decay,
                                             "AdamW weight decay (default 0.01; none on LayerNorm and biases)")
                                  ->check(CLI::Range(0.0, 0.999999));
        app.add_option("--l2-emb", t.optim.l2_emb, "L2 on the item and position embeddings (gradient += l2-emb * w)")
            ->check(CLI::Range(0.0, 1e6))->capture_default_str();
        app.add_option("--clip", t.optim.clip, "Clip the global gradient norm to this (0 = off)")
            ->check(CLI::Range(0.0, 1e9))->capture_default_str();
        // Schedule
        app.add_option("--schedule", o->schedule,
                       "constant, triangular, triangular2, exp_range (cyclical, Smith 2017), one-cycle, warmup-cosine")
            ->check(CLI::IsMember({"constant", "triangular", "triangular2", "exp_range", "one-cycle", "warmup-cosine"}))
            ->capture_default_str();
        app.add_option("--max-lr", t.schedule.max_lr, "Peak rate of cyclical and one-cycle schedules (0 = 10 x --lr)")
            ->check(CLI::Range(0.0, 1e6))->capture_default_str();
        app.add_option("--cycle-steps", t.schedule.cycle_steps,
                       "Steps of half a cycle, base to peak (0 = 2 epochs)")
            ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))->capture_default_str();
        app.add_option("--warmup-steps", t.schedule.warmup_steps,
                       "Linear warmup steps (constant, warmup-cosine; one-cycle's rise, 0 = 30% of the run)")
            ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))->capture_default_str();
        app.add_option("--gamma", t.schedule.gamma, "exp_range decay per step")
            ->check(CLI::Range(1e-9, 1.0))->capture_default_str();
        // Run
        app.add_option("--batch-size", t.batch_size, "Sequences per step")->check(CLI::Range(1, 65536))->capture_default_str();
        app.add_option("--epochs", t.epochs, "Epochs (one pass over the training users each)")
            ->check(CLI::Range(1, 1000000))->capture_default_str();
        app.add_option("--max-steps", t.max_steps, "Stop after this many steps (0 = no limit)")
            ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))->capture_default_str();
        app.add_option("--time-limit", t.time_limit,
                       "Stop at the first step past this many seconds, keeping the best model (0 = none)")
            ->check(CLI::Range(0.0, 1e9))->capture_default_str();
        app.add_option("--seed", t.seed, "Seed of initialisation, sampling, dropout (and the random split)")
            ->capture_default_str();
        app.add_option("--threads", o->threads, "Compute threads (0 = all cores)")->check(CLI::Range(0, 1024));
        app.add_option("--sampler-threads", t.sampler_threads, "Background batch builders (0 = in the compute thread)")
            ->check(CLI::Range(0, 64))->capture_default_str();
        app.add_option("--order", o->order,
                       "keep: train on sequences as they are; shuffle: a fresh permutation each epoch "
                       "(default: keep for time-ordered data, shuffle otherwise)")
            ->check(CLI::IsMember({"keep", "shuffle"}));
        app.add_option("--split", o->split,
                       "loo (leave-one-out) or random (seeded hold-out); default: loo for time-ordered data")
            ->check(CLI::IsMember({"loo", "random"}));
        o->split_seed_opt = app.add_option("--split-seed", o->split_seed, "Seed of the random split (default: --seed)");
        // Validation, checkpoints, output
        app.add_option("--eval-every", t.eval_every, "Validate every N epochs (and after the last)")
            ->check(CLI::Range(1, 1000000))->capture_default_str();
        app.add_option("--patience", t.patience, "Stop after N validations without a new best (0 = never)")
            ->check(CLI::Range(0, 1000000))->capture_default_str();
        app.add_option("--valid-protocol", o->valid_protocol,
                       "Validation protocol: full ranking, or sampled (100 negatives)")
            ->check(CLI::IsMember({"full", "sampled"}))->capture_default_str();
        app.add_flag("--no-validate", o->no_validate, "Do not validate: the model file holds the last epoch");
        app.add_flag("--no-test", o->no_test, "Do not evaluate the test items at the end");
        app.add_option("--baselines", o->baselines, "Baselines evaluated on test beside the model (or none)")
            ->capture_default_str();
        app.add_flag("--resume", t.resume, "Continue from the training state (--state) exactly where it stopped");
        app.add_option("--state", t.state_path, "Training-state file (default: OUTPUT.state)");
        app.add_option("--log", t.log_path, "Append one JSON line per epoch to this file");
        app.add_option("--verbose", t.verbose, "0 silent, 1 progress line and epoch lines")
            ->check(CLI::Range(0, 2))->capture_default_str();
        return [o] { return run_train(*o); };
    }};

}  // namespace
