#include "model/model_file.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "util/atomic_file.h"
#include "util/error.h"

namespace anirec {

static_assert(std::endian::native == std::endian::little, "the model file stores little-endian tensors");

using json = nlohmann::json;

namespace {

constexpr const char* USER_OFFSETS = "anirec.user_offsets";
constexpr const char* USER_ITEMS = "anirec.user_items";
// The safetensors reference implementation refuses headers above 100 MB.
constexpr uint64_t MAX_HEADER = 100ull << 20;

// A float as the double of its shortest decimal form (0.2f -> 0.2, not 0.20000000298...),
// which converts back to the same float: readable JSON, exact round trip.
double short_float(float f) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
    *r.ptr = '\0';
    return std::strtod(buf, nullptr);
}

json config_to_json(const ModelConfig& c) {
    return json{{"n_items", c.n_items}, {"maxlen", c.maxlen},
                {"hidden", c.hidden},   {"blocks", c.blocks},
                {"heads", c.heads},     {"dropout", short_float(c.dropout)},
                {"norm", norm_layout_name(c.norm)}};
}

json item_info_to_json(const ItemInfo& i) {
    return json{{"title", i.title},       {"english_title", i.english_title},
                {"japanese_title", i.japanese_title}, {"genres", i.genres},
                {"type", i.type},         {"episodes", i.episodes},
                {"score", short_float(i.score)},       {"members", i.members}};
}

void check_meta(const ModelConfig& cfg, const ModelMeta& m) {
    const size_t n1 = static_cast<size_t>(cfg.n_items) + 1;
    if (m.item_ids.size() != n1)
        throw Error(cat("model file: ", m.item_ids.size(), " item ids for a model of ", cfg.n_items, " items (+1 padding)"));
    if (!m.item_info.empty() && m.item_info.size() != n1)
        throw Error(cat("model file: ", m.item_info.size(), " item infos for ", cfg.n_items, " items (+1 padding)"));
    if (m.user_offsets.size() != m.user_ids.size() + 1)
        throw Error(cat("model file: ", m.user_offsets.size(), " user offsets for ", m.user_ids.size(), " users"));
    if (m.user_offsets.front() != 0 || m.user_offsets.back() != static_cast<int64_t>(m.user_items.size()))
        throw Error("model file: user offsets do not span the user items");
    if (!m.card.is_object()) throw Error("model file: the model card must be a JSON object");
}

const char* dtype_name(int bytes_signed) {  // helper for the three dtypes we write
    return bytes_signed == 8 ? "I64" : bytes_signed == 4 ? "I32" : "F32";
}

// A checked field of a JSON object: throws Error naming where.
template <typename T>
T get_field(const json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) throw Error(cat(where, ": missing field '", key, "'"));
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw Error(cat(where, ": field '", key, "' has the wrong type (", it->type_name(), ")"));
    }
}

OrderKind parse_order(const std::string& s, const std::string& where) {
    for (int k = 0; k <= 3; ++k)
        if (s == order_kind_name(static_cast<OrderKind>(k))) return static_cast<OrderKind>(k);
    throw Error(cat(where, ": unknown order kind '", s, "'"));
}

}  // namespace

ModelMeta model_meta_from_dataset(const Dataset& ds) {
    ModelMeta m;
    m.item_ids = ds.item_ids;
    m.item_info = ds.item_info;
    m.user_ids = ds.user_ids;
    m.user_offsets = ds.offsets;
    if (m.user_offsets.empty()) m.user_offsets.push_back(0);
    m.user_items = ds.items;
    m.order = ds.order;
    m.source = ds.source;
    return m;
}

