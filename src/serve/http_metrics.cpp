#include "serve/http_metrics.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace anirec {

HttpMetrics::HttpMetrics(std::vector<std::string> route_names)
    : route_names_(std::move(route_names)), routes_(route_names_.size()) {
    start_time_ = std::chrono::duration<double>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
}

void HttpMetrics::record(size_t route, int status, double seconds) {
    RouteStats& r = routes_.at(route);
    if (status < kStatusMin || status > kStatusMax) status = 500;  // never happens with httplib
    r.by_code[status - kStatusMin].fetch_add(1, std::memory_order_relaxed);
    if (seconds < 0) return;  // untimed: rejected before the request was read
    size_t b = 0;
    while (b < bucket_bounds.size() && seconds > bucket_bounds[b]) ++b;
    r.buckets[b].fetch_add(1, std::memory_order_relaxed);
    r.count.fetch_add(1, std::memory_order_relaxed);
    double ns = seconds > 0 ? seconds * 1e9 : 0.0;
    r.sum_ns.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

void HttpMetrics::record_error(ApiErrorKind kind) {
    errors_[static_cast<size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t HttpMetrics::requests(size_t route, int status) const {
    if (status < kStatusMin || status > kStatusMax) return 0;
    return routes_.at(route).by_code[status - kStatusMin].load(std::memory_order_relaxed);
}

uint64_t HttpMetrics::errors(ApiErrorKind kind) const {
    return errors_[static_cast<size_t>(kind)].load(std::memory_order_relaxed);
}

namespace {
// Prometheus floats: shortest round-trip text is not needed, %.17g is exact.
std::string fmt_double(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
}  // namespace

std::string HttpMetrics::render(const std::string& extra) const {
    std::string out;
    out.reserve(16384);
    out += "# HELP anirec_http_requests_total HTTP requests answered, by route and status code.\n";
    out += "# TYPE anirec_http_requests_total counter\n";
    for (size_t i = 0; i < routes_.size(); ++i) {
        for (size_t c = 0; c < kCodes; ++c) {
            uint64_t n = routes_[i].by_code[c].load(std::memory_order_relaxed);
            if (n == 0) continue;
            out += "anirec_http_requests_total{route=\"" + route_names_[i] + "\",code=\"" +
                   std::to_string(kStatusMin + c) + "\"} " + std::to_string(n) + "\n";
        }
    }
    out += "# HELP anirec_http_request_duration_seconds Time from the request headers being read to the "
           "response being written, by route.\n";
    out += "# TYPE anirec_http_request_duration_seconds histogram\n";
    for (size_t i = 0; i < routes_.size(); ++i) {
        const RouteStats& r = routes_[i];
        const std::string label = "route=\"" + route_names_[i] + "\"";
        uint64_t cum = 0;
        for (size_t b = 0; b < kBuckets; ++b) {
            cum += r.buckets[b].load(std::memory_order_relaxed);
            std::string le = b < bucket_bounds.size() ? fmt_double(bucket_bounds[b]) : "+Inf";
            out += "anirec_http_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
                   std::to_string(cum) + "\n";
        }
        out += "anirec_http_request_duration_seconds_sum{" + label + "} " +
               fmt_double(r.sum_ns.load(std::memory_order_relaxed) * 1e-9) + "\n";
        // _count equals the +Inf bucket by definition; use cum so a scrape racing
        // with record() stays self-consistent.
        out += "anirec_http_request_duration_seconds_count{" + label + "} " + std::to_string(cum) +
               "\n";
    }
    out += "# HELP anirec_http_errors_total Error responses, by status code and error kind.\n";
    out += "# TYPE anirec_http_errors_total counter\n";
    for (size_t k = 0; k < errors_.size(); ++k) {
        auto kind = static_cast<ApiErrorKind>(k);
        out += "anirec_http_errors_total{code=\"" + std::to_string(api_error_status(kind)) +
               "\",error=\"" + api_error_name(kind) + "\"} " +
               std::to_string(errors_[k].load(std::memory_order_relaxed)) + "\n";
    }
    out += "# HELP anirec_http_requests_in_flight Requests being handled now.\n";
    out += "# TYPE anirec_http_requests_in_flight gauge\n";
    out += "anirec_http_requests_in_flight " +
           std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";
    out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n";
    out += "# TYPE process_resident_memory_bytes gauge\n";
    out += "process_resident_memory_bytes " + std::to_string(resident_memory_bytes()) + "\n";
    out += "# HELP process_start_time_seconds Start time of the server since the Unix epoch.\n";
    out += "# TYPE process_start_time_seconds gauge\n";
    out += "process_start_time_seconds " + fmt_double(start_time_) + "\n";
    out += extra;
    return out;
}

uint64_t resident_memory_bytes() {
    std::ifstream f("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    if (!(f >> size >> resident)) return 0;
    return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace anirec
