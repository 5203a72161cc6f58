// One SASRec training step (forward with dropout, loss forward+backward, backward)
// for the paper's ML-1M configuration: maxlen 200, hidden 50, 2 blocks, 1 head,
// dropout 0.2, batch 128, N = 3416 items, losses bce and ce.
//
// Sequence lengths are the real ones when ../shared/data/ml-1m-sasrec-rebuilt is
// present (each user's training input is the last min(n - 3, 200) items: SASRec holds
// out the last two items and shifts by one), else lengths drawn from a synthetic
// distribution with the same ~47% padding. Batches are 128 random users, as the
// sampler draws them.
//
// Counters: seq/s (sequences per second), model_GFLOP/s (sasrec_train_flops: the
// projections and the unmasked half of attention over real positions, see
// docs/model.md), total_GFLOP/s (model + loss_train_flops), peak_GFLOP/s (a 1536^3
// SGEMM on the same threads, timed after every step, interleaved), peak_share (model
// FLOP/s over that), and
// epoch_s (6040 sequences at this rate).
//
//   bench_train_step                                  # all
//   bench_train_step --benchmark_filter=bce/2         # bce, 2 threads
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "model/blas_threads.h"
#include "model/sasrec.h"
#include "train/loss.h"
#include "util/parallel.h"
#include "util/fp_mode.h"
#include "util/rng.h"
#include "util/timer.h"

#ifndef ANIREC_SHARED_DATA_DIR
#define ANIREC_SHARED_DATA_DIR "../shared/data"
#endif

namespace {

using namespace anirec;

constexpr int kBatch = 128, kMaxlen = 200, kHidden = 50, kItems = 3416, kUsers = 6040;

// Each user's item sequence; real ML-1M when available.
struct Corpus {
    std::vector<std::vector<int32_t>> users;
    int32_t n_items = kItems;
    bool real = false;
};

Corpus load_corpus() {
    Corpus c;
    const char* dirs[] = {"/work/shared/data", ANIREC_SHARED_DATA_DIR, "../shared/data", "../../shared/data"};
    for (const char* d : dirs) {
        const std::string path = std::string(d) + "/ml-1m-sasrec-rebuilt/ml-1m.txt.gz";
        gzFile f = gzopen(path.c_str(), "rb");
        if (!f) continue;
        std::map<int, std::vector<int32_t>> by_user;
        char line[256];
        int32_t max_item = 0;
        while (gzgets(f, line, sizeof line)) {
            int u, i;
            if (std::sscanf(line, "%d %d", &u, &i) == 2) {
                by_user[u].push_back(i);
                max_item = std::max(max_item, i);
            }
        }
        gzclose(f);
        for (auto& [u, items] : by_user) c.users.push_back(std::move(items));
        c.n_items = max_item;
        c.real = !c.users.empty();
        if (c.real) return c;
    }
    // synthetic: lengths 5..2300 with a heavy tail (ML-1M: median ~96, mean ~165)
    Rng rng(1);
    for (int u = 0; u < kUsers; ++u) {
        const int n = 20 + static_cast<int>(std::exp(rng.normal() * 1.0 + 4.3));
        std::vector<int32_t> s(std::min(n, 2300));
        for (auto& x : s) x = 1 + static_cast<int32_t>(rng.below(kItems));
        c.users.push_back(std::move(s));
    }
    return c;
}

const Corpus& corpus() {
    static const Corpus c = load_corpus();
    return c;
}

struct Batch {
    std::vector<int32_t> seq, pos, neg, neg_k;
};

// SASRec's training batch for user u: input = train[:-1], target = train[1:], where
// train = items[:-2]; the last maxlen positions, left-padded.
std::vector<Batch> make_batches(int count, int K, uint64_t seed) {
    const Corpus& c = corpus();
    Rng rng(seed);
    std::vector<Batch> out(count);
    for (auto& b : out) {
        b.seq.assign((size_t)kBatch * kMaxlen, 0);
        b.pos.assign(b.seq.size(), 0);
        b.neg.assign(b.seq.size(), 0);
        b.neg_k.resize((size_t)kBatch * K);
        for (int r = 0; r < kBatch; ++r) {
            const auto& items = c.users[rng.below(c.users.size())];
            const int n_train = std::max(0, (int)items.size() - 2);
            const int L = std::min(kMaxlen, std::max(0, n_train - 1));
            for (int i = 0; i < L; ++i) {
                const int t = kMaxlen - L + i;
                const int src = n_train - 1 - L + i;
                b.seq[(size_t)r * kMaxlen + t] = items[src];
                b.pos[(size_t)r * kMaxlen + t] = items[src + 1];
                b.neg[(size_t)r * kMaxlen + t] = 1 + (int32_t)rng.below(c.n_items);
            }
            for (int k = 0; k < K; ++k) b.neg_k[(size_t)r * K + k] = 1 + (int32_t)rng.below(c.n_items);
        }
    }
    return out;
}

// One n^3 SGEMM through OpenBLAS (on the threads set_num_threads gave it): the peak probe.
struct SgemmProbe {
    static constexpr int n = 1536;
    std::vector<float> A = std::vector<float>((size_t)n * n, 0.5f), B = std::vector<float>((size_t)n * n, 0.25f),
                       C = std::vector<float>((size_t)n * n, 0.f);
    static constexpr double flops = 2.0 * n * n * (double)n;
    void run() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(),
                    n);
    }
};

