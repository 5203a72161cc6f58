// Latency of one recommendation and one similar-anime query inside the library, and
// recommend-all throughput, on a catalogue the size of MyAnimeList (18k animes) with
// the paper's model shape (d 50, maxlen 200, 2 blocks, 1 head) and random weights
// (latency does not depend on what the weights learned).
//
//   bench_recommend --benchmark_filter=Recommend/  # p50_us / p99_us counters per call
//   bench_recommend --benchmark_filter=RecommendAll  # users_per_s counter
//
// Targets (issue 5): recommend p99 < 1 ms, similar < 0.5 ms; recommend-all for 300k
// users in minutes (users_per_s x 300k).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "serve/recommender.h"
#include "util/parallel.h"
#include "util/rng.h"

namespace {

using namespace anirec;

constexpr int32_t kItems = 18000;
constexpr int32_t kUsers = 4096;  // stored histories (for recommend-all and co-occurrence)

const Recommender& bench_recommender() {
    static std::unique_ptr<Recommender> rec = [] {
        ModelConfig cfg;
        cfg.n_items = kItems;
        cfg.maxlen = 200;
        cfg.hidden = 50;
        cfg.blocks = 2;
        cfg.heads = 1;
        LoadedModel m(cfg);
        init_params(m.params, 1);
        Rng rng(2);
        static const char* syl[] = {"ka", "shi", "no", "ren", "ai", "to", "mi", "ra", "yu", "ki", "gen", "sou"};
        static const char* genres[] = {"Action", "Comedy", "Drama", "Sci-Fi", "Romance", "Fantasy", "Slice of Life"};
        static const char* types[] = {"TV", "Movie", "OVA", "ONA", "Special"};
        m.meta.item_ids.emplace_back();
        m.meta.item_info.emplace_back();
        for (int32_t i = 1; i <= kItems; ++i) {
            m.meta.item_ids.push_back(std::to_string(i * 3));
            ItemInfo info;
            const int words = 1 + static_cast<int>(rng.below(4));
            for (int w = 0; w < words; ++w) {
                if (w) info.title += ' ';
                const int n = 2 + static_cast<int>(rng.below(3));
                for (int s = 0; s < n; ++s) info.title += syl[rng.below(12)];
                info.title[info.title.size() - static_cast<size_t>(n) * 2 + 0] &= ~0x20;  // capitalise roughly
            }
            info.genres = std::string(genres[rng.below(7)]) + ", " + genres[rng.below(7)];
            info.type = types[rng.below(5)];
            info.members = static_cast<int64_t>(rng.below(1000000));
            m.meta.item_info.push_back(info);
        }
        m.meta.user_offsets.push_back(0);
        for (int32_t u = 0; u < kUsers; ++u) {
            m.meta.user_ids.push_back(std::to_string(u));
            // Log-normal-ish lengths around 50, capped at 400 (longer than maxlen).
            const int32_t len = std::min<int32_t>(400, 2 + static_cast<int32_t>(std::exp(3.5 + rng.normal())));
            for (int32_t t = 0; t < len; ++t) m.meta.user_items.push_back(1 + static_cast<int32_t>(rng.below(kItems)));
            m.meta.user_offsets.push_back(static_cast<int64_t>(m.meta.user_items.size()));
        }
        return std::make_unique<Recommender>(std::move(m));
    }();
    return *rec;
}

// Per-call latency percentiles as counters (microseconds).
void report_percentiles(benchmark::State& state, std::vector<double>& us) {
    if (us.empty()) return;
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))]; };
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
    state.counters["max_us"] = us.back();
}

template <typename Fn>
void timed_loop(benchmark::State& state, Fn&& fn) {
    std::vector<double> us;
    us.reserve(100000);
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    report_percentiles(state, us);
}

void BM_Recommend(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    const int32_t len = static_cast<int32_t>(state.range(0));
    Rng rng(5);
    std::vector<int32_t> h(static_cast<size_t>(len));
    for (auto& x : h) x = 1 + static_cast<int32_t>(rng.below(kItems));
    const FilterSpec f;
    rec.recommend(h, 10, f);  // warm the workspace pool
    timed_loop(state, [&] { benchmark::DoNotOptimize(rec.recommend(h, 10, f)); });
}
BENCHMARK(BM_Recommend)->Arg(50)->Arg(200)->Unit(benchmark::kMicrosecond);

void BM_RecommendFiltered(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    Rng rng(6);
    std::vector<int32_t> h(50);
    for (auto& x : h) x = 1 + static_cast<int32_t>(rng.below(kItems));
    const FilterSpec f = FilterSpec::from_lists("Action,Drama", "Romance", "TV,Movie");
    timed_loop(state, [&] { benchmark::DoNotOptimize(rec.recommend(h, 10, f)); });
}
BENCHMARK(BM_RecommendFiltered)->Unit(benchmark::kMicrosecond);

void BM_Similar(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    const bool explain = state.range(0) != 0;
    int32_t item = 1;
    rec.similar(1, 10, {}, explain);  // builds the co-occurrence index once
    timed_loop(state, [&] {
        benchmark::DoNotOptimize(rec.similar(item, 10, {}, explain));
        item = item % kItems + 1;
    });
}
BENCHMARK(BM_Similar)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_TitleLookup(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    const std::string title = rec.catalog().title(1234);
    timed_loop(state, [&] { benchmark::DoNotOptimize(rec.resolve_item(title)); });
}
BENCHMARK(BM_TitleLookup)->Unit(benchmark::kMicrosecond);

void BM_TitleSearch(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    timed_loop(state, [&] { benchmark::DoNotOptimize(rec.titles().search("kashi", 10)); });
}
BENCHMARK(BM_TitleSearch)->Unit(benchmark::kMicrosecond);

// recommend-all's inner loop: blocks of max_batch() users, one per thread at a time.
void BM_RecommendAll(benchmark::State& state) {
    const Recommender& rec = bench_recommender();
    const int threads = static_cast<int>(state.range(0));
    set_num_threads(threads);
    const ItemFilter none;
    const int64_t B = Recommender::max_batch();
    const int64_t n_blocks = (kUsers + B - 1) / B;
    int64_t users = 0;
    for (auto _ : state) {
        parallel_for(0, n_blocks, [&](int64_t blk, int) {
            std::vector<std::span<const int32_t>> hs;
            for (int64_t u = blk * B; u < std::min<int64_t>(kUsers, (blk + 1) * B); ++u)
                hs.push_back(rec.user_history(static_cast<int32_t>(u)));
            benchmark::DoNotOptimize(rec.recommend_batch(hs, 20, none, true));
        });
        users += kUsers;
    }
    state.counters["users_per_s"] = benchmark::Counter(static_cast<double>(users), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecommendAll)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
