#include "data/dataset_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "data/huge_pages.h"
#include "util/atomic_file.h"
#include "util/error.h"

static_assert(std::endian::native == std::endian::little, "the dataset file is little-endian");

namespace anirec {

namespace {

constexpr size_t kHeaderSize = 64;
constexpr uint8_t kFlagTime = 1, kFlagRating = 2, kFlagInfo = 4;

// Where the payload goes: the first pass only measures it and computes its CRC, the
// second writes it, so the header (which holds both) can come first without keeping a
// second copy of the data in memory.
struct CrcSink {
    uint32_t crc = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
    uint64_t size = 0;
    void put(const void* p, size_t n) {
        crc = static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(p), n));
        size += n;
    }
};
struct FileSink {
    AtomicFile& f;
    void put(const void* p, size_t n) { f.write(p, n); }
};

template <typename Sink>
struct PayloadWriter {
    Sink& sink;
    uint32_t n_sections = 0;

    void section_header(const char tag[4], uint64_t len) {
        uint32_t zero = 0;
        sink.put(tag, 4);
        sink.put(&zero, 4);
        sink.put(&len, 8);
        ++n_sections;
    }
    void pad(uint64_t len) {
        static const char zeros[8] = {};
        if (len % 8) sink.put(zeros, 8 - len % 8);
    }
    void bytes(const char tag[4], const void* p, uint64_t len) {
        section_header(tag, len);
        sink.put(p, len);
        pad(len);
    }
    template <typename T>
    void array(const char tag[4], const std::vector<T>& v) {
        bytes(tag, v.data(), v.size() * sizeof(T));
    }
    template <typename Get>
    void strings(const char tag[4], size_t count, Get&& get) {
        uint64_t total = 0;
        for (size_t i = 0; i < count; ++i) total += get(i).size();
        uint64_t len = 8 + 8 * count + total;
        section_header(tag, len);
        uint64_t c = count;
        sink.put(&c, 8);
        uint64_t end = 0;
        for (size_t i = 0; i < count; ++i) {
            end += get(i).size();
            sink.put(&end, 8);
        }
        for (size_t i = 0; i < count; ++i) {
            const std::string& s = get(i);
            sink.put(s.data(), s.size());
        }
        pad(len);
    }
};

template <typename Sink>
uint32_t write_payload(const Dataset& ds, Sink& sink) {
    PayloadWriter<Sink> w{sink};
    w.bytes("SRCE", ds.source.data(), ds.source.size());
    w.bytes("OPTS", ds.options_json.data(), ds.options_json.size());
    w.array("OFFS", ds.offsets);
    w.array("ITEM", ds.items);
    if (!ds.timestamps.empty()) w.array("TIME", ds.timestamps);
    if (!ds.ratings.empty()) w.array("RATE", ds.ratings);
    w.strings("UIDS", ds.user_ids.size(), [&](size_t i) -> const std::string& { return ds.user_ids[i]; });
    w.strings("IIDS", ds.item_ids.size(), [&](size_t i) -> const std::string& { return ds.item_ids[i]; });
    if (ds.has_titles()) {
        const auto& in = ds.item_info;
        w.strings("TITL", in.size(), [&](size_t i) -> const std::string& { return in[i].title; });
        w.strings("ENGT", in.size(), [&](size_t i) -> const std::string& { return in[i].english_title; });
        w.strings("JAPT", in.size(), [&](size_t i) -> const std::string& { return in[i].japanese_title; });
        w.strings("GENR", in.size(), [&](size_t i) -> const std::string& { return in[i].genres; });
        w.strings("TYPE", in.size(), [&](size_t i) -> const std::string& { return in[i].type; });
        std::vector<int32_t> eps(in.size());
        std::vector<float> score(in.size());
        std::vector<int64_t> members(in.size());
        for (size_t i = 0; i < in.size(); ++i) {
            eps[i] = in[i].episodes;
            score[i] = in[i].score;
            members[i] = in[i].members;
        }
        w.array("EPIS", eps);
        w.array("SCOR", score);
        w.array("MEMB", members);
    }
    return w.n_sections;
}

