#include "serve/http_errors.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anirec {

namespace {
struct KindInfo {
    const char* name;
    int status;
};
// Indexed by ApiErrorKind.
constexpr KindInfo kinds[] = {
    {"bad_request", 400},       {"invalid_json", 400},        {"invalid_parameter", 400},
    {"route_not_found", 404},   {"item_not_found", 404},      {"user_not_found", 404},
    {"method_not_allowed", 405}, {"payload_too_large", 413},  {"uri_too_long", 414},
    {"unsupported_media_type", 415}, {"unknown_item", 422},   {"ambiguous_title", 422},
    {"reload_failed", 409},     {"headers_too_large", 431},   {"internal", 500},
};
static_assert(sizeof(kinds) / sizeof(kinds[0]) == static_cast<size_t>(ApiErrorKind::N_KINDS));
}  // namespace

const char* api_error_name(ApiErrorKind k) { return kinds[static_cast<int>(k)].name; }
int api_error_status(ApiErrorKind k) { return kinds[static_cast<int>(k)].status; }

std::string api_error_body(ApiErrorKind kind, const std::string& detail) {
    // error_handler_t::replace: a detail quoting a client's invalid UTF-8 must
    // still give valid JSON, not throw while we report an error.
    return nlohmann::json{{"error", api_error_name(kind)}, {"detail", detail}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace anirec
