#include "model/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/blas.h"
#include "model/config.h"
#include "model/mgemm.h"
#include "model/vmath.h"
#include "util/error.h"
#include "util/rng.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

namespace {

int thread_id() {
#ifdef ANIREC_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}
int team_size() {
#ifdef ANIREC_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

// Runs fn on each thread of the current team in turn, thread 0 first, with a barrier after
// each: per-thread partial sums added this way give a result fixed for a given thread count.
// Every thread of the team must call it.
template <class Fn>
void in_thread_order(Fn&& fn) {
    for (int t = 0; t < team_size(); ++t) {
        if (t == thread_id()) fn();
#pragma omp barrier
    }
}

inline float keep_scale(float p) { return p > 0.f ? 1.f / (1.f - p) : 1.f; }

}  // namespace

// ---------------------------------------------------------------------------
void PackedLayout::reserve(int32_t max_batch, int32_t maxlen) {
    len.assign(max_batch, 0);
    row0.assign(max_batch + 1, 0);
    att0.assign(max_batch + 1, 0);
    row_item.assign(static_cast<size_t>(max_batch) * maxlen, 0);
    row_pos.assign(static_cast<size_t>(max_batch) * maxlen, 0);
    work.assign(max_batch, 0);
}

void PackedLayout::build(const int32_t* seq, int32_t nB, int32_t nT, int32_t n_items) {
    ANIREC_ASSERT(nB <= static_cast<int32_t>(len.size()) && static_cast<size_t>(nB) * nT <= row_item.size());
    B = nB;
    T = nT;
    int64_t r = 0, a = 0;
    for (int32_t b = 0; b < nB; ++b) {
        const int32_t* s = seq + static_cast<int64_t>(b) * nT;
        int32_t first = nT;
        for (int32_t t = 0; t < nT; ++t)
            if (s[t] != 0) {
                first = t;
                break;
            }
        for (int32_t t = first; t < nT; ++t) {
            if (s[t] <= 0 || s[t] > n_items) {
                if (s[t] == 0)
                    throw Error(cat("sasrec: sequence ", b, " has padding (0) at position ", t,
                                    " after an item: sequences must be left-padded"));
                throw Error(cat("sasrec: sequence ", b, " position ", t, ": item id ", s[t], " outside [1, ",
                                n_items, "]"));
            }
            row_item[r] = s[t];
            row_pos[r] = t;
            ++r;
        }
        len[b] = nT - first;
        row0[b] = r - len[b];
        att0[b] = a;
        a += static_cast<int64_t>(len[b]) * attention_ld(len[b]);
    }
    row0[nB] = r;
    att0[nB] = a;
    R = r;
    for (int32_t b = 0; b < nB; ++b) work[b] = b;
    // (std::sort with an index tie-break: a unique order, and unlike stable_sort no allocation)
    std::sort(work.begin(), work.begin() + nB,
              [&](int32_t x, int32_t y) { return len[x] > len[y] || (len[x] == len[y] && x < y); });
}

DropKey::DropKey(uint64_t seed, uint64_t stream, float p) {
    uint64_t x = seed ^ (stream * 0xD6E8FEB86659FD93ull);
    const uint64_t k = splitmix64(x);
    lo = static_cast<uint32_t>(k);
    hi = static_cast<uint32_t>(k >> 32);
    thresh = static_cast<uint32_t>(std::min(4294967295.0, std::floor(double(p) * 4294967296.0)));
}

uint64_t dropout_stream_id(DropKind kind, int layer, int b, int h) {
    return (static_cast<uint64_t>(kind) << 56) | (static_cast<uint64_t>(layer & 0xFFFF) << 40) |
           (static_cast<uint64_t>(h & 0xFFFF) << 24) | static_cast<uint64_t>(b & 0xFFFFFF);
}

void dropout_mask(uint8_t* mask, const PackedLayout& lay, int C, float p, uint64_t seed, DropKind kind,
                  int layer) {
#pragma omp parallel for schedule(static) if (worth_parallel(lay.R * C))
    for (int32_t b = 0; b < lay.B; ++b) {
        const DropKey key(seed, dropout_stream_id(kind, layer, b, 0), p);
        uint8_t* m = mask + lay.row0[b] * C;
        const uint32_t n = static_cast<uint32_t>(lay.len[b]) * C;
#pragma omp simd
        for (uint32_t i = 0; i < n; ++i) m[i] = dropout_keep(key, i) ? 1 : 0;
    }
}

// ---------------------------------------------------------------------------
void embedding_forward(float* out, const PackedLayout& lay, const float* E, const float* P, const uint8_t* mask,
                       float p, int C) {
    const float sc = std::sqrt(static_cast<float>(C));
    const float ks = keep_scale(p);
#pragma omp parallel for schedule(static) if (worth_parallel(lay.R * C))
    for (int64_t r = 0; r < lay.R; ++r) {
        const float* e = E + static_cast<int64_t>(lay.row_item[r]) * C;
        const float* pp = P + static_cast<int64_t>(lay.row_pos[r]) * C;
        float* o = out + r * C;
        if (mask) {
            const uint8_t* m = mask + r * C;
#pragma omp simd
            for (int c = 0; c < C; ++c) o[c] = m[c] ? (e[c] * sc + pp[c]) * ks : 0.f;
        } else {
#pragma omp simd
            for (int c = 0; c < C; ++c) o[c] = e[c] * sc + pp[c];
        }
    }
}

void embedding_backward(float* dE, float* dP, const float* dout, const PackedLayout& lay, const uint8_t* mask,
                        float p, int C, int n_items) {
    const float sc = std::sqrt(static_cast<float>(C));
    const float ks = keep_scale(p);
    // Each thread owns a range of positions (for dP) and a range of item ids (for
    // dE) and walks every row in order: disjoint writes, a fixed summation order.
#pragma omp parallel if (worth_parallel(lay.R * C))
    {
        const int t = thread_id(), nt = team_size();
        long t0, t1, i0, i1;
        split_range(lay.T, t, nt, t0, t1);
        split_range(n_items, t, nt, i0, i1);
        i0 += 1;  // items 1..N
        i1 += 1;
        for (int32_t b = 0; b < lay.B; ++b) {
            const int32_t first = lay.T - lay.len[b];
            const long lo = std::max<long>(t0, first);
            for (long pos = lo; pos < t1; ++pos) {
                const int64_t r = lay.row0[b] + (pos - first);
                const float* g = dout + r * C;
                float* d = dP + pos * C;
                if (mask) {
                    const uint8_t* m = mask + r * C;
#pragma omp simd
                    for (int c = 0; c < C; ++c) d[c] += m[c] ? g[c] * ks : 0.f;
                } else {
#pragma omp simd
                    for (int c = 0; c < C; ++c) d[c] += g[c];
                }
            }
        }
        for (int64_t r = 0; r < lay.R; ++r) {
            const int32_t it = lay.row_item[r];
            if (it < i0 || it >= i1) continue;
            const float* g = dout + r * C;
            float* d = dE + static_cast<int64_t>(it) * C;
            if (mask) {
                const uint8_t* m = mask + r * C;
                const float s = sc * ks;
#pragma omp simd
                for (int c = 0; c < C; ++c) d[c] += m[c] ? g[c] * s : 0.f;
            } else {
#pragma omp simd
                for (int c = 0; c < C; ++c) d[c] += g[c] * sc;
            }
        }
    }
}

// ---------------------------------------------------------------------------
namespace {
inline void layernorm_row(float* o, float* mean, float* rstd, const float* x, const float* w, const float* b,
                          int C) {
    const float m = sum_of(x, C) / C;
    float v = 0.f;
#pragma omp simd reduction(+ : v)
    for (int c = 0; c < C; ++c) v += (x[c] - m) * (x[c] - m);
    v /= C;
    const float s = 1.f / std::sqrt(v + kLayerNormEps);
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] = (x[c] - m) * s * w[c] + b[c];
    *mean = m;
    *rstd = s;
}
}  // namespace

void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* w, const float* b,
                       int64_t N, int C) {
#pragma omp parallel for schedule(static) if (worth_parallel(N * C))
    for (int64_t n = 0; n < N; ++n) layernorm_row(out + n * C, mean + n, rstd + n, inp + n * C, w, b, C);
}

