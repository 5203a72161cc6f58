// The JSON endpoints that ask the model something (/v1/items, /v1/recommend, ...).
// Each function reads its inputs from the request, calls the Recommender and returns
// the response body (status 200), or throws ApiError (see http_errors.h) for anything
// the client got wrong. Request and response shapes are documented in web/openapi.json
// and docs/serving.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <httplib.h>

namespace anirec {

class Recommender;

struct ApiLimits {
    int max_k = 200;          // k and limit
    int max_history = 2000;   // history entries in POST /v1/recommend
};

// GET /v1/items?q=&limit=  (no q: the most watched animes of the training data)
std::string api_search_items(const Recommender& rec, const httplib::Request& req, const ApiLimits& lim);
// GET /v1/items/{id}
std::string api_get_item(const Recommender& rec, const std::string& id);
// GET /v1/items/{id}/similar?k=&genres=&exclude_genres=&types=
std::string api_similar(const Recommender& rec, const std::string& id, const httplib::Request& req,
                        const ApiLimits& lim);
// POST /v1/recommend
std::string api_recommend(const Recommender& rec, const std::string& body, const ApiLimits& lim);
// GET /v1/users/{id}/recommendations?k=&genres=&exclude_genres=&types=&exclude_seen=
std::string api_user_recommendations(const Recommender& rec, const std::string& user,
                                     const httplib::Request& req, const ApiLimits& lim);
// GET /v1/model: the model's configuration, data and catalogue, what is serving it,
// and last the card stored in the file.
struct ServingInfo {
    std::string path;
    uint64_t generation = 0;
    std::string loaded_at;  // ISO 8601, UTC
};
std::string api_model_card(const Recommender& rec, const ServingInfo& serving);

// Loads a model file for serving; throws Error naming the file when it cannot.
std::shared_ptr<const Recommender> load_recommender(const std::string& path);
// The catalogue size N, for /healthz and the startup line.
int api_item_count(const Recommender& rec);

}  // namespace anirec