std::string serialize_model(const ParamArena& params, const ModelMeta& meta) {
    const ModelConfig& cfg = params.config();
    check_meta(cfg, meta);

    json header = json::object();
    uint64_t off = 0;
    auto add = [&](const std::string& name, const char* dtype, std::vector<int64_t> shape, uint64_t bytes) {
        header[name] = json{{"dtype", dtype}, {"shape", shape}, {"data_offsets", {off, off + bytes}}};
        off += bytes;
    };
    add(USER_OFFSETS, dtype_name(8), {static_cast<int64_t>(meta.user_offsets.size())},
        meta.user_offsets.size() * sizeof(int64_t));
    for (const TensorInfo& t : params.tensors()) add(t.name, "F32", t.shape, t.numel * sizeof(float));
    add(USER_ITEMS, dtype_name(4), {static_cast<int64_t>(meta.user_items.size())},
        meta.user_items.size() * sizeof(int32_t));

    json md = json::object();
    md["anirec.format"] = MODEL_FORMAT_NAME;
    md["anirec.version"] = std::to_string(MODEL_FORMAT_VERSION);
    md["anirec.config"] = config_to_json(cfg).dump();
    md["anirec.item_ids"] = json(meta.item_ids).dump();
    if (!meta.item_info.empty()) {
        json infos = json::array();
        infos.push_back(nullptr);
        for (size_t i = 1; i < meta.item_info.size(); ++i) infos.push_back(item_info_to_json(meta.item_info[i]));
        md["anirec.item_info"] = infos.dump();
    }
    md["anirec.user_ids"] = json(meta.user_ids).dump();
    md["anirec.order"] = order_kind_name(meta.order);
    md["anirec.source"] = meta.source;
    md["anirec.card"] = meta.card.dump();
    header["__metadata__"] = md;

    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    std::string out;
    out.reserve(8 + h.size() + off);
    const uint64_t n = h.size();
    out.append(reinterpret_cast<const char*>(&n), 8);
    out += h;
    out.append(reinterpret_cast<const char*>(meta.user_offsets.data()), meta.user_offsets.size() * sizeof(int64_t));
    for (const TensorInfo& t : params.tensors())
        out.append(reinterpret_cast<const char*>(params.data() + t.offset), t.numel * sizeof(float));
    out.append(reinterpret_cast<const char*>(meta.user_items.data()), meta.user_items.size() * sizeof(int32_t));
    return out;
}

