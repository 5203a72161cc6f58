// Users, histories and the two output files of `anirec synth` (see synth.h and
// docs/synth.md). The catalogue comes from synth_catalogue.cpp.
#include "data/synth.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "data/synth_internal.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {

using namespace synth_detail;

const char* synth_shape_name(SynthShape s) {
    switch (s) {
        case SynthShape::TIMESTAMPED: return "timestamped";
        case SynthShape::KAGGLE2020: return "kaggle2020";
    }
    return "unknown";
}

const char* synth_order_name(SynthOrder o) {
    switch (o) {
        case SynthOrder::DEFAULT: return "default";
        case SynthOrder::TIME: return "time";
        case SynthOrder::ITEM_ID: return "item-id";
        case SynthOrder::SHUFFLED: return "shuffled";
    }
    return "unknown";
}

SynthConfig synth_preset(std::string_view name) {
    SynthConfig cfg;  // the defaults are the demo
    if (name == "demo") return cfg;
    if (name == "kaggle2020") {
        // rating_complete.csv of the Kaggle 2020 dataset: 310,059 users, 16,872 animes,
        // 57,633,278 ratings (mean 185.9 per user).
        cfg.n_users = 310059;
        cfg.n_items = 16872;
        cfg.mean_length = 185.9;
        cfg.shape = SynthShape::TIMESTAMPED;
        return cfg;
    }
    throw UsageError(cat("unknown preset '", name, "' (expected demo or kaggle2020)"));
}

void synth_validate(const SynthConfig& c) {
    auto bad = [](const char* field, auto value, const char* want) {
        throw UsageError(cat("--", field, " = ", value, " is out of range (", want, ")"));
    };
    if (c.n_users < 1 || c.n_users > 100'000'000) bad("users", c.n_users, "1..100000000");
    if (c.n_items < 10 || c.n_items > 5'000'000) bad("items", c.n_items, "10..5000000");
    if (!(c.mean_length >= 1) || c.mean_length > 100000) bad("mean-length", c.mean_length, "1..100000");
    if (c.mean_length > c.n_items / 4.0)
        bad("mean-length", c.mean_length, "at most items/4, or users run out of animes to watch");
    if (!(c.length_sigma >= 0 && c.length_sigma <= 3)) bad("length-sigma", c.length_sigma, "0..3");
    if (c.min_length < 1 || c.min_length > c.mean_length) bad("min-length", c.min_length, "1..mean-length");
    if (!(c.zipf >= 0 && c.zipf <= 3)) bad("zipf", c.zipf, "0..3");
    if (!(c.taste >= 0 && c.taste <= 1)) bad("taste", c.taste, "0..1");
    if (!(c.follow >= 0 && c.follow <= 1)) bad("follow", c.follow, "0..1");
    if (!(c.soon >= 0 && c.soon <= 1)) bad("soon", c.soon, "0..1");
}

