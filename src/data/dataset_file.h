// The dataset file (`anirec prepare -o data.anirec`): a compact binary copy of a
// Dataset that later commands load with bulk reads (no per-item parsing).
//
// Layout (version 1). All integers little-endian; the file is only read on
// little-endian machines (checked at compile time).
//
//   offset  size  field
//   0       8     magic "ANIRECDS"
//   8       4     u32 format version (1)
//   12      4     u32 header size in bytes (64)
//   16      8     u64 n_users (U)
//   24      8     u64 n_items (N, padding item 0 not counted)
//   32      8     u64 n_interactions (M)
//   40      8     u64 payload size in bytes (everything after the header)
//   48      4     u32 CRC-32 (zlib crc32) of the payload
//   52      4     u32 number of sections
//   56      1     u8 order kind (OrderKind)
//   57      1     u8 flags: bit 0 timestamps, bit 1 ratings, bit 2 item metadata
//   58      6     zero
//   64            payload: sections, one after another. Each section is
//                   4 bytes tag (ASCII), 4 bytes zero, u64 length L, L bytes of data,
//                   then zero bytes up to a multiple of 8.
//
// Sections (in this order; a reader skips tags it does not know):
//   "SRCE"  UTF-8 text: ds.source (input path and format)
//   "OPTS"  UTF-8 JSON text: ds.options_json (prepare options and the ingest report)
//   "OFFS"  i64[U+1]  sequence offsets
//   "ITEM"  i32[M]    dense item ids, each user's sequence in order
//   "TIME"  i64[M]    unix seconds                       (flag bit 0)
//   "RATE"  f32[M]    ratings, NaN = watched, not rated  (flag bit 1)
//   "UIDS"  strings[U]    raw user ids
//   "IIDS"  strings[N+1]  raw item ids ("" for item 0)
//   "TITL" "ENGT" "JAPT" "GENR" "TYPE"  strings[N+1]    (flag bit 2: item metadata)
//   "EPIS"  i32[N+1], "SCOR" f32[N+1], "MEMB" i64[N+1]   (flag bit 2)
// A string table is: u64 count, u64 end offset of each string (count values, relative
// to the start of the bytes), then the bytes of all strings.
//
// Loading checks, in order, and names the problem: too short or foreign magic ("not an
// anirec dataset file"), newer version, size that does not match the header
// ("truncated"), CRC mismatch ("corrupted"), then the content (offsets, id ranges).
#pragma once

#include <string>

#include "data/dataset.h"

namespace anirec {

inline constexpr char kDatasetMagic[8] = {'A', 'N', 'I', 'R', 'E', 'C', 'D', 'S'};
inline constexpr uint32_t kDatasetVersion = 1;

// Writes through AtomicFile (all or nothing). Throws Error on I/O failure.
void save_dataset(const Dataset& ds, const std::string& path);

// Throws Error naming the path and what is wrong.
Dataset load_dataset(const std::string& path);

// True when the file starts with the dataset magic (false for missing or short files).
bool is_dataset_file(const std::string& path);

}  // namespace anirec
