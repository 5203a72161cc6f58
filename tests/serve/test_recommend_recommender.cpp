// Recommender: recommend / recommend_user / similar / popular against brute-force
// oracles, filters, bad input with clear messages, thread safety, batches, and a
// round trip through a real model file.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <thread>
#include <unistd.h>

#include "model/sasrec.h"
#include "serve/recommender.h"
#include "test_direction_oracle.h"
#include "test_recommend_model.h"
#include "util/error.h"

namespace anirec {
namespace {

using test::make_tiny_model;
using test::TinyModelSpec;

// The expected ranking: logits by a fresh Workspace and double dot products, full sort.
std::vector<ScoredItem> oracle_recommend(const LoadedModel& m, const std::vector<int32_t>& history, int32_t k,
                                         bool exclude_seen, const std::function<bool(int32_t)>& keep) {
    const ModelConfig& cfg = m.config;
    std::vector<int32_t> seq(static_cast<size_t>(cfg.maxlen), 0);
    const size_t n = std::min(seq.size(), history.size());
    std::copy(history.end() - static_cast<ptrdiff_t>(n), history.end(), seq.end() - static_cast<ptrdiff_t>(n));
    Workspace ws(cfg, 1, false);
    std::vector<float> state(static_cast<size_t>(cfg.hidden));
    sasrec_last_state(m.params, ws, seq.data(), 1, state.data());
    std::vector<ScoredItem> all;
    for (int32_t i = 1; i <= cfg.n_items; ++i) {
        if (exclude_seen && std::count(history.begin(), history.end(), i)) continue;
        if (!keep(i)) continue;
        double s = 0;
        for (int32_t c = 0; c < cfg.hidden; ++c)
            s += double(m.params.item_emb[static_cast<size_t>(i) * cfg.hidden + c]) * state[static_cast<size_t>(c)];
        all.push_back({i, static_cast<float>(s)});
    }
    std::sort(all.begin(), all.end(), ranks_before);
    if (static_cast<int32_t>(all.size()) > k) all.resize(static_cast<size_t>(k));
    return all;
}

void expect_same_ranking(const std::vector<RecRow>& got, const std::vector<ScoredItem>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t r = 0; r < got.size(); ++r) {
        EXPECT_EQ(got[r].rank, static_cast<int32_t>(r) + 1) << what;
        EXPECT_NEAR(got[r].score, want[r].score, 1e-4) << what << " rank " << r;
        // A swap is only acceptable between near-equal scores.
        if (got[r].item != want[r].item) {
            EXPECT_NEAR(got[r].score, want[r].score, 1e-5) << what << " rank " << r << ": item " << got[r].item
                                                           << " vs " << want[r].item;
        }
    }
}

class RecommenderTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        model_ = new LoadedModel(make_tiny_model());
        rec_ = new Recommender(make_tiny_model());
    }
    static void TearDownTestSuite() {
        delete rec_;
        delete model_;
    }
    static LoadedModel* model_;
    static Recommender* rec_;
};
LoadedModel* RecommenderTest::model_ = nullptr;
Recommender* RecommenderTest::rec_ = nullptr;

TEST_F(RecommenderTest, RecommendMatchesBruteForceOracle) {
    const std::vector<int32_t> h = {3, 17, 42, 8, 8, 59};
    auto all = [](int32_t) { return true; };
    for (int32_t k : {1, 5, 10, 54}) {
        const RecResult r = rec_->recommend(h, k, FilterSpec{});
        expect_same_ranking(r.rows, oracle_recommend(*model_, h, k, true, all), "exclude seen");
        for (const RecRow& row : r.rows) EXPECT_EQ(std::count(h.begin(), h.end(), row.item), 0);
        EXPECT_EQ(r.history_len, 6);
        EXPECT_EQ(r.history_used, 6);
    }
    FilterSpec keep_seen;
    keep_seen.exclude_seen = false;
    const RecResult r = rec_->recommend(h, 60, keep_seen);
    expect_same_ranking(r.rows, oracle_recommend(*model_, h, 60, false, all), "keep seen");
    EXPECT_EQ(r.rows.size(), 60u);
}