namespace synth_detail {

std::vector<int64_t> make_user_ids(const SynthConfig& cfg) {
    Rng rng = Rng::derive(cfg.seed, STREAM_USER_IDS);
    std::vector<int64_t> ids(cfg.n_users);
    int64_t id = 0;
    for (auto& x : ids) {
        x = id;
        id += 1 + (rng.below(8) == 0 ? 1 + static_cast<int64_t>(rng.below(3)) : 0);
    }
    return ids;
}

namespace {

constexpr int64_t kFirstStart = 1136073600;  // 2006-01-01: users join between this...
constexpr int64_t kLastStart = 1546300800;   // ...and 2019-01-01
constexpr int64_t kEnd = 1601510400;         // 2020-10-01: every history ends before then
constexpr int32_t kTries = 64;               // rejection-sampling tries before a linear scan

double exp1(Rng& rng) { return -std::log(1.0 - rng.uniform_double()); }

// A franchise this user has not started: from a taste cluster (probability `taste`), or
// by global popularity; -1 when every franchise is started.
int32_t pick_new_franchise(const Catalogue& cat, const SynthConfig& cfg, int primary, int secondary,
                           const UserScratch& s, Rng& rng) {
    for (int32_t t = 0; t < kTries; ++t) {
        int32_t f;
        int c = rng.uniform_double() < cfg.taste ? primary : -1;
        if (c >= 0 && secondary >= 0 && rng.uniform_double() < 0.3) c = secondary;
        if (c >= 0 && !cat.cluster_franchises[c].empty())
            f = cat.cluster_franchises[c][sample_cumulative(cat.cluster_cum[c], rng)];
        else
            f = sample_cumulative(cat.global_cum, rng);
        if (s.started[f] != s.stamp) return f;
    }
    // Rare: the user has already started most of the popular mass. Scan from a random point.
    const int32_t n = static_cast<int32_t>(cat.franchises.size());
    const int32_t from = static_cast<int32_t>(rng.below(n));
    for (int32_t k = 0; k < n; ++k) {
        int32_t f = (from + k) % n;
        if (s.started[f] != s.stamp) return f;
    }
    return -1;
}

}  // namespace

void generate_user(const Catalogue& cat, const SynthConfig& cfg, int64_t u, UserScratch& s,
                   UserRows& out) {
    out.clear();
    Rng rng = Rng::derive(cfg.seed, STREAM_USERS + static_cast<uint64_t>(u));
    const int n_clusters = static_cast<int>(cat.cluster_user_share.size());

    // Taste: a main cluster, and for half the users a second one.
    double x = rng.uniform_double();
    int primary = n_clusters - 1;
    for (int c = 0; c < n_clusters; ++c) {
        x -= cat.cluster_user_share[c];
        if (x < 0) {
            primary = c;
            break;
        }
    }
    int secondary = -1;
    if (rng.uniform_double() < 0.5) {
        secondary = static_cast<int>(rng.below(n_clusters - 1));
        if (secondary >= primary) ++secondary;
    }
    out.cluster = primary;

    // Length: log-normal with the configured mean, capped at half the catalogue.
    const double sigma = cfg.length_sigma;
    const double mu = std::log(cfg.mean_length) - 0.5 * sigma * sigma;
    const int64_t max_len = std::max<int64_t>(cfg.min_length, cfg.n_items / 2);
    const int64_t len =
        std::clamp<int64_t>(std::llround(std::exp(mu + sigma * rng.normal())), cfg.min_length, max_len);

    // Time: a join date and a personal pace (median two days between animes, heavy-tailed
    // across users), squeezed so that the history ends before kEnd.
    int64_t ts = kFirstStart + static_cast<int64_t>(rng.below(kLastStart - kFirstStart));
    double mean_gap = std::exp(std::log(2.0 * 86400) + 1.0 * rng.normal());
    mean_gap = std::max(600.0, std::min(mean_gap, static_cast<double>(kEnd - ts) / (len + 1)));
    const double user_bias = 0.9 * rng.normal();

    if (++s.stamp == 0) {  // wrapped after 2^32 users on this scratch: start clean
        std::fill(s.started.begin(), s.started.end(), 0u);
        s.stamp = 1;
    }
    s.pending.clear();
    int32_t immediate = -1;  // the sequel chosen to be the very next item, if any

    for (int64_t step = 0; step < len; ++step) {
        int32_t item = -1;
        bool binge = false;
        if (immediate >= 0) {
            item = immediate;
            immediate = -1;
            binge = true;
        } else {
            // The earliest-due queued sequel whose time has come, else a new franchise.
            size_t best = s.pending.size();
            for (size_t i = 0; i < s.pending.size(); ++i)
                if (s.pending[i].first <= step && (best == s.pending.size() || s.pending[i].first < s.pending[best].first))
                    best = i;
            if (best == s.pending.size()) {
                int32_t f = pick_new_franchise(cat, cfg, primary, secondary, s, rng);
                if (f >= 0) {
                    s.started[f] = s.stamp;
                    item = cat.franchises[f].entries[0];
                } else if (!s.pending.empty()) {  // nothing new left: pull the next sequel forward
                    best = 0;
                    for (size_t i = 1; i < s.pending.size(); ++i)
                        if (s.pending[i].first < s.pending[best].first) best = i;
                }
            }
            if (item < 0) {
                if (best == s.pending.size()) break;  // the catalogue is exhausted for this user
                item = s.pending[best].second;
                s.pending.erase(s.pending.begin() + static_cast<ptrdiff_t>(best));
            }
        }

        const SynthItem& it = cat.items[item];
        double gap = mean_gap * exp1(rng);
        if (binge) gap *= 0.3;
        // Never more than an even share of the time left, so the history ends before kEnd
        // (guaranteed while a share stays above the 60 s floor: histories < ~900k items).
        gap = std::min(gap, static_cast<double>(kEnd - ts) / static_cast<double>(len - step + 1));
        ts += std::max<int64_t>(60, static_cast<int64_t>(gap));
        const bool liked = it.cluster == primary || it.cluster == secondary;
        const double r = cat.item_quality[item] + user_bias + (liked ? 0.4 : 0.0) + rng.normal();
        out.items.push_back(item);
        out.ratings.push_back(static_cast<uint8_t>(std::clamp<long>(std::lround(r), 1, 10)));
        out.timestamps.push_back(ts);

        // The planted structure: go on to the next entry with probability `follow`; it is
        // the very next item with probability `soon`, else 2 + Geometric(0.3) steps later.
        if (it.next >= 0 && rng.uniform_double() < cfg.follow) {
            if (rng.uniform_double() < cfg.soon) {
                immediate = it.next;
            } else {
                int64_t delay = 2;
                while (delay < 40 && rng.uniform_double() >= 0.3) ++delay;
                s.pending.emplace_back(step + delay, it.next);
            }
        }
    }
}

}  // namespace synth_detail

