#include "data/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "data/huge_pages.h"
#include "util/error.h"

namespace anirec {

namespace {
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }
}  // namespace

LineReader::LineReader(std::string path, size_t max_line_bytes, size_t block_bytes)
    : path_(std::move(path)), max_line_(max_line_bytes) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) throw Error(cat(path_, ": cannot open: no such file"));
    if (std::filesystem::is_directory(path_, ec)) throw Error(cat(path_, ": cannot open: is a folder"));
    errno = 0;
    gz_ = gzopen(path_.c_str(), "rb");
    if (!gz_) throw Error(cat(path_, ": cannot open: ", errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(as_gz(gz_), 256 * 1024);
    gzip_ = gzdirect(as_gz(gz_)) == 0;
    if (block_bytes < 2 * max_line_ + 2) block_bytes = 2 * max_line_ + 2;
    cap_ = block_bytes;
    buf_.reset(new char[cap_]);
    advise_huge_pages(buf_.get(), cap_);
}

LineReader::~LineReader() {
    if (gz_) gzclose(as_gz(gz_));
}

bool LineReader::fill() {
    if (eof_) return false;
    if (pos_ > 0) {
        std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
    }
    size_t before = end_;
    while (end_ < cap_) {
        size_t want = std::min<size_t>(cap_ - end_, size_t(1) << 30);
        int got = gzread(as_gz(gz_), buf_.get() + end_, static_cast<unsigned>(want));
        if (got < 0) {
            int errnum = 0;
            const char* msg = gzerror(as_gz(gz_), &errnum);
            throw Error(cat(path_, ": read failed", gzip_ ? " (gzip data corrupt?)" : "", ": ",
                            errnum == Z_ERRNO ? std::strerror(errno) : msg));
        }
        if (got == 0) {
            // gzread returns 0 both at a clean end and at a truncated gzip stream.
            int errnum = 0;
            const char* msg = gzerror(as_gz(gz_), &errnum);
            if (errnum != Z_OK && errnum != Z_STREAM_END)
                throw Error(cat(path_, ": read failed (gzip data truncated or corrupt): ", msg));
            eof_ = true;
            break;
        }
        end_ += static_cast<size_t>(got);
        bytes_read_ += static_cast<uint64_t>(got);
    }
    if (!started_ && end_ > 0) {
        started_ = true;
        if (end_ >= 3 && std::memcmp(buf_.get(), "\xEF\xBB\xBF", 3) == 0) {
            had_bom_ = true;
            pos_ = 3;
        }
    }
    return end_ > before;
}

void LineReader::skip_rest_of_line() {
    for (;;) {
        const char* p = static_cast<const char*>(std::memchr(buf_.get() + pos_, '\n', end_ - pos_));
        if (p) {
            pos_ = static_cast<size_t>(p - buf_.get()) + 1;
            return;
        }
        pos_ = end_;
        if (!fill()) return;
    }
}

bool LineReader::next_line(Line& line) {
    line = Line{};
    for (;;) {
        const char* base = buf_.get();
        const char* nl = static_cast<const char*>(std::memchr(base + pos_, '\n', end_ - pos_));
        if (nl || (eof_ && pos_ < end_)) {
            size_t stop = nl ? static_cast<size_t>(nl - base) : end_;
            size_t len = stop - pos_;
            line.number = ++line_no_;
            if (len > 0 && base[pos_ + len - 1] == '\r') {
                --len;
                line.crlf = nl != nullptr;
            }
            if (len > max_line_) {
                line.too_long = true;
            } else {
                line.text = std::string_view(base + pos_, len);
            }
            pos_ = nl ? stop + 1 : end_;
            return true;
        }
        if (eof_) return false;
        if (end_ - pos_ > max_line_ + 1) {
            // No terminator within max_line_bytes (+1 for a "\r"): skip the rest of it.
            pos_ = end_;
            skip_rest_of_line();
            line.number = ++line_no_;
            line.too_long = true;
            return true;
        }
        fill();
    }
}

bool LineReader::next_block(Block& block) {
    block = Block{};
    for (;;) {
        if (end_ - pos_ < cap_ / 2 && !eof_) fill();
        const char* base = buf_.get();
        if (pos_ >= end_) {
            if (eof_) return block.too_long_before > 0;
            continue;
        }
        // Cut after the last '\n' in the buffer.
        const void* nl = ::memrchr(base + pos_, '\n', end_ - pos_);
        if (nl) {
            size_t last = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
            block.data = std::string_view(base + pos_, last - pos_);
            pos_ = last;
            return true;
        }
        if (eof_) {  // the last line, without a terminator
            block.data = std::string_view(base + pos_, end_ - pos_);
            pos_ = end_;
            return true;
        }
        if (pos_ == 0 && end_ == cap_) {
            // A full buffer without a single '\n': one line longer than the buffer.
            pos_ = end_;
            skip_rest_of_line();
            ++block.too_long_before;
            continue;
        }
        fill();
    }
}

}  // namespace anirec