TEST_F(RecommenderTest, RowsCarryMetadata) {
    const RecResult r = rec_->recommend(std::vector<int32_t>{1, 2}, 3, FilterSpec{});
    for (const RecRow& row : r.rows) {
        EXPECT_EQ(row.raw_id, std::to_string(1000 + 7 * row.item));
        EXPECT_EQ(row.title, model_->meta.item_info[static_cast<size_t>(row.item)].title);
        EXPECT_EQ(row.genres, model_->meta.item_info[static_cast<size_t>(row.item)].genres);
        EXPECT_EQ(row.type, model_->meta.item_info[static_cast<size_t>(row.item)].type);
        EXPECT_EQ(row.cooccurrence, -1);
    }
}

TEST_F(RecommenderTest, FiltersApplyToRecommendations) {
    const std::vector<int32_t> h = {10, 20, 30};
    const FilterSpec f = FilterSpec::from_lists("action, drama", "comedy", "TV,Movie");
    const Catalog& c = rec_->catalog();
    const ItemFilter filt = c.compile(f);
    const RecResult r = rec_->recommend(h, 10, f);
    ASSERT_FALSE(r.rows.empty());
    for (const RecRow& row : r.rows) {
        const auto g = c.genre_list(row.item);
        EXPECT_TRUE(std::count(g.begin(), g.end(), "Action") || std::count(g.begin(), g.end(), "Drama")) << row.genres;
        EXPECT_FALSE(std::count(g.begin(), g.end(), "Comedy")) << row.genres;
        EXPECT_TRUE(row.type == "TV" || row.type == "Movie") << row.type;
    }
    expect_same_ranking(r.rows, oracle_recommend(*model_, h, 10, true, [&](int32_t i) { return filt.allows(i); }),
                        "filtered");
    // A filter that leaves fewer than k items returns what is left, not an error.
    const RecResult few = rec_->recommend(h, 50, FilterSpec::from_lists("Sci-Fi", "", "OVA"));
    EXPECT_LT(few.rows.size(), 50u);
    for (const RecRow& row : few.rows) EXPECT_EQ(row.type, "OVA");
}

TEST_F(RecommenderTest, HistoryLongerThanMaxlenUsesTheMostRecent) {
    std::vector<int32_t> longh;
    for (int32_t i = 0; i < 40; ++i) longh.push_back(1 + (i * 7) % 60);
    const std::vector<int32_t> tail(longh.end() - 12, longh.end());
    FilterSpec keep_seen;
    keep_seen.exclude_seen = false;
    const RecResult a = rec_->recommend(longh, 15, keep_seen);
    const RecResult b = rec_->recommend(tail, 15, keep_seen);
    EXPECT_EQ(a.history_len, 40);
    EXPECT_EQ(a.history_used, 12);
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (size_t r = 0; r < a.rows.size(); ++r) {
        EXPECT_EQ(a.rows[r].item, b.rows[r].item);
        EXPECT_EQ(a.rows[r].score, b.rows[r].score);
    }
    // exclude-seen still removes everything watched, also before the window.
    const RecResult c = rec_->recommend(longh, 5, FilterSpec{});
    for (const RecRow& row : c.rows) EXPECT_EQ(std::count(longh.begin(), longh.end(), row.item), 0);
}

TEST_F(RecommenderTest, RecommendUserUsesStoredHistory) {
    const int32_t u = rec_->find_user("user7");
    ASSERT_EQ(u, 7);
    const auto h = rec_->user_history(u);
    const RecResult a = rec_->recommend_user("user7", 10, FilterSpec{});
    const RecResult b = rec_->recommend(h, 10, FilterSpec{});
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (size_t r = 0; r < a.rows.size(); ++r) EXPECT_EQ(a.rows[r].item, b.rows[r].item);
    EXPECT_EQ(a.history_len, static_cast<int32_t>(h.size()));
}

