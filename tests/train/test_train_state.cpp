// The training-state file: exact round trip, and refusal of damaged or foreign files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "train/train_state.h"
#include "util/error.h"
#include "util/rng.h"

using namespace anirec;
namespace fs = std::filesystem;

namespace {

ModelConfig cfg() {
    ModelConfig c;
    c.n_items = 9;
    c.maxlen = 3;
    c.hidden = 4;
    c.blocks = 1;
    return c;
}

void randomize(ParamArena& p, uint64_t seed) {
    Rng rng(seed);
    for (size_t i = 0; i < p.size(); ++i) p.data()[i] = static_cast<float>(rng.normal());
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}
void write_all(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
}

struct Fixture {
    fs::path dir;
    std::string path;
    Fixture() {
        dir = fs::temp_directory_path() / ("anirec_state_" + std::to_string(::getpid()));
        fs::create_directories(dir);
        path = (dir / "x.state").string();
        ParamArena w(cfg());
        randomize(w, 1);
        Optimizer opt(cfg(), OptimizerConfig{});
        randomize(opt.m(), 2);
        randomize(opt.v(), 3);
        opt.set_steps(17);
        TrainState st;
        st.step = 17;
        st.epoch = 2;
        st.batch = 5;
        st.has_best = true;
        st.best_metric = 0.123456789012345;
        st.best_epoch = 2;
        st.bad_evals = 1;
        st.epoch_loss_sum = 3.25;
        st.epoch_batches = 5;
        st.last_loss = 0.75;
        st.elapsed_seconds = 12.5;
        st.options = {{"run", {{"lr", 0.001}}}};
        st.data_fingerprint = "00112233aabbccdd";
        save_train_state(path, st, w, opt);
    }
    ~Fixture() { fs::remove_all(dir); }
};

void expect_error(const std::string& path, const char* what) {
    ParamArena w(cfg());
    Optimizer opt(cfg(), OptimizerConfig{});
    TrainState st;
    try {
        load_train_state(path, st, w, opt);
        FAIL() << "accepted; expected: " << what;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(TrainState, RoundTripIsExact) {
    Fixture f;
    ParamArena w(cfg()), w0(cfg());
    randomize(w0, 1);
    Optimizer opt(cfg(), OptimizerConfig{});
    TrainState st;
    load_train_state(f.path, st, w, opt);
    EXPECT_EQ(0, std::memcmp(w.data(), w0.data(), w.size() * sizeof(float)));
    ParamArena m0(cfg()), v0(cfg());
    randomize(m0, 2);
    randomize(v0, 3);
    EXPECT_EQ(0, std::memcmp(opt.m().data(), m0.data(), w.size() * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(opt.v().data(), v0.data(), w.size() * sizeof(float)));
    EXPECT_EQ(opt.steps(), 17);
    EXPECT_EQ(st.step, 17);
    EXPECT_EQ(st.epoch, 2);
    EXPECT_EQ(st.batch, 5);
    EXPECT_TRUE(st.has_best);
    EXPECT_EQ(st.best_metric, 0.123456789012345);  // exact: JSON doubles round-trip
    EXPECT_EQ(st.best_epoch, 2);
    EXPECT_EQ(st.bad_evals, 1);
    EXPECT_EQ(st.epoch_loss_sum, 3.25);
    EXPECT_EQ(st.epoch_batches, 5);
    EXPECT_EQ(st.last_loss, 0.75);
    EXPECT_EQ(st.elapsed_seconds, 12.5);
    EXPECT_EQ(st.options["run"]["lr"], 0.001);
    EXPECT_EQ(st.data_fingerprint, "00112233aabbccdd");
    EXPECT_EQ(peek_train_state(f.path).step, 17);
}

TEST(TrainState, RejectsDamagedOrForeignFiles) {
    Fixture f;
    const std::string good = read_all(f.path);
    write_all(f.path, good.substr(0, good.size() - 10));
    expect_error(f.path, "checksum mismatch");
    write_all(f.path, good.substr(0, 12));
    expect_error(f.path, "truncated");
    std::string flipped = good;
    flipped[good.size() / 2] ^= 0x20;
    write_all(f.path, flipped);
    expect_error(f.path, "checksum mismatch");
    write_all(f.path, "{\"step\": 3}");
    expect_error(f.path, "not an anirec training-state file");
    std::string newer = good;
    newer[8] = 9;
    write_all(f.path, newer);
    expect_error(f.path, "newer anirec");
    expect_error((f.dir / "absent.state").string(), "cannot open");
    // A state of another model shape.
    write_all(f.path, good);
    ModelConfig other = cfg();
    other.hidden = 8;
    ParamArena w(other);
    Optimizer opt(other, OptimizerConfig{});
    TrainState st;
    EXPECT_THROW(load_train_state(f.path, st, w, opt), Error);
}
