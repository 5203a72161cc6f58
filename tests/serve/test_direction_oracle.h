// Oracle for the tests of the debiased similarity space (serve/embedding_space.h).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace anirec::test {

// The top principal direction of rows 1..n-1 of `rows` ((n, d) row-major, already
// centred; row 0 is padding), by alternating products u = X v, v = X^T u in double from
// v = 1 — deliberately not the covariance route the library takes. Unit length.
inline std::vector<double> top_direction_oracle(const std::vector<double>& rows, int32_t n, int32_t d,
                                                int iterations) {
    const size_t D = static_cast<size_t>(d);
    std::vector<double> v(D, 1.0), w(D);
    for (int iter = 0; iter < iterations; ++iter) {
        std::fill(w.begin(), w.end(), 0.0);
        for (size_t i = 1; i < static_cast<size_t>(n); ++i) {
            const double* r = rows.data() + i * D;
            double u = 0;
            for (size_t c = 0; c < D; ++c) u += r[c] * v[c];
            for (size_t c = 0; c < D; ++c) w[c] += u * r[c];
        }
        double norm = 0;
        for (double x : w) norm += x * x;
        for (size_t c = 0; c < D; ++c) v[c] = w[c] / std::sqrt(norm);
    }
    return v;
}

}  // namespace anirec::test