template <typename Ex, typename Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
    } catch (const Ex& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("WRONG TYPE: ") + e.what();
    }
    return "NO ERROR";
}

TEST_F(RecommenderTest, BadInputGivesClearErrors) {
    const std::vector<int32_t> h = {1, 2};
    EXPECT_EQ(error_of<UsageError>([&] { rec_->recommend(h, 0, {}); }), "k must be at least 1 (got 0)");
    EXPECT_EQ(error_of<UsageError>([&] { rec_->recommend(h, -3, {}); }), "k must be at least 1 (got -3)");
    EXPECT_EQ(error_of<UsageError>([&] { rec_->recommend(h, 61, {}); }),
              "k = 61 is larger than the catalogue (60 animes)");
    EXPECT_EQ(error_of<UsageError>([&] { rec_->similar(3, 0, {}); }), "k must be at least 1 (got 0)");
    EXPECT_EQ(error_of<Error>([&] { rec_->recommend(std::vector<int32_t>{}, 5, {}); }),
              "empty history: give at least one anime (title or raw id)");
    EXPECT_EQ(error_of<UsageError>([&] { rec_->recommend(std::vector<int32_t>{4, 61}, 5, {}); }),
              "history entry 2: 61 is not an item id of this model (1..60)");
    EXPECT_EQ(error_of<UsageError>([&] { rec_->similar(0, 5, {}); }), "item 0 is not an item id of this model (1..60)");
    const std::string unknown = error_of<Error>([&] { rec_->recommend_user("nobody", 5, {}); });
    EXPECT_NE(unknown.find("unknown user 'nobody'"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find("40 training users"), std::string::npos) << unknown;
    const std::string title = error_of<Error>([&] { rec_->resolve_item_or_throw("Anime Numbr 12"); });
    EXPECT_NE(title.find("unknown anime 'Anime Numbr 12'; closest titles:"), std::string::npos) << title;
    const std::string genre = error_of<UsageError>([&] { rec_->recommend(h, 5, FilterSpec::from_lists("Horror", "", "")); });
    EXPECT_NE(genre.find("unknown genre 'Horror'"), std::string::npos) << genre;
}

TEST_F(RecommenderTest, ResolvesTitlesRawIdsAndSemicolonLists) {
    EXPECT_EQ(rec_->resolve_item_or_throw("anime number 12"), 12);
    EXPECT_EQ(rec_->resolve_item_or_throw("1084"), 12);  // raw id 1000 + 7*12
    EXPECT_EQ(rec_->resolve_history("Anime Number 3; Steins;Gate; 1084; gate"),
              (std::vector<int32_t>{3, 4, 12, 5}));
    const std::string msg = error_of<Error>([&] { rec_->resolve_history("Anime Number 3; zzzz; Anime Number"); });
    EXPECT_NE(msg.find("2 history entries did not resolve"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown anime 'zzzz'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'Anime Number' matches"), std::string::npos) << msg;
    EXPECT_EQ(error_of<Error>([&] { rec_->resolve_history(" ; ;"); }),
              "empty history: give at least one anime (title or raw id)");
}

// Cosine of rows a and b of a row-major (rows, C) table, in double: the oracle of similar().
template <class T>
double row_cosine(const T* rows, int32_t C, int32_t a, int32_t b) {
    double ab = 0, aa = 0, bb = 0;
    for (int32_t c = 0; c < C; ++c) {
        const double x = rows[static_cast<size_t>(a) * C + c], y = rows[static_cast<size_t>(b) * C + c];
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    return ab / std::sqrt(aa * bb);
}

TEST_F(RecommenderTest, SimilarMatchesCosineOracleAndExplains) {
    const int32_t C = model_->config.hidden;
    const float* E = model_->params.item_emb;
    auto cosine = [&](int32_t a, int32_t b) { return row_cosine(E, C, a, b); };
    auto cooc = [&](int32_t a, int32_t b) {
        int64_t n = 0;
        for (int32_t u = 0; u < rec_->n_users(); ++u) {
            const auto h = rec_->user_history(u);
            n += std::count(h.begin(), h.end(), a) > 0 && std::count(h.begin(), h.end(), b) > 0;
        }
        return n;
    };
    const Recommender raw(make_tiny_model(), SimilaritySpace::RAW);
    EXPECT_EQ(raw.similarity_space(), SimilaritySpace::RAW);
    for (int32_t q : {1, 4, 33, 60}) {
        std::vector<ScoredItem> want;
        for (int32_t i = 1; i <= 60; ++i)
            if (i != q) want.push_back({i, static_cast<float>(cosine(q, i))});
        std::sort(want.begin(), want.end(), ranks_before);
        want.resize(10);
        const RecResult r = raw.similar(q, 10, {}, /*explain=*/true);
        EXPECT_EQ(r.query_item, q);
        expect_same_ranking(r.rows, want, "similar");
        for (const RecRow& row : r.rows) {
            EXPECT_NE(row.item, q);
            EXPECT_EQ(row.cooccurrence, cooc(q, row.item)) << q << " / " << row.item;
        }
    }
    for (const RecRow& row : rec_->similar(4, 5, {}).rows) EXPECT_EQ(row.cooccurrence, -1);
    // k = catalogue is allowed; the query item itself is left out.
    EXPECT_EQ(rec_->similar(4, 60, {}).rows.size(), 59u);
    const RecResult f = rec_->similar(4, 10, FilterSpec::from_lists("", "", "movie"));
    for (const RecRow& row : f.rows) EXPECT_EQ(row.type, "Movie");
}

// The default space: cosine after removing the mean row and the top principal direction.
// The oracle finds that direction by its own route (test_direction_oracle.h), not by the
// covariance the library uses.
TEST_F(RecommenderTest, DefaultSimilarityIsCosineWithoutMeanAndTopDirection) {
    ASSERT_EQ(rec_->similarity_space(), SimilaritySpace::DEBIASED);
    const int32_t C = model_->config.hidden, N = model_->config.n_items;
    const float* E = model_->params.item_emb;
    std::vector<double> mean(static_cast<size_t>(C), 0.0);
    for (int32_t i = 1; i <= N; ++i)
        for (int32_t c = 0; c < C; ++c) mean[static_cast<size_t>(c)] += E[static_cast<size_t>(i) * C + c] / N;
    std::vector<double> X((static_cast<size_t>(N) + 1) * C, 0.0);  // centred rows, (N+1, C)
    for (int32_t i = 1; i <= N; ++i)
        for (int32_t c = 0; c < C; ++c)
            X[static_cast<size_t>(i) * C + c] = E[static_cast<size_t>(i) * C + c] - mean[static_cast<size_t>(c)];
    const std::vector<double> v = test::top_direction_oracle(X, N + 1, C, 3000);
    for (int32_t i = 1; i <= N; ++i) {
        double* r = X.data() + static_cast<size_t>(i) * C;
        double dot = 0;
        for (int32_t c = 0; c < C; ++c) dot += r[c] * v[static_cast<size_t>(c)];
        for (int32_t c = 0; c < C; ++c) r[c] -= dot * v[static_cast<size_t>(c)];
    }
    auto cosine = [&](int32_t a, int32_t b) { return row_cosine(X.data(), C, a, b); };
    const Recommender raw(make_tiny_model(), SimilaritySpace::RAW);
    int32_t differs_from_raw = 0;
    for (int32_t q : {1, 4, 33, 60}) {
        std::vector<ScoredItem> want;
        for (int32_t i = 1; i <= N; ++i)
            if (i != q) want.push_back({i, static_cast<float>(cosine(q, i))});
        std::sort(want.begin(), want.end(), ranks_before);
        want.resize(10);
        const RecResult r = rec_->similar(q, 10, {});
        expect_same_ranking(r.rows, want, "debiased similar");
        const RecResult r_raw = raw.similar(q, 10, {});
        for (size_t j = 0; j < r.rows.size(); ++j) differs_from_raw += r.rows[j].item != r_raw.rows[j].item;
    }
    EXPECT_GT(differs_from_raw, 0) << "the debiased space must change some neighbours of this model";
}

TEST_F(RecommenderTest, PopularCountsUsersPerItem) {
    std::vector<int64_t> count(61, 0);
    for (int32_t u = 0; u < rec_->n_users(); ++u) {
        auto h = rec_->user_history(u);
        std::vector<int32_t> s(h.begin(), h.end());
        std::sort(s.begin(), s.end());
        s.erase(std::unique(s.begin(), s.end()), s.end());
        for (int32_t i : s) ++count[static_cast<size_t>(i)];
    }
    const RecResult r = rec_->popular(5, {});
    ASSERT_EQ(r.rows.size(), 5u);
    const int64_t best = *std::max_element(count.begin(), count.end());
    EXPECT_EQ(static_cast<int64_t>(r.rows[0].score), best);
    for (size_t i = 1; i < r.rows.size(); ++i) EXPECT_GE(r.rows[i - 1].score, r.rows[i].score);
    for (const RecRow& row : r.rows) EXPECT_EQ(rec_->popularity(row.item), count[static_cast<size_t>(row.item)]);
}

TEST_F(RecommenderTest, ManyThreadsGiveTheSameResultsAsSerial) {
    constexpr int kCalls = 60;
    auto history_of = [](int i) {
        std::vector<int32_t> h;
        for (int j = 0; j <= i % 25; ++j) h.push_back(1 + (i * 13 + j * 7) % 60);
        return h;
    };
    std::vector<std::vector<int32_t>> serial_rec(kCalls), serial_sim(kCalls), serial_user(kCalls);
    auto items = [](const RecResult& r) {
        std::vector<int32_t> v;
        for (const RecRow& row : r.rows) v.push_back(row.item);
        return v;
    };
    for (int i = 0; i < kCalls; ++i) {
        serial_rec[i] = items(rec_->recommend(history_of(i), 10, {}));
        serial_sim[i] = items(rec_->similar(1 + i % 60, 10, {}, true));
        serial_user[i] = items(rec_->recommend_user("user" + std::to_string(i % 40), 7, {}));
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 3; ++rep)
                for (int j = 0; j < kCalls; ++j) {
                    const int i = (j + t * 7) % kCalls;
                    if (items(rec_->recommend(history_of(i), 10, {})) != serial_rec[i]) ++mismatches;
                    if (items(rec_->similar(1 + i % 60, 10, {}, true)) != serial_sim[i]) ++mismatches;
                    if (items(rec_->recommend_user("user" + std::to_string(i % 40), 7, {})) != serial_user[i])
                        ++mismatches;
                }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(RecommenderTest, BatchAgreesWithSingleCalls) {
    std::vector<std::vector<int32_t>> hs;
    for (int i = 0; i < 70; ++i) {
        std::vector<int32_t> h;
        for (int j = 0; j < (i % 30); ++j) h.push_back(1 + (i * 11 + j * 5) % 60);
        hs.push_back(h);  // i % 30 == 0: empty history
    }
    const ItemFilter none;
    for (size_t start = 0; start < hs.size(); start += Recommender::max_batch()) {
        const size_t end = std::min(hs.size(), start + Recommender::max_batch());
        std::vector<std::span<const int32_t>> spans;
        for (size_t i = start; i < end; ++i) spans.emplace_back(hs[i]);
        const auto got = rec_->recommend_batch(spans, 8, none, true);
        ASSERT_EQ(got.size(), end - start);
        for (size_t i = start; i < end; ++i) {
            if (hs[i].empty()) {
                EXPECT_TRUE(got[i - start].empty());
                continue;
            }
            const RecResult single = rec_->recommend(hs[i], 8, {});
            ASSERT_EQ(got[i - start].size(), single.rows.size());
            for (size_t r = 0; r < single.rows.size(); ++r) {
                EXPECT_NEAR(got[i - start][r].score, single.rows[r].score, 1e-4);
                if (got[i - start][r].item != single.rows[r].item) {
                    EXPECT_NEAR(got[i - start][r].score, single.rows[r].score, 1e-5);
                }
            }
        }
    }
    std::vector<std::span<const int32_t>> too_many(65, std::span<const int32_t>(hs[1]));
    EXPECT_THROW(rec_->recommend_batch(too_many, 5, none, true), UsageError);
}

TEST(RecommenderNoTitles, RawIdsWorkTitlesSaySo) {
    TinyModelSpec spec;
    spec.titles = false;
    Recommender rec(make_tiny_model(spec));
    EXPECT_FALSE(rec.titles().has_titles());
    EXPECT_EQ(rec.resolve_item_or_throw("1007"), 1);
    const std::string msg = error_of<Error>([&] { rec.resolve_item_or_throw("Steins;Gate"); });
    EXPECT_NE(msg.find("carries no titles"), std::string::npos) << msg;
    const RecResult r = rec.recommend(std::vector<int32_t>{1, 2, 3}, 4, {});
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.rows[0].title, r.rows[0].raw_id);
    EXPECT_EQ(r.rows[0].genres, "");
    const std::string f = error_of<UsageError>([&] { rec.recommend(std::vector<int32_t>{1}, 4, FilterSpec::from_lists("Action", "", "")); });
    EXPECT_NE(f.find("need item metadata"), std::string::npos) << f;
}

TEST(RecommenderNoUsers, UnknownUserSaysNoHistoriesStored) {
    LoadedModel m = make_tiny_model();
    m.meta.user_ids.clear();
    m.meta.user_offsets = {0};
    m.meta.user_items.clear();
    Recommender rec(std::move(m));
    EXPECT_EQ(error_of<Error>([&] { rec.recommend_user("user1", 3, {}); }),
              "unknown user 'user1': this model file stores no user histories");
    EXPECT_EQ(rec.popularity(3), 3000);  // from metadata members when no histories
    EXPECT_EQ(rec.similar(3, 4, {}, true).rows[0].cooccurrence, 0);
}

TEST(RecommenderFile, RoundTripThroughModelFile) {
    const LoadedModel m = make_tiny_model();
    const std::string path =
        (std::filesystem::temp_directory_path() / ("anirec_rec_test_" + std::to_string(::getpid()) + ".safetensors")).string();
    save_model(path, m.params, m.meta);
    const auto from_file = Recommender::load(path);
    std::filesystem::remove(path);
    Recommender in_memory(make_tiny_model());
    const std::vector<int32_t> h = {5, 9, 13};
    const RecResult a = from_file->recommend(h, 10, {});
    const RecResult b = in_memory.recommend(h, 10, {});
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (size_t r = 0; r < a.rows.size(); ++r) {
        EXPECT_EQ(a.rows[r].item, b.rows[r].item);
        EXPECT_EQ(a.rows[r].score, b.rows[r].score);
        EXPECT_EQ(a.rows[r].title, b.rows[r].title);
    }
    EXPECT_EQ(from_file->card().at("note"), "random test model");
    EXPECT_EQ(from_file->resolve_item_or_throw("Steins;Gate"), 4);
    EXPECT_THROW(Recommender::load(path + ".missing"), Error);
}

}  // namespace
}  // namespace anirec
