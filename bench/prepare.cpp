// bench_prepare: how fast `anirec prepare` reads a rating_complete.csv-shaped file
// (user_id,anime_id,rating), its peak memory, and how fast the dataset file loads.
//
// A plain timed program (one long run, not a micro-benchmark): it generates the CSV
// (or takes --input), then times read (parse), build (sequences), save and load, and
// prints one line per phase plus a JSON summary.
//
//   bench_prepare [--rows N] [--users U] [--items I] [--threads T] [--dir D] [--input F] [--keep] [--read-only]
//   ANIREC_BENCH_ROWS=57000000 bench_prepare      (the size of the Kaggle 2020 file)
//
// Default: 4,000,000 rows. The generated file is removed at the end unless --keep.
// Peak RSS is getrusage(RUSAGE_SELF).ru_maxrss right after read+build (the prepare
// phase); the file is read from the page cache (it was just written).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset_file.h"
#include "data/interactions.h"
#include "data/sequence_builder.h"
#include "util/error.h"
#include "util/rng.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct Args {
    int64_t rows = 4'000'000;
    int64_t users = 0;  // 0: rows / 185 (the 2020 file: 57M rows, 310k users)
    int items = 17'000;
    int threads = 0;
    std::string dir = std::filesystem::temp_directory_path().string();
    std::string input;
    bool keep = false;
    bool read_only = false;  // stop after the read phase (for profiling the parser)
};

// Process CPU seconds (user + system, all threads): on a shared machine wall time also
// counts waiting for a core, CPU time does not.
double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

double peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Writes users in id order, each with a log-normal-ish number of distinct anime drawn
// with a popularity skew, in random (crawler) order, ratings 1..10.
void generate(const Args& a, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw Error(cat(path, ": cannot create"));
    std::vector<char> buf(size_t(8) << 20);
    size_t n = 0;
    auto flush = [&] {
        if (std::fwrite(buf.data(), 1, n, f) != n) throw Error(cat(path, ": write failed"));
        n = 0;
    };
    const char* header = "user_id,anime_id,rating\n";
    std::memcpy(buf.data(), header, std::strlen(header));
    n = std::strlen(header);
    const int64_t users = a.users > 0 ? a.users : std::max<int64_t>(1, a.rows / 185);
    Rng rng(42);
    std::vector<int64_t> seen(static_cast<size_t>(a.items) + 1, -1);
    int64_t written = 0;
    // Users past `users` only appear when the length caps left rows over: exactly
    // a.rows rows are written.
    for (int64_t u = 0; written < a.rows; ++u) {
        int64_t left_users = std::max<int64_t>(1, users - u);
        int64_t target = (a.rows - written) / left_users;
        // Spread lengths around the mean: x0.25 .. x2.
        int64_t len = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(target) * (0.25 + 1.75 * rng.uniform())));
        len = std::min<int64_t>(std::min<int64_t>(len, a.rows - written), a.items / 2);
        for (int64_t k = 0; k < len; ++k) {
            int32_t item;
            do {  // popularity skew: the square of a uniform favours small ids
                double x = rng.uniform_double();
                item = 1 + static_cast<int32_t>(x * x * a.items);
            } while (seen[item] == u);
            seen[item] = u;
            if (n + 64 > buf.size()) flush();
            char* p = buf.data() + n;
            p = std::to_chars(p, p + 24, u).ptr;
            *p++ = ',';
            p = std::to_chars(p, p + 12, item).ptr;
            *p++ = ',';
            p = std::to_chars(p, p + 4, 1 + static_cast<int>(rng.below(10))).ptr;
            *p++ = '\n';
            n = static_cast<size_t>(p - buf.data());
        }
        written += len;
    }
    flush();
    std::fclose(f);
}