void residual_layernorm_forward(float* res, float* out, float* mean, float* rstd, const float* a,
                                const float* b, const float* w, const float* bias, int64_t N, int C) {
#pragma omp parallel for schedule(static) if (worth_parallel(N * C))
    for (int64_t n = 0; n < N; ++n) {
        float* x = res + n * C;
        const float* pa = a + n * C;
        const float* pb = b + n * C;
#pragma omp simd
        for (int c = 0; c < C; ++c) x[c] = pa[c] + pb[c];
        layernorm_row(out + n * C, mean + n, rstd + n, x, w, bias, C);
    }
}

void layernorm_backward(float* dinp, float* dw, float* db, const float* dout, const float* inp,
                        const float* mean, const float* rstd, const float* w, int64_t N, int C) {
    // One pass over the rows: each thread takes a contiguous slice, adds its rows of dx
    // and sums its slice's share of dw, db into a partial on its stack (C <= 4096, see
    // ModelConfig::validate); the partials are added in thread order, so the result is
    // fixed for a given thread count. (Summing the columns in a second pass over all rows
    // read x and dy twice more and was a fifth of the training step.)
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    if (!omp_in_parallel() && worth_parallel(N * C)) nt = omp_get_max_threads();
#endif
    ANIREC_ASSERT(C <= kMaxHidden);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        alignas(64) float pw[kMaxHidden];
        alignas(64) float pb[kMaxHidden];
        std::fill(pw, pw + C, 0.f);
        std::fill(pb, pb + C, 0.f);
        long r0, r1;
        split_range(N, thread_id(), team_size(), r0, r1);
        // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dout * w
        for (long n = r0; n < r1; ++n) {
            const float* x = inp + n * C;
            const float* dy = dout + n * C;
            const float m = mean[n], s = rstd[n];
            float gm = 0.f, gxm = 0.f;
#pragma omp simd reduction(+ : gm, gxm)
            for (int c = 0; c < C; ++c) {
                const float g = dy[c] * w[c];
                gm += g;
                gxm += g * (x[c] - m) * s;
            }
            gm /= C;
            gxm /= C;
            float* dx = dinp + n * C;
#pragma omp simd
            for (int c = 0; c < C; ++c) {
                const float xh = (x[c] - m) * s;
                dx[c] += s * (dy[c] * w[c] - gm - xh * gxm);
                pw[c] += dy[c] * xh;
                pb[c] += dy[c];
            }
        }
        in_thread_order([&] {
            for (int c = 0; c < C; ++c) {
                dw[c] += pw[c];
                db[c] += pb[c];
            }
        });
    }
}

