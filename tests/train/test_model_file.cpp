// The model file (model/model_file.h): byte-exact round trip, one test per kind of
// damage, and a check that an independent reader (tools/read_safetensors.py, numpy
// only) reads the same tensors and metadata.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/model_file.h"
#include "util/error.h"
#include "util/rng.h"

using namespace anirec;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

ModelConfig small_config() {
    ModelConfig c;
    c.n_items = 6;
    c.maxlen = 4;
    c.hidden = 4;
    c.blocks = 2;
    c.heads = 2;
    c.dropout = 0.3f;
    c.norm = NormLayout::PRE;
    return c;
}

ModelMeta small_meta(bool with_info) {
    ModelMeta m;
    m.item_ids = {"", "20", "1535", "5114", "9253", "11061", "32281"};
    if (with_info) {
        m.item_info.resize(7);
        for (int i = 1; i <= 6; ++i) {
            m.item_info[i].title = cat("Title ", i, " \"quoted\" & ünïcode");
            m.item_info[i].english_title = i % 2 ? "" : cat("English ", i);
            m.item_info[i].japanese_title = "日本語";
            m.item_info[i].genres = "Action, Drama";
            m.item_info[i].type = "TV";
            m.item_info[i].episodes = i * 12;
            m.item_info[i].score = 8.25f;
            m.item_info[i].members = 123456789012LL;
        }
    }
    m.user_ids = {"alice", "bob", "42"};
    m.user_offsets = {0, 3, 3, 7};
    m.user_items = {1, 2, 3, 6, 5, 4, 1};
    m.order = OrderKind::SORTED_BY_ITEM_ID;
    m.source = "tests/anime.csv (kaggle2017)";
    m.card = json{{"epochs", 3}, {"final_loss", 0.4321}, {"validation", {{"ndcg@10", 0.25}}}};
    return m;
}

ParamArena random_params(const ModelConfig& c, uint64_t seed) {
    ParamArena p(c);
    Rng rng(seed);
    for (const TensorInfo& t : p.tensors())
        for (size_t i = 0; i < t.numel; ++i) p.data()[t.offset + i] = static_cast<float>(rng.normal());
    std::fill(p.item_emb, p.item_emb + c.hidden, 0.f);
    return p;
}