int run(const Args& a) {
    std::string path = a.input;
    bool generated = false;
    Timer t;
    if (path.empty()) {
        path = a.dir + "/bench_prepare_" + std::to_string(::getpid()) + ".csv";
        generate(a, path);
        generated = true;
        std::printf("generate   %8.2f s  %s\n", t.seconds(), path.c_str());
    }
    const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    std::string out = a.dir + "/bench_prepare_" + std::to_string(::getpid()) + ".anirec";

    ReadOptions ro;
    ro.threads = a.threads;
    t.reset();
    double c0 = cpu_seconds();
    RawInteractions raw = read_interactions(path, ro);
    const double t_read = t.seconds(), c_read = cpu_seconds() - c0;
    const int64_t rows = static_cast<int64_t>(raw.size());
    std::printf("read       %8.2f s  %.1f MB, %lld rows: %.0f MB/s, %.1f M rows/s (CPU %.2f s)\n", t_read, mb,
                static_cast<long long>(rows), mb / t_read, static_cast<double>(rows) / t_read / 1e6, c_read);
    if (a.read_only) {
        if (generated && !a.keep) std::filesystem::remove(path);
        return 0;
    }
    t.reset();
    c0 = cpu_seconds();
    Dataset ds = build_dataset(std::move(raw), FilterOptions{});
    const double t_build = t.seconds(), c_build = cpu_seconds() - c0;
    const double rss = peak_rss_mb();
    std::printf("build      %8.2f s  %d users, %d items, order %s (CPU %.2f s)\n", t_build, ds.n_users(),
                ds.n_items(), order_kind_name(ds.order), c_build);
    std::printf("prepare    %8.2f s  read+build: %.0f MB/s; peak RSS %.0f MB\n", t_read + t_build,
                mb / (t_read + t_build), rss);
    t.reset();
    save_dataset(ds, out);
    const double t_save = t.seconds();
    const double out_mb = static_cast<double>(std::filesystem::file_size(out)) / 1e6;
    std::printf("save       %8.2f s  %.1f MB\n", t_save, out_mb);
    ds = Dataset{};
    t.reset();
    Dataset loaded = load_dataset(out);
    const double t_load = t.seconds();
    std::printf("load       %8.2f s  %.2f s per million interactions\n", t_load,
                t_load / (static_cast<double>(loaded.n_interactions()) / 1e6));
    std::printf("{\"rows\": %lld, \"csv_mb\": %.1f, \"read_s\": %.3f, \"read_mb_s\": %.1f, \"build_s\": %.3f, "
                "\"prepare_mb_s\": %.1f, \"peak_rss_mb\": %.0f, \"save_s\": %.3f, \"dataset_mb\": %.1f, "
                "\"load_s\": %.3f, \"read_cpu_s\": %.3f, \"build_cpu_s\": %.3f}\n",
                static_cast<long long>(rows), mb, t_read, mb / t_read, t_build, mb / (t_read + t_build), rss, t_save,
                out_mb, t_load, c_read, c_build);
    std::filesystem::remove(out);
    if (generated && !a.keep) std::filesystem::remove(path);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    if (const char* env = std::getenv("ANIREC_BENCH_ROWS")) a.rows = std::atoll(env);
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_prepare: %s needs a value\n", k.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--rows") a.rows = std::atoll(next().c_str());
        else if (k == "--users") a.users = std::atoll(next().c_str());
        else if (k == "--items") a.items = std::atoi(next().c_str());
        else if (k == "--threads") a.threads = std::atoi(next().c_str());
        else if (k == "--dir") a.dir = next();
        else if (k == "--input") a.input = next();
        else if (k == "--keep") a.keep = true;
        else if (k == "--read-only") a.read_only = true;
        else {
            std::fprintf(stderr,
                         "usage: bench_prepare [--rows N] [--users U] [--items I] [--threads T] [--dir D] "
                         "[--input F] [--keep] [--read-only]\n");
            return 2;
        }
    }
    if (a.rows < 1 || a.items < 2) {
        std::fprintf(stderr, "bench_prepare: --rows >= 1 and --items >= 2\n");
        return 2;
    }
    try {
        return run(a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_prepare: %s\n", e.what());
        return 1;
    }
}
