#include "data/stats.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "data/order_detect.h"
#include "util/error.h"

namespace anirec {

using nlohmann::json;

double gini(std::vector<int64_t> x) {
    if (x.empty()) return 0.0;
    std::sort(x.begin(), x.end());
    double sum = 0, weighted = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sum += static_cast<double>(x[i]);
        weighted += static_cast<double>(i + 1) * static_cast<double>(x[i]);
    }
    if (sum <= 0) return 0.0;
    double n = static_cast<double>(x.size());
    return 2.0 * weighted / (n * sum) - (n + 1.0) / n;
}

namespace {

const char* order_meaning(OrderKind k) {
    switch (k) {
        case OrderKind::TIMESTAMP:
            return "chronological: each user's interactions sorted by the file's timestamps (ties keep file order)";
        case OrderKind::CHRONOLOGICAL_FORMAT:
            return "chronological by the format's definition (no timestamps in the file)";
        case OrderKind::FILE_ORDER:
            return "FILE ORDER of unknown meaning: no timestamps, and the order is not known to be chronological; "
                   "sequential models and leave-one-out evaluation assume an order this file may not have";
        case OrderKind::SORTED_BY_ITEM_ID:
            return "SORTED BY ITEM ID, NOT WATCH ORDER: no timestamps, and each user's items are listed by item id "
                   "(or one fixed item order). A sequence here is an id order: leave-one-out evaluation would hold "
                   "out each user's largest item id (for MyAnimeList ids, roughly the newest anime), not the last "
                   "one watched, and a sequential model learns the id order";
    }
    return "?";
}

std::string thousands(int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v), out;
    if (v < 0) out.push_back('-');
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string fixed(double v, int digits) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(digits);
    os << v;
    return os.str();
}

std::string date_utc(int64_t t) {
    // civil_from_days (Howard Hinnant).
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = static_cast<unsigned>(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = static_cast<int64_t>(yoe) + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

json dataset_numbers(const Dataset& ds) {
    const int64_t U = ds.n_users(), N = ds.n_items(), M = ds.n_interactions();
    json d;
    d["users"] = U;
    d["items"] = N;
    d["interactions"] = M;
    d["density"] = (U > 0 && N > 0) ? static_cast<double>(M) / (static_cast<double>(U) * static_cast<double>(N)) : 0.0;

    std::vector<int64_t> len(static_cast<size_t>(U));
    for (int64_t u = 0; u < U; ++u) len[u] = ds.offsets[u + 1] - ds.offsets[u];
    json sl;
    if (U > 0) {
        std::vector<int64_t> sorted = len;
        std::sort(sorted.begin(), sorted.end());
        auto pct = [&](double q) {  // nearest rank
            size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(U)));
            return sorted[std::min(sorted.size() - 1, k == 0 ? 0 : k - 1)];
        };
        sl["min"] = sorted.front();
        sl["median"] = pct(0.5);
        sl["p90"] = pct(0.9);
        sl["max"] = sorted.back();
        sl["mean"] = static_cast<double>(M) / static_cast<double>(U);
        // Bins of powers of two: 1, 2-3, 4-7, 8-15, ... (from the shortest length on)
        json hist = json::array();
        int64_t first = 1;  // start at the bin holding the shortest sequence
        while (first * 2 <= sorted.front()) first *= 2;
        for (int64_t lo = first; lo <= sorted.back(); lo *= 2) {
            int64_t hi = lo * 2 - 1;
            auto a = std::lower_bound(sorted.begin(), sorted.end(), lo);
            auto b = std::upper_bound(sorted.begin(), sorted.end(), hi);
            hist.push_back({{"from", lo}, {"to", hi}, {"users", static_cast<int64_t>(b - a)}});
        }
        int64_t zero = std::upper_bound(sorted.begin(), sorted.end(), 0) - sorted.begin();
        if (zero > 0) hist.insert(hist.begin(), json{{"from", 0}, {"to", 0}, {"users", zero}});
        sl["histogram"] = hist;
    }
    d["sequence_length"] = sl;

    if (N > 0) {
        std::vector<int64_t> cnt(static_cast<size_t>(N), 0);
        for (int32_t it : ds.items) ++cnt[it - 1];
        std::vector<int64_t> desc = cnt;
        std::sort(desc.begin(), desc.end(), std::greater<>());
        int64_t k = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(0.01 * static_cast<double>(N))));
        int64_t top = 0;
        for (int64_t i = 0; i < k; ++i) top += desc[i];
        d["popularity"] = {{"top1pct_items", k},
                           {"top1pct_share", M > 0 ? static_cast<double>(top) / static_cast<double>(M) : 0.0},
                           {"gini", gini(std::move(cnt))}};
    }
    if (!ds.ratings.empty()) {
        int64_t rated = 0;
        double sum = 0;
        for (float r : ds.ratings)
            if (!std::isnan(r)) ++rated, sum += r;
        d["ratings"] = {{"rated", rated}, {"unrated", M - rated}, {"mean", rated ? sum / rated : 0.0}};
    }
    if (!ds.timestamps.empty()) {
        auto [mn, mx] = std::minmax_element(ds.timestamps.begin(), ds.timestamps.end());
        d["timestamps"] = {{"min", *mn}, {"max", *mx}};
    }
    return d;
}

}  // namespace