// A model file split into its header and data, and put back together.
struct Parts {
    json header;
    std::string data;
};
Parts split_file(const std::string& bytes) {
    uint64_t n;
    std::memcpy(&n, bytes.data(), 8);
    return {json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
}
std::string join_file(const json& header, const std::string& data) {
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    const uint64_t n = h.size();
    return std::string(reinterpret_cast<const char*>(&n), 8) + h + data;
}

std::string good_bytes() {
    const ModelConfig c = small_config();
    return serialize_model(random_params(c, 7), small_meta(true));
}

// Expects parse_model to throw an Error whose message names the file and holds `what`.
void expect_rejected(const std::string& bytes, const std::string& what) {
    try {
        parse_model(bytes, "bad.safetensors");
        FAIL() << "accepted; expected an error mentioning: " << what;
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
        EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
}

fs::path temp_dir() {
    fs::path d = fs::temp_directory_path() / cat("anirec_model_file_", ::getpid());
    fs::create_directories(d);
    return d;
}

}  // namespace

TEST(ModelFile, RoundTripIsByteExact) {
    for (bool with_info : {true, false}) {
        const ModelConfig c = small_config();
        const ParamArena p = random_params(c, 1);
        const ModelMeta m = small_meta(with_info);
        const std::string a = serialize_model(p, m);
        LoadedModel l = parse_model(a, "mem");
        EXPECT_EQ(l.config.n_items, c.n_items);
        EXPECT_EQ(l.config.maxlen, c.maxlen);
        EXPECT_EQ(l.config.hidden, c.hidden);
        EXPECT_EQ(l.config.blocks, c.blocks);
        EXPECT_EQ(l.config.heads, c.heads);
        EXPECT_EQ(l.config.dropout, c.dropout);
        EXPECT_EQ(l.config.norm, c.norm);
        ASSERT_EQ(l.params.size(), p.size());
        EXPECT_EQ(0, std::memcmp(l.params.data(), p.data(), p.size() * sizeof(float)));
        EXPECT_EQ(l.meta.item_ids, m.item_ids);
        EXPECT_EQ(l.meta.user_ids, m.user_ids);
        EXPECT_EQ(l.meta.user_offsets, m.user_offsets);
        EXPECT_EQ(l.meta.user_items, m.user_items);
        EXPECT_EQ(l.meta.order, m.order);
        EXPECT_EQ(l.meta.source, m.source);
        EXPECT_EQ(l.meta.card, m.card);
        ASSERT_EQ(l.meta.item_info.size(), m.item_info.size());
        for (size_t i = 1; i < m.item_info.size(); ++i) {
            EXPECT_EQ(l.meta.item_info[i].title, m.item_info[i].title);
            EXPECT_EQ(l.meta.item_info[i].english_title, m.item_info[i].english_title);
            EXPECT_EQ(l.meta.item_info[i].japanese_title, m.item_info[i].japanese_title);
            EXPECT_EQ(l.meta.item_info[i].genres, m.item_info[i].genres);
            EXPECT_EQ(l.meta.item_info[i].type, m.item_info[i].type);
            EXPECT_EQ(l.meta.item_info[i].episodes, m.item_info[i].episodes);
            EXPECT_EQ(l.meta.item_info[i].score, m.item_info[i].score);
            EXPECT_EQ(l.meta.item_info[i].members, m.item_info[i].members);
        }
        EXPECT_EQ(serialize_model(l.params, l.meta), a);  // byte-exact
    }
}

TEST(ModelFile, LayoutIsSafetensors) {
    const std::string a = good_bytes();
    Parts p = split_file(a);
    uint64_t n;
    std::memcpy(&n, a.data(), 8);
    EXPECT_EQ(n % 8, 0u);  // data starts 8-aligned
    EXPECT_EQ(a[8], '{');
    EXPECT_EQ(p.header["__metadata__"]["anirec.format"], "anirec-model");
    EXPECT_EQ(p.header["__metadata__"]["anirec.version"], "1");
    EXPECT_EQ(p.header["item_emb.weight"]["dtype"], "F32");
    EXPECT_EQ(p.header["item_emb.weight"]["shape"], json({7, 4}));
    EXPECT_EQ(p.header["attention_layers.1.in_proj_weight"]["shape"], json({12, 4}));
    EXPECT_EQ(p.header["forward_layers.0.conv1.weight"]["shape"], json({4, 4, 1}));
    EXPECT_EQ(p.header["anirec.user_offsets"]["dtype"], "I64");
    EXPECT_EQ(p.header["anirec.user_offsets"]["data_offsets"][0], 0);
    EXPECT_EQ(p.header["anirec.user_items"]["dtype"], "I32");
    for (auto& [k, v] : p.header["__metadata__"].items()) EXPECT_TRUE(v.is_string()) << k;
}

TEST(ModelFile, SaveAndLoadThroughAFile) {
    const fs::path dir = temp_dir();
    const std::string path = (dir / "m.safetensors").string();
    const ModelConfig c = small_config();
    const ParamArena p = random_params(c, 3);
    save_model(path, p, small_meta(true));
    LoadedModel l = load_model(path);
    EXPECT_EQ(0, std::memcmp(l.params.data(), p.data(), p.size() * sizeof(float)));
    json card = l.meta.card;
    card["test"] = {{"ndcg@10", 0.5}};
    update_model_card(path, card);
    EXPECT_EQ(load_model(path).meta.card["test"]["ndcg@10"], 0.5);
    // No temp file is left behind.
    int files = 0;
    for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    EXPECT_EQ(files, 1);
    try {
        load_model((dir / "missing.safetensors").string());
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing.safetensors"), std::string::npos);
    }
    fs::remove_all(dir);
}

TEST(ModelFile, RejectsTruncatedFiles) {
    const std::string a = good_bytes();
    expect_rejected(a.substr(0, 5), "truncated");
    expect_rejected(a.substr(0, 100), "truncated");          // inside the header
    expect_rejected(a.substr(0, a.size() - 1), "truncated"); // last tensor cut short
    expect_rejected("", "truncated");
}

TEST(ModelFile, RejectsHeaderThatIsNotJson) {
    std::string a = good_bytes();
    a[8] = 'X';
    expect_rejected(a, "not JSON");
    std::string b = good_bytes();
    uint64_t huge = 1ull << 40;
    std::memcpy(b.data(), &huge, 8);
    expect_rejected(b, "implausible");
}

TEST(ModelFile, RejectsForeignFile) {
    Parts p = split_file(good_bytes());
    json h = p.header;
    h.erase("__metadata__");
    expect_rejected(join_file(h, p.data), "not an anirec model file");
    h = p.header;
    h["__metadata__"]["anirec.format"] = "gguf-ish";
    expect_rejected(join_file(h, p.data), "not an anirec model file");
}

TEST(ModelFile, RejectsNewerVersion) {
    Parts p = split_file(good_bytes());
    p.header["__metadata__"]["anirec.version"] = "2";
    expect_rejected(join_file(p.header, p.data), "newer anirec");
    p.header["__metadata__"]["anirec.version"] = "one";
    expect_rejected(join_file(p.header, p.data), "not a number");
}

TEST(ModelFile, RejectsWrongShapeDtypeOffsets) {
    const Parts p = split_file(good_bytes());
    {
        json h = p.header;  // shape that still matches the byte count
        h["pos_emb.weight"]["shape"] = {2, 8};
        expect_rejected(join_file(h, p.data), "has shape [2,8]");
    }
    {
        json h = p.header;
        h["pos_emb.weight"]["dtype"] = "I32";
        expect_rejected(join_file(h, p.data), "expected F32");
    }
    {
        json h = p.header;
        h["pos_emb.weight"]["dtype"] = "BF16";
        expect_rejected(join_file(h, p.data), "is not F32, I32 or I64");
    }
    {
        json h = p.header;  // offsets that do not match shape x dtype
        auto o = h["last_layernorm.bias"]["data_offsets"];
        h["last_layernorm.bias"]["data_offsets"] = {o[0].get<uint64_t>(), o[1].get<uint64_t>() - 4};
        expect_rejected(join_file(h, p.data), "data_offsets span");
    }
    {
        json h = p.header;  // two tensors overlapping
        h["last_layernorm.bias"]["data_offsets"] = h["last_layernorm.weight"]["data_offsets"];
        expect_rejected(join_file(h, p.data), "overlaps or leaves a gap");
    }
    {
        json h = p.header;  // trailing garbage
        expect_rejected(join_file(h, p.data + "12345678"), "bytes after the last tensor");
    }
    {
        json h = p.header;  // config says a different width than the tensors hold
        json cfg = json::parse(h["__metadata__"]["anirec.config"].get<std::string>());
        cfg["maxlen"] = 5;
        h["__metadata__"]["anirec.config"] = cfg.dump();
        expect_rejected(join_file(h, p.data), "pos_emb.weight' has shape [4,4], expected [5,4]");
    }
}

TEST(ModelFile, RejectsMissingOrUnexpectedTensor) {
    const Parts p = split_file(good_bytes());
    {
        // Drop the last layer norm's bias: move the tensors after it down by its 16 bytes.
        json h = p.header;
        const uint64_t b = h["last_layernorm.bias"]["data_offsets"][0];
        std::string data = p.data.substr(0, b) + p.data.substr(b + 16);
        h.erase("last_layernorm.bias");
        for (auto& [k, v] : h.items()) {
            if (k == "__metadata__") continue;
            uint64_t s = v["data_offsets"][0], e = v["data_offsets"][1];
            if (s > b) v["data_offsets"] = {s - 16, e - 16};
        }
        expect_rejected(join_file(h, data), "missing tensor 'last_layernorm.bias'");
    }
    {
        json h = p.header;
        const uint64_t end = p.data.size();
        h["extra.weight"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
        expect_rejected(join_file(h, p.data + std::string(4, '\0')), "unexpected tensor 'extra.weight'");
    }
}

TEST(ModelFile, RejectsBadValuesAndMetadata) {
    const Parts p = split_file(good_bytes());
    {
        std::string data = p.data;
        const uint64_t b = p.header["pos_emb.weight"]["data_offsets"][0];
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(data.data() + b + 8, &nan, 4);
        expect_rejected(join_file(p.header, data), "non-finite value at index 2");
    }
    {
        std::string data = p.data;
        const uint64_t b = p.header["anirec.user_items"]["data_offsets"][0];
        const int32_t bad = 99;
        std::memcpy(data.data() + b, &bad, 4);
        expect_rejected(join_file(p.header, data), "outside 1..6");
    }
    {
        json h = p.header;
        h["__metadata__"]["anirec.item_ids"] = "[\"\", \"1\"]";
        expect_rejected(join_file(h, p.data), "anirec.item_ids must be a JSON array of 7 strings");
    }
    {
        json h = p.header;
        h["__metadata__"]["anirec.card"] = "{not json";
        expect_rejected(join_file(h, p.data), "anirec.card' is not JSON");
    }
    {
        json h = p.header;
        h["__metadata__"]["anirec.order"] = "random";
        expect_rejected(join_file(h, p.data), "unknown order kind");
    }
    {
        json h = p.header;
        json cfg = json::parse(h["__metadata__"]["anirec.config"].get<std::string>());
        cfg["heads"] = 3;
        h["__metadata__"]["anirec.config"] = cfg.dump();
        expect_rejected(join_file(h, p.data), "anirec.config is invalid");
    }
}

TEST(ModelFile, SaveRejectsMetaThatDoesNotFitTheModel) {
    const ModelConfig c = small_config();
    ModelMeta m = small_meta(false);
    m.item_ids.pop_back();
    EXPECT_THROW(serialize_model(ParamArena(c), m), Error);
}

// The layout read by an independent reader: tools/read_safetensors.py (json + struct +
// numpy, no safetensors package), under /usr/bin/python3. Skips without numpy.
TEST(ModelFile, PythonReaderAgrees) {
    const char* py = "/usr/bin/python3";
    if (!fs::exists(py) || std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
    const fs::path dir = temp_dir();
    const std::string path = (dir / "py.safetensors").string();
    const ModelConfig c = small_config();
    const ParamArena p = random_params(c, 11);
    const ModelMeta m = small_meta(true);
    save_model(path, p, m);
    const std::string out = (dir / "py.json").string();
    const std::string cmd = cat(py, " ", ANIREC_SOURCE_DIR, "/tools/read_safetensors.py --json ", path, " > ", out);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(out);
    const json r = json::parse(f);
    for (const TensorInfo& t : p.tensors()) {
        const json& e = r["tensors"][t.name];
        ASSERT_EQ(e["dtype"], "F32") << t.name;
        EXPECT_EQ(e["shape"], json(t.shape)) << t.name;
        double sum = 0.0;
        for (size_t i = 0; i < t.numel; ++i) sum += p.data()[t.offset + i];
        EXPECT_NEAR(e["sum"].get<double>(), sum, 1e-9 + 1e-9 * std::fabs(sum)) << t.name;
        EXPECT_EQ(e["first"].get<float>(), p.data()[t.offset]) << t.name;
    }
    EXPECT_EQ(r["tensors"]["anirec.user_offsets"]["values"], json(m.user_offsets));
    EXPECT_EQ(r["tensors"]["anirec.user_items"]["values"], json(m.user_items));
    EXPECT_EQ(r["metadata"]["anirec.format"], "anirec-model");
    EXPECT_EQ(json::parse(r["metadata"]["anirec.item_ids"].get<std::string>()), json(m.item_ids));
    fs::remove_all(dir);
}
