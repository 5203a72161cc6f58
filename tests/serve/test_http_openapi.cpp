// /openapi.json against the real server: every documented operation, called with the
// examples the document gives, answers its documented success status with a body that
// matches the documented schema (required fields, types, enums, nested items); every
// documented error status is produced by a real request and has the documented
// shape; and every route the server answers is documented.
#include <fstream>
#include <set>

#include "test_http_util.h"

namespace anirec::test {
namespace {

using nlohmann::json;

// A small validator for the part of JSON Schema (OpenAPI 3.0 dialect) the document
// uses: $ref, allOf, oneOf, type, nullable, enum, minimum, minItems, required,
// properties, additionalProperties: false, items.
class SchemaCheck {
public:
    explicit SchemaCheck(const json& doc) : doc_(doc) {}

    const json& resolve(const json& s) const {
        if (!s.is_object() || !s.contains("$ref")) return s;
        const std::string ref = s["$ref"];
        EXPECT_EQ(ref.rfind("#/", 0), 0u) << ref;
        return resolve(doc_.at(json::json_pointer(ref.substr(1))));
    }

    void check(const json& v, const json& schema, const std::string& at, std::vector<std::string>& errs) const {
        const json& s = resolve(schema);
        if (s.contains("allOf"))
            for (const json& sub : s["allOf"]) check(v, sub, at, errs);
        if (s.contains("oneOf")) {
            int matches = 0;
            for (const json& sub : s["oneOf"]) {
                std::vector<std::string> e;
                check(v, sub, at, e);
                matches += e.empty();
            }
            if (matches != 1) errs.push_back(at + ": matches " + std::to_string(matches) + " of oneOf");
        }
        if (v.is_null()) {
            if (s.contains("type") && !s.value("nullable", false)) errs.push_back(at + ": null but not nullable");
            return;
        }
        if (s.contains("type")) {
            const std::string t = s["type"];
            bool ok = (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
                      (t == "string" && v.is_string()) || (t == "integer" && v.is_number_integer()) ||
                      (t == "number" && v.is_number()) || (t == "boolean" && v.is_boolean());
            if (!ok) {
                errs.push_back(at + ": expected " + t + ", got " + v.type_name());
                return;
            }
        }
        if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
            errs.push_back(at + ": " + v.dump() + " not in enum");
        if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>())
            errs.push_back(at + ": below minimum");
        if (s.contains("minItems") && v.is_array() && v.size() < s["minItems"].get<size_t>())
            errs.push_back(at + ": fewer items than minItems");
        if (v.is_object()) {
            if (s.contains("required"))
                for (const json& k : s["required"])
                    if (!v.contains(k.get<std::string>())) errs.push_back(at + ": missing required '" + k.get<std::string>() + "'");
            if (s.contains("properties"))
                for (const auto& [k, sub] : s["properties"].items())
                    if (v.contains(k)) check(v[k], sub, at + "." + k, errs);
            if (s.contains("additionalProperties") && s["additionalProperties"] == false)
                for (const auto& [k, _] : v.items())
                    if (!s.contains("properties") || !s["properties"].contains(k))
                        errs.push_back(at + ": unexpected property '" + k + "'");
        }
        if (v.is_array() && s.contains("items"))
            for (size_t i = 0; i < v.size(); ++i) check(v[i], s["items"], at + "[" + std::to_string(i) + "]", errs);
    }

private:
    const json& doc_;
};

struct Call {
    std::string method, path;  // path with the query string
    std::string body;
    std::string content_type = "application/json";
};

httplib::Result send(httplib::Client& c, const Call& call) {
    if (call.method == "GET") return c.Get(call.path.c_str());
    return c.Post(call.path.c_str(), call.body, call.content_type.c_str());
}

// "/v1/items/1/similar?k=0" -> "/v1/items/{id}/similar" when that template is in the document.
std::string template_of(const json& paths, const std::string& path) {
    const std::string p = path.substr(0, path.find('?'));
    for (const auto& [tmpl, _] : paths.items()) {
        // Compare segment by segment; {x} matches one non-empty segment.
        auto split = [](const std::string& s) {
            std::vector<std::string> out;
            size_t start = 0;
            while (start <= s.size()) {
                size_t slash = s.find('/', start);
                if (slash == std::string::npos) slash = s.size();
                out.push_back(s.substr(start, slash - start));
                start = slash + 1;
            }
            return out;
        };
        auto a = split(tmpl), b = split(p);
        if (a.size() != b.size()) continue;
        bool same = true;
        for (size_t i = 0; i < a.size() && same; ++i)
            same = (!a[i].empty() && a[i].front() == '{') ? !b[i].empty() : a[i] == b[i];
        if (same) return tmpl;
    }
    return "";
}

class OpenApi : public ::testing::Test {
protected:
    void SetUp() override {
        model_ = dir_.file("m.safetensors");
        write_test_model(model_);
        ServerOptions opt;
        opt.max_body_bytes = 2048;
        server_ = std::make_unique<RunningServer>(model_, opt);
        httplib::Client c = server_->client();
        auto r = c.Get("/openapi.json");
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
        EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
        doc_ = json::parse(r->body);
    }

