// Operations: model reload (atomic, a bad file refused), many clients at once,
// /metrics counting what happened, and a clean stop.
#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "serve/http_metrics.h"
#include "test_http_util.h"

namespace anirec::test {
namespace {

using nlohmann::json;

// The value of one series in a Prometheus exposition, or -1 when absent.
double metric(const std::string& text, const std::string& series) {
    size_t pos = 0;
    while ((pos = text.find(series + " ", pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == '\n') return std::stod(text.substr(pos + series.size() + 1));
        pos += series.size();
    }
    return -1;
}

TEST(HttpOps, ReloadSwapsTheModelAndRefusesABadFile) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path, 0);
    RunningServer s(path);
    httplib::Client c = s.client();
    EXPECT_EQ(body_json(c.Get("/v1/items/2"))["title"], "Steins;Gate");

    write_test_model(path, 1);  // a new model at the same path (atomic rename)
    auto r = c.Post("/v1/admin/reload");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_json(r)["generation"], 2);
    EXPECT_EQ(body_json(c.Get("/v1/items/2"))["title"], "Variant Steins;Gate");
    EXPECT_EQ(body_json(c.Get("/v1/model"))["card"]["variant"], 1);

    // A truncated file is refused: 409 with the reason, and generation 2 keeps serving.
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << "\x10\x00\x00\x00\x00\x00\x00\x00{\"not\": \"a model\"";
    }
    r = c.Post("/v1/admin/reload");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 409) << r->body;
    json e = body_json(r);
    EXPECT_EQ(e["error"], "reload_failed");
    EXPECT_NE(e["detail"].get<std::string>().find(path), std::string::npos) << e.dump();
    EXPECT_EQ(body_json(c.Get("/healthz"))["model_generation"], 2);
    EXPECT_EQ(body_json(c.Get("/v1/items/2"))["title"], "Variant Steins;Gate");
    auto rec = c.Post("/v1/recommend", R"({"history": [1, 2]})", "application/json");
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->status, 200);

    const std::string m = c.Get("/metrics")->body;
    EXPECT_EQ(metric(m, "anirec_model_reloads_total{result=\"ok\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_model_reloads_total{result=\"failed\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_model_generation"), 2);
}

TEST(HttpOps, AdminCanBeDisabled) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path);
    ServerOptions opt;
    opt.admin = false;
    RunningServer s(path, opt);
    auto r = s.client().Post("/v1/admin/reload");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(body_json(r)["error"], "route_not_found");
    EXPECT_EQ(s.server().generation(), 1u);
}

// Clients hammer /v1/recommend while the model is swapped back and forth: every
// request is answered 200 by one model or the other, never an error or a mix.
TEST(HttpOps, ReloadUnderLoadDropsNoRequest) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path, 0);
    RunningServer s(path);
    const std::string body = R"({"history": [1, 2, 3], "k": 5})";
    // The answer of each model, to recognise them.
    std::string answer0 = s.client().Post("/v1/recommend", body, "application/json")->body;
    write_test_model(path, 1);
    ASSERT_TRUE(s.server().reload().ok);
    std::string answer1 = s.client().Post("/v1/recommend", body, "application/json")->body;
    ASSERT_NE(answer0, answer1);

    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, bad{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&] {
            httplib::Client c = s.client();
            c.set_keep_alive(true);
            while (!stop.load()) {
                auto r = c.Post("/v1/recommend", body, "application/json");
                if (r && r->status == 200 && (r->body == answer0 || r->body == answer1)) {
                    ok.fetch_add(1);
                } else {
                    bad.fetch_add(1);
                }
            }
        });
    }
    for (int i = 0; i < 6; ++i) {
        write_test_model(path, i % 2);
        ReloadResult rr = s.server().reload();
        EXPECT_TRUE(rr.ok) << rr.detail;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    stop.store(true);
    for (auto& t : clients) t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(ok.load(), 20);
    EXPECT_EQ(s.server().generation(), 8u);
}

