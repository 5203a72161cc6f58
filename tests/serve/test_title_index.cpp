// Title lookup: case, accents, punctuation, entities, alternative names, raw ids,
// ambiguity, suggestions, ';'-lists with titles that contain ';', and search.
#include <gtest/gtest.h>

#include "serve/catalog.h"
#include "serve/title_index.h"

namespace anirec {
namespace {

ItemInfo info(const char* title, const char* genres, const char* type, int64_t members,
              const char* english = "", const char* japanese = "") {
    ItemInfo i;
    i.title = title;
    i.english_title = english;
    i.japanese_title = japanese;
    i.genres = genres;
    i.type = type;
    i.members = members;
    return i;
}

// A small catalogue with the awkward cases of the real one.
Catalog make_catalog() {
    std::vector<std::string> ids = {""};
    std::vector<ItemInfo> infos = {ItemInfo{}};
    auto add = [&](const char* raw, ItemInfo i) {
        ids.emplace_back(raw);
        infos.push_back(std::move(i));
    };
    add("16498", info("Shingeki no Kyojin", "Action, Drama, Fantasy, Shounen", "TV", 896229, "Attack on Titan",
                      "\u9032\u6483\u306e\u5de8\u4eba"));                                                // 1
    add("5114", info("Fullmetal Alchemist: Brotherhood", "Action, Adventure, Drama, Fantasy", "TV", 793665));  // 2
    add("121", info("Fullmetal Alchemist", "Action, Adventure, Comedy, Drama", "TV", 600384));                 // 3
    add("9253", info("Steins;Gate", "Sci-Fi, Thriller", "TV", 673572));                                        // 4
    add("28907", info("Gate: Jieitai Kanchi nite, Kaku Tatakaeri", "Action, Adventure, Fantasy, Military", "TV",
                      200000, "Gate"));                                                                         // 5
    add("9969", info("Gintama&#039;", "Action, Comedy, Sci-Fi", "TV", 151266));                                // 6
    add("918", info("Gintama", "Action, Comedy, Sci-Fi", "TV", 336376));                                       // 7
    add("28977", info("Gintama\u00b0", "Action, Comedy, Sci-Fi", "TV", 114262));                                // 8
    add("527", info("Pok\u00e9mon", "Action, Adventure, Comedy", "TV", 291838));                                // 9
    add("25777", info("Shingeki no Kyojin Season 2", "Action, Drama, Fantasy, Shounen", "TV", 400000));         // 10
    add("30484", info("Steins;Gate 0", "Sci-Fi, Thriller", "TV", 300000));                                      // 11
    add("31240", info("Re:Zero kara Hajimeru Isekai Seikatsu", "Drama, Fantasy", "TV", 500000));                // 12
    add("41457", info("86", "Action, Drama, Sci-Fi", "TV", 250000, "86 Eighty-Six"));                           // 13
    add("86", info("Chobits", "Comedy, Drama, Romance", "TV", 200000));                                         // 14
    add("32281", info("Kimi no Na wa.", "Drama, Romance, School, Supernatural", "Movie", 200630, "Your Name."));  // 15
    return Catalog(std::move(ids), std::move(infos));
}

class TitleIndexTest : public ::testing::Test {
protected:
    Catalog cat_ = make_catalog();
    TitleIndex idx_{cat_};

    int32_t found(const char* q) {
        LookupResult r = idx_.lookup(q);
        EXPECT_EQ(r.status, LookupStatus::FOUND) << "query '" << q << "': " << idx_.describe_failure(r);
        return r.item;
    }
};

TEST_F(TitleIndexTest, IgnoresCaseSpacingPunctuation) {
    EXPECT_EQ(found("Shingeki no Kyojin"), 1);
    EXPECT_EQ(found("shingeki no kyojin"), 1);
    EXPECT_EQ(found("  SHINGEKI   no kyojin "), 1);
    EXPECT_EQ(found("fullmetal alchemist brotherhood"), 2);
    EXPECT_EQ(found("Fullmetal Alchemist - Brotherhood!"), 2);
    EXPECT_EQ(found("steins gate"), 4);
    EXPECT_EQ(found("STEINS;GATE"), 4);
    EXPECT_EQ(found("kimi no na wa"), 15);
}

TEST_F(TitleIndexTest, ExactNormalizedMatchWinsOverPartial) {
    // "Fullmetal Alchemist" is also a prefix of item 2's title: the exact title wins.
    EXPECT_EQ(found("fullmetal alchemist"), 3);
    EXPECT_EQ(found("Steins;Gate"), 4);  // not Steins;Gate 0
}

TEST_F(TitleIndexTest, AccentsAndEntities) {
    EXPECT_EQ(found("pokemon"), 9);
    EXPECT_EQ(found("POK\u00c9MON"), 9);
    EXPECT_EQ(found("Pok&eacute;mon"), 9);
    // Stored with an undecoded entity, asked for in three spellings.
    EXPECT_EQ(found("Gintama'"), 6);
    EXPECT_EQ(found("gintama&#039;"), 6);
    EXPECT_EQ(found("Gintama&apos;"), 6);
    // Literal match tells the three Gintamas apart even though they normalise alike.
    EXPECT_EQ(found("gintama"), 7);
    EXPECT_EQ(found("Gintama\u00b0"), 8);
}

TEST_F(TitleIndexTest, EnglishAndJapaneseNames) {
    LookupResult r = idx_.lookup("attack on titan");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.item, 1);
    EXPECT_EQ(r.how, "English title");
    r = idx_.lookup("\u9032\u6483\u306e\u5de8\u4eba");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.item, 1);
    EXPECT_EQ(r.how, "Japanese title");
    EXPECT_EQ(found("your name"), 15);
    EXPECT_EQ(found("Gate"), 5);  // English name of item 5
}

