// Interaction file formats and how one is picked: header sniffing, with --format and
// the --*-col flags as overrides. docs/data.md describes each format.
//
//   kaggle-rating         user_id,anime_id,rating (Kaggle 2017 rating.csv, -1 = watched,
//                         not rated; Kaggle 2020 rating_complete.csv). Aliases kaggle2017, kaggle2020.
//   kaggle2020-animelist  user_id,anime_id,rating,watching_status,watched_episodes (rating 0 = not scored)
//   mal2018               username,anime_id,...,my_score,my_status,...,my_last_updated
//                         (UserAnimeList.csv / animelists_cleaned.csv; my_score 0 = not scored;
//                         my_last_updated is unix seconds or "YYYY-MM-DD HH:MM:SS")
//   movielens-dat         UserID::MovieID::Rating::Timestamp (ratings.dat, no header)
//   movielens-udata       user<TAB>item<TAB>rating<TAB>timestamp (u.data, no header)
//   sasrec                "user item" per line, chronological by definition (no header)
//   user-sequence         "user item1 item2 ..." one line per user, chronological (no header)
//   csv, tsv              any file with named columns (--user-col --item-col [--rating-col]
//                         [--time-col] [--status-col]); headerless files: 1-based positions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/fields.h"
#include "data/line_reader.h"

namespace anirec {

enum class InputFormat : uint8_t {
    AUTO,
    KAGGLE_RATING,
    KAGGLE2020_ANIMELIST,
    MAL2018,
    MOVIELENS_DAT,
    MOVIELENS_UDATA,
    SASREC,
    USER_SEQUENCE,
    CSV,
    TSV,
};
const char* input_format_name(InputFormat f);
// Parses a --format value (names above, plus aliases kaggle2017/kaggle2020); throws UsageError.
InputFormat parse_input_format(const std::string& name);
// "auto, kaggle-rating, ..." for help texts.
std::string input_format_list();

struct ReadOptions {
    std::string format = "auto";
    // Column names (or 1-based positions) for csv/tsv; setting any of them with
    // format auto selects the generic reader.
    std::string user_col, item_col, rating_col, time_col, status_col;
    bool strict = false;      // first bad line is a fatal Error naming file:line
    int threads = 0;          // parser threads; 0 = all cores
    size_t max_line_bytes = kDefaultMaxLineBytes;
    size_t block_bytes = size_t(4) << 20;  // bytes per thread per block
};

// Header names are compared lower-cased with everything but letters and digits
// dropped: "User_ID", "user id" and "userid" are one name.
std::string normalize_column_name(std::string_view s);
// Index of the first of `names` (normalized, most specific first) found among the
// normalized header names, or -1.
int find_column(const std::vector<std::string>& normalized, const std::vector<std::string>& names);

// The delimiter of a first line: "::" if present, else tab, else comma, else blanks.
Delim sniff_delimiter(std::string_view first_line);
// A first line (split) is a header when one of its non-empty fields is not a number.
bool looks_like_header(const FieldSplitter& first_line);

// How to read one file: what the sniffer (or the flags) decided.
struct InputSpec {
    InputFormat format = InputFormat::CSV;
    Delim delim = Delim::CSV;
    bool header = false;
    std::vector<std::string> columns;  // header names as in the file (empty without header)
    int n_fields = 0;                  // fields each line must have (user-sequence: at least 2)
    int user_col = 0, item_col = 1;    // 0-based; for user-sequence items are fields 1..end
    int rating_col = -1, time_col = -1, status_col = -1;
    bool items_rest_of_line = false;       // user-sequence
    bool user_numeric = true;              // ids must be canonical non-negative integers
    bool item_numeric = true;
    bool has_unrated_value = false;        // this rating value means "watched, not rated"
    float unrated_value = 0.f;
    bool empty_rating_unrated = false;     // an empty rating field means "not rated"
    bool chronological_format = false;     // sasrec / user-sequence

    std::string column_name(int col) const;  // header name or "column N" (1-based)
    std::string describe() const;            // one line: format, delimiter, columns used
};

// Decides the spec for `path` from its first lines and the options. Throws Error for a
// missing or empty file or a header without the needed columns, UsageError for a bad
// --format or a column flag that names no column.
InputSpec resolve_input_spec(const std::string& path, const ReadOptions& opt);

}  // namespace anirec
