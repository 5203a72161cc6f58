// `anirec synth`: a seeded generator of anime-like watch histories with a planted
// sequential structure (docs/synth.md describes the generative process in full).
//
// The world it generates:
//   * a catalogue of animes grouped into franchises. A franchise is a chain of entries
//     (TV seasons, movies, OVAs, specials, ONAs) that is always watched in chain order:
//     nobody watches entry k+1 without having watched entry k before it;
//   * every franchise belongs to one of a few genre "taste clusters" and gets a Zipf
//     popularity weight from a random rank;
//   * every user has one or two taste clusters, a heavy-tailed (log-normal) sequence
//     length and a start date; timestamps strictly increase within each user;
//   * the planted structure: after entry k, the user goes on to entry k+1 with
//     probability `follow`; when they do, it is the very next item with probability
//     `soon`, otherwise it comes a few items later. All other picks start a new
//     franchise, drawn by popularity within the user's taste (or globally).
//
// Output files (what a user would bring; `synth_write`):
//   DIR/ratings.csv  shape TIMESTAMPED: header `user_id,anime_id,rating,timestamp`
//                    shape KAGGLE2020:  header `user_id,anime_id,rating` (the Kaggle 2020
//                                       `rating_complete.csv` shape, exactly)
//                    Rows are grouped by user, users in increasing raw id; within a user
//                    the order is SynthOrder (time order by default for TIMESTAMPED,
//                    MyAnimeList-id order for KAGGLE2020, as the real file is). rating is
//                    an integer 1..10, timestamp unix seconds. User ids are 0-based with
//                    gaps, anime ids are sparse MAL-like ids (not 1..N). LF line ends.
//   DIR/anime.csv    header `anime_id,name,genre,type,episodes,rating,members` (the Kaggle
//                    2017 `anime.csv` shape): one row per catalogue item, in anime_id order;
//                    names and genre lists are double-quoted when they contain a comma or a
//                    quote; apostrophes are written as `&#039;` like the Kaggle file;
//                    episodes is a count or `Unknown`; rating is the mean of the generated
//                    ratings (2 decimals, empty when nobody rated it); members counts the
//                    users who watched it, scaled up as MAL members are.
// Both files are written through AtomicFile: a failed run leaves no half-written file.
// The same config (seed included) gives byte-identical files, whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace anirec {

enum class SynthShape : uint8_t {
    TIMESTAMPED = 0,  // user_id,anime_id,rating,timestamp
    KAGGLE2020 = 1,   // user_id,anime_id,rating (rating_complete.csv)
};

// The order of one user's rows in ratings.csv. The interactions themselves (items,
// ratings, timestamps) do not depend on it.
enum class SynthOrder : uint8_t {
    DEFAULT = 0,   // TIME for TIMESTAMPED, ITEM_ID for KAGGLE2020
    TIME = 1,      // watch order
    ITEM_ID = 2,   // increasing anime_id, like both Kaggle files (no watch order in the file)
    SHUFFLED = 3,  // seeded random order; only the timestamps tell the watch order
};

const char* synth_shape_name(SynthShape s);  // "timestamped", "kaggle2020"
const char* synth_order_name(SynthOrder o);  // "default", "time", "item-id", "shuffled"

struct SynthConfig {
    int64_t n_users = 4000;      // users written (every user gets at least min_length items
                                 // unless the catalogue runs out)
    int32_t n_items = 1500;      // catalogue size (items in anime.csv)
    uint64_t seed = 1;           // everything is a function of the seed and the fields below
    double mean_length = 50;     // mean items per user (log-normal lengths)
    double length_sigma = 1.1;   // log-normal sigma of the lengths (1.1 matches MAL users)
    int32_t min_length = 2;      // shortest user sequence
    double zipf = 1.1;           // franchise popularity ~ rank^-zipf
    double taste = 0.8;          // share of new-franchise picks drawn from the user's clusters
    double follow = 0.8;         // P(watch entry k+1 | watched entry k)
    double soon = 0.6;           // P(entry k+1 is the very next item | it is watched)
    SynthShape shape = SynthShape::TIMESTAMPED;
    SynthOrder order = SynthOrder::DEFAULT;
};