template <typename T>
void put_le(unsigned char* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}
template <typename T>
T get_le(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// Reads the payload of a dataset file section by section, keeping a running CRC.
class PayloadReader {
public:
    PayloadReader(std::FILE* f, const std::string& path, uint64_t payload)
        : f_(f), path_(path), left_(payload) {}

    void read(void* dst, uint64_t n) {
        if (n > left_) corrupt("a section runs past the end of the payload");
        if (n && std::fread(dst, 1, n, f_) != n) throw Error(cat(path_, ": read failed: ", std::strerror(errno)));
        crc_ = static_cast<uint32_t>(crc32_z(crc_, static_cast<const Bytef*>(dst), n));
        left_ -= n;
    }
    bool next_section(char tag[4], uint64_t& len) {
        if (left_ == 0) return false;
        unsigned char h[16];
        read(h, 16);
        std::memcpy(tag, h, 4);
        len = get_le<uint64_t>(h + 8);
        if (len > left_) corrupt(cat("section '", std::string(tag, 4), "' is longer than the file"));
        return true;
    }
    void skip_padding(uint64_t len) {
        char pad[8];
        if (len % 8) read(pad, 8 - len % 8);
    }
    template <typename T>
    void array(std::vector<T>& v, uint64_t len, const char* tag) {
        if (len % sizeof(T)) corrupt(cat("section '", tag, "' has a partial element"));
        resize_huge(v, len / sizeof(T));
        read(v.data(), len);
        skip_padding(len);
    }
    void text(std::string& s, uint64_t len) {
        s.resize(len);
        read(s.data(), len);
        skip_padding(len);
    }
    void strings(std::vector<std::string>& out, uint64_t len, const char* tag) {
        std::vector<char> buf(len);
        read(buf.data(), len);
        skip_padding(len);
        const unsigned char* p = reinterpret_cast<const unsigned char*>(buf.data());
        if (len < 8) corrupt(cat("string table '", tag, "' is too short"));
        uint64_t count = get_le<uint64_t>(p);
        if (count > (len - 8) / 8) corrupt(cat("string table '", tag, "' count ", count, " does not fit"));
        const uint64_t base = 8 + 8 * count, total = len - base;
        out.resize(count);
        uint64_t prev = 0;
        for (uint64_t i = 0; i < count; ++i) {
            uint64_t end = get_le<uint64_t>(p + 8 + 8 * i);
            if (end < prev || end > total) corrupt(cat("string table '", tag, "' has a bad offset"));
            out[i].assign(buf.data() + base + prev, end - prev);
            prev = end;
        }
        if (prev != total) corrupt(cat("string table '", tag, "' has trailing bytes"));
    }
    void skip(uint64_t len) {
        std::vector<char> tmp(static_cast<size_t>(std::min<uint64_t>(len, 1 << 20)));
        uint64_t left = len;
        while (left) {
            uint64_t n = std::min<uint64_t>(left, tmp.size());
            read(tmp.data(), n);
            left -= n;
        }
        skip_padding(len);
    }
    uint32_t crc() const { return crc_; }
    [[noreturn]] void corrupt(const std::string& what) const {
        throw Error(cat(path_, ": corrupted dataset file: ", what));
    }

private:
    std::FILE* f_;
    const std::string& path_;
    uint64_t left_;
    uint32_t crc_ = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void save_dataset(const Dataset& ds, const std::string& path) {
    ANIREC_ASSERT(ds.offsets.size() == ds.user_ids.size() + 1);
    ANIREC_ASSERT(!ds.item_ids.empty());
    ANIREC_ASSERT(ds.timestamps.empty() || ds.timestamps.size() == ds.items.size());
    ANIREC_ASSERT(ds.ratings.empty() || ds.ratings.size() == ds.items.size());
    ANIREC_ASSERT(ds.item_info.empty() || ds.item_info.size() == ds.item_ids.size());

    CrcSink measure;
    uint32_t n_sections = write_payload(ds, measure);

    unsigned char h[kHeaderSize] = {};
    std::memcpy(h, kDatasetMagic, 8);
    put_le<uint32_t>(h + 8, kDatasetVersion);
    put_le<uint32_t>(h + 12, static_cast<uint32_t>(kHeaderSize));
    put_le<uint64_t>(h + 16, ds.user_ids.size());
    put_le<uint64_t>(h + 24, static_cast<uint64_t>(ds.n_items()));
    put_le<uint64_t>(h + 32, ds.items.size());
    put_le<uint64_t>(h + 40, measure.size);
    put_le<uint32_t>(h + 48, measure.crc);
    put_le<uint32_t>(h + 52, n_sections);
    h[56] = static_cast<uint8_t>(ds.order);
    h[57] = static_cast<uint8_t>((ds.timestamps.empty() ? 0 : kFlagTime) | (ds.ratings.empty() ? 0 : kFlagRating) |
                                 (ds.has_titles() ? kFlagInfo : 0));

    AtomicFile out(path);
    out.write(h, kHeaderSize);
    FileSink sink{out};
    write_payload(ds, sink);
    out.commit();
}

bool is_dataset_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return false;
    char m[8];
    return std::fread(m, 1, 8, f.get()) == 8 && std::memcmp(m, kDatasetMagic, 8) == 0;
}

Dataset load_dataset(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) throw Error(cat(path, ": cannot open: ", std::strerror(errno)));
    struct stat st {};
    if (::fstat(::fileno(f.get()), &st) != 0) throw Error(cat(path, ": cannot stat: ", std::strerror(errno)));
    const uint64_t file_size = static_cast<uint64_t>(st.st_size);

    unsigned char h[kHeaderSize] = {};
    size_t got = std::fread(h, 1, kHeaderSize, f.get());
    if (got < 8 || std::memcmp(h, kDatasetMagic, 8) != 0)
        throw Error(cat(path, ": not an anirec dataset file (bad magic; make one with 'anirec prepare')"));
    if (got < kHeaderSize)
        throw Error(cat(path, ": truncated dataset file (", file_size, " bytes, shorter than its header)"));
    const uint32_t version = get_le<uint32_t>(h + 8);
    if (version > kDatasetVersion)
        throw Error(cat(path, ": dataset file version ", version, " is newer than this anirec reads (", kDatasetVersion,
                        "); rebuild it with this version's 'anirec prepare' or update anirec"));
    if (version == 0 || get_le<uint32_t>(h + 12) != kHeaderSize)
        throw Error(cat(path, ": corrupted dataset file: bad header"));
    const uint64_t n_users = get_le<uint64_t>(h + 16), n_items = get_le<uint64_t>(h + 24),
                   n_inter = get_le<uint64_t>(h + 32), payload = get_le<uint64_t>(h + 40);
    const uint32_t crc = get_le<uint32_t>(h + 48), n_sections = get_le<uint32_t>(h + 52);
    const uint8_t order = h[56], flags = h[57];
    if (payload > file_size || file_size - kHeaderSize < payload)
        throw Error(cat(path, ": truncated dataset file (", file_size, " bytes, the header says ",
                        kHeaderSize + payload, ")"));
    if (file_size != kHeaderSize + payload)
        throw Error(cat(path, ": corrupted dataset file: ", file_size - kHeaderSize - payload,
                        " bytes after the end of the payload"));

    Dataset ds;
    PayloadReader r(f.get(), path, payload);
    std::vector<std::string> titles, eng, jap, genres, types;
    std::vector<int32_t> eps;
    std::vector<float> scores;
    std::vector<int64_t> members;
    char tag[4];
    uint64_t len;
    uint32_t sections = 0;
    while (r.next_section(tag, len)) {
        ++sections;
        std::string t(tag, 4);
        if (t == "SRCE") r.text(ds.source, len);
        else if (t == "OPTS") r.text(ds.options_json, len);
        else if (t == "OFFS") r.array(ds.offsets, len, "OFFS");
        else if (t == "ITEM") r.array(ds.items, len, "ITEM");
        else if (t == "TIME") r.array(ds.timestamps, len, "TIME");
        else if (t == "RATE") r.array(ds.ratings, len, "RATE");
        else if (t == "UIDS") r.strings(ds.user_ids, len, "UIDS");
        else if (t == "IIDS") r.strings(ds.item_ids, len, "IIDS");
        else if (t == "TITL") r.strings(titles, len, "TITL");
        else if (t == "ENGT") r.strings(eng, len, "ENGT");
        else if (t == "JAPT") r.strings(jap, len, "JAPT");
        else if (t == "GENR") r.strings(genres, len, "GENR");
        else if (t == "TYPE") r.strings(types, len, "TYPE");
        else if (t == "EPIS") r.array(eps, len, "EPIS");
        else if (t == "SCOR") r.array(scores, len, "SCOR");
        else if (t == "MEMB") r.array(members, len, "MEMB");
        else r.skip(len);
    }
    if (r.crc() != crc) throw Error(cat(path, ": corrupted dataset file: checksum mismatch"));
    if (sections != n_sections) r.corrupt(cat(sections, " sections, the header says ", n_sections));

    // Content checks: cheap next to the reads, and they keep a bad file from crashing a
    // later stage.
    if (ds.user_ids.size() != n_users || ds.offsets.size() != n_users + 1)
        r.corrupt("user count does not match the header");
    if (ds.item_ids.size() != n_items + 1 || !ds.item_ids[0].empty()) r.corrupt("item id table does not match the header");
    if (ds.items.size() != n_inter) r.corrupt("interaction count does not match the header");
    if (ds.offsets[0] != 0 || ds.offsets.back() != static_cast<int64_t>(n_inter)) r.corrupt("bad sequence offsets");
    for (size_t u = 0; u < n_users; ++u)
        if (ds.offsets[u + 1] < ds.offsets[u]) r.corrupt("bad sequence offsets");
    int32_t bad_items = 0;
    const int32_t N = static_cast<int32_t>(n_items);
    for (int32_t it : ds.items) bad_items |= (it < 1) | (it > N);
    if (bad_items) r.corrupt("item id out of range");
    if (((flags & kFlagTime) != 0) != !ds.timestamps.empty() || (!ds.timestamps.empty() && ds.timestamps.size() != n_inter))
        r.corrupt("timestamps do not match the header");
    if (((flags & kFlagRating) != 0) != !ds.ratings.empty() || (!ds.ratings.empty() && ds.ratings.size() != n_inter))
        r.corrupt("ratings do not match the header");
    if (order > static_cast<uint8_t>(OrderKind::SORTED_BY_ITEM_ID)) r.corrupt("unknown order kind");
    ds.order = static_cast<OrderKind>(order);
    if (flags & kFlagInfo) {
        const size_t n = n_items + 1;
        if (titles.size() != n || eng.size() != n || jap.size() != n || genres.size() != n || types.size() != n ||
            eps.size() != n || scores.size() != n || members.size() != n)
            r.corrupt("item metadata does not match the item count");
        ds.item_info.resize(n);
        for (size_t i = 0; i < n; ++i) {
            ItemInfo& in = ds.item_info[i];
            in.title = std::move(titles[i]);
            in.english_title = std::move(eng[i]);
            in.japanese_title = std::move(jap[i]);
            in.genres = std::move(genres[i]);
            in.type = std::move(types[i]);
            in.episodes = eps[i];
            in.score = scores[i];
            in.members = members[i];
        }
    }
    return ds;
}

}  // namespace anirec
