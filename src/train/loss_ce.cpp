// Full softmax cross-entropy over items 1..N at every non-padded target (SASRec+ of
// "Turning Dross Into Gold Loss", RecSys 2023). The padding item 0 is not a class.
//
// The (n x N) logits are never held at once: each thread takes contiguous blocks of
// kCeRowBlock target rows and, per block,
//   S  = H_b E_1^T                      (rb x N)   scores against items 1..N
//   p  = softmax(S) row-wise,  g = (p - onehot(target)) / n
//   dH_b = g E_1                       (rb x C)   written into dhidden's rows
//   dE_t += g^T H_b                    (N x C)    into the thread's own partial dE
// and the partials are added into dE in thread order at the end (fixed order for a
// given thread count). Memory: threads x (kCeRowBlock x N + (N+1) x C) floats, plus
// E_1 packed twice for the micro-kernels of mgemm.h (shared by the threads).
#include <cmath>
#include <cstring>

#include "model/blas.h"
#include "model/mgemm.h"
#include "model/vmath.h"
#include "train/loss_internal.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

double loss_ce(const float* hidden, const float* E, const int32_t* targets, int32_t B, int32_t T, int32_t C,
               int32_t N, float* dhidden, float* dE, LossScratch& s) {
    const int64_t n = collect_rows(s, targets, B, T, N);
    if (dhidden) zero_rows(dhidden, static_cast<int64_t>(B) * T * C);
    if (n == 0) return 0.0;
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    nt = omp_get_max_threads();
#endif
    const int64_t n_blocks = (n + kCeRowBlock - 1) / kCeRowBlock;
    if (nt > n_blocks) nt = static_cast<int>(n_blocks);
    const int Cp = (C + 15) & ~15;
    const int64_t per_thread = static_cast<int64_t>(kCeRowBlock) * N + static_cast<int64_t>(kCeRowBlock) * (C + Cp);
    grow(s.thread_buf, per_thread * nt);
    // E_1 packed once per call for the micro-kernels: E_1^T (C+1 x up16(N)) for the
    // scores, E_1 row-padded (N x Cp) for dH. Large hidden sizes use OpenBLAS.
    const bool packed = C <= 256;
    const size_t bt_n = packed ? mgemm_bt_floats(N, C) : 0, bp_n = packed ? mgemm_bp_floats(N, C) : 0;
    grow(s.pack, bt_n + bp_n);
    float* Et = s.pack.data();
    float* Ep = Et + bt_n;
    if (packed) {
        mgemm_pack_bt(Et, E + C, C, N, C, nullptr);
        if (dhidden) mgemm_pack_bp(Ep, E + C, C, N, C);
    }
    const int64_t part = static_cast<int64_t>(N + 1) * C;
    if (dhidden) grow(s.de_part, part * nt);
    const float inv_n = 1.f / static_cast<float>(n);
    const float* E1 = E + C;  // items 1..N
    int team = 1;

#pragma omp parallel num_threads(nt)
    {
        int t = 0;
#ifdef ANIREC_HAVE_OPENMP
        t = omp_get_thread_num();
#pragma omp single
        team = omp_get_num_threads();
#endif
        float* S = s.thread_buf.data() + per_thread * t;
        float* Hb = S + static_cast<int64_t>(kCeRowBlock) * N;       // (rb x Cp), padding zero
        float* dHb = Hb + static_cast<int64_t>(kCeRowBlock) * Cp;    // (rb x C)
        float* dEt = dhidden ? s.de_part.data() + part * t : nullptr;
        if (dEt) std::memset(dEt, 0, sizeof(float) * part);
        long b0 = 0, b1 = n_blocks;
#ifdef ANIREC_HAVE_OPENMP
        split_range(n_blocks, t, omp_get_num_threads(), b0, b1);
#endif
        for (long blk = b0; blk < b1; ++blk) {
            const int64_t i0 = blk * kCeRowBlock;
            const int rb = static_cast<int>(std::min<int64_t>(kCeRowBlock, n - i0));
            for (int k = 0; k < rb; ++k) {
                float* h = Hb + static_cast<int64_t>(k) * Cp;
                std::memcpy(h, hidden + s.rows[i0 + k] * C, sizeof(float) * C);
                std::fill(h + C, h + Cp, 0.f);
            }
            if (packed)
                mgemm_nt(S, N, Hb, Cp, Et, N, C, 0, rb, false, false);
            else
                gemm(false, true, rb, N, C, 1.f, Hb, Cp, E1, C, 0.f, S, N);
            for (int k = 0; k < rb; ++k) {
                float* row = S + static_cast<int64_t>(k) * N;
                const int32_t tgt = targets[s.rows[i0 + k]] - 1;
                const float st = row[tgt];
                const float m = max_of(row, N);
                const float sum = exp_shift_sum(row, N, m);
                s.row_loss[i0 + k] = static_cast<double>(m) + std::log(static_cast<double>(sum)) - st;
                if (dhidden) {
                    const float sc = inv_n / sum;
#pragma omp simd
                    for (int j = 0; j < N; ++j) row[j] *= sc;
                    row[tgt] -= inv_n;
                }
            }
            if (dhidden) {
                if (packed) {
                    mgemm_nn(dHb, C, S, N, Ep, C, N, 0, rb, false);  // dH_b = g E_1
                    mgemm_tn(dEt + C, C, S, N, Hb, C, rb, 0, N, true);  // dE_t += g^T H_b
                } else {
                    gemm(false, false, rb, C, N, 1.f, S, N, E1, C, 0.f, dHb, C);
                    gemm(true, false, N, C, rb, 1.f, S, N, Hb, Cp, 1.f, dEt + C, C);
                }
                for (int k = 0; k < rb; ++k)
                    std::memcpy(dhidden + s.rows[i0 + k] * C, dHb + static_cast<int64_t>(k) * C, sizeof(float) * C);
            }
        }
    }
    if (dhidden) {
        const float* parts = s.de_part.data();
#pragma omp parallel for schedule(static) if (worth_parallel(part * team))
        for (int64_t i = C; i < part; ++i) {
            float acc = 0.f;
            for (int t = 0; t < team; ++t) acc += parts[part * t + i];
            dE[i] += acc;
        }
    }
    return sum_rows(s, n) / static_cast<double>(n);
}

}  // namespace anirec
