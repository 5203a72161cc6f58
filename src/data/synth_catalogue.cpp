// The synthetic catalogue: franchises (chains of TV seasons, movies, OVAs, ...) with
// made-up titles, genres from a taste cluster, types, episode counts, Zipf popularity
// and sparse MAL-like anime ids assigned in release order (so a sequel's id is larger).
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_set>

#include "data/synth_internal.h"
#include "util/error.h"

namespace anirec {

namespace {

struct GenreDef {
    const char* name;
    double weight;  // how common the genre is: item counts in the Kaggle 2017 anime.csv
};

// Alphabetical, so walking genre_mask bits in order yields the sorted genre list that
// anime.csv uses ("Action, Comedy, School").
constexpr std::array<GenreDef, 38> kGenres{{
    {"Action", 2845},      {"Adventure", 2348}, {"Cars", 72},          {"Comedy", 4645},
    {"Dementia", 240},     {"Demons", 294},     {"Drama", 2016},       {"Ecchi", 637},
    {"Fantasy", 2309},     {"Game", 181},       {"Harem", 317},        {"Historical", 806},
    {"Horror", 369},       {"Josei", 54},       {"Kids", 1609},        {"Magic", 778},
    {"Martial Arts", 265}, {"Mecha", 944},      {"Military", 426},     {"Music", 860},
    {"Mystery", 495},      {"Parody", 408},     {"Police", 197},       {"Psychological", 229},
    {"Romance", 1464},     {"Samurai", 148},    {"School", 1220},      {"Sci-Fi", 2070},
    {"Seinen", 547},       {"Shoujo", 603},     {"Shounen", 1712},     {"Slice of Life", 1220},
    {"Space", 381},        {"Sports", 543},     {"Super Power", 465},  {"Supernatural", 1037},
    {"Thriller", 87},      {"Vampire", 102},
}};

int genre_index(const char* name) {
    for (size_t i = 0; i < kGenres.size(); ++i)
        if (std::string_view(kGenres[i].name) == name) return static_cast<int>(i);
    ANIREC_ASSERT(false);
    return -1;
}

struct ClusterDef {
    const char* name;
    double franchise_share;  // share of franchises made for this cluster
    double user_share;       // share of users whose main taste it is
    std::vector<const char*> genres;
};

const std::vector<ClusterDef>& clusters() {
    static const std::vector<ClusterDef> defs{
        {"Shounen action", 0.18, 0.22, {"Action", "Shounen", "Super Power", "Martial Arts", "Adventure", "Demons"}},
        {"Fantasy & adventure", 0.15, 0.16, {"Fantasy", "Adventure", "Magic", "Game", "Demons"}},
        {"Romance & school", 0.15, 0.15, {"Romance", "School", "Shoujo", "Harem", "Drama", "Ecchi"}},
        {"Comedy & slice of life", 0.20, 0.15, {"Comedy", "Slice of Life", "Parody", "School", "Music", "Kids"}},
        {"Sci-fi & mecha", 0.12, 0.10, {"Sci-Fi", "Mecha", "Space", "Military", "Action"}},
        {"Mystery & horror", 0.08, 0.09,
         {"Mystery", "Psychological", "Thriller", "Horror", "Supernatural", "Police", "Vampire", "Dementia"}},
        {"Sports", 0.05, 0.05, {"Sports", "School", "Comedy", "Cars"}},
        {"Seinen & historical drama", 0.07, 0.08, {"Drama", "Seinen", "Historical", "Samurai", "Josei", "Military"}},
    };
    return defs;
}

// --- title words ------------------------------------------------------------------

const std::vector<const char*> kJpAdj{
    "Kuro", "Shiro", "Aka", "Ao", "Gin", "Kin", "Midori", "Murasaki", "Tooi", "Chiisana", "Ookina",
    "Saigo", "Hajimari", "Owari", "Ashita", "Kinou", "Eien", "Himitsu", "Hoshizora",
    "Tasogare", "Akatsuki", "Yoru", "Natsu", "Fuyu", "Haru", "Aki", "Mahou", "Kimi", "Boku"};
const std::vector<const char*> kJpNoun{
    "Tsubasa", "Sora", "Umi", "Hoshi", "Tsuki", "Kaze", "Hana", "Yume", "Kokoro", "Tsurugi", "Ryuu",
    "Kitsune", "Neko", "Sakura", "Yuki", "Honoo", "Kage", "Mirai", "Kioku", "Sekai", "Majo", "Oukoku",
    "Hikari", "Yami", "Inori", "Uta", "Kiseki", "Tenshi", "Akuma", "Shinigami", "Yuusha", "Maou",
    "Hime", "Kishi", "Ookami", "Tora", "Karasu", "Mori", "Machi", "Kaizoku", "Ninja", "Samurai",
    "Gakkou", "Yakusoku", "Namida", "Egao", "Hanabi", "Kotoba", "Tegami", "Shizuku"};
const std::vector<const char*> kJpSuffix{"Monogatari", "Senki", "Densetsu", "Gakuen", "Sensou",
                                         "Kitan", "Roku", "Shinsho", "Nikki", "Jiken", "Biyori"};
const std::vector<const char*> kEnAdj{
    "Crimson", "Silent", "Eternal", "Broken", "Azure", "Golden", "Last", "Hidden", "Fallen",
    "Infinite", "Phantom", "Iron", "Starlit", "Lost", "Scarlet", "Wandering", "Frozen", "Electric"};
const std::vector<const char*> kEnNoun{
    "Horizon", "Requiem", "Frontier", "Blade", "Garden", "Knights", "Symphony", "Code", "Memories",
    "Revolution", "Drive", "Chronicle", "Legion", "Melody", "Gear", "Paradox", "Journey", "Bullet",
    "Rhapsody", "Saga", "Sky", "Echo", "Zero", "Crown"};
const std::vector<const char*> kSyllables{
    "ka", "ki", "ku", "ko", "sa", "shi", "su", "se", "so", "ta", "chi", "tsu", "te", "to", "na", "ni",
    "no", "ha", "hi", "fu", "ho", "ma", "mi", "mu", "me", "mo", "ya", "yu", "yo", "ra", "ri", "ru",
    "re", "ro", "wa", "ga", "gi", "go", "ji", "da", "be", "ri", "ka", "ne", "ri"};
const std::vector<const char*> kArcs{"Kanketsu", "Shinsei", "Kakusei", "Ketsudan", "Tenshou",
                                     "Shuuen", "Kaikou", "Fukkatsu", "Meikyuu", "Raimei",
                                     "Soukoku", "Ginga", "Kyousou", "Reimei"};

template <typename T>
const T& pick(const std::vector<T>& v, Rng& rng) {
    return v[rng.below(v.size())];
}

std::string capitalize(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

// A character-like name from 2-3 syllables: "Mitsuki", "Harune".
std::string person_name(Rng& rng) {
    std::string s;
    int n = 2 + static_cast<int>(rng.below(2));
    for (int i = 0; i < n; ++i) s += pick(kSyllables, rng);
    return capitalize(s);
}

// One base title. A few patterns carry what real anime.csv names carry: commas (quoted
// in the CSV), apostrophes written as &#039;, "&" as &amp;, and non-ASCII characters.
std::string base_title(Rng& rng) {
    const double r = rng.uniform_double();
    auto jn = [&] { return std::string(pick(kJpNoun, rng)); };
    auto ja = [&] { return std::string(pick(kJpAdj, rng)); };
    auto en = [&] { return std::string(pick(kEnNoun, rng)); };
    auto ea = [&] { return std::string(pick(kEnAdj, rng)); };
    if (r < 0.18) return ja() + " no " + jn();
    if (r < 0.31) {
        std::string a = jn(), b = jn();
        return a == b ? a + " no " + ja() + " " + b : a + " no " + b;
    }
    if (r < 0.43) return jn() + " " + pick(kJpSuffix, rng);
    if (r < 0.53) return ea() + " " + en();
    if (r < 0.58) return en() + " of the " + ea() + " " + en();
    if (r < 0.66) return person_name(rng) + " no " + jn();
    if (r < 0.71) return person_name(rng) + " to " + person_name(rng);
    if (r < 0.77) return ja() + " no " + jn() + ": " + ea() + " " + en();
    if (r < 0.81) return person_name(rng) + ", " + jn() + " ni Naru";
    if (r < 0.85) return person_name(rng) + "&#039;s " + en();
    if (r < 0.89) return person_name(rng) + "-san wa " + jn() + "!?";
    if (r < 0.92) return jn() + " &amp; " + jn();
    if (r < 0.95) return "Hello, " + en() + "!";
    if (r < 0.97) return jn() + "\xE2\x98\x86" + pick(kJpSuffix, rng);  // U+2606 WHITE STAR
    return ea() + " " + en() + " " + ea() + "!!";
}

std::string ordinal(int n) {
    const char* suf = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1) suf = "st";
        else if (n % 10 == 2) suf = "nd";
        else if (n % 10 == 3) suf = "rd";
    }
    return std::to_string(n) + suf;
}

std::string roman(int n) {
    static const std::array<std::pair<int, const char*>, 7> parts{
        {{50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}}};
    std::string s;
    for (auto [v, p] : parts)
        while (n >= v) {
            s += p;
            n -= v;
        }
    return s;
}

double normal(Rng& rng, double mean, double sd) { return mean + sd * rng.normal(); }

template <typename W>
int32_t pick_weighted(const W& weights, size_t n, Rng& rng) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += weights(i);
    double x = rng.uniform_double() * total;
    for (size_t i = 0; i < n; ++i) {
        x -= weights(i);
        if (x < 0) return static_cast<int32_t>(i);
    }
    return static_cast<int32_t>(n - 1);
}

