// The JSON endpoints against a real server on 127.0.0.1: answers agree with the
// Recommender called directly, filters and limits hold, and every client mistake gets
// the right 4xx with a JSON {"error", "detail"} body.
#include <set>

#include "serve/recommender.h"
#include "test_http_util.h"

namespace anirec::test {
namespace {

using nlohmann::json;

class HttpApi : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        model_ = dir_->file("m.safetensors");
        write_test_model(model_);
        ServerOptions opt;
        opt.max_k = 50;
        opt.max_history = 40;
        opt.max_body_bytes = 4096;
        server_ = new RunningServer(model_, opt);
    }
    static void TearDownTestSuite() {
        delete server_;
        delete dir_;
    }
    static httplib::Client client() { return server_->client(); }
    static httplib::Result post(const std::string& path, const std::string& body,
                                const char* type = "application/json") {
        return client().Post(path.c_str(), body, type);
    }
    // An error response: the status, JSON with both fields, and the error kind.
    static void expect_error(const httplib::Result& r, int status, const std::string& kind) {
        ASSERT_TRUE(r) << httplib::to_string(r.error());
        EXPECT_EQ(r->status, status) << r->body;
        EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
        json j = body_json(r);
        ASSERT_TRUE(j.is_object());
        EXPECT_EQ(j.value("error", ""), kind) << r->body;
        EXPECT_TRUE(j.contains("detail") && j["detail"].is_string() && !j["detail"].get<std::string>().empty())
            << r->body;
    }

    static inline TempDir* dir_ = nullptr;
    static inline std::string model_;
    static inline RunningServer* server_ = nullptr;
};

TEST_F(HttpApi, HealthzReportsTheModel) {
    auto r = client().Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    json j = body_json(r);
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["items"], 30);
    EXPECT_EQ(j["model_generation"], 1);
}

TEST_F(HttpApi, SearchFindsTitlesIgnoringCaseAndPunctuation) {
    auto r = client().Get("/v1/items?q=fullmetal%20alchemist%20brotherhood&limit=3");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    json j = body_json(r);
    ASSERT_GE(j["items"].size(), 1u);
    EXPECT_EQ(j["items"][0]["id"], "3");
    EXPECT_EQ(j["items"][0]["title"], "Fullmetal Alchemist: Brotherhood");
    EXPECT_LE(j["items"].size(), 3u);

    // A word inside titles finds all three Shingeki entries, the exact title first.
    j = body_json(client().Get("/v1/items?q=kyojin&limit=10"));
    std::set<std::string> ids;
    for (auto& it : j["items"]) ids.insert(it["id"].get<std::string>());
    EXPECT_TRUE(ids.count("1") && ids.count("26") && ids.count("27")) << j.dump();
    // The English title is searched too.
    j = body_json(client().Get("/v1/items?q=attack%20on%20titan"));
    ASSERT_FALSE(j["items"].empty());
    EXPECT_EQ(j["items"][0]["id"], "1");
    EXPECT_EQ(j["items"][0]["english_title"], "Attack on Titan");
}

TEST_F(HttpApi, SearchWithoutQueryListsTheMostWatched) {
    json j = body_json(client().Get("/v1/items?limit=4"));
    ASSERT_EQ(j["items"].size(), 4u);
    int64_t prev = INT64_MAX;
    for (auto& it : j["items"]) {
        EXPECT_LE(it["popularity"].get<int64_t>(), prev);
        prev = it["popularity"].get<int64_t>();
    }
}

TEST_F(HttpApi, SearchRejectsBadLimits) {
    expect_error(client().Get("/v1/items?q=a&limit=0"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items?q=a&limit=abc"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items?q=a&limit=51"), 400, "invalid_parameter");
    expect_error(client().Get(("/v1/items?q=" + std::string(300, 'a')).c_str()), 400, "invalid_parameter");
}