TEST_F(TitleIndexTest, CompactAndPartialMatches) {
    EXPECT_EQ(found("rezero"), 12);
    EXPECT_EQ(found("re zero kara hajimeru"), 12);  // partial, single match
    EXPECT_EQ(found("alchemist brotherhood"), 2);
    LookupResult r = idx_.lookup("alchemist brotherhood");
    EXPECT_EQ(r.how, "partial title");
}

TEST_F(TitleIndexTest, RawIds) {
    LookupResult r = idx_.lookup("9253");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.item, 4);
    EXPECT_EQ(r.how, "raw id");
    EXPECT_EQ(found("id:9253"), 4);
    EXPECT_EQ(found("ID: 86"), 14);
    r = idx_.lookup("id:99999");
    EXPECT_EQ(r.status, LookupStatus::NOT_FOUND);
    EXPECT_TRUE(r.by_raw_id);
    EXPECT_NE(idx_.describe_failure(r).find("no anime with raw id '99999'"), std::string::npos);
}

TEST_F(TitleIndexTest, RawIdThatIsAlsoATitleIsAmbiguous) {
    LookupResult r = idx_.lookup("86");
    ASSERT_EQ(r.status, LookupStatus::AMBIGUOUS);
    EXPECT_TRUE(r.raw_id_clash);
    ASSERT_EQ(r.candidates.size(), 2u);
    EXPECT_EQ(r.candidates[0], 14);  // the raw id first
    EXPECT_EQ(r.candidates[1], 13);
    const std::string msg = idx_.describe_failure(r);
    EXPECT_NE(msg.find("id:86"), std::string::npos) << msg;
    EXPECT_NE(msg.find("41457  86"), std::string::npos) << msg;
    EXPECT_EQ(found("86 eighty six"), 13);
}

