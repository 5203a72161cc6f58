// Full-ranking evaluation of every user on ML-1M-size data: 6,040 users x 3,416
// items, SASRec with maxlen 200, d 50, 2 blocks, 1 head (random weights: speed does
// not depend on them). Sequence lengths follow ML-1M's shape (at least 20 ratings,
// mean ~165, long tail), so most users fill a good part of the 200 positions.
//
// Variants:
//   BM_EvalFullSasrec/<parallel_users>/<block_users>
//       parallel_users 1: user blocks in parallel over OpenMP, BLAS single-threaded;
//       parallel_users 0: one block at a time, threads inside the model and BLAS.
//   BM_EvalFullMostPop: the evaluator alone (scores are a copy), for its overhead.
//   BM_EvalFullSasrecSampled: both protocols in one pass.
// Counter users_per_s = evaluated users per second of wall time.
//
//   cmake --build build --target bench_eval_full && ./build/bench/bench_eval_full
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "eval/baselines.h"
#include "eval/evaluator.h"
#include "eval/sasrec_scorer.h"
#include "model/sasrec.h"
#include "util/parallel.h"
#include "util/rng.h"

namespace {

using namespace anirec;

constexpr int32_t kUsers = 6040, kItems = 3416;

const Split& ml1m_size_split() {
    static const Split split = [] {
        Dataset ds;
        ds.item_ids.assign(kItems + 1, "");
        ds.offsets = {0};
        Rng rng(2024);
        for (int32_t u = 0; u < kUsers; ++u) {
            ds.user_ids.push_back(std::to_string(u));
            // Log-normal lengths with ML-1M's median (~96) and mean (~165), at least 20.
            const double len = std::exp(std::log(96.0) + 1.0 * rng.normal());
            const int32_t n = std::clamp(static_cast<int32_t>(len), 20, 2000);
            for (int32_t k = 0; k < n; ++k) ds.items.push_back(1 + static_cast<int32_t>(rng.below(kItems)));
            ds.offsets.push_back(static_cast<int64_t>(ds.items.size()));
        }
        ds.order = OrderKind::CHRONOLOGICAL_FORMAT;
        return make_split(ds, SplitKind::LEAVE_ONE_OUT, 0);
    }();
    return split;
}

const ParamArena& ml1m_model() {
    static const ParamArena w = [] {
        ModelConfig c;
        c.n_items = kItems;
        c.maxlen = 200;
        c.hidden = 50;
        c.blocks = 2;
        c.heads = 1;
        ParamArena p(c);
        init_params(p, 7);
        return p;
    }();
    return w;
}

void report(benchmark::State& state, const Split& split) {
    const double users = split.users_with_holdout();
    state.counters["users_per_s"] = benchmark::Counter(users, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["threads"] = num_threads();
}

void BM_EvalFullSasrec(benchmark::State& state) {
    set_num_threads(0);
    const Split& split = ml1m_size_split();
    const SasrecScorer scorer(ml1m_model());
    EvalOptions o;
    o.parallel_users = state.range(0) != 0;
    o.block_users = static_cast<int32_t>(state.range(1));
    double ndcg = 0;
    for (auto _ : state) {
        auto r = evaluate(scorer, split, EvalTarget::TEST, o);
        ndcg = r[0].metrics.ndcg_at(10);
        benchmark::DoNotOptimize(ndcg);
    }
    report(state, split);
}
BENCHMARK(BM_EvalFullSasrec)
    ->ArgNames({"parallel_users", "block"})
    ->Args({1, 64})
    ->Args({1, 128})
    ->Args({1, 256})
    ->Args({0, 256})
    ->Args({0, 1024})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(2);

void BM_EvalFullSasrecSampled(benchmark::State& state) {
    set_num_threads(0);
    const Split& split = ml1m_size_split();
    const SasrecScorer scorer(ml1m_model());
    EvalOptions o;
    o.sampled = true;
    for (auto _ : state) benchmark::DoNotOptimize(evaluate(scorer, split, EvalTarget::TEST, o));
    report(state, split);
}
BENCHMARK(BM_EvalFullSasrecSampled)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(2);

void BM_EvalFullMostPop(benchmark::State& state) {
    set_num_threads(0);
    const Split& split = ml1m_size_split();
    const MostPopScorer scorer(split);
    EvalOptions o;
    for (auto _ : state) benchmark::DoNotOptimize(evaluate(scorer, split, EvalTarget::TEST, o));
    report(state, split);
}
BENCHMARK(BM_EvalFullMostPop)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