int32_t draw_episodes(const std::string& type, Rng& rng) {
    if (type == "Movie") return 1;
    if (type == "OVA") return rng.below(2) == 0 ? 1 : 2 + static_cast<int32_t>(rng.below(5));
    if (type == "Special") return 1 + static_cast<int32_t>(rng.below(9));
    if (type == "ONA") return 1 + static_cast<int32_t>(rng.below(24));
    static const std::array<std::pair<int32_t, double>, 9> tv{
        {{12, 38}, {13, 16}, {24, 14}, {25, 8}, {26, 10}, {10, 4}, {11, 3}, {50, 5}, {51, 2}}};
    return tv[pick_weighted([&](size_t i) { return tv[i].second; }, tv.size(), rng)].first;
}

struct Entry {  // an item before it gets its id and catalogue index
    int32_t franchise, entry;
    double release;  // fractional year; sets the id order
    SynthItem item;
    float quality;
};

}  // namespace

const std::vector<std::string>& synth_genre_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& g : kGenres) v.emplace_back(g.name);
        return v;
    }();
    return names;
}

const std::vector<std::string>& synth_cluster_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& c : clusters()) v.emplace_back(c.name);
        return v;
    }();
    return names;
}

namespace synth_detail {

int32_t sample_cumulative(const std::vector<double>& cum, Rng& rng) {
    const double x = rng.uniform_double() * cum.back();
    auto it = std::upper_bound(cum.begin(), cum.end(), x);
    if (it == cum.end()) --it;  // x == total only through rounding
    return static_cast<int32_t>(it - cum.begin());
}

Catalogue build_catalogue(const SynthConfig& cfg) {
    Rng rng = Rng::derive(cfg.seed, STREAM_CATALOGUE);
    const auto& cdefs = clusters();
    const int n_clusters = static_cast<int>(cdefs.size());

    // 1. Franchise sizes until the catalogue is full: 55% standalone, else 2 + geometric.
    std::vector<int32_t> sizes;
    for (int32_t total = 0; total < cfg.n_items;) {
        int32_t size = 1;
        if (rng.uniform_double() >= 0.55) {
            size = 2;
            while (size < 12 && rng.uniform_double() < 0.5) ++size;
        }
        size = std::min(size, cfg.n_items - total);
        sizes.push_back(size);
        total += size;
    }
    const int32_t n_fr = static_cast<int32_t>(sizes.size());

    Catalogue cat;
    cat.franchises.resize(n_fr);
    std::vector<Entry> entries;
    entries.reserve(cfg.n_items);
    std::unordered_set<std::string> used_names;
    auto unique_name = [&](std::string name, double release) {
        if (used_names.insert(name).second) return name;
        std::string alt = name + " (" + std::to_string(static_cast<int>(release)) + ")";
        for (int k = 2; !used_names.insert(alt).second; ++k)
            alt = name + " (" + std::to_string(static_cast<int>(release)) + ", " + std::to_string(k) + ")";
        return alt;
    };

    for (int32_t f = 0; f < n_fr; ++f) {
        Franchise& fr = cat.franchises[f];
        fr.cluster = pick_weighted([&](size_t c) { return cdefs[c].franchise_share; }, cdefs.size(), rng);
        // Genres: 1-3 from the cluster's list (weighted by how common each genre is),
        // sometimes one more from anywhere.
        uint64_t mask = 0;
        const auto& cg = cdefs[fr.cluster].genres;
        const int n_core = 1 + static_cast<int>(rng.below(3));
        for (int k = 0; k < n_core; ++k) {
            int32_t i = pick_weighted(
                [&](size_t j) {
                    int g = genre_index(cg[j]);
                    return (mask >> g) & 1 ? 0.0 : kGenres[g].weight;
                },
                cg.size(), rng);
            mask |= uint64_t(1) << genre_index(cg[i]);
        }
        if (rng.uniform_double() < 0.4)
            mask |= uint64_t(1) << pick_weighted([&](size_t g) { return kGenres[g].weight; }, kGenres.size(), rng);
        std::string genres;
        for (size_t g = 0; g < kGenres.size(); ++g)
            if ((mask >> g) & 1) genres += (genres.empty() ? "" : ", ") + std::string(kGenres[g].name);

        fr.quality = std::clamp(normal(rng, 6.9, 0.8), 3.0, 9.2);
        double release = 1980.0 + 40.0 * std::sqrt(rng.uniform_double());  // more anime lately
        std::string base;
        for (int tries = 0; tries < 50; ++tries) {
            base = base_title(rng);
            if (!used_names.count(base)) break;
        }
        const int season_style = static_cast<int>(rng.below(4));
        const bool movie_the = rng.below(2) == 0;
        int n_tv = 0, n_movie = 0, n_ova = 0, n_special = 0, n_ona = 0;
        float quality = static_cast<float>(fr.quality);
        std::unordered_set<std::string> arcs;
        for (int32_t k = 0; k < sizes[f]; ++k) {
            Entry e;
            e.franchise = f;
            e.entry = k;
            if (k > 0) {
                release += 0.4 + 2.0 * rng.uniform_double();
                quality = static_cast<float>(std::clamp(normal(rng, quality + 0.1, 0.25), 3.0, 9.4));
            }
            e.release = release;
            e.quality = quality;
            const double t = rng.uniform_double();
            std::string type;
            if (k == 0)
                type = t < 0.58 ? "TV" : t < 0.72 ? "Movie" : t < 0.86 ? "OVA" : t < 0.95 ? "ONA" : "Special";
            else
                type = t < 0.55 ? "TV" : t < 0.75 ? "Movie" : t < 0.88 ? "OVA" : t < 0.97 ? "Special" : "ONA";
            std::string name;
            if (k == 0) {
                name = base;
                (type == "TV" ? n_tv : type == "Movie" ? n_movie : type == "OVA" ? n_ova
                                                     : type == "ONA" ? n_ona : n_special) = 1;
            } else if (type == "TV") {
                const int n = ++n_tv;
                if (n == 1) name = base + " (TV)";
                else if (season_style == 0) name = base + " Season " + std::to_string(n);
                else if (season_style == 1) name = base + " " + ordinal(n) + " Season";
                else if (season_style == 2) name = base + " " + roman(n);
                else {
                    std::string arc;
                    do arc = std::string(pick(kArcs, rng)) + "-hen";
                    while (!arcs.insert(arc).second && arcs.size() < kArcs.size());
                    name = base + ": " + arc;
                }
            } else if (type == "Movie") {
                const int n = ++n_movie;
                name = n == 1 ? (movie_the ? base + ": The Movie" : base + " Movie")
                              : base + " Movie " + std::to_string(n) + ": " + pick(kEnAdj, rng) + " " +
                                    pick(kEnNoun, rng);
            } else if (type == "OVA") {
                const int n = ++n_ova;
                name = n == 1 ? base + " OVA" : base + " OVA " + std::to_string(n);
            } else if (type == "Special") {
                const int n = ++n_special;
                if (n == 1 && rng.below(4) == 0) name = base + ": &quot;" + person_name(rng) + "&quot;";
                else name = n == 1 ? base + " Specials" : base + " Specials " + std::to_string(n);
            } else {
                const int n = ++n_ona;
                name = n == 1 ? base + " Web" : base + " Web " + std::to_string(n);
            }
            e.item.name = unique_name(name, release);
            e.item.genres = genres;
            e.item.genre_mask = mask;
            e.item.type = type;
            e.item.episodes = draw_episodes(type, rng);
            e.item.franchise = f;
            e.item.entry = k;
            e.item.cluster = fr.cluster;
            entries.push_back(std::move(e));
        }
        // A recent TV finale may still be airing: episodes Unknown, as in anime.csv.
        Entry& last = entries.back();
        if (last.item.type == "TV" && last.release > 2016.0 && rng.below(8) == 0) last.item.episodes = -1;
    }

    // 2. Zipf popularity over a random rank order that favours big franchises a little
    // (popular shows get sequels): rank by Exp(1) / (1 + 0.5 (size-1)).
    std::vector<std::pair<double, int32_t>> keys(n_fr);
    for (int32_t f = 0; f < n_fr; ++f)
        keys[f] = {-std::log(1.0 - rng.uniform_double()) / (1.0 + 0.5 * (sizes[f] - 1)), f};
    std::sort(keys.begin(), keys.end());
    for (int32_t r = 0; r < n_fr; ++r)
        cat.franchises[keys[r].second].weight = std::pow(static_cast<double>(r + 1), -cfg.zipf);

    // 3. Ids in release order with gaps of 1-4 (MAL ids are sparse: 17k animes span ~48k ids).
    std::vector<int32_t> order(entries.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return entries[a].release < entries[b].release; });
    cat.items.resize(entries.size());
    cat.item_quality.resize(entries.size());
    std::vector<int32_t> index_of(entries.size());
    int32_t id = static_cast<int32_t>(rng.below(5));
    for (size_t i = 0; i < order.size(); ++i) {
        id += 1 + static_cast<int32_t>(rng.below(4));
        Entry& e = entries[order[i]];
        e.item.anime_id = id;
        index_of[order[i]] = static_cast<int32_t>(i);
        cat.item_quality[i] = e.quality;
        cat.items[i] = std::move(e.item);
    }
    for (size_t j = 0; j < entries.size(); ++j)
        cat.franchises[entries[j].franchise].entries.push_back(index_of[j]);
    for (auto& fr : cat.franchises)
        for (size_t k = 0; k < fr.entries.size(); ++k) {
            SynthItem& it = cat.items[fr.entries[k]];
            it.prev = k > 0 ? fr.entries[k - 1] : -1;
            it.next = k + 1 < fr.entries.size() ? fr.entries[k + 1] : -1;
        }

    // 4. Sampling tables: all franchises, and each cluster's own.
    cat.global_cum.resize(n_fr);
    cat.cluster_franchises.assign(n_clusters, {});
    cat.cluster_cum.assign(n_clusters, {});
    for (const auto& c : cdefs) cat.cluster_user_share.push_back(c.user_share);
    double acc = 0;
    for (int32_t f = 0; f < n_fr; ++f) {
        acc += cat.franchises[f].weight;
        cat.global_cum[f] = acc;
        const int c = cat.franchises[f].cluster;
        const double prev = cat.cluster_cum[c].empty() ? 0.0 : cat.cluster_cum[c].back();
        cat.cluster_franchises[c].push_back(f);
        cat.cluster_cum[c].push_back(prev + cat.franchises[f].weight);
    }
    return cat;
}

}  // namespace synth_detail
}  // namespace anirec
