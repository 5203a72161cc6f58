// The files `anirec synth` writes: byte-identical for the same seed (whatever the thread
// count), the documented CSV shapes and row orders, metadata covering every rated id,
// and the failure cases.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "data/synth.h"
#include "util/error.h"
#include "util/parallel.h"

namespace anirec {
namespace {

namespace fs = std::filesystem;

// A fresh temp folder per test, removed afterwards.
class SynthFiles : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        root_ = fs::temp_directory_path() / ("anirec_synth_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }
    std::string dir(const std::string& name) const { return (root_ / name).string(); }
    fs::path root_;
};

SynthConfig small_config() {
    SynthConfig c;
    c.n_users = 1200;
    c.n_items = 600;
    c.mean_length = 25;
    c.seed = 11;
    return c;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> f(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                f.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                f.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            f.emplace_back();
        } else {
            f.back() += c;
        }
    }
    EXPECT_FALSE(quoted) << "unterminated quote: " << line;
    return f;
}

struct Row {
    int64_t user, anime;
    int rating;
    int64_t ts = -1;
};

std::vector<Row> parse_ratings(const std::string& path, const std::string& header, size_t n_fields) {
    auto lines = lines_of(read_all(path));
    EXPECT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], header);
    std::vector<Row> rows;
    for (size_t i = 1; i < lines.size(); ++i) {
        auto f = csv_fields(lines[i]);
        EXPECT_EQ(f.size(), n_fields) << "line " << i + 1;
        if (f.size() != n_fields) break;
        Row r{std::stoll(f[0]), std::stoll(f[1]), std::stoi(f[2])};
        if (n_fields == 4) r.ts = std::stoll(f[3]);
        rows.push_back(r);
    }
    return rows;
}

TEST_F(SynthFiles, SameSeedGivesByteIdenticalFilesWhateverTheThreadCount) {
    const SynthConfig c = small_config();
    const int saved = num_threads();
    set_num_threads(1);
    synth_write(c, dir("a"));
    set_num_threads(3);
    synth_write(c, dir("b"));
    set_num_threads(saved);
    for (const char* f : {"ratings.csv", "anime.csv"}) {
        const std::string a = read_all(dir("a") + "/" + f), b = read_all(dir("b") + "/" + f);
        EXPECT_GT(a.size(), 1000u) << f;
        EXPECT_EQ(fnv1a(a), fnv1a(b)) << f;
    }
}

TEST_F(SynthFiles, DifferentSeedsGiveDifferentFiles) {
    SynthConfig c = small_config();
    synth_write(c, dir("a"));
    c.seed = 12;
    synth_write(c, dir("b"));
    for (const char* f : {"ratings.csv", "anime.csv"})
        EXPECT_NE(fnv1a(read_all(dir("a") + "/" + f)), fnv1a(read_all(dir("b") + "/" + f))) << f;
}

TEST_F(SynthFiles, RatingsFileIsTheGeneratedDataInTimeOrder) {
    const SynthConfig c = small_config();
    const SynthSummary s = synth_write(c, dir("out"));
    const SynthData d = synth_generate(c);
    const auto rows = parse_ratings(s.ratings_path, "user_id,anime_id,rating,timestamp", 4);
    ASSERT_EQ(static_cast<int64_t>(rows.size()), d.n_interactions());
    EXPECT_EQ(s.n_interactions, d.n_interactions());
    EXPECT_EQ(s.ratings_bytes, static_cast<int64_t>(fs::file_size(s.ratings_path)));
    EXPECT_EQ(s.anime_bytes, static_cast<int64_t>(fs::file_size(s.anime_path)));
    for (int64_t u = 0; u < d.n_users(); ++u)
        for (int64_t k = d.offsets[u]; k < d.offsets[u + 1]; ++k) {
            const Row& r = rows[k];
            ASSERT_EQ(r.user, d.user_ids[u]);
            ASSERT_EQ(r.anime, d.items[d.seq_items[k]].anime_id);
            ASSERT_EQ(r.rating, d.seq_ratings[k]);
            ASSERT_EQ(r.ts, d.seq_timestamps[k]);
        }
    // No temp files left behind.
    int n_files = 0;
    for (const auto& e : fs::directory_iterator(dir("out"))) n_files += e.is_regular_file();
    EXPECT_EQ(n_files, 2);
}

