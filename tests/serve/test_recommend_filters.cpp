// Genre/type filters and top-K partial selection (against a full-sort oracle).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "serve/catalog.h"
#include "serve/topk.h"
#include "util/error.h"
#include "util/rng.h"

namespace anirec {
namespace {

Catalog small_catalog() {
    auto mk = [](const char* g, const char* t) {
        ItemInfo i;
        i.title = "x";
        i.genres = g;
        i.type = t;
        return i;
    };
    return Catalog({"", "a", "b", "c", "d", "e", "f"},
                   {ItemInfo{}, mk("Action, Drama", "TV"), mk("Comedy", "Movie"), mk("Action, Comedy", "OVA"),
                    mk("Sci-Fi, Thriller", "TV"), mk("", ""), mk("Drama, Romance", "Movie")});
}

std::vector<int32_t> allowed(const Catalog& c, const FilterSpec& spec) {
    const ItemFilter f = c.compile(spec);
    std::vector<int32_t> out;
    for (int32_t i = 1; i <= c.n_items(); ++i)
        if (f.allows(i)) out.push_back(i);
    return out;
}

TEST(Filters, IncludeAnyExcludeAnyTypes) {
    const Catalog c = small_catalog();
    EXPECT_EQ(allowed(c, {}), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("action", "", "")), (std::vector<int32_t>{1, 3}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("Action, comedy", "", "")), (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("", "DRAMA", "")), (std::vector<int32_t>{2, 3, 4, 5}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("", "", "tv, Movie")), (std::vector<int32_t>{1, 2, 4, 6}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("Action,Comedy", "Drama", "TV,OVA")), (std::vector<int32_t>{3}));
    // An item with no genres fails any include filter and passes any exclude filter.
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("sci-fi", "", "")), (std::vector<int32_t>{4}));
}

TEST(Filters, UnknownNamesAreUsageErrorsListingKnownOnes) {
    const Catalog c = small_catalog();
    try {
        c.compile(FilterSpec::from_lists("Acton", "", ""));
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("unknown genre 'Acton'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("Action, Drama, Comedy, Sci-Fi, Thriller, Romance"), std::string::npos) << msg;
    }
    EXPECT_THROW(c.compile(FilterSpec::from_lists("", "Horror", "")), UsageError);
    try {
        c.compile(FilterSpec::from_lists("", "", "Series"));
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("known types: TV, Movie, OVA"), std::string::npos) << e.what();
    }
}

TEST(Filters, NoMetadataMeansNoGenreFilters) {
    const Catalog c({"", "1", "2"}, {});
    EXPECT_FALSE(c.compile({}).active());
    EXPECT_THROW(c.compile(FilterSpec::from_lists("Action", "", "")), UsageError);
    EXPECT_THROW(c.compile(FilterSpec::from_lists("", "", "TV")), UsageError);
}

TEST(Filters, MoreThan64GenresUseSeveralWords) {
    std::vector<std::string> ids = {""};
    std::vector<ItemInfo> infos(1);
    for (int i = 0; i < 100; ++i) {
        ids.push_back(std::to_string(i));
        ItemInfo info;
        info.genres = "G" + std::to_string(i) + ", G" + std::to_string((i + 1) % 100);
        infos.push_back(info);
    }
    const Catalog c(std::move(ids), std::move(infos));
    EXPECT_EQ(c.genre_names().size(), 100u);
    // Item i (dense i+1) has genres G i and G i+1; G90 belongs to items 89 and 90 (dense 90, 91).
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("g90", "", "")), (std::vector<int32_t>{90, 91}));
    EXPECT_EQ(allowed(c, FilterSpec::from_lists("g3, G70", "G71", "")), (std::vector<int32_t>{3, 4, 70}));
}

TEST(Filters, RawIdLookup) {
    const Catalog c = small_catalog();
    EXPECT_EQ(c.find_raw_id("d"), 4);
    EXPECT_EQ(c.find_raw_id("zz"), 0);
    EXPECT_EQ(c.find_raw_id(""), 0);  // padding is not an item
}

// Full sort of every allowed, finite candidate: the oracle for the heap.
std::vector<ScoredItem> oracle_top_k(const std::vector<float>& s, int32_t k, const std::vector<uint8_t>& keep) {
    std::vector<ScoredItem> all;
    for (int32_t i = 1; i < static_cast<int32_t>(s.size()); ++i)
        if (keep[static_cast<size_t>(i)] && !std::isnan(s[static_cast<size_t>(i)]) && s[static_cast<size_t>(i)] != -INFINITY)
            all.push_back({i, s[static_cast<size_t>(i)]});
    std::sort(all.begin(), all.end(), ranks_before);
    if (static_cast<int32_t>(all.size()) > k) all.resize(static_cast<size_t>(k));
    return all;
}

TEST(TopK, MatchesFullSortOracleWithTiesFiltersAndExclusions) {
    Rng rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        const int32_t n = 1 + static_cast<int32_t>(rng.below(3000));
        std::vector<float> s(static_cast<size_t>(n) + 1);
        std::vector<uint8_t> keep(s.size());
        for (auto& x : s) x = static_cast<float>(rng.below(50)) * 0.25f - 5.f;  // many ties
        for (auto& x : keep) x = rng.below(4) != 0;
        for (int j = 0; j < 20; ++j) s[rng.below(s.size())] = -INFINITY;  // excluded (seen)
        s[rng.below(s.size())] = NAN;
        for (int32_t k : {1, 2, 5, 10, 100, n, n + 5}) {
            const auto got = top_k(s.data(), 1, n + 1, k, [&](int32_t i) { return keep[static_cast<size_t>(i)] != 0; });
            const auto want = oracle_top_k(s, k, keep);
            ASSERT_EQ(got.size(), want.size()) << "trial " << trial << " k " << k;
            for (size_t r = 0; r < got.size(); ++r) {
                ASSERT_EQ(got[r].item, want[r].item) << "trial " << trial << " k " << k << " rank " << r;
                ASSERT_EQ(got[r].score, want[r].score);
            }
        }
    }
}

TEST(TopK, EmptyAndNonPositiveK) {
    const std::vector<float> s = {0.f, 1.f, 2.f};
    EXPECT_TRUE(top_k(s.data(), 1, 3, 0, [](int32_t) { return true; }).empty());
    EXPECT_TRUE(top_k(s.data(), 1, 3, 2, [](int32_t) { return false; }).empty());
    const auto two = top_k(s.data(), 1, 3, 5, [](int32_t) { return true; });
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].item, 2);
    EXPECT_EQ(two[1].item, 1);
}

}  // namespace
}  // namespace anirec
