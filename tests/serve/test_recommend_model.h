// A small random model with titles, genres, types and stored histories, built in
// memory for the Recommender tests (no trainer needed: init_params weights).
#pragma once

#include <string>
#include <vector>

#include "model/model_file.h"
#include "util/rng.h"

namespace anirec::test {

struct TinyModelSpec {
    int32_t n_items = 60;
    int32_t maxlen = 12;
    int32_t hidden = 16;
    int32_t blocks = 2;
    int32_t heads = 2;
    int32_t n_users = 40;
    bool titles = true;
    uint64_t seed = 17;
};

inline LoadedModel make_tiny_model(const TinyModelSpec& s = {}) {
    ModelConfig cfg;
    cfg.n_items = s.n_items;
    cfg.maxlen = s.maxlen;
    cfg.hidden = s.hidden;
    cfg.blocks = s.blocks;
    cfg.heads = s.heads;
    LoadedModel m(cfg);
    init_params(m.params, s.seed);
    // Give the item rows some extra spread so scores are not all near zero.
    Rng rng(s.seed + 1);
    for (int32_t i = 1; i <= s.n_items; ++i)
        for (int32_t c = 0; c < s.hidden; ++c)
            m.params.item_emb[static_cast<size_t>(i) * s.hidden + c] += static_cast<float>(0.3 * rng.normal());

    static const char* kGenres[] = {"Action", "Comedy", "Drama", "Sci-Fi", "Romance", "Fantasy"};
    static const char* kTypes[] = {"TV", "Movie", "OVA"};
    m.meta.item_ids.push_back("");
    if (s.titles) m.meta.item_info.emplace_back();
    for (int32_t i = 1; i <= s.n_items; ++i) {
        m.meta.item_ids.push_back(std::to_string(1000 + 7 * i));  // sparse raw ids, like MAL
        if (!s.titles) continue;
        ItemInfo info;
        info.title = "Anime Number " + std::to_string(i);
        info.genres = std::string(kGenres[i % 6]) + ", " + kGenres[(i / 6) % 6];
        if (i % 6 == (i / 6) % 6) info.genres = kGenres[i % 6];
        info.type = kTypes[i % 3];
        info.members = 1000 * i;
        m.meta.item_info.push_back(info);
    }
    if (s.titles) m.meta.item_info[4].title = "Steins;Gate";
    if (s.titles) m.meta.item_info[5].title = "Gate";
    m.meta.user_offsets.push_back(0);
    for (int32_t u = 0; u < s.n_users; ++u) {
        m.meta.user_ids.push_back("user" + std::to_string(u));
        const int32_t len = 1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(2 * s.maxlen)));
        for (int32_t t = 0; t < len; ++t)
            m.meta.user_items.push_back(1 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(s.n_items))));
        m.meta.user_offsets.push_back(static_cast<int64_t>(m.meta.user_items.size()));
    }
    m.meta.card = {{"note", "random test model"}};
    return m;
}

}  // namespace anirec::test