TEST_F(TitleIndexTest, SeveralMatchesListCandidatesByPopularity) {
    LookupResult r = idx_.lookup("kyojin");
    ASSERT_EQ(r.status, LookupStatus::AMBIGUOUS);
    EXPECT_EQ(r.n_matches, 2);
    EXPECT_EQ(r.candidates, (std::vector<int32_t>{1, 10}));
    const std::string msg = idx_.describe_failure(r);
    EXPECT_NE(msg.find("'kyojin' matches 2 animes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16498  Shingeki no Kyojin  [TV; Action, Drama, Fantasy, Shounen]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("25777  Shingeki no Kyojin Season 2"), std::string::npos) << msg;

    // The three Gintamas share the normalised key "gintama"; "gintama!" is not literal.
    r = idx_.lookup("gintama!");
    ASSERT_EQ(r.status, LookupStatus::AMBIGUOUS);
    EXPECT_EQ(r.candidates, (std::vector<int32_t>{7, 6, 8}));  // by members

    r = idx_.lookup("steins", false, /*max_candidates=*/1);
    ASSERT_EQ(r.status, LookupStatus::AMBIGUOUS);
    EXPECT_EQ(r.n_matches, 2);
    EXPECT_EQ(r.candidates.size(), 1u);
    EXPECT_NE(idx_.describe_failure(r).find("1 most popular shown"), std::string::npos);
}

TEST_F(TitleIndexTest, NoMatchSuggestsClosestTitles) {
    LookupResult r = idx_.lookup("shingeki no kyojn");
    ASSERT_EQ(r.status, LookupStatus::NOT_FOUND);
    ASSERT_FALSE(r.suggestions.empty());
    EXPECT_EQ(r.suggestions[0], 1);
    const std::string msg = idx_.describe_failure(r);
    EXPECT_NE(msg.find("unknown anime 'shingeki no kyojn'; closest titles:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16498  Shingeki no Kyojin"), std::string::npos) << msg;

    r = idx_.lookup("fulmetal alchemst");
    ASSERT_EQ(r.status, LookupStatus::NOT_FOUND);
    ASSERT_GE(r.suggestions.size(), 2u);
    EXPECT_TRUE((r.suggestions[0] == 3 || r.suggestions[0] == 2));

    r = idx_.lookup("qqqq zzzz");
    EXPECT_EQ(r.status, LookupStatus::NOT_FOUND);
    EXPECT_TRUE(r.suggestions.empty());
    EXPECT_NE(idx_.describe_failure(r).find("no similar title"), std::string::npos);

    r = idx_.lookup("   ");
    EXPECT_EQ(r.status, LookupStatus::NOT_FOUND);
    EXPECT_EQ(idx_.describe_failure(r), "empty title or id");
}

TEST_F(TitleIndexTest, ExactOnlySkipsPartialAndSuggestions) {
    LookupResult r = idx_.lookup("alchemist brotherhood", /*exact_only=*/true);
    EXPECT_EQ(r.status, LookupStatus::NOT_FOUND);
    EXPECT_TRUE(r.suggestions.empty());
}

TEST_F(TitleIndexTest, ListWithSemicolonInTitles) {
    ListResolution res = idx_.resolve_list("Shingeki no Kyojin; Steins;Gate; 9253");
    ASSERT_TRUE(res.ok()) << idx_.describe_failure(res.failures[0]);
    EXPECT_EQ(res.items, (std::vector<int32_t>{1, 4, 4}));
    EXPECT_EQ(res.pieces, (std::vector<std::string>{"Shingeki no Kyojin", "Steins;Gate", "9253"}));

    // "Gate" alone is a title (item 5), yet "Steins;Gate" must be read as one.
    res = idx_.resolve_list("Steins;Gate;Gate");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res.items, (std::vector<int32_t>{4, 5}));

    res = idx_.resolve_list("Gate; Steins;Gate 0;;");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res.items, (std::vector<int32_t>{5, 11}));

    res = idx_.resolve_list("pokemon; no such anime here; kyojin");
    EXPECT_EQ(res.items, (std::vector<int32_t>{9}));
    ASSERT_EQ(res.failures.size(), 2u);
    EXPECT_EQ(res.failures[0].status, LookupStatus::NOT_FOUND);
    EXPECT_EQ(res.failures[1].status, LookupStatus::AMBIGUOUS);

    res = idx_.resolve_list(" ; ");
    EXPECT_TRUE(res.ok());
    EXPECT_TRUE(res.items.empty());
}

TEST_F(TitleIndexTest, SearchRanksExactPrefixWordSubstringSimilar) {
    auto hits = idx_.search("fullmetal", 10);
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].item, 2);  // both prefix matches: more members first
    EXPECT_EQ(hits[1].item, 3);
    EXPECT_EQ(hits[0].tier, 2);

    hits = idx_.search("kyojin", 10);
    ASSERT_GE(hits.size(), 2u);
    EXPECT_EQ(hits[0].item, 1);
    EXPECT_EQ(hits[1].item, 10);
    EXPECT_EQ(hits[0].tier, 3);

    hits = idx_.search("Steins;Gate", 3);
    ASSERT_GE(hits.size(), 2u);
    EXPECT_EQ(hits[0].item, 4);
    EXPECT_EQ(hits[0].tier, 1);
    EXPECT_EQ(hits[1].item, 11);

    hits = idx_.search("9253", 3);
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].item, 4);
    EXPECT_EQ(hits[0].tier, 0);

    hits = idx_.search("shingeki no kyojn", 2);  // typo: filled by similarity
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].tier, 5);
    EXPECT_EQ(hits[0].item, 1);

    hits = idx_.search("a", 4);  // limit respected, one hit per item
    EXPECT_EQ(hits.size(), 4u);
    EXPECT_TRUE(idx_.search("", 5).empty());
    EXPECT_TRUE(idx_.search("gate", 0).empty());
}

TEST(TitleIndexNoTitles, RawIdsStillWorkAndTitlesSaySo) {
    Catalog cat({"", "100", "200", "9253"}, {});
    TitleIndex idx(cat);
    EXPECT_FALSE(idx.has_titles());
    LookupResult r = idx.lookup("9253");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.item, 3);
    r = idx.lookup("Steins;Gate");
    EXPECT_EQ(r.status, LookupStatus::NOT_FOUND);
    EXPECT_TRUE(r.no_titles);
    EXPECT_NE(idx.describe_failure(r).find("carries no titles"), std::string::npos);
    EXPECT_EQ(cat.title(2), "200");  // raw id stands in for the title
    EXPECT_TRUE(idx.search("steins", 5).empty());
}

}  // namespace
}  // namespace anirec
