// Register-blocked micro-kernels for the small dimensions of this model (the
// hidden size C ~ 50 as a K or N dimension), written with GCC's generic 16-float
// vector type: AVX-512 registers when built with -march=native on an AVX-512 CPU,
// pairs of AVX2 or quartets of SSE registers elsewhere. No -ffast-math needed: the
// only reassociation is the fused multiply-add, which GCC forms by default in C++.
//
// Three product shapes, each producing an RB x (16 NV) block of C in registers:
//   NT  C[i, j] (+)= a * sum_k A[i, k] Bt[k, j]     Bt: B^T packed, row stride ldbt
//   NN  C[i, c] (+)= sum_{j < jmax} A[i, j] Bp[j, c]   Bp: row-major, row stride ldb
//   TN  C[j, c] (+)= sum_{ilo <= i < ihi} A[i, j] Bp[i, c]
// Packed operands (Bt, Bp) are zero-padded to whole vectors, so every vector load
// is in bounds and the padding lanes contribute zero; stores are clipped to the
// real columns (vstore_n). ACC = true adds into C instead of overwriting it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace anirec::mk {

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
constexpr int kW = 16;

inline v16 vload(const float* p) { return *reinterpret_cast<const v16u*>(p); }
inline void vstore(float* p, v16 v) { *reinterpret_cast<v16u*>(p) = v; }
// (v16{} + x would add 0.0f first: an extra dependent instruction, as -0.0 + 0.0 = +0.0)
inline v16 vbroadcast(float x) { return v16{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
inline int up16(int x) { return (x + kW - 1) & ~(kW - 1); }

// Stores (or adds, ACC) n <= 16 lanes of v at p.
template <bool ACC>
inline void vstore_n(float* p, v16 v, int n) {
    if (n >= kW) {
        vstore(p, ACC ? vload(p) + v : v);
    } else if (n > 0) {
        float tmp[kW];
        vstore(tmp, v);
        for (int i = 0; i < n; ++i) p[i] = ACC ? p[i] + tmp[i] : tmp[i];
    }
}

// dst (K x ldd) = src^T for src (n x K, row stride lds); columns n..ldd zero. In
// blocks of 16 source rows: each write is one contiguous line, the rows being read
// stay in L1 across k.
inline void pack_transposed(float* dst, int ldd, const float* src, int lds, int n, int K) {
    for (int j0 = 0; j0 < ldd; j0 += kW) {
        const int m = std::min(kW, n - j0);
        if (m == kW) {
            for (int k = 0; k < K; ++k) {
                float* d = dst + static_cast<int64_t>(k) * ldd + j0;
                const float* s = src + static_cast<int64_t>(j0) * lds + k;
#pragma omp simd
                for (int jj = 0; jj < kW; ++jj) d[jj] = s[static_cast<int64_t>(jj) * lds];
            }
        } else {
            for (int k = 0; k < K; ++k) {
                float* d = dst + static_cast<int64_t>(k) * ldd + j0;
                for (int jj = 0; jj < kW; ++jj) d[jj] = jj < m ? src[static_cast<int64_t>(j0 + jj) * lds + k] : 0.f;
            }
        }
    }
}

// dst (n x ldd) = src (n x K, row stride lds); columns K..ldd zero.
inline void pack_rows(float* dst, int ldd, const float* src, int lds, int n, int K) {
    for (int j = 0; j < n; ++j) {
        float* d = dst + static_cast<int64_t>(j) * ldd;
        std::memcpy(d, src + static_cast<int64_t>(j) * lds, sizeof(float) * K);
        for (int k = K; k < ldd; ++k) d[k] = 0.f;
    }
}

// NT: rows [i0, i0+RB) x columns [j0, j0 + 16 NV), stored for columns < jstore.
// init: null, or a padded row added to every output row (a bias).
template <int RB, int NV, bool ACC>
inline void nt_block(float* C, int ldc, const float* A, int lda, const float* Bt, int ldbt, int K, float a, int i0,
                     int j0, int jstore, const float* init) {
    v16 acc[RB][NV];
    for (int r = 0; r < RB; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = v16{};
    const float* ar = A + static_cast<int64_t>(i0) * lda;
    for (int k = 0; k < K; ++k) {
        const float* bk = Bt + static_cast<int64_t>(k) * ldbt + j0;
        v16 b[NV];
        for (int v = 0; v < NV; ++v) b[v] = vload(bk + kW * v);
        for (int r = 0; r < RB; ++r) {
            const v16 x = vbroadcast(ar[static_cast<int64_t>(r) * lda + k]);
            for (int v = 0; v < NV; ++v) acc[r][v] += x * b[v];
        }
    }
    for (int v = 0; v < NV; ++v) {
        const v16 add = init ? vload(init + j0 + kW * v) : v16{};
        for (int r = 0; r < RB; ++r)
            vstore_n<ACC>(C + static_cast<int64_t>(i0 + r) * ldc + j0 + kW * v, acc[r][v] * a + add,
                          jstore - (j0 + kW * v));
    }
}

// NN: C[i0+r, c0 + c] (+)= sum_{j < jmax} A[i0+r, j] Bp[j, c0 + c], stored for c0 + c < ncols.
template <int RB, int NV, bool ACC>
inline void nn_block(float* C, int ldc, int ncols, const float* A, int lda, const float* Bp, int ldb, int jmax, int i0,
                     int c0) {
    v16 acc[RB][NV];
    for (int r = 0; r < RB; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = v16{};
    const float* ar = A + static_cast<int64_t>(i0) * lda;
    for (int j = 0; j < jmax; ++j) {
        const float* bj = Bp + static_cast<int64_t>(j) * ldb + c0;
        v16 b[NV];
        for (int v = 0; v < NV; ++v) b[v] = vload(bj + kW * v);
        for (int r = 0; r < RB; ++r) {
            const v16 x = vbroadcast(ar[static_cast<int64_t>(r) * lda + j]);
            for (int v = 0; v < NV; ++v) acc[r][v] += x * b[v];
        }
    }
    for (int r = 0; r < RB; ++r)
        for (int v = 0; v < NV; ++v)
            vstore_n<ACC>(C + static_cast<int64_t>(i0 + r) * ldc + c0 + kW * v, acc[r][v], ncols - (c0 + kW * v));
}

// TN: C[j0+r, c0 + c] (+)= sum_{ilo <= i < ihi} A[i, j0+r] Bp[i, c0 + c].
template <int RB, int NV, bool ACC>
inline void tn_block(float* C, int ldc, int ncols, const float* A, int lda, const float* Bp, int ldb, int ilo, int ihi,
                     int j0, int c0) {
    v16 acc[RB][NV];
    for (int r = 0; r < RB; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = v16{};
    for (int i = ilo; i < ihi; ++i) {
        const float* bi = Bp + static_cast<int64_t>(i) * ldb + c0;
        const float* ai = A + static_cast<int64_t>(i) * lda + j0;
        v16 b[NV];
        for (int v = 0; v < NV; ++v) b[v] = vload(bi + kW * v);
        for (int r = 0; r < RB; ++r) {
            const v16 x = vbroadcast(ai[r]);
            for (int v = 0; v < NV; ++v) acc[r][v] += x * b[v];
        }
    }
    for (int r = 0; r < RB; ++r)
        for (int v = 0; v < NV; ++v)
            vstore_n<ACC>(C + static_cast<int64_t>(j0 + r) * ldc + c0 + kW * v, acc[r][v], ncols - (c0 + kW * v));
}

// ---- Row-block drivers: one block of RB output rows, all columns.

// NT over columns [0, jend) (a multiple of 16), stored for columns < jstore.
template <int RB, bool ACC>
inline void nt_rows(float* C, int ldc, const float* A, int lda, const float* Bt, int ldbt, int K, float a, int i0,
                    int jend, int jstore, const float* init) {
    int j = 0;
    for (; j + 2 * kW <= jend; j += 2 * kW)
        nt_block<RB, 2, ACC>(C, ldc, A, lda, Bt, ldbt, K, a, i0, j, jstore, init);
    if (j < jend) nt_block<RB, 1, ACC>(C, ldc, A, lda, Bt, ldbt, K, a, i0, j, jstore, init);
}

// NN (TN = false) or TN (TN = true) over the packed columns [0, ldb) in groups of
// up to 64 (4 vectors), stored for columns < ncols. NN sums j in [0, hi); TN sums
// i in [lo, hi). row0: first output row.
template <bool TN, int RB, bool ACC>
inline void prod_rows(float* C, int ldc, int ncols, const float* A, int lda, const float* Bp, int ldb, int lo, int hi,
                      int row0) {
    for (int c0 = 0; c0 < ldb && c0 < ncols; c0 += 4 * kW) {
        const int nv = std::min(4, (ldb - c0) / kW);
#define ANIREC_MK_PROD(NV)                                                             \
    if constexpr (TN)                                                                  \
        tn_block<RB, NV, ACC>(C, ldc, ncols, A, lda, Bp, ldb, lo, hi, row0, c0);       \
    else                                                                               \
        nn_block<RB, NV, ACC>(C, ldc, ncols, A, lda, Bp, ldb, hi, row0, c0);
        switch (nv) {
            case 4: ANIREC_MK_PROD(4) break;
            case 3: ANIREC_MK_PROD(3) break;
            case 2: ANIREC_MK_PROD(2) break;
            default: ANIREC_MK_PROD(1) break;
        }
#undef ANIREC_MK_PROD
    }
}

// Runtime row counts -> template instances (rb in [1, 8]).
template <typename F>
inline void dispatch_rows(int rb, F&& f) {
    switch (rb) {
        case 8: f(std::integral_constant<int, 8>{}); break;
        case 7: f(std::integral_constant<int, 7>{}); break;
        case 6: f(std::integral_constant<int, 6>{}); break;
        case 5: f(std::integral_constant<int, 5>{}); break;
        case 4: f(std::integral_constant<int, 4>{}); break;
        case 3: f(std::integral_constant<int, 3>{}); break;
        case 2: f(std::integral_constant<int, 2>{}); break;
        default: f(std::integral_constant<int, 1>{}); break;
    }
}

constexpr int kNtRows = 8;  // NT: 8 rows x 32 columns = 16 accumulators
constexpr int kNnRows = 6;  // NN/TN: 6 rows x 64 columns = 24 accumulators

}  // namespace anirec::mk
