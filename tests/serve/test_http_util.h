// Shared by the HTTP tests: a small model file with titles written in the test (random
// weights from init_params: the answers are arbitrary but deterministic, which is all
// an API test needs), and a real HttpServer on 127.0.0.1 at a free port.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "model/model_file.h"
#include "model/sasrec.h"
#include "serve/http_server.h"

namespace anirec::test {

// A catalogue of 30 animes with raw ids "1".."30". Titles include the cases the API
// must handle: punctuation (Steins;Gate), a colon (Fullmetal Alchemist: Brotherhood)
// and two animes with the same title (ambiguous). variant != 0 renames every title
// (a different model for reload tests).
inline ModelMeta test_meta(int variant = 0) {
    static const char* base_titles[] = {
        "Shingeki no Kyojin", "Steins;Gate", "Fullmetal Alchemist: Brotherhood", "Cowboy Bebop",
        "Hunter x Hunter", "Hunter x Hunter", "Death Note", "Code Geass", "Mushishi", "Monster",
        "Clannad", "Clannad: After Story", "Haikyuu!!", "Kimi no Na wa.", "Mononoke Hime",
        "Sen to Chihiro no Kamikakushi", "Gintama", "Ping Pong the Animation", "Barakamon", "Natsume Yuujinchou",
        "One Punch Man", "Mob Psycho 100", "Violet Evergarden", "Made in Abyss", "Vinland Saga",
        "Shingeki no Kyojin Season 2", "Shingeki no Kyojin Season 3", "Tengen Toppa Gurren Lagann",
        "Kill la Kill", "Neon Genesis Evangelion"};
    static const char* genres[] = {"Action, Drama", "Sci-Fi, Thriller", "Action, Adventure", "Action, Sci-Fi",
                                   "Action, Adventure", "Action, Adventure", "Mystery, Thriller", "Action, Mecha",
                                   "Slice of Life, Mystery", "Mystery, Drama"};
    static const char* types[] = {"TV", "TV", "TV", "TV", "TV", "Movie", "TV", "TV", "TV", "TV"};
    const int n = 30;
    ModelMeta m;
    m.item_ids.push_back("");
    m.item_info.emplace_back();
    for (int i = 1; i <= n; ++i) {
        m.item_ids.push_back(std::to_string(i));
        ItemInfo info;
        info.title = variant == 0 ? base_titles[i - 1] : std::string("Variant ") + base_titles[i - 1];
        if (i == 1) info.english_title = "Attack on Titan";
        info.genres = i <= 10 ? genres[i - 1] : (i % 2 ? "Comedy, Slice of Life" : "Drama, Romance");
        info.type = i <= 10 ? types[i - 1] : (i % 3 == 0 ? "Movie" : "TV");
        info.episodes = 12 + i;
        info.score = 7.0f + 0.05f * static_cast<float>(i);
        info.members = 1000 * (n + 1 - i);
        m.item_info.push_back(info);
    }
    // Users u1..u8 with short histories over the catalogue.
    m.user_offsets.push_back(0);
    for (int u = 0; u < 8; ++u) {
        m.user_ids.push_back("u" + std::to_string(u + 1));
        for (int j = 0; j < 4 + u; ++j) m.user_items.push_back(1 + (u * 7 + j * 3) % n);
        m.user_offsets.push_back(static_cast<int64_t>(m.user_items.size()));
    }
    m.order = OrderKind::TIMESTAMP;
    m.source = "tests/serve (synthetic)";
    m.card = {{"trained_by", "test_http"}, {"variant", variant}, {"metrics", {{"ndcg@10", 0.5}}}};
    return m;
}

inline ModelConfig test_config() {
    ModelConfig c;
    c.n_items = 30;
    c.maxlen = 16;
    c.hidden = 16;
    c.blocks = 1;
    c.heads = 2;
    c.dropout = 0.f;
    return c;
}

inline void write_test_model(const std::string& path, int variant = 0, uint64_t seed = 7) {
    ParamArena p(test_config());
    init_params(p, seed + static_cast<uint64_t>(variant));
    save_model(path, p, test_meta(variant));
}

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "anirec_http_XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = buf.data();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// An HttpServer on 127.0.0.1 at a port the kernel picks, running on its own thread.
class RunningServer {
public:
    explicit RunningServer(const std::string& model_path, ServerOptions opt = {}) {
        opt.host = "127.0.0.1";
        opt.port = 0;
        if (opt.threads == 0) opt.threads = 8;
        server_ = std::make_unique<HttpServer>(opt, model_path);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
        for (int i = 0; i < 500 && !server_->is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    ~RunningServer() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            server_->stop();
            thread_.join();
        }
    }
    HttpServer& server() { return *server_; }
    int port() const { return port_; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(10);
        c.set_connection_timeout(5);
        return c;
    }

private:
    std::unique_ptr<HttpServer> server_;
    int port_ = 0;
    std::thread thread_;
};

// The body of a response parsed as JSON; fails the test when it is not JSON.
inline nlohmann::json body_json(const httplib::Result& r) {
    EXPECT_TRUE(r) << "no response: " << httplib::to_string(r.error());
    if (!r) return nullptr;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r->body.substr(0, 300);
    return j;
}

}  // namespace anirec::test
