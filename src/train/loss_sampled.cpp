// Losses over K negatives shared by all positions of a sequence (negatives (B,K)):
//   SAMPLED_CE: softmax cross-entropy over [s_pos, s_neg_1..K], the positive as class 0;
//   GBCE (gSASRec): beta softplus(-s_pos) + sum_k softplus(s_neg_k), divided by n (K+1).
// Per sequence b (one thread each): gather its target rows H_b (m x C) and its
// negatives' rows G_b (K x C);
//   S = H_b G_b^T (m x K),  s_pos = h . E[target]
//   dH_b = dS G_b + ds_pos E[target],  dG_b = dS^T H_b (K x C)
// dG_b and the positive rows' gradients are then added into dE by scatter_de in a
// fixed order (sequences, then negatives, then positives), disjoint per item range.
#include <cmath>
#include <cstring>

#include "model/blas.h"
#include "model/vmath.h"
#include "train/loss_internal.h"
#include "util/error.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

double loss_sampled(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                    const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden,
                    float* dE, LossScratch& s) {
    const int64_t n = collect_rows(s, targets, B, T, N);
    if (dhidden) zero_rows(dhidden, static_cast<int64_t>(B) * T * C);
    if (n == 0) return 0.0;
    const int K = cfg.negatives;
    const bool gbce = cfg.kind == LossKind::GBCE;
    for (int64_t i = 0; i < static_cast<int64_t>(B) * K; ++i)
        if (negatives[i] < 1 || negatives[i] > N)
            throw Error(cat("loss ", loss_kind_name(cfg.kind), ": negative ", i % K, " of sequence ", i / K, " is ",
                            negatives[i], ", outside [1, ", N, "]"));
    // first target row of each sequence in s.rows (rows are in (b, t) order)
    std::vector<int64_t>& first = s.rows;  // reuse: stored after the n row indices
    grow(first, n + B + 1);
    {
        int64_t i = 0;
        for (int32_t b = 0; b <= B; ++b) {
            while (i < n && s.rows[i] / T < b) ++i;
            first[n + b] = i;
        }
    }
    const double beta = gbce ? gbce_beta(K, N, cfg.gbce_t) : 1.0;
    const double norm = gbce ? static_cast<double>(n) * (K + 1) : static_cast<double>(n);
    const float inv = static_cast<float>(1.0 / norm);
    const float fbeta = static_cast<float>(beta);

    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    nt = omp_get_max_threads();
#endif
    // per thread: H_b (T x C), G_b (K x C), S (T x K), dH_b (T x C)
    const int64_t per_thread = 2LL * T * C + static_cast<int64_t>(K) * C + static_cast<int64_t>(T) * K;
    grow(s.thread_buf, per_thread * nt);
    if (dhidden) {
        grow(s.seq_buf, static_cast<int64_t>(B) * K * C);
        grow(s.coef, n);
    }

#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (worth_parallel(n * (K + 1) * C))
    for (int32_t b = 0; b < B; ++b) {
        const int64_t i0 = first[n + b], i1 = first[n + b + 1];
        const int m = static_cast<int>(i1 - i0);
        int tid = 0;
#ifdef ANIREC_HAVE_OPENMP
        tid = omp_get_thread_num();
#endif
        float* Hb = s.thread_buf.data() + per_thread * tid;
        float* Gb = Hb + static_cast<int64_t>(T) * C;
        float* S = Gb + static_cast<int64_t>(K) * C;
        float* dHb = S + static_cast<int64_t>(T) * K;
        float* dG = dhidden ? s.seq_buf.data() + static_cast<int64_t>(b) * K * C : nullptr;
        if (m == 0) {
            if (dG) std::memset(dG, 0, sizeof(float) * K * C);
            continue;
        }
        for (int k = 0; k < K; ++k)
            std::memcpy(Gb + static_cast<int64_t>(k) * C, E + static_cast<int64_t>(negatives[(int64_t)b * K + k]) * C,
                        sizeof(float) * C);
        for (int k = 0; k < m; ++k) std::memcpy(Hb + (int64_t)k * C, hidden + s.rows[i0 + k] * C, sizeof(float) * C);
        gemm(false, true, m, K, C, 1.f, Hb, C, Gb, C, 0.f, S, K);
        for (int k = 0; k < m; ++k) {
            const int64_t r = s.rows[i0 + k];
            const float* ep = E + static_cast<int64_t>(targets[r]) * C;
            const float sp = dot_of(Hb + (int64_t)k * C, ep, C);
            float* row = S + static_cast<int64_t>(k) * K;
            float gp;
            if (gbce) {
                double l = beta * softplus(-static_cast<double>(sp));
                for (int j = 0; j < K; ++j) l += softplus(static_cast<double>(row[j]));
                s.row_loss[i0 + k] = l;
                gp = -fbeta * inv / (1.f + std::exp(sp));
                if (dhidden)
                    for (int j = 0; j < K; ++j) row[j] = inv / (1.f + std::exp(-row[j]));
            } else {
                const float mx = std::max(sp, max_of(row, K));
                const float ep0 = exp_fast(sp - mx);
                const float sum = exp_shift_sum(row, K, mx) + ep0;
                s.row_loss[i0 + k] = static_cast<double>(mx) + std::log(static_cast<double>(sum)) - sp;
                const float sc = inv / sum;
                gp = ep0 * sc - inv;
                if (dhidden)
#pragma omp simd
                    for (int j = 0; j < K; ++j) row[j] *= sc;
            }
            if (dhidden) s.coef[i0 + k] = gp;
        }
        if (!dhidden) continue;
        // dH_b = dS G_b + gp E[target]
        gemm(false, false, m, C, K, 1.f, S, K, Gb, C, 0.f, dHb, C);
        for (int k = 0; k < m; ++k) {
            const int64_t r = s.rows[i0 + k];
            const float* ep = E + static_cast<int64_t>(targets[r]) * C;
            const float gp = s.coef[i0 + k];
            float* dh = dhidden + r * C;
            const float* src = dHb + (int64_t)k * C;
#pragma omp simd
            for (int c = 0; c < C; ++c) dh[c] = src[c] + gp * ep[c];
        }
        // dG_b = dS^T H_b
        gemm(true, false, K, C, m, 1.f, S, K, Hb, C, 0.f, dG, C);
    }
    if (dhidden) {
        s.contrib.clear();
        s.contrib.reserve(static_cast<size_t>(B) * K + n);
        for (int32_t b = 0; b < B; ++b) {
            if (first[n + b + 1] == first[n + b]) continue;
            for (int k = 0; k < K; ++k)
                s.contrib.push_back({negatives[(int64_t)b * K + k], 1.f, s.seq_buf.data() + ((int64_t)b * K + k) * C});
        }
        for (int64_t i = 0; i < n; ++i) {
            const int64_t r = s.rows[i];
            s.contrib.push_back({targets[r], s.coef[i], hidden + r * C});
        }
        scatter_de(dE, C, N, s.contrib.data(), static_cast<int64_t>(s.contrib.size()));
    }
    return sum_rows(s, n) / norm;
}

}  // namespace anirec
