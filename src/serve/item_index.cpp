#include "serve/item_index.h"

#include <cmath>

#include "util/error.h"

namespace anirec {

void score_transposed(const float* mat_t, int32_t n, int32_t dim, const float* q, float* scores) {
    const size_t nn = static_cast<size_t>(n);
    {
        const float q0 = q[0];
        for (size_t i = 0; i < nn; ++i) scores[i] = mat_t[i] * q0;
    }
    for (int32_t c = 1; c < dim; ++c) {
        const float qc = q[c];
        const float* row = mat_t + static_cast<size_t>(c) * nn;
        for (size_t i = 0; i < nn; ++i) scores[i] += row[i] * qc;
    }
}

void normalize_unit(float* v, int32_t dim) {
    double ss = 0;
    for (int32_t c = 0; c < dim; ++c) ss += static_cast<double>(v[c]) * v[c];
    if (ss <= 0) return;
    const float inv = static_cast<float>(1.0 / std::sqrt(ss));
    for (int32_t c = 0; c < dim; ++c) v[c] *= inv;
}

void BruteForceIndex::build(const float* emb, int32_t n_rows, int32_t dim) {
    if (n_rows < 1 || dim < 1) throw Error(cat("item index: bad shape (", n_rows, ", ", dim, ")"));
    n_rows_ = n_rows;
    dim_ = dim;
    const size_t n = static_cast<size_t>(n_rows), d = static_cast<size_t>(dim);
    unit_.assign(emb, emb + n * d);
    for (size_t i = 0; i < n; ++i) normalize_unit(unit_.data() + i * d, dim);
    unit_t_.resize(n * d);
    for (size_t i = 0; i < n; ++i)
        for (size_t c = 0; c < d; ++c) unit_t_[c * n + i] = unit_[i * d + c];
}

std::vector<ScoredItem> BruteForceIndex::search_knn(const float* query, int32_t k, const ItemFilter& filter,
                                                    std::span<const int32_t> exclude) const {
    ANIREC_ASSERT(n_rows_ > 0);
    thread_local std::vector<float> scores;
    thread_local std::vector<float> q;
    scores.resize(static_cast<size_t>(n_rows_));
    q.assign(query, query + dim_);
    normalize_unit(q.data(), dim_);
    score_transposed(unit_t_.data(), n_rows_, dim_, q.data(), scores.data());
    for (int32_t e : exclude)
        if (e > 0 && e < n_rows_) scores[static_cast<size_t>(e)] = -INFINITY;
    return top_k(scores.data(), 1, n_rows_, k, [&](int32_t i) { return filter.allows(i); });
}

}  // namespace anirec
