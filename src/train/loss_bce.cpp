// The paper's loss: one sampled negative per position, binary cross-entropy on the
// positive and the negative score, mean over non-padded targets (as the pmixer port:
// BCEWithLogits(pos, 1) + BCEWithLogits(neg, 0), each a mean over the same rows).
//
// d/ds softplus(-s) = sigmoid(s) - 1 = -1 / (1 + e^s);  d/ds softplus(s) = sigmoid(s).
// Only the two item rows of each target are touched: no logits matrix at all.
#include <cmath>

#include "model/blas.h"
#include "model/vmath.h"
#include "train/loss_internal.h"
#include "util/error.h"

namespace anirec {

double loss_bce(const float* hidden, const float* E, const int32_t* targets, const int32_t* negatives,
                int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden, float* dE, LossScratch& s) {
    const int64_t n = collect_rows(s, targets, B, T, N);
    if (dhidden) zero_rows(dhidden, static_cast<int64_t>(B) * T * C);
    if (n == 0) return 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t r = s.rows[i];
        if (negatives[r] < 1 || negatives[r] > N)
            throw Error(cat("loss bce: negative of sequence ", r / T, " position ", r % T, " is ", negatives[r],
                            ", outside [1, ", N, "]"));
    }
    const float inv_n = 1.f / static_cast<float>(n);
    if (dhidden) grow(s.coef, 2 * n);
#pragma omp parallel for schedule(static) if (worth_parallel(n * C))
    for (int64_t i = 0; i < n; ++i) {
        const int64_t r = s.rows[i];
        const float* h = hidden + r * C;
        const float* ep = E + static_cast<int64_t>(targets[r]) * C;
        const float* en = E + static_cast<int64_t>(negatives[r]) * C;
        const float sp = dot_of(h, ep, C);
        const float sn = dot_of(h, en, C);
        s.row_loss[i] = softplus(-static_cast<double>(sp)) + softplus(static_cast<double>(sn));
        if (dhidden) {
            const float gp = -inv_n / (1.f + std::exp(sp));
            const float gn = inv_n / (1.f + std::exp(-sn));
            s.coef[2 * i] = gp;
            s.coef[2 * i + 1] = gn;
            float* dh = dhidden + r * C;
#pragma omp simd
            for (int c = 0; c < C; ++c) dh[c] = gp * ep[c] + gn * en[c];
        }
    }
    if (dhidden) {
        s.contrib.clear();
        s.contrib.reserve(2 * n);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t r = s.rows[i];
            s.contrib.push_back({targets[r], s.coef[2 * i], hidden + r * C});
            s.contrib.push_back({negatives[r], s.coef[2 * i + 1], hidden + r * C});
        }
        scatter_de(dE, C, N, s.contrib.data(), static_cast<int64_t>(s.contrib.size()));
    }
    return sum_rows(s, n) / static_cast<double>(n);
}

}  // namespace anirec