// Kaggle 2020 shape: exactly user_id,anime_id,rating; within a user rows are in anime id
// order (as in the real file); same interactions as the timestamped file.
TEST_F(SynthFiles, Kaggle2020ShapeAndOtherOrdersKeepTheInteractions) {
    SynthConfig c = small_config();
    synth_write(c, dir("ts"));
    c.shape = SynthShape::KAGGLE2020;
    synth_write(c, dir("k20"));
    c.shape = SynthShape::TIMESTAMPED;
    c.order = SynthOrder::SHUFFLED;
    synth_write(c, dir("shuf"));

    const auto ts = parse_ratings(dir("ts") + "/ratings.csv", "user_id,anime_id,rating,timestamp", 4);
    const auto k20 = parse_ratings(dir("k20") + "/ratings.csv", "user_id,anime_id,rating", 3);
    const auto shuf = parse_ratings(dir("shuf") + "/ratings.csv", "user_id,anime_id,rating,timestamp", 4);
    ASSERT_EQ(ts.size(), k20.size());
    ASSERT_EQ(ts.size(), shuf.size());
    using Key = std::tuple<int64_t, int64_t, int, int64_t>;
    std::multiset<Key> a, b, sh;
    bool shuffled_somewhere = false;
    for (size_t i = 0; i < ts.size(); ++i) {
        a.insert({ts[i].user, ts[i].anime, ts[i].rating, 0});
        b.insert({k20[i].user, k20[i].anime, k20[i].rating, 0});
        sh.insert({shuf[i].user, shuf[i].anime, shuf[i].rating, shuf[i].ts});
        // grouped by user, users in the same order
        ASSERT_EQ(ts[i].user, k20[i].user);
        ASSERT_EQ(ts[i].user, shuf[i].user);
        if (i > 0 && k20[i].user == k20[i - 1].user) {
            ASSERT_LT(k20[i - 1].anime, k20[i].anime);
        }
        if (i > 0 && shuf[i].user == shuf[i - 1].user) shuffled_somewhere |= shuf[i - 1].ts > shuf[i].ts;
    }
    EXPECT_EQ(a, b);
    std::multiset<Key> tsk;
    for (const auto& r : ts) tsk.insert({r.user, r.anime, r.rating, r.ts});
    EXPECT_EQ(tsk, sh);
    EXPECT_TRUE(shuffled_somewhere);
}

TEST_F(SynthFiles, AnimeCsvHasKaggle2017ShapeAndCoversEveryRatedId) {
    const SynthConfig c = small_config();
    const SynthSummary s = synth_write(c, dir("out"));
    const auto lines = lines_of(read_all(s.anime_path));
    ASSERT_EQ(lines.size(), static_cast<size_t>(c.n_items) + 1);
    EXPECT_EQ(lines[0], "anime_id,name,genre,type,episodes,rating,members");
    std::map<int64_t, std::vector<std::string>> meta;
    bool quoted_name = false;
    for (size_t i = 1; i < lines.size(); ++i) {
        auto f = csv_fields(lines[i]);
        ASSERT_EQ(f.size(), 7u) << lines[i];
        ASSERT_TRUE(meta.emplace(std::stoll(f[0]), f).second) << "duplicate id " << f[0];
        if (f[1].find(',') != std::string::npos) {
            quoted_name = true;
            EXPECT_EQ(lines[i].find(",\"" + f[1] + "\","), lines[i].find(','));
        }
        EXPECT_EQ(f[1].find('\''), std::string::npos) << "apostrophes are written as &#039;";
        EXPECT_TRUE(f[4] == "Unknown" || std::stoi(f[4]) >= 1) << lines[i];
        if (!f[5].empty()) {
            const double r = std::stod(f[5]);
            EXPECT_TRUE(r >= 1 && r <= 10) << lines[i];
            EXPECT_EQ(f[5].size() - f[5].find('.'), 3u) << "two decimals: " << lines[i];
        }
        EXPECT_GT(std::stoll(f[6]), 0);
    }
    EXPECT_TRUE(quoted_name);

    std::map<int64_t, int64_t> raters;
    for (const auto& r : parse_ratings(s.ratings_path, "user_id,anime_id,rating,timestamp", 4)) ++raters[r.anime];
    for (const auto& [id, n] : raters) {
        auto it = meta.find(id);
        ASSERT_TRUE(it != meta.end()) << "rated anime " << id << " missing from anime.csv";
        EXPECT_FALSE(it->second[5].empty());
        EXPECT_GE(std::stoll(it->second[6]), n) << "members >= watchers";
    }
}

TEST_F(SynthFiles, ReplacesExistingFiles) {
    fs::create_directories(dir("out"));
    std::ofstream(dir("out") + "/ratings.csv") << "old\n";
    synth_write(small_config(), dir("out"));
    EXPECT_EQ(lines_of(read_all(dir("out") + "/ratings.csv"))[0], "user_id,anime_id,rating,timestamp");
}

TEST_F(SynthFiles, OutputThatIsAFileIsAnErrorAndWritesNothing) {
    std::ofstream(dir("plain")) << "x";
    EXPECT_THROW(synth_write(small_config(), dir("plain")), Error);
    EXPECT_THROW(synth_write(small_config(), dir("plain") + "/sub"), Error);
    EXPECT_EQ(read_all(dir("plain")), "x");
}

TEST_F(SynthFiles, BadConfigIsAUsageErrorAndWritesNothing) {
    SynthConfig c = small_config();
    c.n_users = 0;
    EXPECT_THROW(synth_write(c, dir("out")), UsageError);
    EXPECT_FALSE(fs::exists(dir("out")));
}

}  // namespace
}  // namespace anirec
