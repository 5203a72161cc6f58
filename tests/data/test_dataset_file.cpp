// The dataset file: round trip (byte-exact on re-save), and the errors for truncated,
// corrupted, foreign and newer-version files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "data/dataset_file.h"
#include "data/ingest.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::fixture;
using testing::read_bytes;
using testing::TempDir;

Dataset sample() {
    IngestOptions o;
    o.read.user_col = "who";
    o.read.item_col = "what";
    o.read.rating_col = "stars";
    o.read.time_col = "when";
    o.meta_path = fixture("meta_generic.csv");
    o.meta.id_col = "code";
    o.meta.title_col = "label";
    o.meta.genre_col = "kinds";
    return ingest_file(fixture("generic_named.csv"), o);
}

std::string error_of(const std::string& path) {
    try {
        load_dataset(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }

TEST(DatasetFile, RoundTripKeepsEverything) {
    TempDir d;
    Dataset a = sample();
    ASSERT_TRUE(a.has_titles());
    ASSERT_FALSE(a.timestamps.empty());
    std::string path = d.file("a.anirec");
    save_dataset(a, path);
    EXPECT_TRUE(is_dataset_file(path));
    Dataset b = load_dataset(path);
    EXPECT_EQ(a.user_ids, b.user_ids);
    EXPECT_EQ(a.item_ids, b.item_ids);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.items, b.items);
    EXPECT_EQ(a.timestamps, b.timestamps);
    ASSERT_EQ(a.ratings.size(), b.ratings.size());
    for (size_t i = 0; i < a.ratings.size(); ++i) {
        if (std::isnan(a.ratings[i]))
            EXPECT_TRUE(std::isnan(b.ratings[i]));
        else
            EXPECT_EQ(a.ratings[i], b.ratings[i]);
    }
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.options_json, b.options_json);
    ASSERT_EQ(b.item_info.size(), a.item_info.size());
    EXPECT_EQ(b.item_info[1].title, "The First & Best");
    EXPECT_EQ(b.item_info[1].genres, "Drama, Comedy");
    EXPECT_EQ(b.item_info[3].title, "");  // tt0003 has no metadata row

    // Saving what was loaded gives the same bytes.
    std::string path2 = d.file("b.anirec");
    save_dataset(b, path2);
    EXPECT_EQ(read_bytes(path), read_bytes(path2));
}

TEST(DatasetFile, WithoutOptionalSections) {
    TempDir d;
    Dataset a = ingest_file(fixture("sasrec.txt"));
    save_dataset(a, d.file("s.anirec"));
    Dataset b = load_dataset(d.file("s.anirec"));
    EXPECT_TRUE(b.ratings.empty());
    EXPECT_TRUE(b.timestamps.empty());
    EXPECT_FALSE(b.has_titles());
    EXPECT_EQ(b.items, a.items);
    EXPECT_EQ(b.order, OrderKind::CHRONOLOGICAL_FORMAT);
}

TEST(DatasetFile, TruncatedFileIsRejected) {
    TempDir d;
    save_dataset(sample(), d.file("a.anirec"));
    std::string bytes = read_bytes(d.file("a.anirec"));
    for (size_t keep : {size_t(40), bytes.size() / 2, bytes.size() - 1}) {
        std::string p = d.write("t.anirec", bytes.substr(0, keep));
        std::string e = error_of(p);
        EXPECT_TRUE(contains(e, "t.anirec: truncated dataset file")) << keep << ": " << e;
    }
}

TEST(DatasetFile, CorruptedPayloadFailsTheChecksum) {
    TempDir d;
    save_dataset(sample(), d.file("a.anirec"));
    std::string bytes = read_bytes(d.file("a.anirec"));
    // Flip one bit in the item array (well inside the payload, not a section length).
    std::string needle("ITEM", 4);
    size_t pos = bytes.find(needle);
    ASSERT_NE(pos, std::string::npos);
    bytes[pos + 16] ^= 0x01;
    std::string e = error_of(d.write("c.anirec", bytes));
    EXPECT_TRUE(contains(e, "c.anirec: corrupted dataset file: checksum mismatch")) << e;
}

TEST(DatasetFile, ForeignFileIsRejected) {
    std::string e = error_of(fixture("kaggle2017_rating.csv"));
    EXPECT_TRUE(contains(e, "not an anirec dataset file")) << e;
    TempDir d;
    EXPECT_TRUE(contains(error_of(d.write("tiny", "AN")), "not an anirec dataset file"));
    EXPECT_TRUE(contains(error_of(d.file("missing.anirec")), "cannot open"));
    EXPECT_FALSE(is_dataset_file(fixture("kaggle2017_rating.csv")));
}

TEST(DatasetFile, NewerVersionIsRejected) {
    TempDir d;
    save_dataset(sample(), d.file("a.anirec"));
    std::string bytes = read_bytes(d.file("a.anirec"));
    uint32_t v = kDatasetVersion + 1;
    std::memcpy(bytes.data() + 8, &v, 4);
    std::string e = error_of(d.write("v.anirec", bytes));
    EXPECT_TRUE(contains(e, "v.anirec: dataset file version 2 is newer")) << e;
}

TEST(DatasetFile, HeaderCountsMustMatchTheContent) {
    TempDir d;
    save_dataset(sample(), d.file("a.anirec"));
    std::string bytes = read_bytes(d.file("a.anirec"));
    uint64_t users = 99;
    std::memcpy(bytes.data() + 16, &users, 8);
    std::string e = error_of(d.write("h.anirec", bytes));
    EXPECT_TRUE(contains(e, "corrupted dataset file: user count")) << e;
}

TEST(DatasetFile, LoadOrIngestPicksByMagic) {
    TempDir d;
    Dataset a = ingest_file(fixture("ml_u.data"));
    save_dataset(a, d.file("m.anirec"));
    EXPECT_EQ(load_or_ingest(d.file("m.anirec")).items, a.items);
    EXPECT_EQ(load_or_ingest(fixture("ml_u.data")).items, a.items);
}

}  // namespace
}  // namespace anirec
