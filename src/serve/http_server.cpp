#include "serve/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve/http_api.h"
#include "serve/http_errors.h"
#include "serve/http_metrics.h"
#include "serve/web_assets.h"
#include "util/error.h"
#include "util/parallel.h"  // hardware_threads; omp.h
#include "util/timer.h"

namespace anirec {

namespace {

// ---------------------------------------------------------------------------
// Routes. Every request is counted under one of these labels in /metrics.

enum Route : size_t {
    R_INDEX,
    R_STATIC,
    R_OPENAPI,
    R_HEALTHZ,
    R_METRICS,
    R_ITEMS,
    R_ITEM,
    R_SIMILAR,
    R_RECOMMEND,
    R_USER_RECS,
    R_MODEL,
    R_RELOAD,
    R_OTHER,  // no route matched (404/405) or refused before routing
    N_ROUTES
};

std::vector<std::string> route_names() {
    return {"/",
            "/static",
            "/openapi.json",
            "/healthz",
            "/metrics",
            "/v1/items",
            "/v1/items/{id}",
            "/v1/items/{id}/similar",
            "/v1/recommend",
            "/v1/users/{id}/recommendations",
            "/v1/model",
            "/v1/admin/reload",
            "other"};
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decodes one path segment. Done per segment (not on the whole path, as
// req.path is) so that an id containing an encoded '/' stays one segment.
std::string decode_segment(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

// The path of a request target ("/v1/items/5?k=3" -> segments {"v1","items","5"}),
// or nullopt for a target that is not an origin-form path ("*", "http://...").
// Empty segments (a trailing or doubled '/') are kept, so "/v1/items/" does not
// match "/v1/items".
std::optional<std::vector<std::string>> path_segments(const std::string& target) {
    std::string_view path(target);
    path = path.substr(0, path.find('?'));
    if (path.empty() || path[0] != '/') return std::nullopt;
    std::vector<std::string> segs;
    path.remove_prefix(1);
    if (path.empty()) return segs;  // "/"
    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        segs.push_back(decode_segment(path.substr(start, slash - start)));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segs;
}

struct Match {
    Route route = R_OTHER;
    const char* method = nullptr;  // the one method the route answers ("GET" also takes HEAD)
    std::string id;                // {id} of the path
    const WebAsset* asset = nullptr;
};

Match match_route(const std::optional<std::vector<std::string>>& segments, const std::string& raw_path) {
    Match m;
    if (!segments) return m;
    const std::vector<std::string>& s = *segments;
    const size_t n = s.size();
    auto is = [&](size_t i, const char* v) { return i < n && s[i] == v; };
    if (n == 0) {
        m.route = R_INDEX;
        m.method = "GET";
    } else if (n == 1 && s[0] == "healthz") {
        m.route = R_HEALTHZ;
        m.method = "GET";
    } else if (n == 1 && s[0] == "metrics") {
        m.route = R_METRICS;
        m.method = "GET";
    } else if (n == 1 && s[0] == "openapi.json") {
        m.route = R_OPENAPI;
        m.method = "GET";
        m.asset = find_web_asset("/openapi.json");
    } else if (n == 1 && (m.asset = find_web_asset(raw_path)) != nullptr) {
        m.route = s[0] == "index.html" ? R_INDEX : R_STATIC;
        m.method = "GET";
    } else if (is(0, "v1")) {
        if (n == 2 && s[1] == "items") {
            m.route = R_ITEMS;
            m.method = "GET";
        } else if (n == 3 && s[1] == "items" && !s[2].empty()) {
            m.route = R_ITEM;
            m.method = "GET";
            m.id = s[2];
        } else if (n == 4 && s[1] == "items" && !s[2].empty() && s[3] == "similar") {
            m.route = R_SIMILAR;
            m.method = "GET";
            m.id = s[2];
        } else if (n == 2 && s[1] == "recommend") {
            m.route = R_RECOMMEND;
            m.method = "POST";
        } else if (n == 4 && s[1] == "users" && !s[2].empty() && s[3] == "recommendations") {
            m.route = R_USER_RECS;
            m.method = "GET";
            m.id = s[2];
        } else if (n == 2 && s[1] == "model") {
            m.route = R_MODEL;
            m.method = "GET";
        } else if (n == 3 && s[1] == "admin" && s[2] == "reload") {
            m.route = R_RELOAD;
            m.method = "POST";
        }
    }
    return m;
}

// The route and start time of the request this worker thread is handling, from
// the pre-routing hook to the logger (both run on the worker, in that order).
// The route is matched in the pre-routing hook, before the body is read, so that a
// request refused while reading it (413) still counts under its route.
struct RequestState {
    bool started = false;
    std::chrono::steady_clock::time_point start;
    Match match;
    bool accepts_gzip = false;
};
thread_local RequestState tl_request;

void set_json(httplib::Response& res, const std::string& body, int status = 200) {
    res.status = status;
    res.set_content(body, "application/json");
}

// The request's media type must be JSON when it names one: a form post or plain
// text is refused with 415 rather than parsed as something it is not.
void check_json_content_type(const httplib::Request& req) {
    if (!req.has_header("Content-Type")) return;
    std::string ct = req.get_header_value("Content-Type");
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    for (char& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ct == "application/json" || (ct.size() > 5 && ct.ends_with("+json"))) return;
    throw ApiError(ApiErrorKind::UNSUPPORTED_MEDIA,
                   cat("Content-Type '", req.get_header_value("Content-Type"),
                       "' is not supported: send the body as application/json"));
}

// Worker threads for cpp-httplib, which gives each connection to one worker for as
// long as the connection stays open (keep-alive included). A fixed pool would let a
// few idle browser connections hold every worker while a new request waits for a
// keep-alive timeout, so the pool grows: a connection that finds no idle worker gets a
// new one, up to max_threads (beyond that, connections queue). Workers are not
// reaped; an idle one sleeps on the condition variable.
//
// Each worker pins its OpenMP regions to one thread (a per-thread setting):
// concurrency comes from the workers, and a Recommender call that spawned an OpenMP
// team on every worker would oversubscribe the cores. (OpenBLAS's count is
// process-wide: cmd_serve sets it to 1.)
class WorkerPool : public httplib::TaskQueue {
public:
    WorkerPool(size_t initial, size_t max_threads) : max_(std::max(initial, max_threads)) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (size_t i = 0; i < initial; ++i) spawn();
    }
    void enqueue(std::function<void()> fn) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push_back(std::move(fn));
            if (idle_ < jobs_.size() && threads_.size() < max_) spawn();
        }
        cond_.notify_one();
    }
    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            shutdown_ = true;
        }
        cond_.notify_all();
        // No spawn() after shutdown_ (enqueue is not called once the accept loop ended).
        for (auto& t : threads_) t.join();
    }

private:
    void spawn() { threads_.emplace_back([this] { work(); }); }  // under mutex_
    void work() {
#ifdef ANIREC_HAVE_OPENMP
        omp_set_num_threads(1);
#endif
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ++idle_;
                cond_.wait(lock, [&] { return shutdown_ || !jobs_.empty(); });
                --idle_;
                if (jobs_.empty()) return;  // shutting down, queue drained
                fn = std::move(jobs_.front());
                jobs_.pop_front();
            }
            fn();
        }
    }
    const size_t max_;
    std::vector<std::thread> threads_;
    std::deque<std::function<void()>> jobs_;
    size_t idle_ = 0;
    std::mutex mutex_;
    std::condition_variable cond_;
    bool shutdown_ = false;
};

