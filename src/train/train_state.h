// The training-state file: everything `train --resume` needs to continue exactly
// where a run stopped, kept apart from the model file (which holds the best weights
// for serving, not necessarily the latest).
//
// Layout (little-endian):
//   bytes 0..8     magic "ANIRECTS"
//   bytes 8..12    version, uint32 (1)
//   bytes 12..20   j: length of the JSON part, uint64
//   j bytes        JSON: {"step", "epoch", "batch", "best_metric", "best_epoch",
//                  "bad_evals", "epoch_loss_sum", "epoch_batches", "elapsed_seconds",
//                  "last_loss", "options", "data_fingerprint", "n_floats"}
//                  (best_metric is null before the first validation)
//   3 × n_floats   float32: the current weights, Adam's m, Adam's v (ParamArena layout)
//   8 bytes        FNV-1a 64 checksum of every byte before it
// The schedule position is the step (schedules are functions of the step); the
// sampler's position is (epoch, batch), and its randomness is derived from
// (seed, epoch, batch), so there is no generator state to store; dropout draws from
// a stream derived from (seed, step).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "model/sasrec.h"
#include "train/optimizer.h"

namespace anirec {

struct TrainState {
    int64_t step = 0;   // optimizer updates done
    int64_t epoch = 0;  // sampler cursor: the next batch is (epoch, batch)
    int64_t batch = 0;
    bool has_best = false;
    double best_metric = 0.0;  // best validation score so far (valid when has_best)
    int64_t best_epoch = 0;    // 1-based epoch of the best score
    int32_t bad_evals = 0;     // validations since the best one (patience)
    double epoch_loss_sum = 0.0;  // the current epoch so far
    int64_t epoch_batches = 0;
    double last_loss = 0.0;        // mean loss of the last finished epoch
    double elapsed_seconds = 0.0;  // training time over all runs so far
    nlohmann::json options = nlohmann::json::object();  // the run's options (resume checks them)
    std::string data_fingerprint;                        // of the training data
};

// Writes atomically: a kill leaves the previous state file or the new one.
void save_train_state(const std::string& path, const TrainState& st, const ParamArena& w, const Optimizer& opt);

// Reads a state into st, w (weights) and opt (moments and step count). w and opt must
// be built for the model config the state was written with (the caller checks
// st.options first through peek_train_state). Throws Error naming the file and what is
// wrong: not a state file, newer version, truncated, checksum mismatch, size mismatch.
void load_train_state(const std::string& path, TrainState& st, ParamArena& w, Optimizer& opt);

// Reads only the JSON part (validated, checksum included).
TrainState peek_train_state(const std::string& path);

// FNV-1a 64 over bytes: the state checksum and the data fingerprint.
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull);

}  // namespace anirec