void save_model(const std::string& path, const ParamArena& params, const ModelMeta& meta) {
    const std::string bytes = serialize_model(params, meta);
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

LoadedModel parse_model(const std::string& bytes, const std::string& name) {
    auto fail = [&](const std::string& what) { return Error(cat(name, ": ", what)); };
    if (bytes.size() < 8)
        throw fail(cat("truncated: ", bytes.size(), " bytes, not even the 8-byte header length"));
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    if (n > MAX_HEADER) throw fail(cat("header length ", n, " is implausible (not a safetensors file?)"));
    if (n > bytes.size() - 8)
        throw fail(cat("truncated: the header needs ", n, " bytes but only ", bytes.size() - 8, " follow"));
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const json::exception& e) {
        throw fail(cat("the header is not JSON: ", e.what()));
    }
    if (!header.is_object()) throw fail("the header is not a JSON object");
    auto mit = header.find("__metadata__");
    if (mit == header.end() || !mit->is_object())
        throw fail("not an anirec model file (a safetensors file without __metadata__)");
    const json& md = *mit;
    std::map<std::string, std::string> meta_str;
    for (auto it = md.begin(); it != md.end(); ++it) {
        if (!it->is_string()) throw fail(cat("metadata '", it.key(), "' is not a string"));
        meta_str[it.key()] = it->get<std::string>();
    }
    auto meta_get = [&](const std::string& key) -> const std::string& {
        auto it = meta_str.find(key);
        if (it == meta_str.end()) throw fail(cat("missing metadata '", key, "'"));
        return it->second;
    };
    auto meta_json = [&](const std::string& key) {
        try {
            return json::parse(meta_get(key));
        } catch (const json::exception& e) {
            throw fail(cat("metadata '", key, "' is not JSON: ", e.what()));
        }
    };
    if (!meta_str.count("anirec.format") || meta_str["anirec.format"] != MODEL_FORMAT_NAME)
        throw fail(cat("not an anirec model file (metadata anirec.format is '",
                       meta_str.count("anirec.format") ? meta_str["anirec.format"] : "", "', expected '",
                       MODEL_FORMAT_NAME, "')"));
    {
        const std::string& v = meta_get("anirec.version");
        int version = 0;
        try {
            size_t used = 0;
            version = std::stoi(v, &used);
            if (used != v.size()) throw std::invalid_argument(v);
        } catch (const std::exception&) {
            throw fail(cat("metadata anirec.version is '", v, "', not a number"));
        }
        if (version > MODEL_FORMAT_VERSION)
            throw fail(cat("written by a newer anirec (model format version ", version, "; this build reads up to ",
                           MODEL_FORMAT_VERSION, ")"));
        if (version < 1) throw fail(cat("metadata anirec.version is ", version, ", not a valid version"));
    }

    ModelConfig cfg;
    {
        const json c = meta_json("anirec.config");
        const std::string where = cat(name, ": anirec.config");
        if (!c.is_object()) throw fail("metadata anirec.config is not a JSON object");
        cfg.n_items = get_field<int32_t>(c, "n_items", where);
        cfg.maxlen = get_field<int32_t>(c, "maxlen", where);
        cfg.hidden = get_field<int32_t>(c, "hidden", where);
        cfg.blocks = get_field<int32_t>(c, "blocks", where);
        cfg.heads = get_field<int32_t>(c, "heads", where);
        cfg.dropout = get_field<float>(c, "dropout", where);
        try {
            cfg.norm = parse_norm_layout(get_field<std::string>(c, "norm", where));
            cfg.validate();
        } catch (const UsageError& e) {
            throw fail(cat("anirec.config is invalid: ", e.what()));
        }
    }

    // Tensor table: every entry checked against the data buffer before anything is read.
    struct Entry {
        std::string dtype;
        std::vector<int64_t> shape;
        uint64_t begin, end;
    };
    const uint64_t data_start = 8 + n;
    const uint64_t buf = bytes.size() - data_start;
    std::map<std::string, Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const std::string where = cat(name, ": tensor '", it.key(), "'");
        if (!it->is_object()) throw Error(cat(where, ": not a JSON object"));
        Entry e;
        e.dtype = get_field<std::string>(*it, "dtype", where);
        e.shape = get_field<std::vector<int64_t>>(*it, "shape", where);
        auto offs = get_field<std::vector<uint64_t>>(*it, "data_offsets", where);
        if (offs.size() != 2 || offs[0] > offs[1]) throw Error(cat(where, ": data_offsets must be [begin, end]"));
        e.begin = offs[0];
        e.end = offs[1];
        if (e.end > buf)
            throw Error(cat(where, ": truncated file: the tensor ends at data byte ", e.end, " but the file holds ",
                            buf, " data bytes"));
        uint64_t numel = 1;
        for (int64_t d : e.shape) {
            if (d < 0) throw Error(cat(where, ": negative dimension in shape"));
            numel *= static_cast<uint64_t>(d);
        }
        const uint64_t width = e.dtype == "I64" ? 8 : (e.dtype == "F32" || e.dtype == "I32") ? 4 : 0;
        if (width == 0) throw Error(cat(where, ": dtype '", e.dtype, "' is not F32, I32 or I64"));
        if (e.end - e.begin != numel * width)
            throw Error(cat(where, ": data_offsets span ", e.end - e.begin, " bytes but shape and dtype need ",
                            numel * width));
        entries.emplace(it.key(), std::move(e));
    }
    // The safetensors rule: tensors are contiguous, do not overlap, and cover the buffer.
    {
        std::vector<std::pair<uint64_t, uint64_t>> spans;
        for (auto& [k, e] : entries) spans.emplace_back(e.begin, e.end);
        std::sort(spans.begin(), spans.end());
        uint64_t at = 0;
        for (auto& [b, e] : spans) {
            if (b != at) throw fail(cat("tensor data overlaps or leaves a gap at data byte ", at));
            at = e;
        }
        if (at != buf) throw fail(cat(buf - at, " bytes after the last tensor (", buf, " data bytes, tensors cover ", at, ")"));
    }

    LoadedModel out(cfg);
    const char* data = bytes.data() + data_start;
    auto take = [&](const std::string& tname) -> const Entry& {
        auto it = entries.find(tname);
        if (it == entries.end()) throw fail(cat("missing tensor '", tname, "'"));
        return it->second;
    };
    for (const TensorInfo& t : out.params.tensors()) {
        const Entry& e = take(t.name);
        if (e.dtype != "F32") throw fail(cat("tensor '", t.name, "' has dtype ", e.dtype, ", expected F32"));
        if (e.shape != t.shape) {
            throw fail(cat("tensor '", t.name, "' has shape ", json(e.shape).dump(), ", expected ",
                           json(t.shape).dump(), " from anirec.config"));
        }
        float* dst = out.params.data() + t.offset;
        std::memcpy(dst, data + e.begin, t.numel * sizeof(float));
        for (size_t i = 0; i < t.numel; ++i)
            if (!std::isfinite(dst[i])) throw fail(cat("tensor '", t.name, "' holds a non-finite value at index ", i));
    }
    const Entry& eo = take(USER_OFFSETS);
    const Entry& ei = take(USER_ITEMS);
    if (eo.dtype != "I64" || eo.shape.size() != 1 || eo.shape[0] < 1)
        throw fail(cat("tensor '", USER_OFFSETS, "' must be I64 of shape [users+1]"));
    if (ei.dtype != "I32" || ei.shape.size() != 1)
        throw fail(cat("tensor '", USER_ITEMS, "' must be I32 of shape [entries]"));
    const size_t expected = out.params.tensors().size() + 2;
    if (entries.size() != expected) {
        for (auto& [k, e] : entries) {
            bool known = k == USER_OFFSETS || k == USER_ITEMS;
            for (const TensorInfo& t : out.params.tensors()) known = known || t.name == k;
            if (!known) throw fail(cat("unexpected tensor '", k, "'"));
        }
    }
    ModelMeta& m = out.meta;
    m.user_offsets.resize(static_cast<size_t>(eo.shape[0]));
    std::memcpy(m.user_offsets.data(), data + eo.begin, m.user_offsets.size() * sizeof(int64_t));
    m.user_items.resize(static_cast<size_t>(ei.shape[0]));
    std::memcpy(m.user_items.data(), data + ei.begin, m.user_items.size() * sizeof(int32_t));
    if (m.user_offsets.front() != 0 || m.user_offsets.back() != static_cast<int64_t>(m.user_items.size()))
        throw fail(cat("tensor '", USER_OFFSETS, "' does not span '", USER_ITEMS, "'"));
    for (size_t u = 1; u < m.user_offsets.size(); ++u)
        if (m.user_offsets[u] < m.user_offsets[u - 1])
            throw fail(cat("tensor '", USER_OFFSETS, "' decreases at user ", u - 1));
    for (size_t i = 0; i < m.user_items.size(); ++i)
        if (m.user_items[i] < 1 || m.user_items[i] > cfg.n_items)
            throw fail(cat("tensor '", USER_ITEMS, "' entry ", i, " is item ", m.user_items[i], ", outside 1..",
                           cfg.n_items));

    auto string_array = [&](const std::string& key, size_t want) {
        const json a = meta_json(key);
        if (!a.is_array() || a.size() != want)
            throw fail(cat("metadata ", key, " must be a JSON array of ", want, " strings"));
        std::vector<std::string> v;
        v.reserve(want);
        for (const json& s : a) {
            if (!s.is_string()) throw fail(cat("metadata ", key, " holds a non-string entry"));
            v.push_back(s.get<std::string>());
        }
        return v;
    };
    m.item_ids = string_array("anirec.item_ids", static_cast<size_t>(cfg.n_items) + 1);
    m.user_ids = string_array("anirec.user_ids", m.user_offsets.size() - 1);
    if (meta_str.count("anirec.item_info")) {
        const json a = meta_json("anirec.item_info");
        if (!a.is_array() || a.size() != static_cast<size_t>(cfg.n_items) + 1)
            throw fail(cat("metadata anirec.item_info must be a JSON array of ", cfg.n_items + 1, " entries"));
        m.item_info.resize(a.size());
        for (size_t i = 1; i < a.size(); ++i) {
            const std::string where = cat(name, ": anirec.item_info[", i, "]");
            if (!a[i].is_object()) throw Error(cat(where, ": not a JSON object"));
            ItemInfo& info = m.item_info[i];
            info.title = get_field<std::string>(a[i], "title", where);
            info.english_title = get_field<std::string>(a[i], "english_title", where);
            info.japanese_title = get_field<std::string>(a[i], "japanese_title", where);
            info.genres = get_field<std::string>(a[i], "genres", where);
            info.type = get_field<std::string>(a[i], "type", where);
            info.episodes = get_field<int32_t>(a[i], "episodes", where);
            info.score = get_field<float>(a[i], "score", where);
            info.members = get_field<int64_t>(a[i], "members", where);
        }
    }
    m.order = parse_order(meta_get("anirec.order"), cat(name, ": anirec.order"));
    m.source = meta_get("anirec.source");
    m.card = meta_json("anirec.card");
    if (!m.card.is_object()) throw fail("metadata anirec.card is not a JSON object");
    return out;
}

LoadedModel load_model(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(cat(path, ": cannot open: ", std::strerror(errno)));
    std::ostringstream ss;
    ss << f.rdbuf();
    if (f.bad()) throw Error(cat(path, ": read failed"));
    return parse_model(ss.str(), path);
}

void update_model_card(const std::string& path, const nlohmann::json& card) {
    LoadedModel m = load_model(path);
    m.meta.card = card;
    save_model(path, m.params, m.meta);
}

}  // namespace anirec