std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

// ---------------------------------------------------------------------------

struct HttpServer::Impl {
    ServerOptions opt;
    std::string model_path;
    ApiLimits limits;
    httplib::Server svr;
    HttpMetrics metrics{route_names()};
    int bound_port = -1;

    // The served model. Requests copy the pointer under the mutex (a few ns);
    // reload() swaps it. reload_mutex serialises reloads so two of them never
    // load at once.
    mutable std::mutex model_mutex;
    std::shared_ptr<const Recommender> model;
    uint64_t generation = 0;
    std::chrono::system_clock::time_point loaded_at;
    std::mutex reload_mutex;
    std::atomic<uint64_t> reloads_ok{0}, reloads_failed{0};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    struct Snapshot {
        std::shared_ptr<const Recommender> rec;
        uint64_t generation;
        std::chrono::system_clock::time_point loaded_at;
    };
    Snapshot snapshot() const {
        std::lock_guard<std::mutex> lock(model_mutex);
        return {model, generation, loaded_at};
    }

    void setup();
    void dispatch(const httplib::Request& req, httplib::Response& res);
    void handle(const Match& m, const httplib::Request& req, httplib::Response& res);
    void send_error(httplib::Response& res, ApiErrorKind kind, const std::string& detail) {
        metrics.record_error(kind);
        set_json(res, api_error_body(kind, detail), api_error_status(kind));
    }
    std::string render_metrics() const;
    ReloadResult reload();
};

