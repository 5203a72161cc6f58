// Helpers shared by the data-layer tests: fixture paths and scratch files.
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace anirec::testing {

inline std::string fixture(const std::string& name) { return std::string(ANIREC_FIXTURES) + "/data/" + name; }

inline std::string shared_data(const std::string& rel) { return std::string(ANIREC_SHARED_DATA) + "/" + rel; }

// A scratch folder removed at the end of the test.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("anirec_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    // Writes bytes as they are and returns the path.
    std::string write(const std::string& name, std::string_view bytes) const {
        std::string p = file(name);
        std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return p;
    }
    std::string write_gz(const std::string& name, std::string_view bytes) const {
        std::string p = file(name);
        gzFile g = gzopen(p.c_str(), "wb");
        gzwrite(g, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(g);
        return p;
    }

private:
    std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace anirec::testing