// Named presets: "demo" (4,000 users, 1,500 items, ~200k rows; well under a second) and
// "kaggle2020" (310,059 users, 16,872 items, ~57.6M rows: the size of the Kaggle 2020
// rating_complete.csv). Throws UsageError for any other name.
SynthConfig synth_preset(std::string_view name);

// Throws UsageError naming the first field out of range (n_users >= 1, n_items >= 10,
// mean_length in [1, n_items/4], probabilities in [0,1], ...).
void synth_validate(const SynthConfig& cfg);

// Genre names, in the bit order of SynthItem::genre_mask; and the taste clusters.
const std::vector<std::string>& synth_genre_names();
const std::vector<std::string>& synth_cluster_names();

struct SynthItem {
    int32_t anime_id = 0;    // raw MAL-like id
    std::string name;        // as written in anime.csv (apostrophes as &#039;)
    std::string genres;      // "Action, Adventure, Shounen" (sorted, ", "-separated)
    uint64_t genre_mask = 0; // bit g = synth_genre_names()[g]
    std::string type;        // TV, Movie, OVA, ONA, Special
    int32_t episodes = -1;   // -1 = Unknown (an airing series)
    int32_t franchise = 0;   // franchise index
    int32_t entry = 0;       // position in the franchise chain, 0 = first
    int32_t prev = -1;       // catalogue index of entry-1 in the same franchise, -1 if none
    int32_t next = -1;       // catalogue index of entry+1 in the same franchise, -1 if none
    int32_t cluster = 0;     // the franchise's taste cluster
};

// The whole generated world in memory. Catalogue indices are positions in `items`,
// which is sorted by anime_id. Sequences are CSR and always in watch (time) order.
struct SynthData {
    SynthConfig config;
    std::vector<SynthItem> items;
    int32_t n_franchises = 0;
    std::vector<int64_t> user_ids;       // raw user id of user u (increasing, with gaps)
    std::vector<int32_t> user_cluster;   // primary taste cluster of user u
    std::vector<int64_t> offsets;        // size U+1: user u's rows are [offsets[u], offsets[u+1])
    std::vector<int32_t> seq_items;      // catalogue index
    std::vector<uint8_t> seq_ratings;    // 1..10
    std::vector<int64_t> seq_timestamps; // unix seconds, strictly increasing within a user
    std::vector<double> item_score;      // anime.csv rating column; -1 when nobody rated it
    std::vector<int64_t> item_members;   // anime.csv members column

    int64_t n_users() const { return static_cast<int64_t>(user_ids.size()); }
    int64_t n_interactions() const { return static_cast<int64_t>(seq_items.size()); }
};

// Generates everything in memory (about 13 bytes per interaction): meant for tests and
// small configs. synth_write produces exactly the files this data describes.
SynthData synth_generate(const SynthConfig& cfg);

// A Dataset as `prepare` would build from the files with no filtering: users 0..U-1 in raw
// id order, items that were rated at least once numbered 1..N in increasing anime_id,
// sequences in time order (OrderKind::TIMESTAMP), ratings, timestamps and item_info filled.
Dataset synth_to_dataset(const SynthData& data);

struct SynthSummary {
    std::string ratings_path, anime_path;
    int64_t n_users = 0;
    int32_t n_items = 0;
    int64_t n_interactions = 0;
    int64_t ratings_bytes = 0, anime_bytes = 0;
};

// Called from the writing thread after each block of users (users done, rows so far).
using SynthProgress = std::function<void(int64_t users_done, int64_t rows_done)>;

// Streams DIR/ratings.csv and DIR/anime.csv (creating DIR if needed), user block by user
// block, threaded over users with bounded memory (a few MB per thread plus the catalogue).
// Throws UsageError for a bad config, Error if a file cannot be written.
SynthSummary synth_write(const SynthConfig& cfg, const std::string& dir,
                         const SynthProgress& progress = {});

}  // namespace anirec
