// The trainer end to end on small synthetic data: determinism, exact resume, NaN stop,
// early stopping and the time limit through the hook, checkpoints and the log, and a
// planted sequential order learned far better than popularity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/model_file.h"
#include "train/train_state.h"
#include "train/trainer.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/rng.h"

using namespace anirec;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Each user walks i, i+1, i+2, ... (mod N, ids 1..N) from a random start; the last
// item is held out (test), the rest is training.
struct Walks {
    int32_t n_items = 0;
    std::vector<int64_t> train_off{0}, hist_off{0};
    std::vector<int32_t> train_items, hist_items;
    std::vector<int32_t> held_out;
    TrainData data() const { return {{train_off, train_items}, {hist_off, hist_items}, n_items}; }
    ModelMeta meta() const {
        ModelMeta m;
        m.item_ids.push_back("");
        for (int32_t i = 1; i <= n_items; ++i) m.item_ids.push_back(std::to_string(1000 + i));
        for (size_t u = 0; u + 1 < hist_off.size(); ++u) m.user_ids.push_back("u" + std::to_string(u));
        m.user_offsets = hist_off;
        m.user_items = hist_items;
        m.order = OrderKind::TIMESTAMP;
        m.source = "test walks";
        return m;
    }
};

Walks make_walks(int32_t U, int32_t N, int32_t min_len, int32_t max_len, uint64_t seed) {
    Walks w;
    w.n_items = N;
    Rng rng(seed);
    for (int32_t u = 0; u < U; ++u) {
        const int32_t L = min_len + static_cast<int32_t>(rng.below(static_cast<uint64_t>(max_len - min_len + 1)));
        const int32_t start = static_cast<int32_t>(rng.below(static_cast<uint64_t>(N)));
        for (int32_t k = 0; k < L; ++k) {
            const int32_t item = 1 + (start + k) % N;
            w.hist_items.push_back(item);
            if (k + 1 < L) w.train_items.push_back(item);
        }
        w.held_out.push_back(1 + (start + L - 1) % N);
        w.train_off.push_back(static_cast<int64_t>(w.train_items.size()));
        w.hist_off.push_back(static_cast<int64_t>(w.hist_items.size()));
    }
    return w;
}

