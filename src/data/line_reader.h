// Streaming line input over plain or gzip files (zlib reads both transparently),
// without ever holding the whole file in memory as text.
//
// Two ways to read, over the same buffer:
//   next_line()  one line at a time, with its 1-based line number (metadata, sniffing);
//   next_block() a run of whole lines (a few MiB) for parsers that split it across threads.
// Both strip a UTF-8 byte-order mark at the start of the file. next_line() also strips
// the line terminator (\n or \r\n); blocks keep their bytes as they are and the parser
// strips "\r" itself.
//
// Lines longer than max_line_bytes are never returned: their bytes are skipped up to
// the next '\n' and the line is reported as too long (a 10 MB line costs no memory
// beyond the buffer). With next_block() a line longer than max_line_bytes but shorter
// than the block may still arrive inside a block: parsers check the length themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace anirec {

inline constexpr size_t kDefaultMaxLineBytes = size_t(1) << 20;  // 1 MiB

struct Line {
    std::string_view text;  // without terminator; empty when too_long
    uint64_t number = 0;    // 1-based line number in the file
    bool too_long = false;  // longer than max_line_bytes: text is empty, bytes were skipped
    bool crlf = false;      // the line ended with "\r\n"
};

struct Block {
    std::string_view data;  // whole lines, each ending with '\n' except possibly the last line of the file
    // Lines longer than the reader's buffer that were skipped just before `data`
    // (each one whole line). The caller numbers lines; these count as lines.
    uint64_t too_long_before = 0;
};

class LineReader {
public:
    // Opens path (plain or gzip). Throws Error when it is missing, a folder or unreadable.
    // block_bytes is the buffer size; it is raised to at least 2 * max_line_bytes.
    explicit LineReader(std::string path, size_t max_line_bytes = kDefaultMaxLineBytes,
                        size_t block_bytes = size_t(8) << 20);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    // The next line; false at end of file. Throws Error on a read error (e.g. corrupt gzip).
    bool next_line(Line& line);
    // The next run of whole lines (up to the buffer size); false at end of file.
    // The view stays valid until the next call. Do not mix with next_line().
    bool next_block(Block& block);

    const std::string& path() const { return path_; }
    bool had_bom() const { return had_bom_; }
    bool is_gzip() const { return gzip_; }
    uint64_t bytes_read() const { return bytes_read_; }  // uncompressed bytes so far, BOM included
    size_t max_line_bytes() const { return max_line_; }

private:
    // Moves the unconsumed tail [pos_, end_) to the front and reads more; false when
    // nothing more could be read (end of file).
    bool fill();
    void skip_rest_of_line();  // drops bytes up to and including the next '\n'

    std::string path_;
    void* gz_ = nullptr;  // gzFile
    bool gzip_ = false;
    size_t max_line_;
    std::unique_ptr<char[]> buf_;  // not zero-filled: only the bytes read are touched
    size_t cap_ = 0;
    size_t pos_ = 0, end_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool had_bom_ = false;
    uint64_t bytes_read_ = 0;
    uint64_t line_no_ = 0;  // number of the last line returned by next_line
};

}  // namespace anirec
