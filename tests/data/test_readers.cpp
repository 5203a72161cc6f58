// Format sniffing and reading of every supported interaction format, from the small
// fixtures in tests/fixtures/data (one per format, including those without a sample in
// ../shared/data).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "data/ingest.h"
#include "data/input_format.h"
#include "data/interactions.h"
#include "data_fixtures.h"
#include "util/error.h"

namespace anirec {
namespace {

using testing::fixture;
using testing::TempDir;

std::vector<std::string> raw_sequence(const Dataset& ds, const std::string& user) {
    for (int32_t u = 0; u < ds.n_users(); ++u) {
        if (ds.user_ids[u] != user) continue;
        std::vector<std::string> out;
        for (int32_t it : ds.sequence(u)) out.push_back(ds.item_ids[it]);
        return out;
    }
    return {};
}

using S = std::vector<std::string>;

struct SniffCase {
    const char* file;
    InputFormat format;
};

TEST(Sniff, EachFixtureIsRecognised) {
    const SniffCase cases[] = {
        {"kaggle2017_rating.csv", InputFormat::KAGGLE_RATING},
        {"kaggle2020_animelist.csv", InputFormat::KAGGLE2020_ANIMELIST},
        {"mal2018_useranimelist.csv", InputFormat::MAL2018},
        {"mal2018_animelists_cleaned.csv", InputFormat::MAL2018},
        {"ml_ratings.dat", InputFormat::MOVIELENS_DAT},
        {"ml_u.data", InputFormat::MOVIELENS_UDATA},
        {"sasrec.txt", InputFormat::SASREC},
        {"user_sequence.txt", InputFormat::USER_SEQUENCE},
        {"generic_named.tsv", InputFormat::TSV},
        {"bom_crlf.csv", InputFormat::KAGGLE_RATING},
        {"quoted_commas.csv", InputFormat::CSV},
    };
    for (const auto& c : cases) {
        InputSpec spec = resolve_input_spec(fixture(c.file), ReadOptions{});
        EXPECT_EQ(spec.format, c.format) << c.file << ": " << spec.describe();
    }
}

TEST(Sniff, FormatFlagOverridesAndNamesAreChecked) {
    ReadOptions o;
    o.format = "csv";
    InputSpec spec = resolve_input_spec(fixture("kaggle2017_rating.csv"), o);
    EXPECT_EQ(spec.format, InputFormat::CSV);
    EXPECT_FALSE(spec.has_unrated_value);
    o.format = "kaggle2017";
    EXPECT_EQ(resolve_input_spec(fixture("kaggle2017_rating.csv"), o).format, InputFormat::KAGGLE_RATING);
    o.format = "parquet";
    EXPECT_THROW(resolve_input_spec(fixture("kaggle2017_rating.csv"), o), UsageError);
    // A preset whose header names are absent is an Error naming the format.
    o.format = "mal2018";
    EXPECT_THROW(resolve_input_spec(fixture("kaggle2017_rating.csv"), o), Error);
}

TEST(Readers, Kaggle2017RatingUnratedAndIdOrder) {
    Dataset ds = ingest_file(fixture("kaggle2017_rating.csv"));
    EXPECT_EQ(ds.n_users(), 5);
    EXPECT_EQ(ds.n_items(), 10);
    EXPECT_EQ(ds.n_interactions(), 16);
    ASSERT_EQ(ds.ratings.size(), 16u);
    int unrated = 0;
    for (float r : ds.ratings) unrated += std::isnan(r);
    EXPECT_EQ(unrated, 7);
    EXPECT_TRUE(ds.timestamps.empty());
    EXPECT_EQ(ds.order, OrderKind::SORTED_BY_ITEM_ID);
    // Dense items in raw-id order: numbers ascending.
    EXPECT_EQ(ds.item_ids, (S{"", "6", "20", "24", "79", "154", "170", "199", "226", "5114", "11771"}));
    EXPECT_EQ(ds.user_ids, (S{"1", "2", "3", "4", "5"}));
    EXPECT_EQ(raw_sequence(ds, "4"), (S{"6", "226", "5114"}));
}

TEST(Readers, Kaggle2017RatingFilters) {
    IngestOptions o;
    o.filter.keep_unrated = false;
    EXPECT_EQ(ingest_file(fixture("kaggle2017_rating.csv"), o).n_interactions(), 9);
    o.filter.keep_unrated = true;
    o.filter.min_rating = 8.f;
    // Rated >= 8 (5 rows) plus the 7 unrated ones.
    EXPECT_EQ(ingest_file(fixture("kaggle2017_rating.csv"), o).n_interactions(), 12);
}

TEST(Readers, Kaggle2020AnimelistStatusesAndUnscored) {
    Dataset ds = ingest_file(fixture("kaggle2020_animelist.csv"));
    // Default statuses 1,2,3,4: the two "plan to watch" (6) rows are dropped.
    EXPECT_EQ(ds.n_interactions(), 6);
    EXPECT_EQ(raw_sequence(ds, "0"), (S{"67", "6702", "242"}));
    int unrated = 0;
    for (float r : ds.ratings) unrated += std::isnan(r);
    EXPECT_EQ(unrated, 1);  // rating 0 = not scored (anime 36, on hold)
    EXPECT_EQ(ds.order, OrderKind::FILE_ORDER);

    IngestOptions o;
    o.filter.statuses = {2};
    EXPECT_EQ(ingest_file(fixture("kaggle2020_animelist.csv"), o).n_interactions(), 2);
    o.filter.statuses.clear();  // all
    EXPECT_EQ(ingest_file(fixture("kaggle2020_animelist.csv"), o).n_interactions(), 8);
}

TEST(Readers, Mal2018UnixTimestampsAndUserNames) {
    Dataset ds = ingest_file(fixture("mal2018_useranimelist.csv"));
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    // User names are ids, in byte order.
    EXPECT_EQ(ds.user_ids, (S{"Damonashu", "RedvelvetDaisuki", "karthiga"}));
    EXPECT_EQ(raw_sequence(ds, "karthiga"), (S{"21", "120", "59", "74"}));  // by my_last_updated
    EXPECT_EQ(raw_sequence(ds, "Damonashu"), (S{"1", "30"}));               // tie: file order
    EXPECT_EQ(raw_sequence(ds, "RedvelvetDaisuki"), (S{"30", "52"}));       // status 6 row dropped
    ASSERT_EQ(ds.timestamps.size(), 8u);
    EXPECT_EQ(ds.timestamps[ds.offsets[2]], 1362307973);
    EXPECT_TRUE(std::isnan(ds.ratings[ds.offsets[1] + 1]));  // my_score 0 = not scored
}

TEST(Readers, Mal2018DateTimeTimestamps) {
    Dataset ds = ingest_file(fixture("mal2018_animelists_cleaned.csv"));
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    EXPECT_EQ(raw_sequence(ds, "karthiga"), (S{"21", "120", "59", "74"}));
    EXPECT_EQ(ds.timestamps[ds.offsets[1]], 1362307973);  // 2013-03-03 10:52:53 UTC
}

TEST(Readers, MovieLensDatSortedByTime) {
    Dataset ds = ingest_file(fixture("ml_ratings.dat"));
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    EXPECT_EQ(raw_sequence(ds, "1"), (S{"3408", "1193", "914", "661"}));
    EXPECT_EQ(raw_sequence(ds, "2"), (S{"1357", "3068", "647", "1537"}));
}

TEST(Readers, MovieLensUdataStableTies) {
    Dataset ds = ingest_file(fixture("ml_u.data"));
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    EXPECT_EQ(ds.user_ids, (S{"186", "196", "244"}));
    EXPECT_EQ(raw_sequence(ds, "196"), (S{"377", "242", "51"}));  // 242 and 51 tie: file order
    EXPECT_EQ(raw_sequence(ds, "186"), (S{"346", "302"}));
}

TEST(Readers, SasrecIsChronologicalByFormat) {
    Dataset ds = ingest_file(fixture("sasrec.txt"));
    EXPECT_EQ(ds.order, OrderKind::CHRONOLOGICAL_FORMAT);
    EXPECT_EQ(ds.n_users(), 3);
    EXPECT_EQ(ds.n_items(), 6);
    EXPECT_EQ(raw_sequence(ds, "2"), (S{"4", "1", "5"}));
    // Ids already 1..N stay the same.
    for (int32_t i = 1; i <= ds.n_items(); ++i) EXPECT_EQ(ds.item_ids[i], std::to_string(i));
}

TEST(Readers, UserSequenceLinesAndRepeats) {
    Dataset ds = ingest_file(fixture("user_sequence.txt"));
    EXPECT_EQ(ds.order, OrderKind::CHRONOLOGICAL_FORMAT);
    EXPECT_EQ(ds.n_interactions(), 12);
    EXPECT_EQ(raw_sequence(ds, "2"), (S{"6", "7", "6", "8"}));
    IngestOptions o;
    o.filter.repeats = RepeatPolicy::FIRST;
    EXPECT_EQ(raw_sequence(ingest_file(fixture("user_sequence.txt"), o), "2"), (S{"6", "7", "8"}));
    o.filter.repeats = RepeatPolicy::LAST;
    EXPECT_EQ(raw_sequence(ingest_file(fixture("user_sequence.txt"), o), "2"), (S{"7", "6", "8"}));
}

TEST(Readers, GenericCsvNamedColumns) {
    IngestOptions o;
    // Without column flags the sniffer cannot tell who is the user: a usage error.
    EXPECT_THROW(ingest_file(fixture("generic_named.csv"), o), UsageError);
    o.read.user_col = "who";
    o.read.item_col = "WHAT";  // names are case-insensitive
    o.read.rating_col = "stars";
    o.read.time_col = "when";
    Dataset ds = ingest_file(fixture("generic_named.csv"), o);
    EXPECT_EQ(ds.order, OrderKind::TIMESTAMP);
    EXPECT_EQ(ds.user_ids, (S{"alice", "bob", "carol"}));
    EXPECT_EQ(ds.item_ids, (S{"", "tt0001", "tt0002", "tt0003"}));
    EXPECT_EQ(raw_sequence(ds, "alice"), (S{"tt0002", "tt0001"}));
    EXPECT_FLOAT_EQ(ds.ratings[1], 4.5f);
    EXPECT_TRUE(std::isnan(ds.ratings[2]));  // bob's empty rating = unrated
    // Positions work too (1-based).
    IngestOptions p;
    p.read.user_col = "2";
    p.read.item_col = "3";
    EXPECT_EQ(ingest_file(fixture("generic_named.csv"), p).n_interactions(), 5);
    p.read.user_col = "nobody";
    EXPECT_THROW(ingest_file(fixture("generic_named.csv"), p), UsageError);
}

TEST(Readers, GenericTsvSniffedColumns) {
    RawInteractions raw = read_interactions(fixture("generic_named.tsv"));
    EXPECT_EQ(raw.spec.format, InputFormat::TSV);
    EXPECT_EQ(raw.spec.column_name(raw.spec.rating_col), "Feedback");
    EXPECT_EQ(raw.size(), 4u);
}

TEST(Readers, GzipGivesTheSameDataset) {
    TempDir d;
    std::string gz = d.write_gz("r.csv.gz", testing::read_bytes(fixture("kaggle2017_rating.csv")));
    Dataset a = ingest_file(fixture("kaggle2017_rating.csv"));
    Dataset b = ingest_file(gz);
    EXPECT_EQ(a.items, b.items);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.item_ids, b.item_ids);
}

TEST(Readers, ResultDoesNotDependOnThreadsOrBlockSize) {
    TempDir d;
    std::string text = "user_id,anime_id,rating\n";
    for (int i = 0; i < 20000; ++i) {
        int u = i / 37, it = (i * 7919) % 5003;
        if (i % 997 == 5) text += "bad,line\n";
        if (i % 1499 == 7) text += "\n";
        text += std::to_string(u) + "," + std::to_string(it) + "," + std::to_string(i % 10 + 1) + "\n";
    }
    std::string path = d.write("big.csv", text);
    ReadOptions one;
    one.threads = 1;
    RawInteractions a = read_interactions(path, one);
    ReadOptions many;
    many.threads = 3;
    many.max_line_bytes = 200;
    many.block_bytes = 700;  // hundreds of blocks, parts cut mid-file
    RawInteractions b = read_interactions(path, many);
    EXPECT_EQ(a.size(), 20000u);
    EXPECT_EQ(a.user, b.user);
    EXPECT_EQ(a.item, b.item);
    EXPECT_EQ(a.rating, b.rating);
    EXPECT_EQ(a.lines, b.lines);
    EXPECT_EQ(a.malformed.count, b.malformed.count);
    EXPECT_EQ(a.malformed.first_lines, b.malformed.first_lines);
    EXPECT_EQ(a.malformed.count[static_cast<size_t>(Malformed::WRONG_COLUMN_COUNT)], 21u);
    EXPECT_EQ(a.malformed.first_lines[static_cast<size_t>(Malformed::WRONG_COLUMN_COUNT)][0], 7u);
}

}  // namespace
}  // namespace anirec