namespace {

struct ItemStats {
    std::vector<int64_t> count, sum;
    explicit ItemStats(size_t n = 0) : count(n, 0), sum(n, 0) {}
    void add(const UserRows& r) {
        for (size_t i = 0; i < r.items.size(); ++i) {
            ++count[r.items[i]];
            sum[r.items[i]] += r.ratings[i];
        }
    }
    void merge(const ItemStats& o) {
        for (size_t i = 0; i < count.size(); ++i) {
            count[i] += o.count[i];
            sum[i] += o.sum[i];
        }
    }
};

// anime.csv rating and members from what was generated. Members exceed raters on MAL
// (people who list an anime without rating it): 2-4.5x the watchers plus a few dozen.
void finish_item_stats(const SynthConfig& cfg, const ItemStats& st, std::vector<double>& score,
                       std::vector<int64_t>& members) {
    const size_t n = st.count.size();
    score.assign(n, -1.0);
    members.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
        Rng rng = Rng::derive(cfg.seed, STREAM_MEMBERS + i);
        if (st.count[i] > 0) score[i] = static_cast<double>(st.sum[i]) / static_cast<double>(st.count[i]);
        members[i] = static_cast<int64_t>(std::llround(static_cast<double>(st.count[i]) *
                                                       (2.0 + 2.5 * rng.uniform_double()))) +
                     12 + static_cast<int64_t>(rng.below(120));
    }
}

// The order in which one user's rows are written: indices into UserRows.
void row_order(const SynthConfig& cfg, int64_t u, const UserRows& r, std::vector<uint32_t>& idx) {
    idx.resize(r.items.size());
    std::iota(idx.begin(), idx.end(), 0u);
    SynthOrder o = cfg.order;
    if (o == SynthOrder::DEFAULT) o = cfg.shape == SynthShape::KAGGLE2020 ? SynthOrder::ITEM_ID : SynthOrder::TIME;
    if (o == SynthOrder::ITEM_ID) {
        // Catalogue indices are in anime_id order, and an item occurs once per user.
        std::sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return r.items[a] < r.items[b]; });
    } else if (o == SynthOrder::SHUFFLED) {
        Rng rng = Rng::derive(cfg.seed, STREAM_SHUFFLE + static_cast<uint64_t>(u));
        for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
    }
}

inline void put_int(std::string& buf, int64_t v, char end) {
    char tmp[24];
    auto res = std::to_chars(tmp, tmp + sizeof tmp, v);
    *res.ptr++ = end;
    buf.append(tmp, static_cast<size_t>(res.ptr - tmp));
}