json stats_report(const Dataset& ds) {
    json r;
    r["source"] = ds.source;
    r["dataset"] = dataset_numbers(ds);
    OrderEvidence ev = detect_order(ds, ds.order);
    r["order"] = {{"kind", order_kind_name(ds.order)},
                  {"chronological", order_is_chronological(ds.order)},
                  {"meaning", order_meaning(ds.order)},
                  {"users_checked", ev.users_checked},
                  {"users_sorted", ev.users_sorted},
                  {"sorted_share", ev.sorted_share()},
                  {"pair_instances", ev.pair_instances},
                  {"pair_consistency", ev.pair_consistency()},
                  {"sorted_by_id", ev.sorted_by_id},
                  {"global_order", ev.global_order}};
    json ingest = json::parse(ds.options_json, nullptr, false);
    r["ingest"] = ingest.is_discarded() ? json(nullptr) : ingest;
    return r;
}

namespace {

std::string line_list(const json& lines) {
    std::string s;
    for (const auto& l : lines) s += (s.empty() ? "" : ", ") + std::to_string(l.get<int64_t>());
    return s;
}

void malformed_text(std::ostream& os, const json& m, const char* what) {
    int64_t total = m.value("total", int64_t(0));
    if (total == 0) {
        os << what << ": none\n";
        return;
    }
    os << what << ": " << thousands(total) << " skipped\n";
    for (auto it = m.begin(); it != m.end(); ++it) {
        if (!it.value().is_object()) continue;
        const json& e = it.value();
        int64_t c = e["count"].get<int64_t>();
        os << "  " << e["reason"].get<std::string>() << ": " << thousands(c) << " (line"
           << (c > 1 ? "s " : " ") << line_list(e["first_lines"])
           << (c > static_cast<int64_t>(e["first_lines"].size()) ? ", ..." : "") << ")";
        std::string d = e.value("detail", "");
        if (!d.empty()) os << "  first: " << d;
        os << "\n";
    }
}

}  // namespace

