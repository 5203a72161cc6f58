// Internals shared by synth.cpp (users, files) and synth_catalogue.cpp (the catalogue).
// Not part of the public API: include data/synth.h instead.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "data/synth.h"
#include "util/rng.h"

namespace anirec::synth_detail {

// Independent RNG streams, all derived from the seed: the catalogue, one per user (so a
// user's history does not depend on which thread made it), one per user for the row
// shuffle (so --order never changes the interactions), one per item for members noise.
constexpr uint64_t STREAM_CATALOGUE = 0;
constexpr uint64_t STREAM_USER_IDS = 1;
constexpr uint64_t STREAM_USERS = uint64_t(1) << 40;
constexpr uint64_t STREAM_SHUFFLE = uint64_t(2) << 40;
constexpr uint64_t STREAM_MEMBERS = uint64_t(3) << 40;

struct Franchise {
    std::vector<int32_t> entries;  // catalogue indices in chain (watch) order
    int32_t cluster = 0;
    double weight = 0;             // Zipf popularity weight of starting it
    double quality = 7.0;          // mean rating of its first entry
};

struct Catalogue {
    std::vector<SynthItem> items;        // sorted by anime_id
    std::vector<float> item_quality;     // mean rating shift of each item
    std::vector<Franchise> franchises;
    std::vector<double> global_cum;      // cumulative franchise weights (all franchises)
    std::vector<std::vector<int32_t>> cluster_franchises;  // per cluster: its franchises
    std::vector<std::vector<double>> cluster_cum;          // per cluster: cumulative weights
    std::vector<double> cluster_user_share;                // share of users whose main taste it is
};

Catalogue build_catalogue(const SynthConfig& cfg);

// Samples an index from a cumulative weight table (last element = total, > 0).
int32_t sample_cumulative(const std::vector<double>& cum, Rng& rng);

// Raw user ids: 0-based, increasing, with gaps (as in the Kaggle 2020 file).
std::vector<int64_t> make_user_ids(const SynthConfig& cfg);

// One user's history in watch order.
struct UserRows {
    int32_t cluster = 0;
    std::vector<int32_t> items;  // catalogue indices
    std::vector<uint8_t> ratings;
    std::vector<int64_t> timestamps;
    void clear() {
        items.clear();
        ratings.clear();
        timestamps.clear();
    }
};

// Per-thread scratch reused across users: which franchises this user has started (a
// stamp per franchise avoids clearing a vector per user) and the sequels queued for later.
struct UserScratch {
    std::vector<uint32_t> started;
    uint32_t stamp = 0;
    std::vector<std::pair<int64_t, int32_t>> pending;  // (due step, catalogue index)
};

void generate_user(const Catalogue& cat, const SynthConfig& cfg, int64_t u, UserScratch& scratch,
                   UserRows& out);

}  // namespace anirec::synth_detail