void format_user(const SynthConfig& cfg, const Catalogue& cat, int64_t u, int64_t raw_user,
                 const UserRows& r, std::vector<uint32_t>& idx, std::string& buf) {
    row_order(cfg, u, r, idx);
    const bool ts = cfg.shape == SynthShape::TIMESTAMPED;
    for (uint32_t i : idx) {
        put_int(buf, raw_user, ',');
        put_int(buf, cat.items[r.items[i]].anime_id, ',');
        if (ts) {
            put_int(buf, r.ratings[i], ',');
            put_int(buf, r.timestamps[i], '\n');
        } else {
            put_int(buf, r.ratings[i], '\n');
        }
    }
}

// A CSV field, double-quoted when it holds a comma, quote or line break.
void put_field(std::string& out, const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) {
        out += s;
        return;
    }
    out += '"';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string anime_csv(const Catalogue& cat, const std::vector<double>& score,
                      const std::vector<int64_t>& members) {
    std::string out = "anime_id,name,genre,type,episodes,rating,members\n";
    for (size_t i = 0; i < cat.items.size(); ++i) {
        const SynthItem& it = cat.items[i];
        out += std::to_string(it.anime_id);
        out += ',';
        put_field(out, it.name);
        out += ',';
        put_field(out, it.genres);
        out += ',';
        out += it.type;
        out += ',';
        out += it.episodes < 0 ? std::string("Unknown") : std::to_string(it.episodes);
        out += ',';
        if (score[i] >= 0) {
            char tmp[32];
            auto res = std::to_chars(tmp, tmp + sizeof tmp, score[i], std::chars_format::fixed, 2);
            out.append(tmp, static_cast<size_t>(res.ptr - tmp));
        }
        out += ',';
        out += std::to_string(members[i]);
        out += '\n';
    }
    return out;
}

std::string ratings_header(const SynthConfig& cfg) {
    return cfg.shape == SynthShape::TIMESTAMPED ? "user_id,anime_id,rating,timestamp\n"
                                                : "user_id,anime_id,rating\n";
}

// The three entities the catalogue writes, decoded for Dataset titles.
std::string decode_entities(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (s.compare(i, 6, "&#039;") == 0) {
            out += '\'';
            i += 6;
        } else if (s.compare(i, 5, "&amp;") == 0) {
            out += '&';
            i += 5;
        } else if (s.compare(i, 6, "&quot;") == 0) {
            out += '"';
            i += 6;
        } else {
            out += s[i++];
        }
    }
    return out;
}

}  // namespace

SynthData synth_generate(const SynthConfig& cfg) {
    synth_validate(cfg);
    Catalogue cat = build_catalogue(cfg);
    SynthData d;
    d.config = cfg;
    d.n_franchises = static_cast<int32_t>(cat.franchises.size());
    d.user_ids = make_user_ids(cfg);
    d.user_cluster.resize(cfg.n_users);
    d.offsets.assign(1, 0);
    d.offsets.reserve(cfg.n_users + 1);
    UserScratch scratch;
    scratch.started.assign(cat.franchises.size(), 0u);
    UserRows rows;
    ItemStats stats(cat.items.size());
    for (int64_t u = 0; u < cfg.n_users; ++u) {
        generate_user(cat, cfg, u, scratch, rows);
        d.user_cluster[u] = rows.cluster;
        d.seq_items.insert(d.seq_items.end(), rows.items.begin(), rows.items.end());
        d.seq_ratings.insert(d.seq_ratings.end(), rows.ratings.begin(), rows.ratings.end());
        d.seq_timestamps.insert(d.seq_timestamps.end(), rows.timestamps.begin(), rows.timestamps.end());
        d.offsets.push_back(static_cast<int64_t>(d.seq_items.size()));
        stats.add(rows);
    }
    finish_item_stats(cfg, stats, d.item_score, d.item_members);
    d.items = std::move(cat.items);
    return d;
}

