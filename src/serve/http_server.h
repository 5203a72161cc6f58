// `anirec serve`: the Recommender over HTTP (JSON API under /v1, the web page at /,
// Prometheus metrics, an OpenAPI description), on cpp-httplib.
//
// Threads: cpp-httplib accepts on the thread that calls run() and hands each
// connection to a worker, which serves it until it closes and runs the Recommender
// call of each request itself (the Recommender's methods are const and thread-safe).
// The pool starts with `threads` workers and grows when a connection finds none idle,
// up to `max_threads`, so idle keep-alive connections never make a request wait.
//
// Model swaps: the served model is a shared_ptr<const Recommender> that each request
// copies once at its start. reload() loads the new file completely first, then swaps
// the pointer under a mutex; requests in flight finish on the model they started with,
// which is freed when the last of them ends. A file that fails to load leaves the old
// model serving.
//
// Shutdown: stop() closes the listening socket; run() returns once the requests in
// flight are answered (connections idle in keep-alive are closed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace anirec {

class Recommender;
class HttpMetrics;

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                     // 0: any free port (see HttpServer::port())
    int threads = 0;                     // request workers started; 0: max(8, 2 x cores)
    int max_threads = 256;               // the pool grows up to this many (connections beyond it queue)
    size_t max_body_bytes = 64 * 1024;   // request bodies above this get 413
    int max_k = 200;                     // k and limit above this get 400
    int max_history = 2000;              // longer POST /v1/recommend histories get 400
    bool admin = true;                   // POST /v1/admin/reload enabled
    bool access_log = false;             // one line per request on stderr
};

struct ReloadResult {
    bool ok = false;
    std::string detail;       // the load error when !ok
    uint64_t generation = 0;  // of the model serving after the call
    double seconds = 0;       // time spent loading
};

class HttpServer {
public:
    // Loads model_path (throws Error when it cannot) and sets up the routes.
    HttpServer(ServerOptions options, std::string model_path);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds host:port and returns the port bound (useful with port 0). Throws Error
    // naming the address when it cannot bind.
    int bind();
    // Serves until stop(); call after bind(). Returns false if the accept loop failed.
    bool run();
    // Safe from any thread (not from a signal handler: see cmd_serve.cpp).
    void stop();
    bool is_running() const;

    // Loads the model file again (the same path) and swaps it in; thread-safe, one
    // reload at a time.
    ReloadResult reload();

    std::shared_ptr<const Recommender> model() const;
    uint64_t generation() const;
    int port() const;
    const std::string& model_path() const;
    const HttpMetrics& metrics() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace anirec
