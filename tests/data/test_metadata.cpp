// Metadata readers (Kaggle 2017 / 2020 anime.csv, caserec anime_info.dat, MovieLens
// movies.dat, generic) and the join with a dataset.
#include <gtest/gtest.h>

#include <string>

#include "data/ingest.h"
#include "data/metadata.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::fixture;

const ItemInfo* find(const Metadata& m, const std::string& id) {
    for (size_t i = 0; i < m.ids.size(); ++i)
        if (m.ids[i] == id) return &m.info[i];
    return nullptr;
}

TEST(Metadata, Kaggle2017AnimeCsvWithCrlfQuotesAndEntities) {
    Metadata m = read_metadata(fixture("meta_kaggle2017_anime.csv"));
    EXPECT_EQ(m.format, "kaggle2017-anime");
    EXPECT_EQ(m.ids.size(), 8u);
    EXPECT_EQ(m.malformed.total(), 0u);
    const ItemInfo* g = find(m, "9969");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->title, "Gintama'");
    EXPECT_EQ(g->genres, "Action, Comedy, Historical, Parody, Samurai, Sci-Fi, Shounen");
    EXPECT_EQ(g->type, "TV");
    EXPECT_EQ(g->episodes, 51);
    EXPECT_FLOAT_EQ(g->score, 9.16f);
    EXPECT_EQ(g->members, 151266);
    const ItemInfo* u = find(m, "34502");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->episodes, -1);  // "Unknown"
    EXPECT_EQ(u->score, -1.f);   // empty
    EXPECT_EQ(find(m, "5114")->members, 793665);  // last line, CRLF stripped
}

TEST(Metadata, Kaggle2020AnimeCsv35Columns) {
    Metadata m = read_metadata(fixture("meta_kaggle2020_anime.csv"));
    EXPECT_EQ(m.format, "kaggle2020-anime");
    ASSERT_EQ(m.ids.size(), 3u);
    const ItemInfo* c = find(m, "1");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->title, "Cowboy Bebop");
    EXPECT_EQ(c->english_title, "Cowboy Bebop");
    EXPECT_EQ(c->japanese_title, "カウボーイビバップ");
    EXPECT_FLOAT_EQ(c->score, 8.78f);  // Score, not the age Rating
    EXPECT_EQ(c->episodes, 26);
    EXPECT_EQ(c->members, 1251960);
    const ItemInfo* f = find(m, "48456");
    EXPECT_EQ(f->score, -1.f);
    EXPECT_EQ(f->episodes, -1);
    EXPECT_EQ(f->english_title, "");
}

TEST(Metadata, CaserecAnimeInfo) {
    Metadata m = read_metadata(fixture("meta_caserec_info.dat"));
    EXPECT_EQ(m.format, "caserec-info");
    EXPECT_EQ(m.ids, (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(find(m, "2")->title, "Gintama'");
    EXPECT_FLOAT_EQ(find(m, "3")->score, 9.17f);
}

TEST(Metadata, MovieLensMovies) {
    Metadata m = read_metadata(fixture("meta_movies.dat"));
    EXPECT_EQ(m.format, "movielens-movies");
    EXPECT_EQ(find(m, "2")->title, "Jumanji (1995)");
    EXPECT_EQ(find(m, "1")->genres, "Animation, Children's, Comedy");
}

TEST(Metadata, GenericColumnsByFlag) {
    MetaOptions o;
    EXPECT_THROW(read_metadata(fixture("meta_generic.csv"), o), UsageError);  // no id/title column names
    o.id_col = "code";
    o.title_col = "label";
    o.genre_col = "3";
    Metadata m = read_metadata(fixture("meta_generic.csv"), o);
    EXPECT_EQ(m.format, "csv");
    EXPECT_EQ(find(m, "tt0001")->title, "The First & Best");
    EXPECT_EQ(find(m, "tt0001")->genres, "Drama, Comedy");
    o.title_col = "nope";
    EXPECT_THROW(read_metadata(fixture("meta_generic.csv"), o), UsageError);
}

TEST(Metadata, JoinCountsMissingAndNeverRated) {
    IngestOptions o;
    o.meta_path = fixture("meta_kaggle2017_anime.csv");
    Dataset ds = ingest_file(fixture("kaggle2017_rating.csv"), o);
    ASSERT_TRUE(ds.has_titles());
    Metadata m = read_metadata(o.meta_path);
    MetadataJoin j = attach_metadata(ds, m);
    EXPECT_EQ(j.items_with_info, 4);  // 6, 20, 24, 5114
    EXPECT_EQ(j.missing, 6);          // 79, 154, 170, 199, 226, 11771
    EXPECT_EQ(j.missing_examples, (std::vector<std::string>{"79", "154", "170", "199", "226", "11771"}));
    EXPECT_EQ(j.never_rated, 4);      // 32281, 9969, 34502, 30484
    EXPECT_EQ(ds.item_info[1].title, "Trigun");  // dense item 1 = anime 6
    EXPECT_NE(ds.options_json.find("\"never_rated\":4"), std::string::npos);
}

TEST(Metadata, BadLinesCountedOrFatalWhenStrict) {
    testing::TempDir d;
    std::string p = d.write("m.csv", "anime_id,name,genre\n1,A,x\n2,\"B\n3,C,y,z\n,D,w\n");
    Metadata m = read_metadata(p);
    EXPECT_EQ(m.ids.size(), 1u);
    EXPECT_EQ(m.malformed.total(), 3u);
    MetaOptions o;
    o.strict = true;
    try {
        read_metadata(p, o);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("m.csv:3: unterminated quote"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace anirec
