// Writes a file so that a kill at any moment leaves either the old file or the
// complete new one, never half of it: write to a temp file in the same folder,
// fsync, rename over the target, fsync the folder.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace anirec {

class AtomicFile {
public:
    explicit AtomicFile(std::string path);  // throws Error if the temp file cannot be created
    ~AtomicFile();                          // removes the temp file unless commit() succeeded
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, size_t n);  // throws Error (disk full, ...) naming the path
    void write(std::string_view s) { write(s.data(), s.size()); }
    void commit();  // flush, fsync, rename, fsync folder; throws Error on failure
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string tmp_path_;
    std::FILE* f_ = nullptr;
    bool committed_ = false;
};

}  // namespace anirec