void BM_SgemmPeak(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    set_num_threads(threads);
    SgemmProbe probe;
    for (auto _ : state) probe.run();
    state.counters["GFLOP/s"] =
        benchmark::Counter(SgemmProbe::flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_TrainStep(benchmark::State& state, LossKind kind) {
    const int threads = static_cast<int>(state.range(0));
    // The peak is measured interleaved with the steps (one 1536^3 SGEMM after each step,
    // outside the timed region): this shared VM's speed drifts by tens of percent within
    // minutes, so a peak taken at another moment would make the share meaningless.
    SgemmProbe probe;
    double sgemm_seconds = 0, sgemm_flops = 0;
    set_num_threads(threads);
    ModelConfig cfg;
    cfg.n_items = corpus().n_items;
    cfg.maxlen = kMaxlen;
    cfg.hidden = kHidden;
    cfg.blocks = 2;
    cfg.heads = 1;
    cfg.dropout = 0.2f;
    cfg.norm = NormLayout::SASREC;
    LossConfig lc;
    lc.kind = kind;
    lc.negatives = 1;
    ParamArena w(cfg), dw(cfg);
    init_params(w, 1);
    Workspace ws(cfg, kBatch);
    LossBuffers buf;
    std::vector<float> dhidden((size_t)kBatch * kMaxlen * kHidden);
    const std::vector<Batch> batches = make_batches(16, 1, 7);
    Rng rng(3);
    double model_flops = 0, loss_flops = 0;
    int64_t steps = 0;
    for (auto _ : state) {
        const Batch& b = batches[steps % batches.size()];
        dw.zero();
        const float* h = sasrec_forward(w, ws, b.seq.data(), kBatch, true, &rng);
        const float loss = loss_forward_backward(lc, h, w.item_emb, b.pos.data(), b.neg.data(), kBatch, kMaxlen,
                                                 kHidden, cfg.n_items, dhidden.data(), dw.item_emb, buf);
        benchmark::DoNotOptimize(loss);
        sasrec_backward(w, dw, ws, dhidden.data());
        model_flops += sasrec_train_flops(cfg, b.seq.data(), kBatch);
        int64_t n_targets = 0;
        for (int32_t t : b.pos) n_targets += t != 0;
        loss_flops += loss_train_flops(lc, n_targets, kHidden, cfg.n_items);
        ++steps;
        state.PauseTiming();
        Timer tg;
        probe.run();
        sgemm_seconds += tg.seconds();
        sgemm_flops += SgemmProbe::flops;
        state.ResumeTiming();
    }
    const double peak = sgemm_flops / sgemm_seconds;
    using benchmark::Counter;
    state.counters["seq/s"] = Counter(static_cast<double>(steps) * kBatch, Counter::kIsRate);
    state.counters["model_GFLOP/s"] = Counter(model_flops / 1e9, Counter::kIsRate);
    state.counters["total_GFLOP/s"] = Counter((model_flops + loss_flops) / 1e9, Counter::kIsRate);
    // share and epoch time are finished in the reporter below (they need the rate)
    state.counters["peak_GFLOP/s"] = peak / 1e9;
    state.counters["pad_frac"] = 0;
    int64_t real = 0;
    for (const auto& b : batches)
        for (int32_t t : b.seq) real += t != 0;
    state.counters["pad_frac"] = 1.0 - static_cast<double>(real) / (batches.size() * (double)kBatch * kMaxlen);
    state.SetLabel(corpus().real ? "ml-1m lengths" : "synthetic lengths");
}

// Adds peak_share and epoch_s, derived from the rate counters, to the console output.
class Reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        std::vector<Run> out = runs;
        for (auto& r : out) {
            auto seq = r.counters.find("seq/s");
            auto gf = r.counters.find("model_GFLOP/s");
            auto pk = r.counters.find("peak_GFLOP/s");
            if (seq == r.counters.end() || gf == r.counters.end() || pk == r.counters.end()) continue;
            // Google Benchmark has already turned the kIsRate counters into per-second rates
            // (of real time, with UseRealTime) by the time a reporter sees them.
            const double seq_rate = seq->second.value, gf_rate = gf->second.value;
            r.counters["peak_share"] = gf_rate / pk->second.value;
            r.counters["epoch_s"] = kUsers / seq_rate;
        }
        ConsoleReporter::ReportRuns(out);
    }
};

}  // namespace

BENCHMARK(BM_SgemmPeak)->Arg(2)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainStep, bce, LossKind::BCE)->Arg(2)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainStep, ce, LossKind::CE)->Arg(2)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
    anirec::flush_denormals_to_zero();  // as the anirec binary does (util/fp_mode.h)
    // OpenBLAS's AVX-512 kernels where it does not pick them itself (see blas_threads.h);
    // run with OPENBLAS_CORETYPE=Haswell to measure the library's own choice.
    anirec::blas_reexec_for_avx512(argv);
    benchmark::Initialize(&argc, argv);
    benchmark::AddCustomContext("openblas_core", anirec::blas_core_name());
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
