// The web page's files (web/*), compiled into the binary by web/embed.cmake so the
// server needs nothing on disk and works offline.
#pragma once

#include <span>
#include <string_view>

namespace anirec {

struct WebAsset {
    std::string_view path;          // "/index.html", "/app.js", ...
    std::string_view content_type;  // from the file extension
    std::string_view data;          // the file's bytes
    std::string_view etag;          // quoted, from the content's SHA-1: "\"3f2a...\""
};

// Every embedded file, sorted by path. Defined in the generated web_assets_data.cpp.
std::span<const WebAsset> web_assets();

// The asset served at path, or nullptr.
const WebAsset* find_web_asset(std::string_view path);

// The asset gzip-compressed (computed once, on first use), or empty when gzip would
// not make it smaller. asset must be an element of web_assets().
std::string_view web_asset_gzip(const WebAsset& asset);

}  // namespace anirec