std::string stats_text(const json& r) {
    std::ostringstream os;
    const json& d = r["dataset"];
    const json& in = r["ingest"];
    os << "source: " << r["source"].get<std::string>() << "\n";
    if (in.is_object() && in.contains("input")) {
        const json& i = in["input"];
        os << "input: " << thousands(i["lines"].get<int64_t>()) << " lines, " << thousands(i["bytes"].get<int64_t>())
           << " bytes" << (i["bom"].get<bool>() ? ", UTF-8 BOM stripped" : "")
           << (i["crlf"].get<bool>() ? ", CRLF line ends" : "") << "\n";
    }
    if (in.is_object() && in.contains("malformed")) malformed_text(os, in["malformed"], "malformed lines");

    if (in.is_object() && in.contains("filters")) {
        os << "\nfilters (interactions / users / items left after each step):\n";
        char buf[256];
        std::snprintf(buf, sizeof buf, "  %-11s %12s %14s %10s %9s  %s\n", "step", "dropped", "interactions", "users",
                      "items", "what");
        os << buf;
        for (const auto& s : in["filters"]) {
            std::string name = s["name"].get<std::string>();
            std::snprintf(buf, sizeof buf, "  %-11s %12s %14s %10s %9s  %s\n", name.c_str(),
                          name == "read" ? "-" : thousands(s["dropped"].get<int64_t>()).c_str(),
                          thousands(s["interactions"].get<int64_t>()).c_str(),
                          thousands(s["users"].get<int64_t>()).c_str(), thousands(s["items"].get<int64_t>()).c_str(),
                          s["reason"].get<std::string>().c_str());
            os << buf;
        }
        if (in.contains("duplicates")) {
            const json& du = in["duplicates"];
            os << "duplicates: " << thousands(du["pairs"].get<int64_t>()) << " (user, item) pairs occur more than once ("
               << thousands(du["rows"].get<int64_t>()) << " extra rows; --repeats "
               << in["options"].value("repeats", std::string("all")) << ")\n";
        }
    }

    os << "\ndataset: " << thousands(d["users"].get<int64_t>()) << " users, " << thousands(d["items"].get<int64_t>())
       << " items, " << thousands(d["interactions"].get<int64_t>()) << " interactions, density "
       << fixed(d["density"].get<double>() * 100, 4) << "%\n";
    const json& sl = d["sequence_length"];
    if (sl.is_object()) {
        os << "sequence length: min " << sl["min"] << ", median " << sl["median"] << ", p90 " << sl["p90"] << ", max "
           << sl["max"] << ", mean " << fixed(sl["mean"].get<double>(), 1) << "\n";
        int64_t most = 1;
        for (const auto& h : sl["histogram"]) most = std::max(most, h["users"].get<int64_t>());
        for (const auto& h : sl["histogram"]) {
            int64_t lo = h["from"], hi = h["to"], n = h["users"];
            std::string label = lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
            int bar = static_cast<int>(std::lround(40.0 * static_cast<double>(n) / static_cast<double>(most)));
            if (n > 0 && bar == 0) bar = 1;
            char buf[96];
            std::snprintf(buf, sizeof buf, "  %13s | ", label.c_str());
            os << buf << std::string(static_cast<size_t>(bar), '#') << " " << thousands(n) << "\n";
        }
    }
    if (d.contains("popularity")) {
        const json& p = d["popularity"];
        os << "popularity: the top 1% of items (" << thousands(p["top1pct_items"].get<int64_t>()) << ") hold "
           << fixed(p["top1pct_share"].get<double>() * 100, 1) << "% of interactions; Gini "
           << fixed(p["gini"].get<double>(), 3) << "\n";
    }
    if (d.contains("ratings")) {
        const json& ra = d["ratings"];
        os << "ratings: " << thousands(ra["rated"].get<int64_t>()) << " rated (mean "
           << fixed(ra["mean"].get<double>(), 2) << "), " << thousands(ra["unrated"].get<int64_t>())
           << " watched but not rated\n";
    }
    if (d.contains("timestamps"))
        os << "timestamps: " << date_utc(d["timestamps"]["min"].get<int64_t>()) << " .. "
           << date_utc(d["timestamps"]["max"].get<int64_t>()) << " (UTC)\n";

    const json& o = r["order"];
    std::string kind = o["kind"].get<std::string>();
    os << "\n";
    if (o["chronological"].get<bool>())
        os << "order: " << kind << " — " << o["meaning"].get<std::string>() << "\n";
    else
        os << "!!! ORDER: " << kind << " !!!\n    " << o["meaning"].get<std::string>() << ".\n";
    if (o["users_checked"].get<int64_t>() == 0 && o["pair_instances"].get<int64_t>() == 0)
        os << "    evidence: too few sequences of 3+ items to test whether they are sorted by id\n";
    else
        os << "    evidence: " << thousands(o["users_sorted"].get<int64_t>()) << " of "
       << thousands(o["users_checked"].get<int64_t>()) << " users with >= 3 items ("
       << fixed(o["sorted_share"].get<double>() * 100, 1) << "%) are sorted by item id; "
       << fixed(o["pair_consistency"].get<double>() * 100, 2) << "% of " << thousands(o["pair_instances"].get<int64_t>())
       << " repeated consecutive pairs never appear reversed (a fixed item order gives 100%, watch orders far less)\n";

    if (in.is_object() && in.contains("metadata")) {
        const json& m = in["metadata"];
        os << "\nmetadata: " << m["path"].get<std::string>() << " (" << m["format"].get<std::string>() << "), "
           << thousands(m["rows"].get<int64_t>()) << " items";
        if (m["duplicate_ids"].get<int64_t>() > 0)
            os << ", " << thousands(m["duplicate_ids"].get<int64_t>()) << " duplicate ids ignored";
        os << "\n";
        malformed_text(os, m["malformed"], "  malformed metadata lines");
        auto examples = [](const json& a) {
            std::string s;
            for (const auto& x : a) s += (s.empty() ? "" : ", ") + x.get<std::string>();
            return s;
        };
        os << "  dataset items with metadata: " << thousands(m["items_with_info"].get<int64_t>()) << "\n";
        os << "  ids in the ratings missing from the metadata: " << thousands(m["missing"].get<int64_t>());
        if (m["missing"].get<int64_t>() > 0) os << " (e.g. " << examples(m["missing_examples"]) << ")";
        os << "\n  metadata items never rated: " << thousands(m["never_rated"].get<int64_t>());
        if (m["never_rated"].get<int64_t>() > 0) os << " (e.g. " << examples(m["never_rated_examples"]) << ")";
        os << "\n";
    }
    return os.str();
}

}  // namespace anirec