TEST_F(HttpApi, ItemByIdAndUnknownId) {
    json j = body_json(client().Get("/v1/items/2"));
    EXPECT_EQ(j["title"], "Steins;Gate");
    EXPECT_EQ(j["genres"], json({"Sci-Fi", "Thriller"}));
    EXPECT_EQ(j["type"], "TV");
    EXPECT_EQ(j["episodes"], 14);
    expect_error(client().Get("/v1/items/999"), 404, "item_not_found");
    expect_error(client().Get("/v1/items/Steins%3BGate"), 404, "item_not_found");
}

TEST_F(HttpApi, SimilarMatchesTheLibraryAndExcludesTheItem) {
    auto rec = server_->server().model();
    RecResult want = rec->similar(1, 5, FilterSpec{}, true);
    json j = body_json(client().Get("/v1/items/1/similar?k=5"));
    ASSERT_EQ(j["items"].size(), 5u) << j.dump();
    EXPECT_EQ(j["item"]["id"], "1");
    for (size_t i = 0; i < 5; ++i) {
        const json& it = j["items"][i];
        EXPECT_NE(it["id"], "1");
        EXPECT_EQ(it["id"], rec->catalog().raw_id(want.rows[i].item));
        EXPECT_FLOAT_EQ(it["score"].get<float>(), want.rows[i].score);
        EXPECT_EQ(it["rank"], static_cast<int>(i + 1));
        EXPECT_EQ(it["co_occurrences"], want.rows[i].cooccurrence);
    }
    j = body_json(client().Get("/v1/items/1/similar?k=5&explain=false"));
    EXPECT_FALSE(j["items"][0].contains("co_occurrences"));
}

TEST_F(HttpApi, SimilarFiltersByGenreAndType) {
    json j = body_json(client().Get("/v1/items/1/similar?k=30&genres=mystery&types=TV"));
    ASSERT_FALSE(j["items"].empty());
    for (auto& it : j["items"]) {
        bool mystery = false;
        for (auto& g : it["genres"]) mystery |= g == "Mystery";
        EXPECT_TRUE(mystery) << it.dump();
        EXPECT_EQ(it["type"], "TV");
    }
    j = body_json(client().Get("/v1/items/1/similar?k=30&exclude_genres=Action"));
    for (auto& it : j["items"])
        for (auto& g : it["genres"]) EXPECT_NE(g, "Action");
    expect_error(client().Get("/v1/items/1/similar?genres=Cooking"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items/1/similar?k=0"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items/1/similar?k=1000"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items/1/similar?explain=maybe"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/items/404/similar"), 404, "item_not_found");
}