void HttpServer::Impl::setup() {
    const size_t threads = static_cast<size_t>(opt.threads > 0 ? opt.threads : std::max(8, 2 * hardware_threads()));
    const size_t max_threads = static_cast<size_t>(std::max(opt.max_threads, 1));
    svr.new_task_queue = [threads, max_threads] { return new WorkerPool(threads, max_threads); };
    svr.set_tcp_nodelay(true);  // headers and body go out in two writes: no Nagle delay
    svr.set_keep_alive_max_count(1000);
    // Idle keep-alive connections hold a worker, and shutdown waits for them: keep short.
    svr.set_keep_alive_timeout(3);
    svr.set_read_timeout(5);
    svr.set_write_timeout(5);
    svr.set_payload_max_length(opt.max_body_bytes);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
    // server bind the same port and silently take half of its connections.
    svr.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    svr.set_default_headers({{"X-Content-Type-Options", "nosniff"}});
    if (!web_assets().empty()) web_asset_gzip(web_assets()[0]);  // compress the page now, not on a request

    svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
        tl_request.started = true;
        tl_request.start = std::chrono::steady_clock::now();
        tl_request.match = match_route(path_segments(req.target), req.path);
        // cpp-httplib compresses every text or JSON response the client accepts
        // compressed, with no switch to turn it off, and picks brotli at its slowest
        // setting when offered: ~100 ms for a 20 kB script. So Accept-Encoding is
        // taken out of the request here (the Request object is the library's mutable
        // local, handed to us const), and the page's files are served gzipped from
        // a copy compressed once; API responses are small and go uncompressed.
        auto& headers = const_cast<httplib::Request&>(req).headers;
        const std::string ae = req.get_header_value("Accept-Encoding");
        tl_request.accepts_gzip = ae.find("gzip") != std::string::npos;
        headers.erase("Accept-Encoding");
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // One catch-all per method: routing is ours (match_route), which gives 405 with
    // Allow for a known path and one metrics label per route.
    const httplib::Server::Handler dispatch_fn = [this](const httplib::Request& req, httplib::Response& res) {
        dispatch(req, res);
    };
    svr.Get(".*", dispatch_fn);
    svr.Post(".*", dispatch_fn);
    svr.Put(".*", dispatch_fn);
    svr.Patch(".*", dispatch_fn);
    svr.Delete(".*", dispatch_fn);
    svr.Options(".*", dispatch_fn);

    // Errors the HTTP layer produces itself (malformed request, body over the limit,
    // header too large) arrive here with an empty body: give them the JSON shape too.
    svr.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        ApiErrorKind kind;
        std::string detail;
        switch (res.status) {
        case 404: kind = ApiErrorKind::ROUTE_NOT_FOUND; detail = "no such endpoint"; break;
        case 413:
            kind = ApiErrorKind::PAYLOAD_TOO_LARGE;
            detail = cat("request body over the limit of ", opt.max_body_bytes, " bytes");
            break;
        case 414: kind = ApiErrorKind::URI_TOO_LONG; detail = "request URI too long"; break;
        case 431: kind = ApiErrorKind::HEADERS_TOO_LARGE; detail = "request headers too large"; break;
        case 500: kind = ApiErrorKind::INTERNAL; detail = "internal error"; break;
        default:
            kind = ApiErrorKind::BAD_REQUEST;
            detail = cat("malformed HTTP request (status ", res.status, ")");
            if (res.status >= 500) res.status = 400;  // nothing of ours failed
            break;
        }
        metrics.record_error(kind);
        res.set_content(api_error_body(kind, detail), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }));
    svr.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        std::fprintf(stderr, "anirec serve: internal error: %s\n", what.c_str());
        send_error(res, ApiErrorKind::INTERNAL, what);
    });
    svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        double seconds = -1;
        if (tl_request.started) {
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tl_request.start).count();
        }
        metrics.record(tl_request.started ? tl_request.match.route : R_OTHER, res.status, seconds);
        tl_request.started = false;
        if (opt.access_log) {
            std::fprintf(stderr, "%s %s %d %.3f ms\n", req.method.c_str(), req.path.c_str(), res.status,
                         seconds * 1e3);
        }
    });
}

