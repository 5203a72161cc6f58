#include "serve/embedding_space.h"

#include <cmath>

#include "util/error.h"

namespace anirec {

const char* similarity_space_name(SimilaritySpace s) { return s == SimilaritySpace::RAW ? "raw" : "debiased"; }

SimilaritySpace effective_space(SimilaritySpace wanted, int32_t n_items, int32_t dim) {
    return n_items >= dim + 2 ? wanted : SimilaritySpace::RAW;
}

namespace {

// Top eigenvector of the symmetric (d x d) matrix A by power iteration. The start mixes
// every coordinate with distinct weights so it is not orthogonal to the answer in practice.
std::vector<double> top_eigenvector(const std::vector<double>& A, int32_t d) {
    std::vector<double> v(static_cast<size_t>(d)), w(static_cast<size_t>(d));
    for (int32_t i = 0; i < d; ++i) v[static_cast<size_t>(i)] = 1.0 + 0.01 * i;
    for (int iter = 0; iter < 1000; ++iter) {
        double norm = 0;
        for (int32_t i = 0; i < d; ++i) {
            double s = 0;
            for (int32_t j = 0; j < d; ++j) s += A[static_cast<size_t>(i) * d + j] * v[static_cast<size_t>(j)];
            w[static_cast<size_t>(i)] = s;
            norm += s * s;
        }
        norm = std::sqrt(norm);
        if (norm == 0) return std::vector<double>(static_cast<size_t>(d), 0.0);  // nothing left to remove
        double change = 0;
        for (int32_t i = 0; i < d; ++i) {
            const double x = w[static_cast<size_t>(i)] / norm;
            change += std::abs(x - v[static_cast<size_t>(i)]);
            v[static_cast<size_t>(i)] = x;
        }
        if (change < 1e-13 * d) break;
    }
    return v;
}

}  // namespace

std::vector<float> debias_embeddings(const float* emb, int32_t n_rows, int32_t dim, int32_t components) {
    if (n_rows < 1 || dim < 1 || components < 0)
        throw Error(cat("debias_embeddings: bad shape (", n_rows, ", ", dim, ") or components ", components));
    const size_t n = static_cast<size_t>(n_rows), d = static_cast<size_t>(dim);
    std::vector<float> out(emb, emb + n * d);
    if (effective_space(SimilaritySpace::DEBIASED, n_rows - 1, dim) == SimilaritySpace::RAW) return out;

    std::vector<double> mean(d, 0.0);
    for (size_t i = 1; i < n; ++i)
        for (size_t c = 0; c < d; ++c) mean[c] += emb[i * d + c];
    for (double& m : mean) m /= static_cast<double>(n - 1);

    std::vector<double> x(n * d, 0.0);  // centred rows; row 0 stays 0
    for (size_t i = 1; i < n; ++i)
        for (size_t c = 0; c < d; ++c) x[i * d + c] = emb[i * d + c] - mean[c];

    std::vector<double> cov(d * d, 0.0);
    for (size_t i = 1; i < n; ++i) {
        const double* r = x.data() + i * d;
        for (size_t a = 0; a < d; ++a)
            for (size_t b = a; b < d; ++b) cov[a * d + b] += r[a] * r[b];
    }
    for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < a; ++b) cov[a * d + b] = cov[b * d + a];

    for (int32_t k = 0; k < components && k < dim; ++k) {
        const std::vector<double> v = top_eigenvector(cov, dim);
        // Remove v from the rows, and deflate the covariance: C <- (I - vv^T) C (I - vv^T).
        for (size_t i = 1; i < n; ++i) {
            double* r = x.data() + i * d;
            double dot = 0;
            for (size_t c = 0; c < d; ++c) dot += r[c] * v[c];
            for (size_t c = 0; c < d; ++c) r[c] -= dot * v[c];
        }
        std::vector<double> cv(d, 0.0);  // C v
        for (size_t a = 0; a < d; ++a)
            for (size_t b = 0; b < d; ++b) cv[a] += cov[a * d + b] * v[b];
        double vcv = 0;
        for (size_t a = 0; a < d; ++a) vcv += v[a] * cv[a];
        for (size_t a = 0; a < d; ++a)
            for (size_t b = 0; b < d; ++b)
                cov[a * d + b] += -cv[a] * v[b] - v[a] * cv[b] + vcv * v[a] * v[b];
    }
    for (size_t i = 1; i < n; ++i)
        for (size_t c = 0; c < d; ++c) out[i * d + c] = static_cast<float>(x[i * d + c]);
    return out;
}

}  // namespace anirec