TEST_F(HttpApi, RecommendMatchesTheLibrary) {
    auto r = post("/v1/recommend", R"({"history": [1, "Steins;Gate", "fullmetal alchemist brotherhood"], "k": 7})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    json j = body_json(r);
    auto rec = server_->server().model();
    const std::vector<int32_t> hist{1, 2, 3};
    RecResult want = rec->recommend(hist, 7, FilterSpec{});
    ASSERT_EQ(j["items"].size(), want.rows.size());
    ASSERT_EQ(j["items"].size(), 7u);
    for (size_t i = 0; i < want.rows.size(); ++i) {
        EXPECT_EQ(j["items"][i]["id"], rec->catalog().raw_id(want.rows[i].item));
        EXPECT_FLOAT_EQ(j["items"][i]["score"].get<float>(), want.rows[i].score);
        EXPECT_FALSE(j["items"][i]["title"].get<std::string>().empty());
    }
    EXPECT_EQ(j["history"].size(), 3u);
    EXPECT_EQ(j["history"][1]["title"], "Steins;Gate");
    EXPECT_EQ(j["history_used"], 3);
    // exclude_seen (default): nothing from the history comes back.
    for (auto& it : j["items"]) EXPECT_TRUE(it["id"] != "1" && it["id"] != "2" && it["id"] != "3");
}

TEST_F(HttpApi, RecommendHonoursFiltersAndExcludeSeen) {
    json all = body_json(post("/v1/recommend", R"({"history": ["1","2"], "k": 30, "exclude_seen": false})"));
    std::set<std::string> ids;
    for (auto& it : all["items"]) ids.insert(it["id"].get<std::string>());
    EXPECT_EQ(ids.size(), 30u);  // every anime, the history included
    json f = body_json(post("/v1/recommend", R"({"history": ["1"], "k": 30, "types": ["Movie"],
                                                 "exclude_genres": "Romance"})"));
    ASSERT_FALSE(f["items"].empty());
    for (auto& it : f["items"]) {
        EXPECT_EQ(it["type"], "Movie");
        for (auto& g : it["genres"]) EXPECT_NE(g, "Romance");
    }
}

TEST_F(HttpApi, RecommendClientErrorsAre4xxWithJson) {
    expect_error(post("/v1/recommend", "{\"history\": [1,"), 400, "invalid_json");
    expect_error(post("/v1/recommend", "[1,2]"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", "{}"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": []})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": "1"})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1.5]})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [null]})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "k": 0})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "k": 51})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "k": "5"})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "exclude_seen": 1})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "genre": "Action"})"), 400, "invalid_parameter");
    expect_error(post("/v1/recommend", R"({"history": [1], "genres": ["Cooking"]})"), 400, "invalid_parameter");
    json long_history = {{"history", std::vector<int>(41, 1)}};
    expect_error(post("/v1/recommend", long_history.dump()), 400, "invalid_parameter");
    // Names that resolve to nothing, or to several animes: 422 naming them.
    auto r = post("/v1/recommend", R"({"history": [1, "Stein Gate Zero Two"]})");
    expect_error(r, 422, "unknown_item");
    EXPECT_NE(body_json(r)["detail"].get<std::string>().find("history[1]"), std::string::npos);
    expect_error(post("/v1/recommend", R"({"history": [999]})"), 422, "unknown_item");
    r = post("/v1/recommend", R"({"history": ["Hunter x Hunter"]})");
    expect_error(r, 422, "ambiguous_title");
    EXPECT_NE(body_json(r)["detail"].get<std::string>().find("Hunter x Hunter"), std::string::npos);
    // The body limit (4096 bytes here) and the media type.
    expect_error(post("/v1/recommend", "{\"history\": [\"" + std::string(10000, 'x') + "\"]}"), 413,
                 "payload_too_large");
    expect_error(post("/v1/recommend", "history=1", "application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type");
    // Invalid UTF-8 in a string is invalid JSON, not a crash.
    expect_error(post("/v1/recommend", "{\"history\": [\"\xff\xfe\"]}"), 400, "invalid_json");
}

TEST_F(HttpApi, KeepAliveConnectionSurvivesErrors) {
    httplib::Client c = client();
    c.set_keep_alive(true);
    for (int i = 0; i < 3; ++i) {
        auto bad = c.Post("/v1/recommend", "{\"history\": [\"" + std::string(10000, 'x') + "\"]}", "application/json");
        ASSERT_TRUE(bad) << httplib::to_string(bad.error());
        EXPECT_EQ(bad->status, 413);
        auto good = c.Post("/v1/recommend", R"({"history": [1]})", "application/json");
        ASSERT_TRUE(good) << httplib::to_string(good.error());
        EXPECT_EQ(good->status, 200);
    }
}