void HttpServer::Impl::dispatch(const httplib::Request& req, httplib::Response& res) {
    metrics.begin_request();
    try {
        if (!tl_request.started) {  // not through the pre-routing hook: cannot happen with httplib 0.11
            tl_request.match = match_route(path_segments(req.target), req.path);
        }
        const Match& m = tl_request.match;
        if (m.method == nullptr) {
            throw ApiError(ApiErrorKind::ROUTE_NOT_FOUND, cat("no endpoint at ", req.path, " (see /openapi.json)"));
        }
        const bool method_ok = req.method == m.method || (req.method == "HEAD" && std::string_view(m.method) == "GET");
        if (!method_ok) {
            res.set_header("Allow", std::string_view(m.method) == "GET" ? "GET, HEAD" : m.method);
            throw ApiError(ApiErrorKind::METHOD_NOT_ALLOWED,
                           cat(req.path, " answers ", m.method, ", not ", req.method));
        }
        handle(m, req, res);
    } catch (const ApiError& e) {
        send_error(res, e.kind(), e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "anirec serve: internal error on %s %s: %s\n", req.method.c_str(), req.path.c_str(),
                     e.what());
        send_error(res, ApiErrorKind::INTERNAL, e.what());
    }
    metrics.end_request();
}

void HttpServer::Impl::handle(const Match& m, const httplib::Request& req, httplib::Response& res) {
    switch (m.route) {
    case R_INDEX:
    case R_STATIC:
    case R_OPENAPI: {
        const WebAsset* a = m.asset ? m.asset : find_web_asset("/index.html");
        if (a == nullptr) throw ApiError(ApiErrorKind::ROUTE_NOT_FOUND, "the page was not built into this binary");
        // Revalidate every time (cheap, 304), so a new binary's page is never stale.
        res.set_header("Cache-Control", "no-cache");
        // The page loads nothing from anywhere but this server (it must work offline).
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                       "frame-ancestors 'none'");
        res.set_header("ETag", std::string(a->etag));
        if (req.get_header_value("If-None-Match") == a->etag) {
            res.status = 304;
            return;
        }
        res.set_header("Vary", "Accept-Encoding");
        const std::string_view gz = web_asset_gzip(*a);
        if (tl_request.accepts_gzip && !gz.empty()) {
            res.set_header("Content-Encoding", "gzip");
            res.set_content(gz.data(), gz.size(), std::string(a->content_type).c_str());
        } else {
            res.set_content(a->data.data(), a->data.size(), std::string(a->content_type).c_str());
        }
        return;
    }
    case R_HEALTHZ: {
        Snapshot s = snapshot();
        nlohmann::json j{{"status", "ok"},
                         {"model_generation", s.generation},
                         {"items", api_item_count(*s.rec)},
                         {"uptime_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
        res.set_header("Cache-Control", "no-store");
        set_json(res, j.dump());
        return;
    }
    case R_METRICS:
        res.set_header("Cache-Control", "no-store");
        res.set_content(render_metrics(), "text/plain; version=0.0.4; charset=utf-8");
        return;
    case R_RELOAD: {
        if (!opt.admin) throw ApiError(ApiErrorKind::ROUTE_NOT_FOUND, "admin endpoints are disabled (--no-admin)");
        ReloadResult r = reload();
        if (!r.ok) {
            throw ApiError(ApiErrorKind::RELOAD_FAILED, cat(r.detail, "; still serving model generation ", r.generation));
        }
        set_json(res, nlohmann::json{{"status", "reloaded"},
                                     {"generation", r.generation},
                                     {"seconds", r.seconds},
                                     {"path", model_path}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    default: break;
    }

    // The model endpoints: one snapshot of the model for the whole request.
    const Snapshot s = snapshot();
    const Recommender& rec = *s.rec;
    switch (m.route) {
    case R_ITEMS: set_json(res, api_search_items(rec, req, limits)); return;
    case R_ITEM: set_json(res, api_get_item(rec, m.id)); return;
    case R_SIMILAR: set_json(res, api_similar(rec, m.id, req, limits)); return;
    case R_RECOMMEND:
        check_json_content_type(req);
        set_json(res, api_recommend(rec, req.body, limits));
        return;
    case R_USER_RECS: set_json(res, api_user_recommendations(rec, m.id, req, limits)); return;
    case R_MODEL: set_json(res, api_model_card(rec, {model_path, s.generation, iso_time(s.loaded_at)})); return;
    default: throw ApiError(ApiErrorKind::ROUTE_NOT_FOUND, cat("no endpoint at ", req.path));
    }
}

std::string HttpServer::Impl::render_metrics() const {
    Snapshot s = snapshot();
    std::string extra;
    extra += "# HELP anirec_model_generation Model loads so far (1 = the file loaded at start).\n";
    extra += "# TYPE anirec_model_generation gauge\n";
    extra += cat("anirec_model_generation ", s.generation, "\n");
    extra += "# HELP anirec_model_items Animes in the served model's catalogue.\n";
    extra += "# TYPE anirec_model_items gauge\n";
    extra += cat("anirec_model_items ", api_item_count(*s.rec), "\n");
    extra += "# HELP anirec_model_reloads_total Reload attempts, by result.\n";
    extra += "# TYPE anirec_model_reloads_total counter\n";
    extra += cat("anirec_model_reloads_total{result=\"ok\"} ", reloads_ok.load(), "\n");
    extra += cat("anirec_model_reloads_total{result=\"failed\"} ", reloads_failed.load(), "\n");
    return metrics.render(extra);
}

// ---------------------------------------------------------------------------

HttpServer::HttpServer(ServerOptions options, std::string model_path) : impl_(std::make_unique<Impl>()) {
    Impl& I = *impl_;
    I.opt = std::move(options);
    I.model_path = std::move(model_path);
    I.limits.max_k = I.opt.max_k;
    I.limits.max_history = I.opt.max_history;
    ANIREC_ASSERT(route_names().size() == N_ROUTES);
    I.model = load_recommender(I.model_path);
    I.generation = 1;
    I.loaded_at = std::chrono::system_clock::now();
    I.setup();
}

HttpServer::~HttpServer() {
    if (impl_ && impl_->svr.is_running()) {
        impl_->svr.stop();
    }
}

int HttpServer::bind() {
    Impl& I = *impl_;
    if (I.opt.port == 0) {
        I.bound_port = I.svr.bind_to_any_port(I.opt.host);
    } else {
        I.bound_port = I.svr.bind_to_port(I.opt.host, I.opt.port) ? I.opt.port : -1;
    }
    if (I.bound_port <= 0) {
        throw Error(cat("cannot listen on ", I.opt.host, ":", I.opt.port,
                        " (address in use, not a local address, or no permission)"));
    }
    return I.bound_port;
}

bool HttpServer::run() { return impl_->svr.listen_after_bind(); }
void HttpServer::stop() { impl_->svr.stop(); }
bool HttpServer::is_running() const { return impl_->svr.is_running(); }
int HttpServer::port() const { return impl_->bound_port; }
const std::string& HttpServer::model_path() const { return impl_->model_path; }
const HttpMetrics& HttpServer::metrics() const { return impl_->metrics; }

std::shared_ptr<const Recommender> HttpServer::model() const { return impl_->snapshot().rec; }
uint64_t HttpServer::generation() const { return impl_->snapshot().generation; }

ReloadResult HttpServer::reload() { return impl_->reload(); }

ReloadResult HttpServer::Impl::reload() {
    Impl& I = *this;
    std::lock_guard<std::mutex> one_at_a_time(I.reload_mutex);
    ReloadResult r;
    Timer timer;
    std::shared_ptr<const Recommender> fresh;
    try {
        fresh = load_recommender(I.model_path);
    } catch (const std::exception& e) {
        r.detail = cat("refused ", I.model_path, ": ", e.what());
    }
    r.seconds = timer.seconds();
    std::shared_ptr<const Recommender> old;  // freed outside the lock (may be the last owner)
    {
        std::lock_guard<std::mutex> lock(I.model_mutex);
        if (fresh) {
            old = std::move(I.model);
            I.model = std::move(fresh);
            I.generation += 1;
            I.loaded_at = std::chrono::system_clock::now();
            r.ok = true;
        }
        r.generation = I.generation;
    }
    (r.ok ? I.reloads_ok : I.reloads_failed).fetch_add(1);
    return r;
}

}  // namespace anirec
