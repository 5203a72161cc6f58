// A minimal streaming JSON writer for the API's hot responses (recommendation and
// search rows). Building nlohmann::json objects costs a map node per field and took
// about half of a /v1/recommend request; appending to one string does not.
//
//   JsonWriter w;
//   w.begin_object();
//   w.key("k"); w.value(10);
//   w.key("items"); w.begin_array(); ... w.end_array();
//   w.end_object();
//   std::string body = w.take();
//
// Commas are inserted automatically. Strings are escaped per RFC 8259; invalid UTF-8
// is replaced by U+FFFD (titles come from data files), so the output is always valid
// JSON. Floats are written in their shortest round-trip form (7.4f -> 7.4); NaN and
// infinities become null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anirec {

class JsonWriter {
public:
    JsonWriter() { out_.reserve(4096); }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    void key(std::string_view k);

    void value(std::string_view s);
    void value(const char* s) { value(std::string_view(s)); }
    void value(const std::string& s) { value(std::string_view(s)); }
    void value(int64_t v);
    void value(int32_t v) { value(static_cast<int64_t>(v)); }
    void value(uint64_t v);
    void value(float v);
    void value(double v);
    void value(bool v);
    void null();
    // key(k) then value(v): one member of the current object.
    template <class T>
    void field(std::string_view k, const T& v) {
        key(k);
        value(v);
    }
    // Already-serialised JSON (e.g. nlohmann's dump), inserted as one value.
    void raw(std::string_view json);

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void open(char c);
    void close(char c);
    void comma();  // before a value or key

    std::string out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

// Appends s to out as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace anirec
