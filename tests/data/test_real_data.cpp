// The real files in ../shared/data: the counts each PROVENANCE.md states, and the order
// verdict (the anime files are id-sorted, MovieLens is timestamped, the SASRec and
// ICLRec files are chronological by format). Skipped when the folder is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "data/ingest.h"
#include "data/metadata.h"
#include "data_fixtures.h"

namespace anirec {
namespace {

using testing::shared_data;

struct RealCase {
    const char* file;
    int64_t rows, users, items;
    OrderKind order;
};

// The "read" step: everything in the file, before any filter.
void check(const RealCase& c) {
    std::string path = shared_data(c.file);
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
    Dataset ds = ingest_file(path);
    auto rep = nlohmann::json::parse(ds.options_json);
    const auto& read = rep["filters"][0];
    EXPECT_EQ(read["interactions"].get<int64_t>(), c.rows) << c.file;
    EXPECT_EQ(read["users"].get<int64_t>(), c.users) << c.file;
    EXPECT_EQ(read["items"].get<int64_t>(), c.items) << c.file;
    EXPECT_EQ(rep["malformed"]["total"].get<int64_t>(), 0) << c.file;
    EXPECT_EQ(ds.order, c.order) << c.file << ": " << order_kind_name(ds.order);
}

TEST(RealData, CaserecAnimeRatingsSortedById) {
    check({"anime-cooperunion-5k-caserec/anime_ratings.dat", 419943, 4714, 7157, OrderKind::SORTED_BY_ITEM_ID});
}
TEST(RealData, CaserecAnimeHistoryGzipSortedById) {
    check({"anime-cooperunion-5k-caserec/anime_history.dat.gz", 520609, 5000, 7390, OrderKind::SORTED_BY_ITEM_ID});
}
TEST(RealData, Mal2020RatingCompleteSample) {
    check({"anime-mal2020-hernan4444-samples/rating_complete.csv", 499, 4, 445, OrderKind::FILE_ORDER});
}
TEST(RealData, Mal2020AnimelistSample) {
    check({"anime-mal2020-hernan4444-samples/animelist.csv", 499, 3, 447, OrderKind::FILE_ORDER});
}
TEST(RealData, MovieLens100kTimestamped) {
    check({"ml-100k/u.data", 100000, 943, 1682, OrderKind::TIMESTAMP});
}
TEST(RealData, MovieLens1mUsers1To2999Timestamped) {
    check({"ml-1m-users-1-2999/ratings.dat.gz", 487650, 2999, 3615, OrderKind::TIMESTAMP});
}
TEST(RealData, SasrecMl1mChronological) {
    check({"ml-1m-sasrec-rebuilt/ml-1m.txt.gz", 996832, 6040, 3416, OrderKind::CHRONOLOGICAL_FORMAT});
}
TEST(RealData, IclrecSports) {
    check({"iclrec-s3rec-benchmarks/Sports_and_Outdoors.txt", 296337, 35598, 18357, OrderKind::CHRONOLOGICAL_FORMAT});
}
TEST(RealData, IclrecToys) {
    check({"iclrec-s3rec-benchmarks/Toys_and_Games.txt", 167597, 19412, 11924, OrderKind::CHRONOLOGICAL_FORMAT});
}
TEST(RealData, IclrecYelpWithRepeatVisits) {
    RealCase c{"iclrec-s3rec-benchmarks/Yelp.txt", 316354, 30431, 20033, OrderKind::CHRONOLOGICAL_FORMAT};
    check(c);
    if (!std::filesystem::exists(shared_data(c.file))) return;
    Dataset ds = ingest_file(shared_data(c.file));
    auto rep = nlohmann::json::parse(ds.options_json);
    EXPECT_EQ(rep["duplicates"]["rows"].get<int64_t>(), 11830);  // PROVENANCE: 11,830 repeated visits
    int64_t mn = 1 << 30, mx = 0;
    for (int32_t u = 0; u < ds.n_users(); ++u) {
        mn = std::min<int64_t>(mn, static_cast<int64_t>(ds.sequence(u).size()));
        mx = std::max<int64_t>(mx, static_cast<int64_t>(ds.sequence(u).size()));
    }
    EXPECT_EQ(mn, 5);
    EXPECT_EQ(mx, 350);
}

struct MetaCase {
    const char* file;
    size_t rows;
    const char* format;
};

void check_meta(const MetaCase& c) {
    std::string path = shared_data(c.file);
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
    Metadata m = read_metadata(path);
    EXPECT_EQ(m.ids.size(), c.rows) << c.file;
    EXPECT_EQ(m.format, c.format) << c.file;
    EXPECT_EQ(m.malformed.total(), 0u) << c.file;
    EXPECT_EQ(m.duplicate_ids, 0) << c.file;
}

TEST(RealData, Kaggle2017AnimeCsv) {
    check_meta({"anime-cooperunion-metadata/anime.csv", 12294, "kaggle2017-anime"});
    std::string path = shared_data("anime-cooperunion-metadata/anime.csv");
    if (!std::filesystem::exists(path)) return;
    Metadata m = read_metadata(path);
    for (const auto& info : m.info) EXPECT_EQ(info.title.find("&#039;"), std::string::npos) << info.title;
    EXPECT_EQ(m.info[0].title, "Kimi no Na wa.");
    EXPECT_EQ(m.info[0].genres, "Drama, Romance, School, Supernatural");
}
TEST(RealData, CaserecAnimeInfo) {
    check_meta({"anime-cooperunion-5k-caserec/anime_info.dat", 7390, "caserec-info"});
}
TEST(RealData, MovieLens1mMovies) {
    check_meta({"ml-1m-users-1-2999/movies.dat", 3883, "movielens-movies"});
}

TEST(RealData, CaserecRatingsWithTheirMetadata) {
    std::string r = shared_data("anime-cooperunion-5k-caserec/anime_ratings.dat");
    if (!std::filesystem::exists(r)) GTEST_SKIP();
    IngestOptions o;
    o.meta_path = shared_data("anime-cooperunion-5k-caserec/anime_info.dat");
    Dataset ds = ingest_file(r, o);
    auto rep = nlohmann::json::parse(ds.options_json);
    // Every rated item (7,157 of the 7,390 ids) has a row; the other 233 were never rated.
    EXPECT_EQ(rep["metadata"]["missing"].get<int64_t>(), 0);
    EXPECT_EQ(rep["metadata"]["never_rated"].get<int64_t>(), 7390 - 7157);
}

}  // namespace
}  // namespace anirec
