// Ranks each user's held-out item with a Scorer, over every user that has one.
//
// Protocols:
//   FULL     the held-out item against every item that is not in the user's input
//            history. For the validation item the history is the training sequence;
//            for the test item it is the training sequence plus the validation item.
//            The held-out item itself always stays a candidate, even when it also
//            occurs in the history (repeat consumption, e.g. Yelp visits): excluding
//            it would make the user unrankable.
//   SAMPLED  the held-out item against n_negatives (100, as in the SASRec paper) items
//            drawn without replacement from the items the user never interacted with
//            (whole sequence, held-out items included), uniformly or in proportion to
//            their training counts. Always labelled "sampled" where printed.
//
// Both protocols use the same scores (one scorer pass per user) and the pessimistic
// tie rule of eval/metrics.h. Users are scored in blocks (one batched call per block,
// a matrix product for SASRec), blocks run in parallel with one scorer state per
// thread. Everything a user gets (input, negatives, rank) depends only on that user
// and the seed, and metrics are summed in user order, so results do not depend on the
// thread count or the block size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"
#include "eval/scorer.h"
#include "eval/split.h"

namespace anirec {

enum class Protocol : int32_t { FULL = 0, SAMPLED = 1 };
enum class EvalTarget : int32_t { VALID = 0, TEST = 1 };
const char* eval_target_name(EvalTarget t);  // "valid" / "test"

struct EvalOptions {
    std::vector<int32_t> ks{1, 5, 10, 20};
    bool full = true;      // run the FULL protocol
    bool sampled = false;  // run the SAMPLED protocol
    int32_t n_negatives = 100;
    bool popularity_negatives = false;  // sample negatives by training count, not uniformly
    uint64_t seed = 42;                 // negatives' seed
    int32_t block_users = 64;           // users per scorer call (64 measured best of 64/128/256)
    // true: blocks in parallel over OpenMP threads, BLAS single-threaded inside.
    // false: one block at a time, BLAS (and the scorer) threaded inside.
    bool parallel_users = true;
    bool keep_ranks = false;  // fill EvalResult::ranks
    bool coverage = true;     // catalogue coverage of the full-ranking top-K lists
};

struct EvalResult {
    std::string scorer;
    Protocol protocol = Protocol::FULL;
    std::string protocol_label;  // "full ranking" / "sampled: 100 uniform negatives"
    std::string split;           // Split::protocol
    EvalTarget target = EvalTarget::TEST;
    MetricsReport metrics;       // coverage only for FULL
    int64_t users_skipped = 0;   // users without a held-out item (< 3 interactions)
    std::vector<int64_t> ranks;  // per user (dense id), -1 = not evaluated; with keep_ranks
    double seconds = 0.0;        // wall time of the whole evaluate() call
    nlohmann::json to_json() const;
};

std::string protocol_label(Protocol p, const EvalOptions& opt);

// One result per protocol asked for (FULL first). Throws Error if the scorer's item
// count differs from the split's, UsageError on bad options.
std::vector<EvalResult> evaluate(const Scorer& scorer, const Split& split, EvalTarget target,
                                 const EvalOptions& opt);

// The input sequence of user u for a target (training sequence, plus the validation
// item for TEST), untruncated. Shared with tests and the naive reference.
std::vector<int32_t> eval_input(const Split& split, int32_t u, EvalTarget target);

// The sampled-protocol negatives of user u: deterministic for (seed, u); distinct; never
// in the user's history; all such items when fewer than n exist. pop (size N+1) gives
// the training counts used when popularity is set (items of count 0 are never drawn).
std::vector<int32_t> sample_negatives(const Split& split, int32_t u, int32_t n, uint64_t seed,
                                      bool popularity, const std::vector<int64_t>& pop);

// Training count of every item (size N+1, [0] = 0).
std::vector<int64_t> item_counts(const Split& split);

}  // namespace anirec
