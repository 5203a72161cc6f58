// The synthetic generator in memory: determinism, the planted franchise structure,
// popularity, lengths, timestamps, taste, the catalogue and config validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_map>

#include "data/synth.h"
#include "util/error.h"

namespace anirec {
namespace {

SynthConfig small_config(uint64_t seed = 7) {
    SynthConfig c;
    c.n_users = 1500;
    c.n_items = 800;
    c.mean_length = 30;
    c.seed = seed;
    return c;
}

const SynthData& small_data() {
    static const SynthData d = synth_generate(small_config());
    return d;
}

std::span<const int32_t> seq(const SynthData& d, int64_t u) {
    return {d.seq_items.data() + d.offsets[u], static_cast<size_t>(d.offsets[u + 1] - d.offsets[u])};
}

double top_share(const SynthData& d, double frac) {
    std::vector<int64_t> cnt(d.items.size(), 0);
    for (int32_t i : d.seq_items) ++cnt[i];
    std::sort(cnt.rbegin(), cnt.rend());
    const size_t k = std::max<size_t>(1, static_cast<size_t>(cnt.size() * frac));
    return static_cast<double>(std::accumulate(cnt.begin(), cnt.begin() + k, int64_t{0})) /
           static_cast<double>(d.n_interactions());
}

TEST(SynthGenerate, SameSeedGivesSameData) {
    const SynthData a = synth_generate(small_config());
    const SynthData& b = small_data();
    EXPECT_EQ(a.user_ids, b.user_ids);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.seq_items, b.seq_items);
    EXPECT_EQ(a.seq_ratings, b.seq_ratings);
    EXPECT_EQ(a.seq_timestamps, b.seq_timestamps);
    ASSERT_EQ(a.items.size(), b.items.size());
    for (size_t i = 0; i < a.items.size(); ++i) {
        EXPECT_EQ(a.items[i].anime_id, b.items[i].anime_id);
        EXPECT_EQ(a.items[i].name, b.items[i].name);
    }
}

TEST(SynthGenerate, DifferentSeedsDiffer) {
    const SynthData a = synth_generate(small_config(8));
    const SynthData& b = small_data();
    EXPECT_NE(a.seq_items, b.seq_items);
    EXPECT_NE(a.seq_timestamps, b.seq_timestamps);
    int same_names = 0;
    for (size_t i = 0; i < std::min(a.items.size(), b.items.size()); ++i) same_names += a.items[i].name == b.items[i].name;
    EXPECT_LT(same_names, 20);
}

TEST(SynthGenerate, SizesFollowTheConfig) {
    const SynthData& d = small_data();
    const SynthConfig c = small_config();
    EXPECT_EQ(d.n_users(), c.n_users);
    EXPECT_EQ(static_cast<int32_t>(d.items.size()), c.n_items);
    ASSERT_EQ(d.offsets.size(), static_cast<size_t>(c.n_users + 1));
    EXPECT_EQ(d.offsets.back(), d.n_interactions());
    EXPECT_EQ(d.seq_ratings.size(), d.seq_items.size());
    EXPECT_EQ(d.seq_timestamps.size(), d.seq_items.size());
    for (uint8_t r : d.seq_ratings) ASSERT_TRUE(r >= 1 && r <= 10);
    // User ids are 0-based, increasing, with gaps (so readers must remap them).
    EXPECT_EQ(d.user_ids.front(), 0);
    EXPECT_TRUE(std::is_sorted(d.user_ids.begin(), d.user_ids.end()));
    EXPECT_GT(d.user_ids.back(), c.n_users);
}

// Nobody watches entry k+1 without having watched entry k before it, and nobody
// watches an anime twice.
TEST(SynthGenerate, FranchiseOrderIsAlwaysRespected) {
    const SynthData& d = small_data();
    int64_t sequels = 0;
    for (int64_t u = 0; u < d.n_users(); ++u) {
        std::unordered_map<int32_t, int64_t> pos;
        auto s = seq(d, u);
        for (size_t k = 0; k < s.size(); ++k) ASSERT_TRUE(pos.emplace(s[k], k).second) << "user " << u;
        for (size_t k = 0; k < s.size(); ++k) {
            const SynthItem& it = d.items[s[k]];
            if (it.prev < 0) continue;
            ++sequels;
            auto p = pos.find(it.prev);
            ASSERT_TRUE(p != pos.end()) << "user " << u << " watched " << it.name << " without its prequel";
            ASSERT_LT(p->second, static_cast<int64_t>(k)) << "user " << u << ": " << it.name;
        }
    }
    EXPECT_GT(sequels, d.n_interactions() / 10);  // the structure is a sizable part of the data
}

// P(next item = next entry | item has a next entry, not the user's last item) is
// follow * soon, as documented.
TEST(SynthGenerate, ImmediateSequelRateIsTheStatedRate) {
    for (double follow : {0.8, 0.5}) {
        SynthConfig c = small_config();
        c.follow = follow;
        const SynthData d = synth_generate(c);
        int64_t num = 0, den = 0;
        for (int64_t u = 0; u < d.n_users(); ++u) {
            auto s = seq(d, u);
            for (size_t k = 0; k + 1 < s.size(); ++k) {
                if (d.items[s[k]].next < 0) continue;
                ++den;
                num += s[k + 1] == d.items[s[k]].next;
            }
        }
        ASSERT_GT(den, 2000);
        EXPECT_NEAR(static_cast<double>(num) / den, c.follow * c.soon, 0.03) << "follow " << follow;
    }
}

TEST(SynthGenerate, FollowZeroMeansNoSequels) {
    SynthConfig c = small_config();
    c.follow = 0;
    const SynthData d = synth_generate(c);
    for (int32_t i : d.seq_items) ASSERT_EQ(d.items[i].entry, 0) << d.items[i].name;
}

// Top 1% of items take a large share of interactions, much larger than with flat popularity.
TEST(SynthGenerate, PopularityIsHeavyTailed) {
    const SynthData& d = small_data();
    const double top1 = top_share(d, 0.01);
    EXPECT_GT(top1, 0.08);  // >= 8x the share of a uniform catalogue
    std::vector<int64_t> cnt(d.items.size(), 0);
    for (int32_t i : d.seq_items) ++cnt[i];
    std::sort(cnt.begin(), cnt.end());
    double g = 0;
    const double n = static_cast<double>(cnt.size());
    for (size_t i = 0; i < cnt.size(); ++i) g += (2.0 * (i + 1) - n - 1) * cnt[i];
    EXPECT_GT(g / (n * d.n_interactions()), 0.4) << "Gini";

    SynthConfig flat = small_config();
    flat.zipf = 0;
    EXPECT_GT(top1, 2.0 * top_share(synth_generate(flat), 0.01));
}

TEST(SynthGenerate, TimestampsStrictlyIncreaseWithinEachUser) {
    const SynthData& d = small_data();
    for (int64_t u = 0; u < d.n_users(); ++u)
        for (int64_t k = d.offsets[u] + 1; k < d.offsets[u + 1]; ++k)
            ASSERT_LT(d.seq_timestamps[k - 1], d.seq_timestamps[k]) << "user " << u;
    const auto [lo, hi] = std::minmax_element(d.seq_timestamps.begin(), d.seq_timestamps.end());
    EXPECT_GE(*lo, 1136073600);  // 2006-01-01
    EXPECT_LT(*hi, 1601510400);  // 2020-10-01
}

TEST(SynthGenerate, LengthsAreHeavyTailedAroundTheMean) {
    SynthConfig c = small_config();
    c.n_users = 6000;
    const SynthData d = synth_generate(c);
    std::vector<int64_t> len;
    for (int64_t u = 0; u < d.n_users(); ++u) len.push_back(d.offsets[u + 1] - d.offsets[u]);
    std::sort(len.begin(), len.end());
    const double mean = static_cast<double>(d.n_interactions()) / d.n_users();
    EXPECT_NEAR(mean, c.mean_length, 0.1 * c.mean_length);
    EXPECT_GE(len.front(), c.min_length);
    EXPECT_LT(len[len.size() / 2], mean);          // median below mean: right-skewed
    EXPECT_GT(len.back(), 6 * len[len.size() / 2]);  // a long tail
}

// New franchises are mostly picked from the user's main taste cluster.
TEST(SynthGenerate, HistoriesFollowTasteClusters) {
    const SynthData& d = small_data();
    int64_t starts = 0, in_taste = 0;
    std::vector<int64_t> cluster_items(synth_cluster_names().size(), 0);
    for (const auto& it : d.items) cluster_items[it.cluster] += it.entry == 0;
    for (int64_t u = 0; u < d.n_users(); ++u)
        for (int32_t i : seq(d, u)) {
            if (d.items[i].entry != 0) continue;
            ++starts;
            in_taste += d.items[i].cluster == d.user_cluster[u];
        }
    const double share = static_cast<double>(in_taste) / starts;
    const double biggest = static_cast<double>(*std::max_element(cluster_items.begin(), cluster_items.end())) /
                           d.n_franchises;
    EXPECT_GT(share, 0.45);
    EXPECT_GT(share, 2 * biggest);  // far above what any cluster gets by its size alone
}

// The planted structure: "next item = next entry of the last item's franchise" predicts
// the held-out last item far better than most-popular does.
TEST(SynthGenerate, NextSeasonRuleBeatsMostPopular) {
    const SynthData& d = small_data();
    const size_t n = d.items.size();
    std::vector<int64_t> pop(n, 0);
    for (int64_t u = 0; u < d.n_users(); ++u)
        for (int64_t k = d.offsets[u]; k + 1 < d.offsets[u + 1]; ++k) ++pop[d.seq_items[k]];
    std::vector<int32_t> by_pop(n);
    std::iota(by_pop.begin(), by_pop.end(), 0);
    std::stable_sort(by_pop.begin(), by_pop.end(), [&](int32_t a, int32_t b) { return pop[a] > pop[b]; });

    int64_t users = 0, rule_hit1 = 0, pop_hit1 = 0, pop_hit10 = 0;
    std::vector<char> seen(n);
    for (int64_t u = 0; u < d.n_users(); ++u) {
        auto s = seq(d, u);
        if (s.size() < 2) continue;
        ++users;
        const int32_t target = s.back(), last = s[s.size() - 2];
        rule_hit1 += d.items[last].next == target;
        std::fill(seen.begin(), seen.end(), 0);
        for (size_t k = 0; k + 1 < s.size(); ++k) seen[s[k]] = 1;
        int rank = 0;
        for (int32_t i : by_pop) {
            if (seen[i]) continue;
            if (i == target) {
                pop_hit1 += rank == 0;
                pop_hit10 += 1;
                break;
            }
            if (++rank == 10) break;
        }
    }
    const double rule = static_cast<double>(rule_hit1) / users;
    const double mp1 = static_cast<double>(pop_hit1) / users, mp10 = static_cast<double>(pop_hit10) / users;
    RecordProperty("rule_hr1", std::to_string(rule));
    RecordProperty("mostpop_hr1", std::to_string(mp1));
    EXPECT_GT(rule, 0.15);
    EXPECT_GT(rule, 5 * mp1);
    EXPECT_GT(rule, mp10);  // the rule's single guess beats MostPop's ten
}

TEST(SynthCatalogue, IdsAreSparseSortedAndSequelsComeLater) {
    const SynthData& d = small_data();
    EXPECT_GT(d.items.front().anime_id, 0);
    for (size_t i = 1; i < d.items.size(); ++i) ASSERT_LT(d.items[i - 1].anime_id, d.items[i].anime_id);
    EXPECT_GT(d.items.back().anime_id, 2 * static_cast<int32_t>(d.items.size()));  // not 1..N
    for (size_t i = 0; i < d.items.size(); ++i) {
        const SynthItem& it = d.items[i];
        if (it.next >= 0) {
            ASSERT_EQ(d.items[it.next].prev, static_cast<int32_t>(i));
            ASSERT_EQ(d.items[it.next].franchise, it.franchise);
            ASSERT_EQ(d.items[it.next].entry, it.entry + 1);
            ASSERT_GT(d.items[it.next].anime_id, it.anime_id);
        }
        if (it.prev >= 0) {
            ASSERT_EQ(d.items[it.prev].next, static_cast<int32_t>(i));
        }
        ASSERT_EQ(it.prev < 0, it.entry == 0);
    }
}

TEST(SynthCatalogue, TitlesGenresTypesAndEpisodesLookReal) {
    const SynthData& d = small_data();
    std::set<std::string> names;
    const std::set<std::string> types{"TV", "Movie", "OVA", "ONA", "Special"};
    const auto& gnames = synth_genre_names();
    int64_t sequels = 0, sequel_named_after_first = 0, with_comma = 0, multi_entry = 0;
    for (const auto& it : d.items) {
        ASSERT_FALSE(it.name.empty());
        ASSERT_TRUE(names.insert(it.name).second) << "duplicate title " << it.name;
        ASSERT_TRUE(types.count(it.type)) << it.type;
        ASSERT_TRUE(it.episodes >= 1 || (it.episodes == -1 && it.type == "TV")) << it.name;
        if (it.type == "Movie") {
            ASSERT_EQ(it.episodes, 1);
        }
        // genres: sorted, from the list, and matching the mask
        std::string expect;
        for (size_t g = 0; g < gnames.size(); ++g)
            if ((it.genre_mask >> g) & 1) expect += (expect.empty() ? "" : ", ") + gnames[g];
        ASSERT_FALSE(expect.empty());
        ASSERT_EQ(it.genres, expect);
        with_comma += it.name.find(',') != std::string::npos;
        multi_entry += it.next >= 0 && it.entry == 0;
        if (it.prev >= 0) {
            const SynthItem* first = &it;
            while (first->prev >= 0) first = &d.items[first->prev];
            ++sequels;
            sequel_named_after_first += it.name.rfind(first->name, 0) == 0;
        }
    }
    EXPECT_GT(with_comma, 0);  // exercises CSV quoting
    EXPECT_GT(multi_entry, d.n_franchises / 4);
    EXPECT_GT(sequel_named_after_first, 0.95 * sequels);  // "X Season 2", "X: The Movie", ...
}

TEST(SynthConfigTest, PresetsAndValidation) {
    const SynthConfig demo = synth_preset("demo");
    EXPECT_EQ(demo.n_users, 4000);
    const SynthConfig big = synth_preset("kaggle2020");
    EXPECT_EQ(big.n_users, 310059);
    EXPECT_EQ(big.n_items, 16872);
    EXPECT_NEAR(big.n_users * big.mean_length, 57.6e6, 0.1e6);
    EXPECT_THROW(synth_preset("huge"), UsageError);
    EXPECT_NO_THROW(synth_validate(demo));
    EXPECT_NO_THROW(synth_validate(big));

    auto expect_bad = [](auto mutate) {
        SynthConfig c = small_config();
        mutate(c);
        EXPECT_THROW(synth_validate(c), UsageError);
        EXPECT_THROW(synth_generate(c), UsageError);
    };
    expect_bad([](SynthConfig& c) { c.n_users = 0; });
    expect_bad([](SynthConfig& c) { c.n_items = 5; });
    expect_bad([](SynthConfig& c) { c.mean_length = 0.5; });
    expect_bad([](SynthConfig& c) { c.mean_length = 500; });  // > items/4
    expect_bad([](SynthConfig& c) { c.min_length = 0; });
    expect_bad([](SynthConfig& c) { c.min_length = 100; });  // > mean_length
    expect_bad([](SynthConfig& c) { c.zipf = -1; });
    expect_bad([](SynthConfig& c) { c.taste = 1.5; });
    expect_bad([](SynthConfig& c) { c.follow = -0.1; });
    expect_bad([](SynthConfig& c) { c.soon = 2; });
    expect_bad([](SynthConfig& c) { c.length_sigma = 5; });
}

// A tiny catalogue where users would run out of franchises still terminates cleanly.
TEST(SynthGenerate, TinyCatalogueTerminates) {
    SynthConfig c;
    c.n_users = 50;
    c.n_items = 10;
    c.mean_length = 2.5;
    c.min_length = 1;
    c.length_sigma = 3;
    const SynthData d = synth_generate(c);
    for (int64_t u = 0; u < d.n_users(); ++u) {
        EXPECT_GE(d.offsets[u + 1] - d.offsets[u], 1);
        EXPECT_LE(d.offsets[u + 1] - d.offsets[u], 10);
    }
}

TEST(SynthToDataset, GivesAPreparedLookingDataset) {
    const SynthData& d = small_data();
    const Dataset ds = synth_to_dataset(d);
    EXPECT_EQ(ds.n_users(), d.n_users());
    EXPECT_EQ(ds.n_interactions(), d.n_interactions());
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    ASSERT_EQ(ds.item_info.size(), ds.item_ids.size());
    EXPECT_EQ(ds.item_ids[0], "");
    for (int32_t i : ds.items) ASSERT_TRUE(i >= 1 && i <= ds.n_items());
    for (int32_t i = 2; i <= ds.n_items(); ++i) ASSERT_LT(std::stoll(ds.item_ids[i - 1]), std::stoll(ds.item_ids[i]));
    // Same sequences, through the raw ids.
    for (int64_t k = 0; k < d.n_interactions(); k += 97)
        ASSERT_EQ(ds.item_ids[ds.items[k]], std::to_string(d.items[d.seq_items[k]].anime_id));
    bool decoded = false;
    for (const auto& info : ds.item_info) {
        ASSERT_EQ(info.title.find("&#039;"), std::string::npos);
        decoded |= info.title.find('\'') != std::string::npos;
    }
    EXPECT_TRUE(decoded);
    EXPECT_EQ(ds.timestamps, d.seq_timestamps);
}

}  // namespace
}  // namespace anirec