TrainOptions small_options(const fs::path& dir) {
    TrainOptions o;
    o.model.maxlen = 12;
    o.model.hidden = 16;
    o.model.blocks = 2;
    o.model.heads = 2;
    o.model.dropout = 0.2f;
    o.batch_size = 32;
    o.epochs = 3;
    o.schedule.lr = 1e-3f;
    o.seed = 7;
    o.output = (dir / "model.safetensors").string();
    o.verbose = 0;
    return o;
}

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name) {
        path = fs::temp_directory_path() / ("anirec_trainer_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

bool bitwise_equal(const ParamArena& a, const ParamArena& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<json> read_log(const std::string& path) {
    std::vector<json> lines;
    std::ifstream f(path);
    std::string s;
    while (std::getline(f, s)) lines.push_back(json::parse(s));
    return lines;
}

// HR@10 of the held-out items, ranked (pessimistic ties) against every item that is
// not in the user's training history, by a score function per user.
template <typename ScoreFn>
double hit_rate_at_10(const Walks& w, ScoreFn score_user) {
    int64_t hits = 0;
    const int32_t U = static_cast<int32_t>(w.held_out.size());
    std::vector<float> scores(static_cast<size_t>(w.n_items) + 1);
    for (int32_t u = 0; u < U; ++u) {
        score_user(u, scores);
        std::vector<bool> seen(static_cast<size_t>(w.n_items) + 1, false);
        for (int64_t i = w.train_off[u]; i < w.train_off[u + 1]; ++i) seen[w.train_items[i]] = true;
        const int32_t target = w.held_out[u];
        int64_t above = 0;
        for (int32_t i = 1; i <= w.n_items; ++i)
            if (i != target && !seen[i] && scores[i] >= scores[target]) ++above;
        hits += above < 10;
    }
    return static_cast<double>(hits) / U;
}

}  // namespace

TEST(Trainer, SameSeedAndThreadsGiveBitIdenticalWeights) {
    TempDir d("same");
    const Walks w = make_walks(150, 60, 5, 20, 1);
    set_num_threads(2);
    TrainOptions o = small_options(d.path);
    o.max_steps = 12;
    Trainer a(o, w.data(), w.meta());
    a.run();
    o.output = (d.path / "b.safetensors").string();
    o.sampler_threads = 3;  // the batches do not depend on the sampler's threads either
    Trainer b(o, w.data(), w.meta());
    b.run();
    EXPECT_TRUE(bitwise_equal(a.params(), b.params()));
    // And the saved model holds exactly those weights.
    EXPECT_TRUE(bitwise_equal(load_model(o.output).params, b.params()));
    set_num_threads(0);
}

TEST(Trainer, OneAndTwoThreadsAgreeToTolerance) {
    TempDir d("threads");
    const Walks w = make_walks(150, 60, 5, 20, 2);
    TrainOptions o = small_options(d.path);
    o.max_steps = 8;
    set_num_threads(1);
    Trainer a(o, w.data(), w.meta());
    a.run();
    set_num_threads(2);
    o.output = (d.path / "b.safetensors").string();
    Trainer b(o, w.data(), w.meta());
    b.run();
    set_num_threads(0);
    // Float sums in another order differ in the last bits. Adam divides by sqrt(v), so
    // where the true gradient is ~0 (the key bias of attention: softmax ignores a shift
    // of every score) rounding noise becomes steps of up to lr. So: most weights agree
    // closely, none is further apart than the 8 steps of lr could take it.
    const float* wa = a.params().data();
    const float* wb = b.params().data();
    const size_t n = a.params().size();
    double max_diff = 0.0, sum_diff = 0.0;
    size_t far = 0;
    for (size_t i = 0; i < n; ++i) {
        const double di = std::fabs(static_cast<double>(wa[i]) - wb[i]);
        sum_diff += di;
        max_diff = std::max(max_diff, di);
        far += di > 1e-5;
    }
    std::printf("1 vs 2 threads after 8 steps: max |dw| %.3g, mean %.3g, %zu of %zu above 1e-5\n", max_diff,
                sum_diff / static_cast<double>(n), far, n);
    EXPECT_LT(sum_diff / static_cast<double>(n), 1e-5);
    EXPECT_LT(far, n / 100);
    EXPECT_LE(max_diff, 8 * 1e-3 * 1.01);
}

TEST(Trainer, ResumeIsBitExact) {
    TempDir d("resume");
    const Walks w = make_walks(150, 60, 5, 20, 3);
    set_num_threads(2);
    TrainOptions o = small_options(d.path);
    o.loss.kind = LossKind::SAMPLED_CE;
    o.loss.negatives = 8;
    o.schedule.kind = ScheduleKind::WARMUP_COSINE;
    o.schedule.warmup_steps = 3;
    o.optim.kind = OptimizerKind::ADAMW;
    o.optim.weight_decay = 0.01f;
    o.optim.clip = 1.0f;
    o.shuffle_order = true;
    // 150 users / 32 = 5 batches an epoch: 13 steps end mid-epoch 3, 6 mid-epoch 2.
    o.max_steps = 13;
    Trainer straight(o, w.data(), w.meta());
    straight.run();

    o.output = (d.path / "r.safetensors").string();
    o.max_steps = 6;
    {
        Trainer first(o, w.data(), w.meta());
        const TrainResult r = first.run();
        EXPECT_EQ(r.steps, 6);
        EXPECT_EQ(r.stop_reason, "max-steps");
    }
    const TrainState mid = peek_train_state(o.output + ".state");
    EXPECT_EQ(mid.step, 6);
    EXPECT_EQ(mid.epoch, 1);
    EXPECT_EQ(mid.batch, 1);
    o.max_steps = 13;
    o.resume = true;
    Trainer second(o, w.data(), w.meta());
    const TrainResult r = second.run();
    EXPECT_EQ(r.steps, 13);
    EXPECT_TRUE(bitwise_equal(straight.params(), second.params()));
    set_num_threads(0);
}

TEST(Trainer, ResumeRefusesOtherOptionsOrData) {
    TempDir d("resume_bad");
    const Walks w = make_walks(60, 30, 5, 12, 4);
    TrainOptions o = small_options(d.path);
    o.epochs = 1;
    Trainer(o, w.data(), w.meta()).run();
    o.resume = true;
    o.batch_size = 16;
    try {
        Trainer(o, w.data(), w.meta()).run();
        FAIL() << "resumed with another batch size";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("batch_size"), std::string::npos) << e.what();
    }
    o.batch_size = 32;
    const Walks other = make_walks(60, 30, 5, 12, 5);
    EXPECT_THROW(Trainer(o, other.data(), other.meta()).run(), Error);
    o.epochs = 2;  // training longer is allowed
    EXPECT_EQ(Trainer(o, w.data(), w.meta()).run().epochs_done, 2);
    fs::remove(o.output + ".state");
    EXPECT_THROW(Trainer(o, w.data(), w.meta()).run(), Error);  // nothing to resume
}

TEST(Trainer, NonFiniteLossStopsAndKeepsLastGoodCheckpoint) {
    TempDir d("nan");
    const Walks w = make_walks(40, 30, 5, 12, 6);
    TrainOptions o = small_options(d.path);
    o.batch_size = 64;  // one batch an epoch: epoch 1 ends (and checkpoints) after step 1
    o.epochs = 5;
    o.schedule.lr = 1e30f;
    o.log_path = (d.path / "log.jsonl").string();
    try {
        Trainer(o, w.data(), w.meta()).run();
        FAIL() << "lr 1e30 trained without a non-finite loss";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("step 2 "), std::string::npos) << msg;
        EXPECT_NE(msg.find("last good checkpoint"), std::string::npos) << msg;
    }
    // The checkpoint of epoch 1 is intact: both files load, and say step 1.
    const TrainState st = peek_train_state(o.output + ".state");
    EXPECT_EQ(st.step, 1);
    EXPECT_EQ(st.epoch, 1);
    const LoadedModel m = load_model(o.output);
    EXPECT_EQ(m.meta.card["epochs"], 1);
    EXPECT_EQ(read_log(o.log_path).size(), 1u);
    // No temp files left behind.
    for (auto& e : fs::directory_iterator(d.path))
        EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(Trainer, EarlyStoppingKeepsTheBestModel) {
    TempDir d("early");
    const Walks w = make_walks(60, 30, 5, 12, 7);
    TrainOptions o = small_options(d.path);
    o.epochs = 20;
    o.patience = 2;
    o.log_path = (d.path / "log.jsonl").string();
    const std::vector<double> scores{0.1, 0.3, 0.2, 0.25, 0.9};
    std::vector<ParamArena> seen;
    auto hook = [&](const ParamArena& p) {
        seen.push_back(p);
        ValidationReport r;
        r.score = scores[seen.size() - 1];
        r.name = "NDCG@10";
        r.metrics = {{"ndcg@10", r.score}};
        return r;
    };
    Trainer t(o, w.data(), w.meta(), hook);
    const TrainResult r = t.run();
    EXPECT_EQ(r.stop_reason, "early-stop");
    EXPECT_EQ(r.epochs_done, 4);
    EXPECT_EQ(r.best_epoch, 2);
    EXPECT_DOUBLE_EQ(r.best_score, 0.3);
    ASSERT_EQ(seen.size(), 4u);
    const LoadedModel m = load_model(o.output);
    EXPECT_TRUE(bitwise_equal(m.params, seen[1]));  // the model file holds epoch 2's weights
    EXPECT_FALSE(bitwise_equal(m.params, t.params()));
    EXPECT_EQ(m.meta.card["validation"]["epoch"], 2);
    EXPECT_EQ(m.meta.card["run"]["stop_reason"], "early-stop");
    const auto log = read_log(o.log_path);
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[1]["best"], true);
    EXPECT_EQ(log[2]["best"], false);
    EXPECT_EQ(log[3]["validation"]["ndcg@10"], 0.25);
    // The state holds the latest weights, so a resumed run continues from epoch 4.
    EXPECT_EQ(peek_train_state(o.output + ".state").epoch, 4);
}

