// The training loop: sample -> forward -> loss -> backward -> (L2, clip) -> optimizer
// step at the scheduled learning rate, with checkpoints, a JSONL log, validation
// through a hook, early stopping, a time limit and exact resume (docs/training.md).
//
// Files (all written atomically: a kill at any moment leaves the last good ones):
//   output        the model file (model/model_file.h). With a validation hook it holds
//                 the best weights by the hook's score (written when the score improves);
//                 without one, the weights at the end of the latest epoch.
//   state_path    the training state (train/train_state.h), rewritten after every epoch
//                 and when the run stops: the latest weights, Adam moments, cursor.
//   log_path      one JSON line per epoch (appended).
//
// Stopping: after `epochs` epochs; early when `patience` validations in a row did not
// beat the best score; at the first step that ends past `time_limit` seconds; after
// `max_steps` updates. A run stopped mid-epoch writes its state (so --resume continues
// from that exact batch) and, with a hook, validates once more so the best model is
// in place. A non-finite loss throws Error naming the step; the files on disk are
// then those of the last good checkpoint.
//
// The trainer depends on the model only: the caller wires evaluation in through the
// hook (the CLI uses eval/sasrec_scorer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/model_file.h"
#include "model/sasrec.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/sampler.h"
#include "train/schedule.h"

namespace anirec {

struct TrainOptions {
    ModelConfig model;  // n_items is taken from the data
    LossConfig loss;
    OptimizerConfig optim;
    ScheduleConfig schedule;  // schedule.lr is the base learning rate (--lr)
    int32_t batch_size = 128;
    int32_t epochs = 200;
    uint64_t seed = 42;
    bool shuffle_order = false;   // --order shuffle
    int32_t sampler_threads = 1;  // background batch builders (0: in the training thread)
    // Run control (may differ on --resume).
    int64_t max_steps = 0;    // 0 = no limit
    double time_limit = 0.0;  // seconds of this run, 0 = no limit
    int32_t eval_every = 1;   // validate every N epochs (and after the last)
    int32_t patience = 0;     // stop after N validations without a new best; 0 = never
    std::string output;       // model file; required
    std::string state_path;   // "" = output + ".state"
    std::string log_path;     // "" = no JSONL log
    bool resume = false;
    int32_t verbose = 1;  // 0 silent, 1 progress line + one line per epoch

    void validate() const;  // throws UsageError naming the flag
    // Options that define the run: --resume requires them to be unchanged.
    nlohmann::json run_json() const;
    nlohmann::json to_json() const;  // run_json + run control
};

// What a validation pass returns: the selection score (higher is better; the CLI
// passes NDCG@10 on the validation split) and the metrics to log and put in the card.
struct ValidationReport {
    double score = 0.0;
    std::string name = "score";  // how the progress output labels it ("NDCG@10")
    nlohmann::json metrics = nlohmann::json::object();
};
using ValidationHook = std::function<ValidationReport(const ParamArena& w)>;

// The data to train on. train and history are indexed by the same dense users
// (history: the full sequences, for negative exclusion); items are 1..n_items.
struct TrainData {
    SequenceView train;
    SequenceView history;
    int32_t n_items = 0;
};

struct TrainResult {
    int64_t steps = 0;
    int64_t epochs_done = 0;  // whole epochs finished
    double last_loss = 0.0;   // mean loss of the last finished epoch
    bool has_best = false;
    double best_score = 0.0;
    int64_t best_epoch = 0;
    double seconds = 0.0;     // training time over all runs
    std::string stop_reason;  // "epochs", "early-stop", "time-limit", "max-steps"
    nlohmann::json card;      // the card of the model file as last written
};

class Trainer {
public:
    // meta: ids, histories and metadata to store in the model file (meta.card is the
    // base card the trainer adds its fields to).
    Trainer(TrainOptions opt, TrainData data, ModelMeta meta, ValidationHook hook = {});
    ~Trainer();
    TrainResult run();
    const ParamArena& params() const;  // the current (latest) weights
    const TrainOptions& options() const { return opt_; }

private:
    struct Impl;
    TrainOptions opt_;
    std::unique_ptr<Impl> impl_;
};

// Fingerprint of training data (sizes and contents), stored in the state file.
std::string data_fingerprint(const TrainData& d);

}  // namespace anirec
