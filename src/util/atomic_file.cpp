#include "util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace anirec {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
    tmp_path_ = path_ + ".tmp." + std::to_string(::getpid());
    f_ = std::fopen(tmp_path_.c_str(), "wb");
    if (!f_) throw Error(cat(path_, ": cannot create '", tmp_path_, "': ", std::strerror(errno)));
}

AtomicFile::~AtomicFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(tmp_path_.c_str());
}

void AtomicFile::write(const void* data, size_t n) {
    if (n == 0) return;
    if (std::fwrite(data, 1, n, f_) != n)
        throw Error(cat(path_, ": write failed: ", std::strerror(errno)));
}

void AtomicFile::commit() {
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)
        throw Error(cat(path_, ": flush failed: ", std::strerror(errno)));
    if (std::fclose(f_) != 0) {
        f_ = nullptr;
        throw Error(cat(path_, ": close failed: ", std::strerror(errno)));
    }
    f_ = nullptr;
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
        throw Error(cat(path_, ": rename from '", tmp_path_, "' failed: ", std::strerror(errno)));
    committed_ = true;
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace anirec
