// LineReader: plain and gzip input, line numbers, BOM, CRLF, empty lines, huge lines,
// missing and empty files, and the block interface used by the parallel parser.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/line_reader.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::TempDir;

std::vector<std::string> all_lines(LineReader& r, std::vector<uint64_t>* numbers = nullptr,
                                   std::vector<uint64_t>* too_long = nullptr) {
    std::vector<std::string> out;
    Line l;
    while (r.next_line(l)) {
        if (l.too_long) {
            if (too_long) too_long->push_back(l.number);
            out.push_back("<too long>");
        } else {
            out.emplace_back(l.text);
        }
        if (numbers) numbers->push_back(l.number);
    }
    return out;
}

TEST(LineReader, PlainLinesWithNumbers) {
    TempDir d;
    LineReader r(d.write("a.txt", "one\ntwo\n\nfour"));
    std::vector<uint64_t> nums;
    auto lines = all_lines(r, &nums);
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "", "four"}));
    EXPECT_EQ(nums, (std::vector<uint64_t>{1, 2, 3, 4}));
    EXPECT_FALSE(r.is_gzip());
    EXPECT_FALSE(r.had_bom());
}

TEST(LineReader, GzipIsReadTransparently) {
    TempDir d;
    LineReader r(d.write_gz("a.txt.gz", "x,1\ny,2\n"));
    EXPECT_EQ(all_lines(r), (std::vector<std::string>{"x,1", "y,2"}));
    EXPECT_TRUE(r.is_gzip());
    EXPECT_EQ(r.bytes_read(), 8u);
}

TEST(LineReader, StripsBomAndCrlf) {
    TempDir d;
    LineReader r(d.write("a.csv", "\xEF\xBB\xBFh1,h2\r\n1,2\r\n3,4\r\n"));
    Line l;
    ASSERT_TRUE(r.next_line(l));
    EXPECT_EQ(l.text, "h1,h2");
    EXPECT_TRUE(l.crlf);
    EXPECT_TRUE(r.had_bom());
    EXPECT_EQ(all_lines(r), (std::vector<std::string>{"1,2", "3,4"}));
}

TEST(LineReader, TenMegabyteLineIsSkippedAsTooLong) {
    TempDir d;
    std::string big(10 << 20, 'x');
    std::string text = "first\n" + big + "\nlast\n";
    LineReader r(d.write("big.txt", text), size_t(1) << 20);
    std::vector<uint64_t> nums, too_long;
    auto lines = all_lines(r, &nums, &too_long);
    EXPECT_EQ(lines, (std::vector<std::string>{"first", "<too long>", "last"}));
    EXPECT_EQ(too_long, (std::vector<uint64_t>{2}));
    EXPECT_EQ(nums, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(LineReader, LineJustOverTheLimitInsideTheBuffer) {
    TempDir d;
    std::string text = "ok\n" + std::string(101, 'y') + "\n" + std::string(100, 'z') + "\n";
    LineReader r(d.write("a.txt", text), 100, 4096);
    std::vector<uint64_t> too_long;
    auto lines = all_lines(r, nullptr, &too_long);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(too_long, (std::vector<uint64_t>{2}));
    EXPECT_EQ(lines[2], std::string(100, 'z'));
}

TEST(LineReader, MissingFileIsAClearError) {
    try {
        LineReader r("/nonexistent/ratings.csv");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/ratings.csv: cannot open: no such file"), std::string::npos);
    }
}

TEST(LineReader, FolderIsAClearError) {
    TempDir d;
    EXPECT_THROW(LineReader r(d.file("")), Error);
}

TEST(LineReader, EmptyFileHasNoLines) {
    TempDir d;
    LineReader r(d.write("e.txt", ""));
    Line l;
    EXPECT_FALSE(r.next_line(l));
    EXPECT_EQ(r.bytes_read(), 0u);
}

TEST(LineReader, CorruptGzipIsAnError) {
    TempDir d;
    std::string gz = testing::read_bytes(d.write_gz("a.gz", std::string(100000, 'a') + "\n"));
    gz.resize(gz.size() / 2);  // truncated stream
    LineReader r(d.write("t.gz", gz));
    Line l;
    EXPECT_THROW(
        {
            while (r.next_line(l)) {
            }
        },
        Error);
}

TEST(LineReader, BlocksCoverEveryByteInWholeLines) {
    TempDir d;
    std::string text;
    for (int i = 0; i < 5000; ++i) text += std::to_string(i) + ",x\n";
    text += "tail-without-newline";
    // A tiny buffer forces many blocks.
    LineReader r(d.write("a.txt", text), 64, 256);
    std::string joined;
    Block b;
    while (r.next_block(b)) {
        ASSERT_EQ(b.too_long_before, 0u);
        ASSERT_FALSE(b.data.empty());
        bool last = joined.size() + b.data.size() == text.size();
        if (!last) {
            ASSERT_EQ(b.data.back(), '\n');
        }
        joined.append(b.data);
    }
    EXPECT_EQ(joined, text);
}

TEST(LineReader, BlocksSkipLinesLongerThanTheBuffer) {
    TempDir d;
    std::string text = "a\n" + std::string(5000, 'q') + "\nb\n" + std::string(3000, 'r');
    LineReader r(d.write("a.txt", text), 64, 256);
    std::string joined;
    uint64_t skipped = 0;
    Block b;
    while (r.next_block(b)) {
        skipped += b.too_long_before;
        joined.append(b.data);
    }
    EXPECT_EQ(joined, "a\nb\n");
    EXPECT_EQ(skipped, 2u);
}

}  // namespace
}  // namespace anirec
