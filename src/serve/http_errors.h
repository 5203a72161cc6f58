// The errors the HTTP API answers with. Every error response has the body
//   {"error": "<kind name>", "detail": "<what was wrong, naming the value>"}
// and a 4xx status for anything the client can fix; 5xx is kept for faults of the
// server itself. Handlers throw ApiError; the router turns it into the response.
#pragma once

#include <stdexcept>
#include <string>

namespace anirec {

// One entry per distinct error the API can give; metrics count errors by kind.
enum class ApiErrorKind : int {
    BAD_REQUEST = 0,      // 400 malformed HTTP request (from the HTTP layer)
    INVALID_JSON,         // 400 body is not JSON
    INVALID_PARAMETER,    // 400 a field or query parameter has the wrong type or range
    ROUTE_NOT_FOUND,      // 404 no such endpoint
    ITEM_NOT_FOUND,       // 404 /v1/items/{id}: no such raw id
    USER_NOT_FOUND,       // 404 /v1/users/{id}: no such user in the training data
    METHOD_NOT_ALLOWED,   // 405
    PAYLOAD_TOO_LARGE,    // 413 body over the limit
    URI_TOO_LONG,         // 414 (from the HTTP layer)
    UNSUPPORTED_MEDIA,    // 415 POST body that is not application/json
    UNKNOWN_ITEM,         // 422 an id or title in a request body names no anime
    AMBIGUOUS_TITLE,      // 422 a title matches several animes
    RELOAD_FAILED,        // 409 the model file on disk was refused; the old model keeps serving
    HEADERS_TOO_LARGE,    // 431 (from the HTTP layer)
    INTERNAL,             // 500 a bug
    N_KINDS
};

const char* api_error_name(ApiErrorKind k);  // "invalid_json", ...
int api_error_status(ApiErrorKind k);        // 400, 404, ...

class ApiError : public std::runtime_error {
public:
    ApiError(ApiErrorKind kind, const std::string& detail)
        : std::runtime_error(detail), kind_(kind) {}
    ApiErrorKind kind() const { return kind_; }
    int status() const { return api_error_status(kind_); }

private:
    ApiErrorKind kind_;
};

// The JSON body of an error: {"error": name, "detail": detail}.
std::string api_error_body(ApiErrorKind kind, const std::string& detail);

}  // namespace anirec