TEST_F(HttpApi, UserRecommendationsUseTheStoredHistory) {
    auto rec = server_->server().model();
    RecResult want = rec->recommend_user("u3", 5, FilterSpec{});
    json j = body_json(client().Get("/v1/users/u3/recommendations?k=5"));
    ASSERT_EQ(j["items"].size(), 5u) << j.dump();
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(j["items"][i]["id"], rec->catalog().raw_id(want.rows[i].item));
    EXPECT_EQ(j["user"], "u3");
    EXPECT_EQ(j["history_len"], 6);
    EXPECT_EQ(j["recent"].size(), 6u);
    std::set<std::string> seen;
    for (int32_t item : rec->user_history(rec->find_user("u3"))) seen.insert(rec->catalog().raw_id(item));
    for (auto& it : j["items"]) EXPECT_EQ(seen.count(it["id"].get<std::string>()), 0u);
    expect_error(client().Get("/v1/users/nobody/recommendations"), 404, "user_not_found");
    expect_error(client().Get("/v1/users/u3/recommendations?k=-1"), 400, "invalid_parameter");
    expect_error(client().Get("/v1/users/u3/recommendations?exclude_seen=perhaps"), 400, "invalid_parameter");
}

TEST_F(HttpApi, ModelCardCarriesConfigDataAndTrainingCard) {
    json j = body_json(client().Get("/v1/model"));
    EXPECT_EQ(j["config"]["n_items"], 30);
    EXPECT_EQ(j["config"]["hidden"], 16);
    EXPECT_EQ(j["config"]["heads"], 2);
    EXPECT_EQ(j["data"]["users"], 8);
    EXPECT_EQ(j["data"]["order"], "timestamp");
    EXPECT_EQ(j["data"]["has_titles"], true);
    EXPECT_EQ(j["card"]["trained_by"], "test_http");
    EXPECT_EQ(j["serving"]["generation"], 1);
    EXPECT_EQ(j["serving"]["path"], model_);
    std::set<std::string> genres(j["genres"].begin(), j["genres"].end());
    EXPECT_TRUE(genres.count("Sci-Fi") && genres.count("Slice of Life")) << j["genres"].dump();
}

TEST_F(HttpApi, UnknownRoutesAndMethods) {
    expect_error(client().Get("/v2/items"), 404, "route_not_found");
    expect_error(client().Get("/v1/items/1/similar/more"), 404, "route_not_found");
    auto r = client().Get("/v1/recommend");
    expect_error(r, 405, "method_not_allowed");
    EXPECT_EQ(r->get_header_value("Allow"), "POST");
    r = client().Delete("/v1/items/1");
    expect_error(r, 405, "method_not_allowed");
    EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
    expect_error(post("/healthz", "{}"), 405, "method_not_allowed");
}

TEST_F(HttpApi, PathIdsArePercentDecodedPerSegment) {
    // "%31" is "1"; an encoded '/' stays inside the segment (no such id: 404, not a route miss).
    EXPECT_EQ(body_json(client().Get("/v1/items/%31"))["title"], "Shingeki no Kyojin");
    expect_error(client().Get("/v1/items/1%2Fsimilar"), 404, "item_not_found");
}

TEST_F(HttpApi, WebPageAndAssetsAreServedWithEtags) {
    auto r = client().Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(r->body.find("<html"), std::string::npos);
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    const std::string etag = r->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    auto again = client().Get("/", {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
    EXPECT_TRUE(again->body.empty());
    // Every script and stylesheet the page references is served, with its type.
    for (const char* asset : {"/app.js", "/style.css"}) {
        auto a = client().Get(asset);
        ASSERT_TRUE(a);
        EXPECT_EQ(a->status, 200) << asset;
        EXPECT_NE(r->body.find(std::string(asset).substr(1)), std::string::npos) << asset << " not linked from /";
    }
    EXPECT_EQ(client().Get("/app.js")->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
    expect_error(client().Get("/nothing.js"), 404, "route_not_found");
}

TEST_F(HttpApi, MalformedHttpGetsJson400) {
    httplib::Client c = client();
    // A request line httplib cannot parse: sent raw over a socket.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string junk = "BLAH\r\n\r\n";
    ASSERT_EQ(::send(fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(fd);
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
    EXPECT_NE(got.find("\"error\":\"bad_request\""), std::string::npos) << got;
    // The server is still fine.
    EXPECT_EQ(c.Get("/healthz")->status, 200);
}

}  // namespace
}  // namespace anirec::test
