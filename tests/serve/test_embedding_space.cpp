// debias_embeddings: the space `similar` measures in by default (embedding_space.h).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "serve/embedding_space.h"
#include "serve/item_index.h"
#include "test_direction_oracle.h"
#include "util/error.h"
#include "util/rng.h"

namespace anirec {
namespace {

// 100 franchises of 4 animes: one hit and three less watched sequels. Each franchise has
// its own direction; a shared "popularity" direction carries a weight of 5-6 for hits and
// 0.5-2 for sequels, as the common component of trained SASRec item tables does.
struct Planted {
    int32_t n1, d;
    std::vector<float> e;
    std::vector<int32_t> franchise;
    std::vector<int32_t> hits;
};

Planted planted(uint64_t seed) {
    const int32_t F = 100, N = 4 * F, d = 16;
    Rng rng(seed);
    std::vector<std::vector<double>> dirs(F + 1, std::vector<double>(d));
    for (auto& v : dirs)
        for (auto& x : v) x = rng.normal();
    Planted p{N + 1, d, std::vector<float>(static_cast<size_t>(N + 1) * d, 0.f), std::vector<int32_t>(N + 1, -1), {}};
    for (int32_t i = 1; i <= N; ++i) {
        const int32_t f = (i - 1) / 4;
        const bool hit = (i - 1) % 4 == 0;
        const double pop = hit ? 5.0 + rng.uniform_double() : 0.5 + 1.5 * rng.uniform_double();
        p.franchise[static_cast<size_t>(i)] = f;
        if (hit) p.hits.push_back(i);
        for (int32_t c = 0; c < d; ++c)
            p.e[static_cast<size_t>(i) * d + c] = static_cast<float>(
                pop * dirs[F][static_cast<size_t>(c)] + dirs[static_cast<size_t>(f)][static_cast<size_t>(c)] +
                0.3 * rng.normal());
    }
    return p;
}

// Share of each hit's 3 nearest neighbours that belong to its franchise.
double same_franchise_share(const Planted& p, const std::vector<float>& emb) {
    BruteForceIndex idx;
    idx.build(emb.data(), p.n1, p.d);
    int32_t same = 0, total = 0;
    const ItemFilter all;
    for (int32_t q : p.hits) {
        const int32_t self[] = {q};
        for (const ScoredItem& s : idx.search_knn(idx.unit_row(q), 3, all, self)) {
            same += p.franchise[static_cast<size_t>(s.item)] == p.franchise[static_cast<size_t>(q)];
            ++total;
        }
    }
    return static_cast<double>(same) / total;
}

TEST(EmbeddingSpace, RemovingTheSharedDirectionFindsTheSequelsOfHits) {
    for (uint64_t seed : {5, 9, 13}) {
        const Planted p = planted(seed);
        const double raw = same_franchise_share(p, p.e);
        const double debiased = same_franchise_share(p, debias_embeddings(p.e.data(), p.n1, p.d, 1));
        // Raw cosines pair the hits with each other, whatever their franchise.
        EXPECT_LT(raw, 0.2) << "seed " << seed << ": the fixture must show the problem";
        EXPECT_GT(debiased, 0.9) << "seed " << seed;
    }
}

TEST(EmbeddingSpace, RowsAreCentredOrthogonalAndDeterministic) {
    const Planted p = planted(9);
    const std::vector<float> a = debias_embeddings(p.e.data(), p.n1, p.d, 1);
    const std::vector<float> b = debias_embeddings(p.e.data(), p.n1, p.d, 1);
    EXPECT_EQ(a, b);
    for (int32_t c = 0; c < p.d; ++c) {
        EXPECT_EQ(a[static_cast<size_t>(c)], 0.f) << "padding row";
        double m = 0;
        for (int32_t i = 1; i < p.n1; ++i) m += a[static_cast<size_t>(i) * p.d + c];
        EXPECT_NEAR(m / (p.n1 - 1), 0.0, 1e-5) << "column " << c;
    }
    // The variance of the output along the input's top principal direction is ~0.
    std::vector<double> cov(static_cast<size_t>(p.d) * p.d, 0.0);
    double total = 0;
    for (int32_t i = 1; i < p.n1; ++i)
        for (int32_t x = 0; x < p.d; ++x) {
            total += double(a[static_cast<size_t>(i) * p.d + x]) * a[static_cast<size_t>(i) * p.d + x];
            for (int32_t y = 0; y < p.d; ++y)
                cov[static_cast<size_t>(x) * p.d + y] +=
                    double(a[static_cast<size_t>(i) * p.d + x]) * a[static_cast<size_t>(i) * p.d + y];
        }
    // The input's top direction (from the raw centred rows, by power iteration here).
    const std::vector<float> centred = debias_embeddings(p.e.data(), p.n1, p.d, 0);
    const std::vector<double> v =
        test::top_direction_oracle(std::vector<double>(centred.begin(), centred.end()), p.n1, p.d, 500);
    double along = 0;
    for (int32_t x = 0; x < p.d; ++x)
        for (int32_t y = 0; y < p.d; ++y) along += v[static_cast<size_t>(x)] * cov[static_cast<size_t>(x) * p.d + y] * v[static_cast<size_t>(y)];
    EXPECT_LT(along, 1e-8 * total) << "variance left along the removed direction";
}

TEST(EmbeddingSpace, SmallCataloguesAndBadShapes) {
    // 5 items of dimension 8: too few to estimate directions; rows come back unchanged.
    std::vector<float> e(6 * 8);
    for (size_t i = 8; i < e.size(); ++i) e[i] = static_cast<float>(i % 7) - 3.f;
    EXPECT_EQ(debias_embeddings(e.data(), 6, 8, 1), e);
    EXPECT_EQ(effective_space(SimilaritySpace::DEBIASED, 5, 8), SimilaritySpace::RAW);
    EXPECT_EQ(effective_space(SimilaritySpace::DEBIASED, 10, 8), SimilaritySpace::DEBIASED);
    EXPECT_EQ(effective_space(SimilaritySpace::RAW, 1000, 8), SimilaritySpace::RAW);
    EXPECT_THROW(debias_embeddings(e.data(), 0, 8, 1), Error);
    EXPECT_THROW(debias_embeddings(e.data(), 6, 8, -1), Error);
    EXPECT_STREQ(similarity_space_name(SimilaritySpace::RAW), "raw");
    EXPECT_STREQ(similarity_space_name(SimilaritySpace::DEBIASED), "debiased");
}

}  // namespace
}  // namespace anirec
