// The one code path from a trained model to answers, shared by the CLI (recommend,
// similar, recommend-all) and the HTTP server.
//
//   Recommender rec = Recommender::load("m.safetensors");   // once
//   auto recs = rec.recommend(history, 10, FilterSpec{});   // history: dense ids, watch order
//   auto sims = rec.similar(rec.resolve_item_or_throw("Steins;Gate"), 10, {}, /*explain=*/true);
//
// Every public method is const and safe to call from many threads at once: the model
// is read-only after loading, scratch space (one SASRec Workspace per concurrent
// call) comes from a small pool, and the co-occurrence index behind explanations is
// built once, on first use, under std::call_once.
//
// Scores. recommend: the model's logits, i.e. the dot product of the user state
// (the SASRec hidden state at the last position of the history) with each item
// embedding row; the same numbers the training loss and the evaluator rank by.
// similar: cosine similarity of item embedding rows (exact brute force, behind
// ItemIndex), by default after removing the rows' mean and top principal direction
// (embedding_space.h: that direction mostly encodes popularity). Top-K by partial selection; ties go to the lower dense id.
//
// Errors: k <= 0 or k > catalogue size, ids out of range and bad filters throw
// UsageError (bad request); an unknown user, an unknown title and an empty history
// throw Error, with a message that names what is wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_file.h"
#include "serve/catalog.h"
#include "serve/embedding_space.h"
#include "serve/item_index.h"
#include "serve/title_index.h"
#include "serve/topk.h"

namespace anirec {

struct RecRow {
    int32_t rank = 0;  // 1-based
    int32_t item = 0;  // dense id
    std::string raw_id;
    std::string title;   // main title, or the raw id when the model has no titles
    std::string genres;  // "Action, Drama" ("" when unknown)
    std::string type;    // "TV", "Movie", ... ("" when unknown)
    float score = 0.f;   // recommend: logit; similar: cosine
    int64_t cooccurrence = -1;  // similar --explain: training users who watched both; -1 = not asked
};

struct RecResult {
    std::vector<RecRow> rows;   // best first; fewer than k when the filters leave fewer items
    int32_t history_len = 0;    // recommend: items given
    int32_t history_used = 0;   // recommend: items fed to the model (the most recent maxlen)
    int32_t query_item = 0;     // similar: the anime asked about
};

class Recommender {
public:
    // Reads a model file (load_model) and builds the catalogue, title index, item index.
    // Throws Error naming the file when it cannot be read.
    static std::unique_ptr<Recommender> load(const std::string& path,
                                             SimilaritySpace space = SimilaritySpace::DEBIASED);
    explicit Recommender(LoadedModel model, SimilaritySpace space = SimilaritySpace::DEBIASED);
    ~Recommender();
    // Not movable: the title index points into the catalogue. Hold it by pointer.
    Recommender(Recommender&&) = delete;
    Recommender& operator=(Recommender&&) = delete;

    // --- what the model knows
    const ModelConfig& config() const { return model_.config; }
    const ParamArena& params() const { return model_.params; }
    const ModelMeta& meta() const { return model_.meta; }
    const nlohmann::json& card() const { return model_.meta.card; }
    const Catalog& catalog() const { return catalog_; }
    const TitleIndex& titles() const { return titles_; }
    const ItemIndex& item_index() const { return *index_; }
    // The space similar() measures in (RAW when the catalogue is too small to debias).
    SimilaritySpace similarity_space() const { return space_; }
    int32_t n_items() const { return model_.config.n_items; }
    int32_t n_users() const { return static_cast<int32_t>(model_.meta.user_ids.size()); }
    // Dense user id of a raw user id / user name, or -1.
    int32_t find_user(std::string_view raw) const;
    std::span<const int32_t> user_history(int32_t user) const;
    // How many training histories contain the item (from the stored histories; from
    // the metadata's member counts when the file stores no histories).
    int64_t popularity(int32_t item) const { return popularity_[static_cast<size_t>(item)]; }

    // --- finding animes
    // A title (main, English or Japanese), a raw id, or "id:RAW"; see title_index.h.
    LookupResult resolve_item(std::string_view text) const { return titles_.lookup(text); }
    // The dense id, or Error with the candidates or suggestions in the message.
    int32_t resolve_item_or_throw(std::string_view text) const;
    // "Shingeki no Kyojin; Steins;Gate; 9253" -> dense ids; Error listing every piece
    // that did not resolve (with candidates / suggestions).
    std::vector<int32_t> resolve_history(std::string_view list) const;

    // --- answers
    // history: dense item ids in watch order (the most recent maxlen are used).
    RecResult recommend(std::span<const int32_t> history, int32_t k, const FilterSpec& filters) const;
    // The stored history of a training user (raw id or user name).
    RecResult recommend_user(std::string_view raw_user, int32_t k, const FilterSpec& filters) const;
    // Nearest animes by cosine of item embeddings (in similarity_space()); the item
    // itself is never returned.
    // explain fills RecRow::cooccurrence.
    RecResult similar(int32_t item, int32_t k, const FilterSpec& filters, bool explain = false) const;
    // The most watched animes of the training data (ties: lower dense id). Unlike the
    // other answers, a k above the catalogue size gives the whole catalogue.
    RecResult popular(int32_t k, const FilterSpec& filters) const;
    // Training users whose history contains both a and b.
    int64_t cooccurrence(int32_t a, int32_t b) const;

    // --- batches (recommend-all)
    // Top-k for many histories at once: user states by sasrec_last_state in one batch,
    // scores by one sgemm, then partial selection per user. Histories may be empty
    // (that user's list is empty). Up to max_batch() histories per call.
    std::vector<std::vector<ScoredItem>> recommend_batch(std::span<const std::span<const int32_t>> histories,
                                                         int32_t k, const ItemFilter& filter,
                                                         bool exclude_seen) const;
    static constexpr int32_t max_batch() { return 64; }

    // A result row for a scored item.
    RecRow make_row(int32_t rank, const ScoredItem& s) const;
    // Throws UsageError unless 1 <= k <= n_items().
    void check_k(int32_t k) const;

private:
    class WorkspacePool;
    std::vector<int32_t> window(std::span<const int32_t> history) const;  // left-padded (T)
    void check_history(std::span<const int32_t> history) const;
    void build_postings() const;

    LoadedModel model_;
    Catalog catalog_;
    TitleIndex titles_;
    std::unique_ptr<ItemIndex> index_;
    SimilaritySpace space_ = SimilaritySpace::DEBIASED;
    std::vector<float> item_emb_t_;  // (C, N+1): logits of one state by unit-stride multiply-adds
    std::vector<int64_t> popularity_;
    std::unordered_map<std::string, int32_t> user_by_raw_;
    std::unique_ptr<WorkspacePool> single_pool_;  // Workspaces for batch 1
    std::unique_ptr<WorkspacePool> batch_pool_;   // Workspaces for max_batch()
    // Co-occurrence: item -> sorted users whose history has it (built on first use).
    mutable std::once_flag postings_once_;
    mutable std::vector<int64_t> post_offsets_;
    mutable std::vector<int32_t> post_users_;
};

}  // namespace anirec