TEST(Trainer, EvalEveryAndCheckpointEachEpoch) {
    TempDir d("every");
    const Walks w = make_walks(60, 30, 5, 12, 8);
    TrainOptions o = small_options(d.path);
    o.epochs = 5;
    o.eval_every = 2;
    o.log_path = (d.path / "log.jsonl").string();
    int calls = 0;
    Trainer t(o, w.data(), w.meta(), [&](const ParamArena&) {
        ++calls;
        return ValidationReport{static_cast<double>(calls), "score", json::object()};
    });
    const TrainResult r = t.run();
    EXPECT_EQ(calls, 3);  // epochs 2, 4 and the last one
    EXPECT_EQ(r.stop_reason, "epochs");
    EXPECT_EQ(r.best_epoch, 5);
    const auto log = read_log(o.log_path);
    ASSERT_EQ(log.size(), 5u);
    for (int e = 0; e < 5; ++e) {
        EXPECT_EQ(log[e]["epoch"], e + 1);
        EXPECT_EQ(log[e]["step"], 2 * (e + 1));  // 60 users / 32 = 2 batches an epoch
        EXPECT_TRUE(std::isfinite(log[e]["loss"].get<double>()));
        EXPECT_EQ(log[e].contains("validation"), e == 1 || e == 3 || e == 4);
    }
    EXPECT_TRUE(bitwise_equal(load_model(o.output).params, t.params()));
}

