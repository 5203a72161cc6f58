// Request counters and latency histograms for GET /metrics, in the Prometheus text
// exposition format (version 0.0.4). Recording is lock-free (relaxed atomics on
// fixed arrays), so it costs a few nanoseconds on the request path.
//
// Series:
//   anirec_http_requests_total{route,code}           counter (only pairs seen so far)
//   anirec_http_request_duration_seconds{route}      histogram, buckets 0.1 ms .. 2.5 s
//   anirec_http_errors_total{code,error}             counter by error kind (see http_errors.h)
//   anirec_http_requests_in_flight                   gauge
//   process_resident_memory_bytes, process_start_time_seconds
// plus the gauges the server adds (model generation, reloads) through `extra`.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "serve/http_errors.h"

namespace anirec {

class HttpMetrics {
public:
    // route_names: the label of each route index, e.g. "/v1/items/{id}".
    explicit HttpMetrics(std::vector<std::string> route_names);

    // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
    static constexpr std::array<double, 14> bucket_bounds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

    // route: an index into route_names; an out-of-range index throws std::out_of_range.
    // seconds < 0: counted, but left out of the histogram (a request the HTTP layer
    // refused before it was read, so it has no start time).
    void record(size_t route, int status, double seconds);
    void record_error(ApiErrorKind kind);
    void begin_request() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    void end_request() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

    uint64_t requests(size_t route, int status) const;  // for tests
    uint64_t errors(ApiErrorKind kind) const;

    // The whole exposition; `extra` (already formatted lines) is appended.
    std::string render(const std::string& extra = "") const;

private:
    static constexpr int kStatusMin = 100, kStatusMax = 599;
    static constexpr size_t kCodes = kStatusMax - kStatusMin + 1;
    static constexpr size_t kBuckets = bucket_bounds.size() + 1;
    struct RouteStats {
        std::array<std::atomic<uint64_t>, kCodes> by_code{};
        std::array<std::atomic<uint64_t>, kBuckets> buckets{};  // not cumulative
        std::atomic<uint64_t> count{0};
        std::atomic<uint64_t> sum_ns{0};
    };
    std::vector<std::string> route_names_;
    std::vector<RouteStats> routes_;
    std::array<std::atomic<uint64_t>, static_cast<size_t>(ApiErrorKind::N_KINDS)> errors_{};
    std::atomic<int64_t> in_flight_{0};
    double start_time_;
};

// Resident set size of this process in bytes, from /proc/self/statm (0 if unreadable).
uint64_t resident_memory_bytes();

}  // namespace anirec