TEST(HttpOps, ConcurrentClientsGetIdenticalAnswers) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path);
    RunningServer s(path);
    const std::string body = R"({"history": ["Shingeki no Kyojin", "Death Note", 9], "k": 10})";
    const std::string want = s.client().Post("/v1/recommend", body, "application/json")->body;
    std::atomic<int> mismatches{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&] {
            httplib::Client c = s.client();
            c.set_keep_alive(true);
            for (int i = 0; i < 40; ++i) {
                auto r = c.Post("/v1/recommend", body, "application/json");
                if (!r || r->status != 200 || r->body != want) mismatches.fetch_add(1);
            }
        });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(HttpOps, MetricsCountRequestsLatencyAndErrors) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path);
    RunningServer s(path);
    httplib::Client c = s.client();
    for (int i = 0; i < 3; ++i) c.Post("/v1/recommend", R"({"history": [1]})", "application/json");
    c.Post("/v1/recommend", "not json", "application/json");
    c.Post("/v1/recommend", std::string(100 * 1024, ' '), "application/json");  // over the 64 kB limit
    c.Get("/v1/items/12345");
    c.Get("/no/such/route");

    // A request is counted after its response is sent, by the thread that served it; the 413
    // closes its connection, so the next requests may be served (and /metrics read) by another
    // thread before that one has counted. Read /metrics until the 7 requests are all in.
    std::string m;
    for (int attempt = 0; attempt < 200; ++attempt) {
        auto r = c.Get("/metrics");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
        m = r->body;
        if (metric(m, "anirec_http_request_duration_seconds_count{route=\"/v1/recommend\"}") == 5 &&
            metric(m, "anirec_http_requests_total{route=\"/v1/items/{id}\",code=\"404\"}") == 1 &&
            metric(m, "anirec_http_requests_total{route=\"other\",code=\"404\"}") == 1)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(metric(m, "anirec_http_requests_total{route=\"/v1/recommend\",code=\"200\"}"), 3) << m;
    EXPECT_EQ(metric(m, "anirec_http_requests_total{route=\"/v1/recommend\",code=\"400\"}"), 1);
    // Refused while reading the body, still counted under its route.
    EXPECT_EQ(metric(m, "anirec_http_requests_total{route=\"/v1/recommend\",code=\"413\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_errors_total{code=\"413\",error=\"payload_too_large\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_requests_total{route=\"/v1/items/{id}\",code=\"404\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_requests_total{route=\"other\",code=\"404\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_errors_total{code=\"400\",error=\"invalid_json\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_errors_total{code=\"404\",error=\"item_not_found\"}"), 1);
    EXPECT_EQ(metric(m, "anirec_http_errors_total{code=\"404\",error=\"route_not_found\"}"), 1);
    // The histogram: 5 requests on the route, cumulative buckets ending at +Inf.
    EXPECT_EQ(metric(m, "anirec_http_request_duration_seconds_count{route=\"/v1/recommend\"}"), 5);
    EXPECT_EQ(metric(m, "anirec_http_request_duration_seconds_bucket{route=\"/v1/recommend\",le=\"+Inf\"}"), 5);
    EXPECT_GT(metric(m, "anirec_http_request_duration_seconds_sum{route=\"/v1/recommend\"}"), 0);
    double prev = 0;
    for (double b : HttpMetrics::bucket_bounds) {
        char le[64];
        std::snprintf(le, sizeof le, "%.17g", b);
        double v = metric(m, std::string("anirec_http_request_duration_seconds_bucket{route=\"/v1/recommend\",le=\"") +
                                 le + "\"}");
        EXPECT_GE(v, prev) << le;
        prev = v;
    }
    EXPECT_GT(metric(m, "process_resident_memory_bytes"), 1e6);
    EXPECT_EQ(metric(m, "anirec_model_items"), 30);
    // Every sample line is "name{labels} value" or "name value" (the text format).
    std::regex line(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$)");
    size_t start = 0;
    while (start < m.size()) {
        size_t end = m.find('\n', start);
        std::string l = m.substr(start, end - start);
        start = end == std::string::npos ? m.size() : end + 1;
        if (l.empty() || l[0] == '#') continue;
        EXPECT_TRUE(std::regex_match(l, line)) << l;
    }
}

// stop() while clients are busy: run() returns, every answered request was whole.
TEST(HttpOps, StopFinishesCleanlyUnderLoad) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path);
    RunningServer s(path);
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, partial{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&] {
            httplib::Client c = s.client();
            while (!stop.load()) {
                auto r = c.Post("/v1/recommend", R"({"history": [3, 4]})", "application/json");
                if (!r) continue;  // refused after the stop: fine
                if (r->status == 200 && json::accept(r->body)) {
                    ok.fetch_add(1);
                } else {
                    partial.fetch_add(1);
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto t0 = std::chrono::steady_clock::now();
    s.stop();  // returns when run() has returned
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stop.store(true);
    for (auto& t : clients) t.join();
    EXPECT_FALSE(s.server().is_running());
    EXPECT_GT(ok.load(), 0);
    EXPECT_EQ(partial.load(), 0);
    EXPECT_LT(took, 5.0);
}

TEST(HttpOps, BadModelFileFailsAtStartWithItsName) {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    std::ofstream(path) << "definitely not a model";
    try {
        HttpServer s(ServerOptions{}, path);
        FAIL() << "a bad model file was accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

TEST(HttpOps, PortInUseIsAClearError) {
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    write_test_model(path);
    RunningServer first(path);
    ServerOptions opt;
    opt.host = "127.0.0.1";
    opt.port = first.port();
    HttpServer second(opt, path);
    try {
        second.bind();
        FAIL() << "bound a port already in use";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace anirec::test