// ---------------------------------------------------------------------------
namespace {
// Packed weights up to this many floats (64 KiB, on the stack) take the micro-kernel
// path (mgemm.h); larger layers go to OpenBLAS, which is efficient at those sizes.
constexpr size_t kPackMax = 16384;

// Runs fn(r0, r1) on contiguous slices of [0, N) rows, one per thread, slice
// boundaries on multiples of 8 rows (the micro-kernels' row block).
template <typename Fn>
void for_row_slices(int64_t N, double flops, Fn&& fn) {
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    if (!omp_in_parallel()) nt = omp_get_max_threads();
#endif
    while (nt > 1 && flops / nt < 1e6) --nt;
    const long blocks = (N + 7) / 8;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        long b0, b1;
        split_range(blocks, thread_id(), team_size(), b0, b1);
        const int64_t r0 = std::min<int64_t>(N, b0 * 8), r1 = std::min<int64_t>(N, b1 * 8);
        if (r0 < r1) fn(static_cast<int>(r0), static_cast<int>(r1));
    }
}
// dw (OC,IC) += dout^T inp and, when db is given, db (OC) += the column sums of dout,
// over N rows. Each thread takes a contiguous slice of rows, packs it in chunks
// (zero-padded to whole vectors) and accumulates partial dw and db on its stack (the
// TN micro-kernel for dw; db while the chunk of dout is still in cache); the partials
// are then added in thread order, so the result is fixed for a given thread count.
void weight_grad(float* dw, float* db, const float* dout, int ldd, const float* inp, int ldi, int64_t N, int IC,
                 int OC) {
    const int ldp = (IC + 15) & ~15;
    const int chunk = std::max(8, static_cast<int>(kPackMax / 2) / ldp);
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    if (!omp_in_parallel()) nt = omp_get_max_threads();
#endif
    while (nt > 1 && 2.0 * N * IC * OC / nt < 1e6) --nt;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        alignas(64) float part[kPackMax / 2];
        alignas(64) float xp[kPackMax / 2];
        alignas(64) float pdb[kPackMax / 2];
        std::fill(part, part + static_cast<size_t>(OC) * IC, 0.f);
        if (db) std::fill(pdb, pdb + OC, 0.f);
        long r0, r1;
        split_range(N, thread_id(), team_size(), r0, r1);
        for (long r = r0; r < r1; r += chunk) {
            const int m = static_cast<int>(std::min<long>(chunk, r1 - r));
            mgemm_pack_bp(xp, inp + r * ldi, ldi, m, IC);
            mgemm_tn(part, IC, dout + r * ldd, ldd, xp, IC, m, 0, OC, true);
            if (db)
                for (int k = 0; k < m; ++k) {
                    const float* d = dout + (r + k) * ldd;
#pragma omp simd
                    for (int o = 0; o < OC; ++o) pdb[o] += d[o];
                }
        }
        in_thread_order([&] {
            for (size_t i = 0; i < static_cast<size_t>(OC) * IC; ++i) dw[i] += part[i];
            if (db)
                for (int o = 0; o < OC; ++o) db[o] += pdb[o];
        });
    }
}