TEST(Trainer, TimeLimitEndsCleanlyWithTheBestModel) {
    TempDir d("time");
    const Walks w = make_walks(60, 30, 5, 12, 9);
    TrainOptions o = small_options(d.path);
    o.epochs = 100;
    o.time_limit = 1e-6;  // the first step ends past it
    int calls = 0;
    Trainer t(o, w.data(), w.meta(), [&](const ParamArena&) {
        ++calls;
        return ValidationReport{0.5, "score", json::object()};
    });
    const TrainResult r = t.run();
    EXPECT_EQ(r.stop_reason, "time-limit");
    EXPECT_EQ(r.steps, 1);
    EXPECT_EQ(calls, 1);  // validated once at the stop so a best model is in place
    EXPECT_TRUE(bitwise_equal(load_model(o.output).params, t.params()));
    const TrainState st = peek_train_state(o.output + ".state");
    EXPECT_EQ(st.epoch, 0);
    EXPECT_EQ(st.batch, 1);
}

TEST(Trainer, BadOptionsNameTheFlag) {
    const Walks w = make_walks(20, 30, 5, 12, 10);
    TempDir d("bad");
    auto expect_flag = [&](TrainOptions o, const char* flag) {
        try {
            Trainer t(o, w.data(), w.meta());
            FAIL() << flag;
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
        }
    };
    TrainOptions o = small_options(d.path);
    o.batch_size = 0;
    expect_flag(o, "--batch-size");
    o = small_options(d.path);
    o.model.heads = 3;
    expect_flag(o, "--heads");
    o = small_options(d.path);
    o.loss.kind = LossKind::GBCE;
    o.loss.negatives = 0;
    expect_flag(o, "--negatives");
    o = small_options(d.path);
    o.patience = -1;
    expect_flag(o, "--patience");
    o = small_options(d.path);
    o.time_limit = -5;
    expect_flag(o, "--time-limit");
}

// The planted order (item i is followed by i+1) must be learned: HR@10 of the held-out
// next item far above MostPop's, both ranked against every unseen item.
TEST(Trainer, LearnsPlantedOrderFarBetterThanPopularity) {
    TempDir d("planted");
    const Walks w = make_walks(400, 80, 6, 20, 11);
    set_num_threads(1);  // one thread: no OpenMP team to spin on a busy machine
    TrainOptions o = small_options(d.path);
    o.model.maxlen = 16;
    o.model.hidden = 32;
    o.model.blocks = 1;
    o.model.heads = 1;
    o.model.dropout = 0.1f;
    o.batch_size = 64;
    o.epochs = 12;
    o.schedule.lr = 5e-3f;
    o.loss.kind = LossKind::BCE;
    Trainer t(o, w.data(), w.meta());
    t.run();
    const ParamArena& p = t.params();
    const int32_t T = o.model.maxlen, C = o.model.hidden;
    Workspace ws(p.config(), 1, false);
    std::vector<int32_t> seq(static_cast<size_t>(T));
    std::vector<float> h(static_cast<size_t>(C));
    const double hr_sasrec = hit_rate_at_10(w, [&](int32_t u, std::vector<float>& scores) {
        std::fill(seq.begin(), seq.end(), 0);
        const int64_t b = w.train_off[u], e = w.train_off[u + 1];
        const int64_t n = std::min<int64_t>(e - b, T);
        std::copy(w.train_items.begin() + (e - n), w.train_items.begin() + e, seq.begin() + (T - n));
        sasrec_last_state(p, ws, seq.data(), 1, h.data());
        for (int32_t i = 1; i <= w.n_items; ++i) {
            double s = 0;
            for (int32_t c = 0; c < C; ++c) s += h[c] * p.item_emb[static_cast<size_t>(i) * C + c];
            scores[i] = static_cast<float>(s);
        }
    });
    std::vector<float> pop(static_cast<size_t>(w.n_items) + 1, 0.f);
    for (int32_t it : w.train_items) pop[it] += 1.f;
    const double hr_pop = hit_rate_at_10(w, [&](int32_t, std::vector<float>& scores) { scores = pop; });
    std::printf("HR@10: SASRec %.3f, MostPop %.3f\n", hr_sasrec, hr_pop);
    EXPECT_GE(hr_sasrec, 0.8);
    EXPECT_GE(hr_sasrec, hr_pop + 0.4);
    set_num_threads(0);
}
