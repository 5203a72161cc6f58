// The model file: everything `recommend`, `similar`, `eval` and `serve` need, in the
// safetensors layout (https://github.com/huggingface/safetensors), so Python opens it
// with `safetensors.torch.load_file` (or tools/read_safetensors.py, numpy only).
//
// Layout:
//   bytes 0..8      n: the header length, uint64 little-endian
//   bytes 8..8+n    the header: a JSON object, padded with spaces to a multiple of 8
//                   { "<tensor>": {"dtype": "F32"|"I32"|"I64", "shape": [...],
//                                  "data_offsets": [begin, end]}, ...,
//                     "__metadata__": {"<key>": "<string>", ...} }
//   bytes 8+n..     the tensors' raw little-endian bytes; data_offsets are relative to
//                   here, the tensors are contiguous and cover the buffer exactly.
//
// Tensors: every ParamArena tensor under its PyTorch name (F32, see model/sasrec.h),
// and the users' full histories (train + held-out items, dense item ids) in CSR form:
//   anirec.user_offsets  I64 (U+1)    anirec.user_items  I32 (offsets[U])
// I64 comes first in the buffer so it is 8-byte aligned.
//
// Metadata (all values strings; structured ones are JSON text):
//   anirec.format    "anirec-model"        anirec.version  "1"
//   anirec.config    ModelConfig: {"n_items","maxlen","hidden","blocks","heads","dropout","norm"}
//   anirec.item_ids  JSON array, dense item -> raw id ([0] = "" is padding), N+1 entries
//   anirec.item_info JSON array of N+1 objects {title, english_title, japanese_title, genres,
//                    type, episodes, score, members} ([0] null); absent without metadata
//   anirec.user_ids  JSON array, dense user -> raw id, U entries
//   anirec.order     the data's order kind ("timestamp", "chronological-format", "file",
//                    "sorted-by-item-id")
//   anirec.source    what the dataset was made from
//   anirec.card      the model card: a free-form JSON object (training options, time,
//                    epochs, final loss, validation/test metrics, baselines) that the
//                    trainer and the evaluator fill
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "model/sasrec.h"

namespace anirec {

inline constexpr const char* MODEL_FORMAT_NAME = "anirec-model";
inline constexpr int MODEL_FORMAT_VERSION = 1;

// Everything in a model file besides the weights.
struct ModelMeta {
    std::vector<std::string> item_ids;  // N+1, [0] = ""
    std::vector<ItemInfo> item_info;    // empty or N+1
    std::vector<std::string> user_ids;  // U
    std::vector<int64_t> user_offsets;  // U+1 (full histories)
    std::vector<int32_t> user_items;
    OrderKind order = OrderKind::FILE_ORDER;
    std::string source;
    nlohmann::json card = nlohmann::json::object();
};

// The metadata of a dataset: ids, item info, every user's full sequence, order, source.
ModelMeta model_meta_from_dataset(const Dataset& ds);

struct LoadedModel {
    explicit LoadedModel(const ModelConfig& c) : config(c), params(c) {}
    ModelConfig config;
    ParamArena params;
    ModelMeta meta;
};

// Writes the file atomically (temp file, fsync, rename). Checks that meta matches the
// config (N+1 item ids, item info empty or N+1, CSR sizes); throws Error otherwise.
void save_model(const std::string& path, const ParamArena& params, const ModelMeta& meta);

// The bytes save_model writes (tests compare them).
std::string serialize_model(const ParamArena& params, const ModelMeta& meta);

// Reads and checks a model file. Throws Error naming the file and what is wrong: a
// truncated file, a header that is not JSON, a foreign file, a newer version, a
// missing/unexpected tensor or one with a wrong dtype, shape or offsets, bad metadata,
// non-finite weights, out-of-range history items.
LoadedModel load_model(const std::string& path);
LoadedModel parse_model(const std::string& bytes, const std::string& name);  // name: for messages

// Replaces the card of an existing model file (load, set, save atomically).
void update_model_card(const std::string& path, const nlohmann::json& card);

}  // namespace anirec
