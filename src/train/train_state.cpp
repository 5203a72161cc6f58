#include "train/train_state.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/atomic_file.h"
#include "util/error.h"

namespace anirec {

using json = nlohmann::json;

namespace {
constexpr char MAGIC[8] = {'A', 'N', 'I', 'R', 'E', 'C', 'T', 'S'};
constexpr uint32_t VERSION = 1;
constexpr size_t PREFIX = 8 + 4 + 8;

json state_json(const TrainState& st, size_t n_floats) {
    return json{{"step", st.step},
                {"epoch", st.epoch},
                {"batch", st.batch},
                {"best_metric", st.has_best ? json(st.best_metric) : json(nullptr)},
                {"best_epoch", st.best_epoch},
                {"bad_evals", st.bad_evals},
                {"epoch_loss_sum", st.epoch_loss_sum},
                {"epoch_batches", st.epoch_batches},
                {"last_loss", st.last_loss},
                {"elapsed_seconds", st.elapsed_seconds},
                {"options", st.options},
                {"data_fingerprint", st.data_fingerprint},
                {"n_floats", n_floats}};
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(cat(path, ": cannot open: ", std::strerror(errno)));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Checks magic, version, length and checksum; returns the JSON part and where the floats start.
json parse_prefix(const std::string& bytes, const std::string& path, size_t& floats_at) {
    if (bytes.size() < PREFIX + 8 || std::memcmp(bytes.data(), MAGIC, 8) != 0) {
        if (bytes.size() >= 8 && std::memcmp(bytes.data(), MAGIC, 8) == 0)
            throw Error(cat(path, ": truncated training-state file (", bytes.size(), " bytes)"));
        throw Error(cat(path, ": not an anirec training-state file (no ANIRECTS magic)"));
    }
    uint32_t version;
    std::memcpy(&version, bytes.data() + 8, 4);
    if (version > VERSION)
        throw Error(cat(path, ": written by a newer anirec (training-state version ", version, "; this build reads ",
                        VERSION, ")"));
    uint64_t j;
    std::memcpy(&j, bytes.data() + 12, 8);
    if (j > bytes.size() - PREFIX - 8) throw Error(cat(path, ": truncated training-state file"));
    uint64_t stored;
    std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
    if (fnv1a64(bytes.data(), bytes.size() - 8) != stored)
        throw Error(cat(path, ": checksum mismatch: the training-state file is truncated or corrupted"));
    json doc;
    try {
        doc = json::parse(bytes.begin() + PREFIX, bytes.begin() + PREFIX + static_cast<std::ptrdiff_t>(j));
    } catch (const json::exception& e) {
        throw Error(cat(path, ": the training-state JSON is invalid: ", e.what()));
    }
    floats_at = PREFIX + j;
    return doc;
}

TrainState from_json(const json& d, const std::string& path) {
    TrainState st;
    try {
        st.step = d.at("step").get<int64_t>();
        st.epoch = d.at("epoch").get<int64_t>();
        st.batch = d.at("batch").get<int64_t>();
        st.has_best = !d.at("best_metric").is_null();
        if (st.has_best) st.best_metric = d.at("best_metric").get<double>();
        st.best_epoch = d.at("best_epoch").get<int64_t>();
        st.bad_evals = d.at("bad_evals").get<int32_t>();
        st.epoch_loss_sum = d.at("epoch_loss_sum").get<double>();
        st.epoch_batches = d.at("epoch_batches").get<int64_t>();
        st.last_loss = d.at("last_loss").get<double>();
        st.elapsed_seconds = d.at("elapsed_seconds").get<double>();
        st.options = d.at("options");
        st.data_fingerprint = d.at("data_fingerprint").get<std::string>();
    } catch (const json::exception& e) {
        throw Error(cat(path, ": training-state field missing or of the wrong type: ", e.what()));
    }
    return st;
}
}  // namespace

uint64_t fnv1a64(const void* data, size_t n, uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void save_train_state(const std::string& path, const TrainState& st, const ParamArena& w, const Optimizer& opt) {
    const size_t n = w.size();
    ANIREC_ASSERT(opt.m().size() == n && opt.v().size() == n);
    const std::string j = state_json(st, n).dump();
    std::string bytes;
    bytes.reserve(PREFIX + j.size() + 3 * n * sizeof(float) + 8);
    bytes.append(MAGIC, 8);
    bytes.append(reinterpret_cast<const char*>(&VERSION), 4);
    const uint64_t jl = j.size();
    bytes.append(reinterpret_cast<const char*>(&jl), 8);
    bytes += j;
    bytes.append(reinterpret_cast<const char*>(w.data()), n * sizeof(float));
    bytes.append(reinterpret_cast<const char*>(opt.m().data()), n * sizeof(float));
    bytes.append(reinterpret_cast<const char*>(opt.v().data()), n * sizeof(float));
    const uint64_t sum = fnv1a64(bytes.data(), bytes.size());
    bytes.append(reinterpret_cast<const char*>(&sum), 8);
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

TrainState peek_train_state(const std::string& path) {
    size_t at = 0;
    return from_json(parse_prefix(read_file(path), path, at), path);
}

void load_train_state(const std::string& path, TrainState& st, ParamArena& w, Optimizer& opt) {
    const std::string bytes = read_file(path);
    size_t at = 0;
    const json d = parse_prefix(bytes, path, at);
    st = from_json(d, path);
    const size_t n = w.size();
    const uint64_t stored_n = d.value("n_floats", uint64_t{0});
    if (stored_n != n)
        throw Error(cat(path, ": holds ", stored_n, " parameters per arena, the model has ", n));
    if (bytes.size() - 8 - at != 3 * n * sizeof(float))
        throw Error(cat(path, ": ", bytes.size() - 8 - at, " bytes of tensors, expected ", 3 * n * sizeof(float)));
    std::memcpy(w.data(), bytes.data() + at, n * sizeof(float));
    std::memcpy(opt.m().data(), bytes.data() + at + n * sizeof(float), n * sizeof(float));
    std::memcpy(opt.v().data(), bytes.data() + at + 2 * n * sizeof(float), n * sizeof(float));
    opt.set_steps(st.step);
}

}  // namespace anirec