    // Checks one response against the operation's documented responses; records
    // the (template, method, status) as covered.
    void verify(const Call& call, const httplib::Result& r) {
        ASSERT_TRUE(r) << call.method << " " << call.path << ": " << httplib::to_string(r.error());
        const std::string tmpl = template_of(doc_["paths"], call.path);
        ASSERT_FALSE(tmpl.empty()) << call.path << " is not documented";
        std::string method = call.method;
        for (char& ch : method) ch = static_cast<char>(std::tolower(ch));
        ASSERT_TRUE(doc_["paths"][tmpl].contains(method)) << call.method << " " << tmpl << " is not documented";
        const json& responses = doc_["paths"][tmpl][method]["responses"];
        const std::string status = std::to_string(r->status);
        ASSERT_TRUE(responses.contains(status))
            << call.method << " " << call.path << " answered " << status << ", not documented: " << r->body;
        covered_.insert(tmpl + " " + method + " " + status);
        const json& resp = checker().resolve(responses[status]);
        ASSERT_TRUE(resp.contains("content")) << tmpl << " " << status;
        const std::string type = resp["content"].begin().key();
        const std::string got_type = r->get_header_value("Content-Type");
        EXPECT_EQ(got_type.substr(0, got_type.find(';')), type) << call.path;
        if (type != "application/json") return;
        json body = json::parse(r->body, nullptr, false);
        ASSERT_FALSE(body.is_discarded()) << call.path << ": not JSON";
        std::vector<std::string> errs;
        checker().check(body, resp["content"][type]["schema"], call.method + " " + call.path, errs);
        for (const auto& e : errs) ADD_FAILURE() << e << "\n  body: " << r->body.substr(0, 500);
    }

    SchemaCheck checker() const { return SchemaCheck(doc_); }

