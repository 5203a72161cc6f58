// `anirec serve --model m.safetensors [--host 127.0.0.1] [--port 8080] [--threads N]`:
// the JSON API, the web page and /metrics over HTTP (serve/http_server.h, docs/serving.md).
//
// Signals: SIGHUP reloads the model file (the old model keeps serving if the new one
// is refused); SIGTERM and SIGINT stop accepting, finish the requests in flight and
// exit 0. The handler only writes the signal number into a pipe (async-signal-safe);
// a watcher thread reads it and does the reload or the stop as ordinary code. (Blocking
// the signals and using sigwait() is not enough: OpenBLAS starts its threads before
// main, with the signals unblocked, and a SIGHUP delivered to one of them would kill
// the process.)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "cli/command.h"
#include "serve/http_server.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct ServeOptions {
    std::string model;
    ServerOptions server;
    bool no_admin = false;
};

int g_signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
    const int saved = errno;
    const unsigned char b = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &b, 1);
    errno = saved;
}

void install_signal_handlers() {
    if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) throw Error(cat("cannot create a pipe: ", std::strerror(errno)));
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
}

int run_serve(ServeOptions o) {
    o.server.admin = !o.no_admin;
    install_signal_handlers();
    // Concurrency comes from the request workers; each Recommender call runs on one core.
    set_num_threads(1);

    Timer load_timer;
    HttpServer server(o.server, o.model);
    const int port = server.bind();
    std::printf("anirec serve: listening on http://%s:%d/ (model %s, loaded in %.2f s; SIGHUP reloads, "
                "SIGTERM stops)\n",
                o.server.host.c_str(), port, o.model.c_str(), load_timer.seconds());
    std::fflush(stdout);

    std::atomic<bool> finished{false};
    std::thread watcher([&] {
        for (;;) {
            unsigned char sig = 0;
            const ssize_t n = ::read(g_signal_pipe[0], &sig, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || sig == 0) return;  // 0: the server stopped on its own
            if (sig == SIGHUP) {
                ReloadResult r = server.reload();
                if (r.ok) {
                    std::fprintf(stderr, "anirec serve: SIGHUP: reloaded %s in %.2f s (generation %llu)\n",
                                 o.model.c_str(), r.seconds, static_cast<unsigned long long>(r.generation));
                } else {
                    std::fprintf(stderr, "anirec serve: SIGHUP: %s; still serving generation %llu\n",
                                 r.detail.c_str(), static_cast<unsigned long long>(r.generation));
                }
                continue;
            }
            std::fprintf(stderr, "anirec serve: %s: finishing requests in flight, then exiting\n",
                         sig == SIGTERM ? "SIGTERM" : "SIGINT");
            // stop() is a no-op until the accept loop runs: wait for it (a signal can
            // arrive between bind() and run()).
            while (!server.is_running() && !finished.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            server.stop();
            return;
        }
    });
    const bool ok = server.run();
    finished.store(true);
    const unsigned char zero = 0;
    [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &zero, 1);  // ends the watcher if still waiting
    watcher.join();
    if (!ok) throw Error(cat("the server on ", o.server.host, ":", port, " stopped with an error"));
    std::fprintf(stderr, "anirec serve: stopped\n");
    return 0;
}

cli::Registrar reg{
    "serve", "Serve recommendations over HTTP: JSON API, web page, metrics",
    [](CLI::App& app) -> cli::RunFn {
        auto o = std::make_shared<ServeOptions>();
        app.add_option("--model", o->model, "Model file (safetensors) written by 'anirec train'")
            ->required()
            ->check(CLI::ExistingFile);
        app.add_option("--host", o->server.host,
                       "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)")
            ->capture_default_str();
        app.add_option("--port", o->server.port, "TCP port (0: any free port, printed at start)")
            ->check(CLI::Range(0, 65535))
            ->capture_default_str();
        app.add_option("--threads", o->server.threads,
                       "Request worker threads started (0: max(8, 2 x cores)); each serves one connection at a "
                       "time and runs its requests' model calls")
            ->check(CLI::Range(0, 1024))
            ->capture_default_str();
        app.add_option("--max-threads", o->server.max_threads,
                       "Workers the pool may grow to when every worker holds a connection (more connections "
                       "wait)")
            ->check(CLI::Range(1, 4096))
            ->capture_default_str();
        app.add_option("--max-body", o->server.max_body_bytes, "Largest request body in bytes (413 above)")
            ->check(CLI::Range(size_t{256}, size_t{64} << 20))
            ->capture_default_str();
        app.add_option("--max-k", o->server.max_k, "Largest k / limit a request may ask (400 above)")
            ->check(CLI::Range(1, 100000))
            ->capture_default_str();
        app.add_option("--max-history", o->server.max_history,
                       "Most history entries in POST /v1/recommend (400 above; the model reads the most recent "
                       "maxlen)")
            ->check(CLI::Range(1, 1000000))
            ->capture_default_str();
        app.add_flag("--no-admin", o->no_admin, "Disable POST /v1/admin/reload (SIGHUP still reloads)");
        app.add_flag("--access-log", o->server.access_log, "One line per request on stderr");
        return [o] { return run_serve(*o); };
    }};

}  // namespace
