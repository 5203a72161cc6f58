#include "serve/web_assets.h"

#include <zlib.h>

#include <mutex>
#include <string>
#include <vector>

namespace anirec {

const WebAsset* find_web_asset(std::string_view path) {
    for (const WebAsset& a : web_assets()) {
        if (a.path == path) return &a;
    }
    return nullptr;
}

namespace {

// gzip (RFC 1952) of data at the best compression; empty on failure.
std::string gzip(std::string_view data) {
    z_stream zs{};
    // windowBits 15 + 16: a gzip header and trailer rather than a zlib one.
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace

std::string_view web_asset_gzip(const WebAsset& asset) {
    static std::once_flag once;
    static std::vector<std::string> packed;
    const auto all = web_assets();
    std::call_once(once, [&] {
        packed.reserve(all.size());
        for (const WebAsset& a : all) {
            std::string z = gzip(a.data);
            packed.push_back(z.size() < a.data.size() ? std::move(z) : std::string());
        }
    });
    const size_t i = static_cast<size_t>(&asset - all.data());
    return i < packed.size() ? std::string_view(packed[i]) : std::string_view();
}

}  // namespace anirec