    TempDir dir_;
    std::string model_;
    std::unique_ptr<RunningServer> server_;
    json doc_;
    std::set<std::string> covered_;
};

TEST_F(OpenApi, EveryOperationAnswersItsExampleAsDocumented) {
    httplib::Client c = server_->client();
    int operations = 0;
    for (const auto& [tmpl, ops] : doc_["paths"].items()) {
        for (const auto& [method, op] : ops.items()) {
            ++operations;
            // Build the request from the document's own examples.
            std::string path = tmpl, query;
            for (const json& p0 : op.value("parameters", json::array())) {
                const json& p = checker().resolve(p0);
                if (!p.contains("example")) {
                    ASSERT_NE(p["in"], "path") << tmpl << ": path parameter without an example";
                    continue;
                }
                const std::string v = p["example"].is_string() ? p["example"].get<std::string>() : p["example"].dump();
                if (p["in"] == "path") {
                    path.replace(path.find("{" + p["name"].get<std::string>() + "}"), p["name"].get<std::string>().size() + 2, v);
                } else {
                    query += (query.empty() ? "?" : "&") + p["name"].get<std::string>() + "=" + v;
                }
            }
            Call call{method == "get" ? "GET" : "POST", path + query, ""};
            if (op.contains("requestBody")) {
                const json& media = op["requestBody"]["content"]["application/json"];
                ASSERT_TRUE(media.contains("example")) << tmpl << ": request body without an example";
                std::vector<std::string> errs;
                checker().check(media["example"], media["schema"], tmpl + " request example", errs);
                for (const auto& e : errs) ADD_FAILURE() << e;
                call.body = media["example"].dump();
            }
            auto r = send(c, call);
            ASSERT_TRUE(r) << call.path;
            EXPECT_GE(r->status, 200);
            EXPECT_LT(r->status, 300) << call.method << " " << call.path << ": " << r->body;
            verify(call, r);
        }
    }
    EXPECT_GE(operations, 10);
}

TEST_F(OpenApi, EveryDocumentedErrorIsRealAndShapedAsDocumented) {
    httplib::Client c = server_->client();
    // Success of each operation first (examples), then one real request per documented error.
    for (const auto& [tmpl, ops] : doc_["paths"].items()) {
        for (const auto& [method, op] : ops.items()) {
            std::string path = tmpl;
            for (const std::string& id : {"{id}"})
                if (path.find(id) != std::string::npos) path.replace(path.find(id), id.size(), tmpl.find("users") != std::string::npos ? "u1" : "1");
            Call call{method == "get" ? "GET" : "POST", path,
                      tmpl == "/v1/recommend" ? R"({"history": [1]})" : ""};
            verify(call, send(c, call));
        }
    }
    const std::vector<Call> errors = {
        {"GET", "/v1/items?limit=0", ""},
        {"GET", "/v1/items/999", ""},
        {"GET", "/v1/items/1/similar?k=0", ""},
        {"GET", "/v1/items/999/similar", ""},
        {"POST", "/v1/recommend", "{\"history\": ["},
        {"POST", "/v1/recommend", "{\"history\": [\"" + std::string(5000, 'a') + "\"]}"},
        {"POST", "/v1/recommend", "history=1", "application/x-www-form-urlencoded"},
        {"POST", "/v1/recommend", R"({"history": ["no such anime at all"]})"},
        {"GET", "/v1/users/u1/recommendations?k=0", ""},
        {"GET", "/v1/users/nobody/recommendations", ""},
    };
    for (const Call& call : errors) verify(call, send(c, call));

    // 409: a model file that fails to load is refused.
    std::ofstream(model_, std::ios::trunc) << "garbage";
    verify({"POST", "/v1/admin/reload", ""}, c.Post("/v1/admin/reload"));
    // 404 from the reload route: admin disabled.
    write_test_model(model_);
    ServerOptions no_admin;
    no_admin.admin = false;
    RunningServer other(model_, no_admin);
    httplib::Client c2 = other.client();
    verify({"POST", "/v1/admin/reload", ""}, c2.Post("/v1/admin/reload"));

    // Every documented status was produced by some request above.
    for (const auto& [tmpl, ops] : doc_["paths"].items())
        for (const auto& [method, op] : ops.items())
            for (const auto& [status, _] : op["responses"].items())
                EXPECT_TRUE(covered_.count(tmpl + " " + method + " " + status))
                    << method << " " << tmpl << " " << status << " is documented but no test request produced it";
}

TEST_F(OpenApi, EveryServedRouteIsDocumented) {
    // The routes the server answers (its /metrics labels) are all in the document,
    // except the page and its static files.
    const std::string m = server_->client().Get("/metrics")->body;
    std::set<std::string> routes;
    const std::string key = "anirec_http_request_duration_seconds_count{route=\"";
    for (size_t pos = m.find(key); pos != std::string::npos; pos = m.find(key, pos + 1)) {
        size_t start = pos + key.size();
        routes.insert(m.substr(start, m.find('"', start) - start));
    }
    ASSERT_GE(routes.size(), 10u);
    for (const std::string& r : routes) {
        if (r == "/" || r == "/static" || r == "other") continue;
        EXPECT_TRUE(doc_["paths"].contains(r)) << r << " is served but not in /openapi.json";
    }
}

}  // namespace
}  // namespace anirec::test