// db (OC) += the column sums of dout over N rows, in row order (the large-layer path).
void bias_grad(float* db, const float* dout, int ldd, int64_t N, int OC) {
#pragma omp parallel if (worth_parallel(N * OC))
    {
        long o0, o1;
        split_range(OC, thread_id(), team_size(), o0, o1);
        for (int64_t n = 0; n < N; ++n) {
            const float* d = dout + n * ldd;
#pragma omp simd
            for (long o = o0; o < o1; ++o) db[o] += d[o];
        }
    }
}
}  // namespace

void linear_forward(float* out, int ldo, const float* inp, int ldi, const float* w, const float* b, int64_t N,
                    int IC, int OC) {
    if (mgemm_bt_floats(OC, IC) <= kPackMax) {
        alignas(64) float pack[kPackMax];
        mgemm_pack_bt(pack, w, IC, OC, IC, b);
        for_row_slices(N, 2.0 * N * IC * OC, [&](int r0, int r1) {
            mgemm_nt(out, ldo, inp, ldi, pack, OC, IC, r0, r1, b != nullptr, false);
        });
        return;
    }
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    nt = omp_get_max_threads();
#endif
    while (nt > 1 && (2.0 * N * IC * OC / nt < 2e6 || N / nt < 16)) --nt;
#pragma omp parallel num_threads(nt)
    {
        long r0, r1;
        split_range(N, thread_id(), team_size(), r0, r1);
        if (b)
            for (long r = r0; r < r1; ++r) std::memcpy(out + r * ldo, b, sizeof(float) * OC);
        gemm(false, true, static_cast<int>(r1 - r0), OC, IC, 1.f, inp + r0 * ldi, ldi, w, IC, b ? 1.f : 0.f,
             out + r0 * ldo, ldo);
    }
}

