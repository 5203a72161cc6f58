// Exact item similarity: BruteForceIndex against a double-precision brute-force oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "serve/item_index.h"
#include "util/rng.h"

namespace anirec {
namespace {

struct Emb {
    int32_t n1, d;
    std::vector<float> e;
};

Emb random_emb(int32_t n1, int32_t d, uint64_t seed) {
    Rng rng(seed);
    Emb m{n1, d, std::vector<float>(static_cast<size_t>(n1) * d)};
    for (auto& x : m.e) x = static_cast<float>(rng.normal());
    for (int32_t c = 0; c < d; ++c) m.e[static_cast<size_t>(c)] = 0.f;  // padding row
    return m;
}

double cosine(const float* a, const float* b, int32_t d) {
    double ab = 0, aa = 0, bb = 0;
    for (int32_t c = 0; c < d; ++c) {
        ab += double(a[c]) * b[c];
        aa += double(a[c]) * a[c];
        bb += double(b[c]) * b[c];
    }
    return (aa == 0 || bb == 0) ? 0.0 : ab / std::sqrt(aa * bb);
}

TEST(SimilarIndex, MatchesDoublePrecisionOracle) {
    const Emb m = random_emb(2001, 24, 3);
    BruteForceIndex idx;
    idx.build(m.e.data(), m.n1, m.d);
    EXPECT_EQ(idx.n_rows(), 2001);
    EXPECT_EQ(idx.dim(), 24);
    ItemFilter all;
    for (int32_t q : {1, 7, 500, 2000}) {
        const int32_t self[1] = {q};
        const auto got = idx.search_knn(m.e.data() + static_cast<size_t>(q) * m.d, 20, all, self);
        std::vector<std::pair<double, int32_t>> want;
        for (int32_t i = 1; i < m.n1; ++i)
            if (i != q)
                want.emplace_back(cosine(m.e.data() + static_cast<size_t>(q) * m.d,
                                         m.e.data() + static_cast<size_t>(i) * m.d, m.d),
                                  i);
        std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.first > b.first; });
        ASSERT_EQ(got.size(), 20u);
        for (size_t r = 0; r < got.size(); ++r) {
            EXPECT_NEAR(got[r].score, want[r].first, 1e-5) << "query " << q << " rank " << r;
            // Random Gaussian rows have no near-ties at this tolerance: the ids agree.
            EXPECT_EQ(got[r].item, want[r].second) << "query " << q << " rank " << r;
        }
        for (const auto& s : got) EXPECT_NE(s.item, q);
    }
}

TEST(SimilarIndex, ScaleInvariantQueryFilterAndZeroRows) {
    Emb m = random_emb(301, 8, 11);
    for (int32_t c = 0; c < m.d; ++c) m.e[static_cast<size_t>(5) * m.d + c] = 0.f;  // a zero row
    BruteForceIndex idx;
    idx.build(m.e.data(), m.n1, m.d);
    std::vector<float> q(m.e.begin() + 10 * m.d, m.e.begin() + 11 * m.d);
    ItemFilter all;
    const auto a = idx.search_knn(q.data(), 5, all, {});
    for (auto& x : q) x *= 37.f;
    const auto b = idx.search_knn(q.data(), 5, all, {});
    ASSERT_EQ(a.size(), b.size());
    for (size_t r = 0; r < a.size(); ++r) EXPECT_EQ(a[r].item, b[r].item);
    EXPECT_EQ(a[0].item, 10);  // a row is its own nearest neighbour when not excluded
    EXPECT_NEAR(a[0].score, 1.0, 1e-6);
    // The zero row scores 0 and the padding row never comes back.
    const auto every = idx.search_knn(q.data(), 300, all, {});
    EXPECT_EQ(every.size(), 300u);
    for (const auto& s : every) {
        EXPECT_NE(s.item, 0);
        if (s.item == 5) EXPECT_EQ(s.score, 0.f);
    }
    const float* u = idx.unit_row(10);
    double n2 = 0;
    for (int32_t c = 0; c < m.d; ++c) n2 += double(u[c]) * u[c];
    EXPECT_NEAR(n2, 1.0, 1e-6);
}

TEST(SimilarIndex, ExcludeListIsHonoured) {
    const Emb m = random_emb(101, 6, 5);
    BruteForceIndex idx;
    idx.build(m.e.data(), m.n1, m.d);
    ItemFilter all;
    const auto first = idx.search_knn(idx.unit_row(3), 4, all, {});
    std::vector<int32_t> ex;
    for (const auto& s : first) ex.push_back(s.item);
    const auto second = idx.search_knn(idx.unit_row(3), 4, all, ex);
    for (const auto& s : second) EXPECT_EQ(std::count(ex.begin(), ex.end(), s.item), 0);
    EXPECT_LE(second[0].score, first.back().score);
}

TEST(ScoreTransposed, EqualsRowDotProducts) {
    const Emb m = random_emb(57, 13, 9);
    std::vector<float> t(m.e.size());
    for (int32_t i = 0; i < m.n1; ++i)
        for (int32_t c = 0; c < m.d; ++c) t[static_cast<size_t>(c) * m.n1 + i] = m.e[static_cast<size_t>(i) * m.d + c];
    std::vector<float> q(m.e.begin() + 4 * m.d, m.e.begin() + 5 * m.d), s(static_cast<size_t>(m.n1));
    score_transposed(t.data(), m.n1, m.d, q.data(), s.data());
    for (int32_t i = 0; i < m.n1; ++i) {
        double ref = 0;
        for (int32_t c = 0; c < m.d; ++c) ref += double(m.e[static_cast<size_t>(i) * m.d + c]) * q[c];
        EXPECT_NEAR(s[static_cast<size_t>(i)], ref, 1e-4);
    }
}

}  // namespace
}  // namespace anirec