Dataset synth_to_dataset(const SynthData& d) {
    Dataset ds;
    const size_t n_cat = d.items.size();
    std::vector<int32_t> dense(n_cat, 0);
    std::vector<char> rated(n_cat, 0);
    for (int32_t i : d.seq_items) rated[i] = 1;
    ds.item_ids.emplace_back();
    ds.item_info.emplace_back();
    for (size_t i = 0; i < n_cat; ++i) {
        if (!rated[i]) continue;
        dense[i] = static_cast<int32_t>(ds.item_ids.size());
        const SynthItem& it = d.items[i];
        ds.item_ids.push_back(std::to_string(it.anime_id));
        ItemInfo info;
        info.title = decode_entities(it.name);
        info.genres = it.genres;
        info.type = it.type;
        info.episodes = it.episodes;
        info.score = static_cast<float>(d.item_score[i]);
        info.members = d.item_members[i];
        ds.item_info.push_back(std::move(info));
    }
    for (int64_t id : d.user_ids) ds.user_ids.push_back(std::to_string(id));
    ds.offsets = d.offsets;
    ds.items.reserve(d.seq_items.size());
    for (int32_t i : d.seq_items) ds.items.push_back(dense[i]);
    ds.timestamps = d.seq_timestamps;
    ds.ratings.assign(d.seq_ratings.begin(), d.seq_ratings.end());
    ds.order = OrderKind::TIMESTAMP;
    const SynthConfig& c = d.config;
    ds.source = cat("synth seed=", c.seed, " users=", c.n_users, " items=", c.n_items,
                    " mean-length=", c.mean_length);
    ds.options_json = "{}";
    return ds;
}

SynthSummary synth_write(const SynthConfig& cfg, const std::string& dir, const SynthProgress& progress) {
    synth_validate(cfg);
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Error(cat(dir, ": cannot create output folder", ec ? ": " + ec.message() : std::string()));

    const Catalogue cat = build_catalogue(cfg);
    const std::vector<int64_t> user_ids = make_user_ids(cfg);
    SynthSummary sum;
    sum.ratings_path = (fs::path(dir) / "ratings.csv").string();
    sum.anime_path = (fs::path(dir) / "anime.csv").string();
    sum.n_users = cfg.n_users;
    sum.n_items = static_cast<int32_t>(cat.items.size());

    AtomicFile ratings(sum.ratings_path);
    const std::string header = ratings_header(cfg);
    ratings.write(header);
    sum.ratings_bytes = static_cast<int64_t>(header.size());

    // Users go in blocks; each of the P parts of a block is generated by one thread into
    // its own buffer, then the buffers are written in order. Every user has its own RNG
    // stream, so the bytes do not depend on P.
    const int parts = std::max(1, num_threads());
    const int64_t per_part = 1024;
    struct Part {
        UserScratch scratch;
        UserRows rows;
        std::vector<uint32_t> idx;
        std::string buf;
        ItemStats stats;
        int64_t n_rows = 0;
    };
    std::vector<Part> part(parts);
    for (auto& p : part) {
        p.scratch.started.assign(cat.franchises.size(), 0u);
        p.stats = ItemStats(cat.items.size());
    }
    for (int64_t b = 0; b < cfg.n_users; b += per_part * parts) {
        const int64_t e = std::min(cfg.n_users, b + per_part * parts);
        parallel_for(0, parts, [&](int64_t i, int) {
            Part& p = part[i];
            p.buf.clear();
            p.n_rows = 0;
            const int64_t u0 = std::min(e, b + i * per_part), u1 = std::min(e, u0 + per_part);
            for (int64_t u = u0; u < u1; ++u) {
                generate_user(cat, cfg, u, p.scratch, p.rows);
                format_user(cfg, cat, u, user_ids[u], p.rows, p.idx, p.buf);
                p.stats.add(p.rows);
                p.n_rows += static_cast<int64_t>(p.rows.items.size());
            }
        });
        for (auto& p : part) {
            ratings.write(p.buf);
            sum.ratings_bytes += static_cast<int64_t>(p.buf.size());
            sum.n_interactions += p.n_rows;
        }
        if (progress) progress(e, sum.n_interactions);
    }

    ItemStats stats(cat.items.size());
    for (auto& p : part) stats.merge(p.stats);
    std::vector<double> score;
    std::vector<int64_t> members;
    finish_item_stats(cfg, stats, score, members);
    const std::string meta = anime_csv(cat, score, members);
    AtomicFile anime(sum.anime_path);
    anime.write(meta);
    sum.anime_bytes = static_cast<int64_t>(meta.size());
    ratings.commit();
    anime.commit();
    return sum;
}

}  // namespace anirec