void linear_backward(float* dinp, int lddi, bool accumulate, float* dw, float* db, const float* dout, int ldd,
                     const float* inp, int ldi, const float* w, int64_t N, int IC, int OC) {
    if (dinp && mgemm_bp_floats(OC, IC) <= kPackMax) {
        alignas(64) float pack[kPackMax];
        mgemm_pack_bp(pack, w, IC, OC, IC);
        for_row_slices(N, 2.0 * N * IC * OC, [&](int r0, int r1) {
            mgemm_nn(dinp, lddi, dout, ldd, pack, IC, OC, r0, r1, accumulate);
        });
    } else if (dinp) {
        gemm_rows(false, false, static_cast<int>(N), IC, OC, 1.f, dout, ldd, w, IC, accumulate ? 1.f : 0.f, dinp,
                  lddi);
    }
    if (static_cast<size_t>(OC) * IC <= kPackMax / 2 && IC <= 256) {
        weight_grad(dw, db, dout, ldd, inp, ldi, N, IC, OC);
    } else {
        gemm_rows(true, false, OC, IC, static_cast<int>(N), 1.f, dout, ldd, inp, ldi, 1.f, dw, IC);
        if (db) bias_grad(db, dout, ldd, N, OC);
    }
}

// ---------------------------------------------------------------------------
void relu_dropout_forward(float* x, const uint8_t* mask, float p, int64_t n) {
    const float ks = keep_scale(p);
#pragma omp parallel for simd schedule(static) if (worth_parallel(n))
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i] > 0.f ? x[i] : 0.f;
        x[i] = mask ? (mask[i] ? v * ks : 0.f) : v;
    }
}

void relu_dropout_backward(float* d, const float* h, float p, int64_t n) {
    const float ks = keep_scale(p);
#pragma omp parallel for simd schedule(static) if (worth_parallel(n))
    for (int64_t i = 0; i < n; ++i) d[i] = h[i] != 0.f ? d[i] * ks : 0.f;
}

void dropout_apply(float* x, const uint8_t* mask, float p, int64_t n) {
    const float ks = keep_scale(p);
#pragma omp parallel for simd schedule(static) if (worth_parallel(n))
    for (int64_t i = 0; i < n; ++i) x[i] = mask[i] ? x[i] * ks : 0.f;
}

void dropout_copy(float* y, const float* x, const uint8_t* mask, float p, int64_t n) {
    const float ks = keep_scale(p);
#pragma omp parallel for simd schedule(static) if (worth_parallel(n))
    for (int64_t i = 0; i < n; ++i) y[i] = mask[i] ? x[i] * ks : 0.f;
}

// ---------------------------------------------------------------------------
void gather_rows(float* packed, const float* padded, const PackedLayout& lay, int C) {
#pragma omp parallel for schedule(static) if (worth_parallel(lay.R * C))
    for (int32_t b = 0; b < lay.B; ++b) {
        const int64_t first = lay.T - lay.len[b];
        std::memcpy(packed + lay.row0[b] * C, padded + (static_cast<int64_t>(b) * lay.T + first) * C,
                    sizeof(float) * lay.len[b] * C);
    }
}

void scatter_rows(float* padded, const float* packed, const PackedLayout& lay, int C) {
#pragma omp parallel for schedule(static) if (worth_parallel(static_cast<long>(lay.B) * lay.T * C))
    for (int32_t b = 0; b < lay.B; ++b) {
        const int64_t first = lay.T - lay.len[b];
        float* dst = padded + static_cast<int64_t>(b) * lay.T * C;
        std::memset(dst, 0, sizeof(float) * first * C);
        std::memcpy(dst + first * C, packed + lay.row0[b] * C, sizeof(float) * lay.len[b] * C);
    }
}

}  // namespace anirec
