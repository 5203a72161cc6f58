// Causal self-attention on packed rows (declared in ops.h): per (sequence, head) a
// dense lower-triangular problem of size L = the sequence's real length, computed
// with register-blocked micro-kernels that touch only the triangle (to within one
// 16-wide column block on the diagonal).
//
// Three product shapes (microkernels.h) cover forward and backward, each on packed
// operands held in per-thread scratch (so every load is contiguous and the padding
// lanes are zero):
//   NT  S[i, j] = a * sum_k A[i, k] Bt[k, j]      j < i + 1 (to the 16-block end)
//       scores QK^T (Bt = K^T) and dPd = dO V^T (Bt = V^T)
//   NN  O[i, :] = sum_{j <= i} P[i, j] Bp[j, :]   P V,  dQ = dS K
//   TN  O[j, :] = sum_{i >= j} P[i, j] Bp[i, :]   dV = Pd^T dO,  dK = dS^T Q
// The triangular rows are stored with row stride Lp = up16(L); row i holds j <= i
// and zeros at i+1 .. i+15 (clamped to Lp), which is all the blocked kernels read
// past the diagonal (garbage further right is never read). Row-wise passes
// (softmax, dropout, the softmax backward) run over up16(i+1) columns: whole vectors.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/blas.h"
#include "model/microkernels.h"
#include "model/ops.h"
#include "model/vmath.h"
#include "util/rng.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

namespace {

using namespace mk;

// Rows [i0, i0+rb) of a triangle of NT products: columns [0, up16(i0+rb)), all
// stored (the rows are padded to a multiple of 16).
void nt_tri(int rb, float* S, int lds, const float* A, int lda, const float* Bt, int ldbt, int K, float a, int i0) {
    dispatch_rows(rb, [&](auto r) {
        const int jend = up16(i0 + r.value);
        nt_rows<r.value, false>(S, lds, A, lda, Bt, ldbt, K, a, i0, jend, jend, nullptr);
    });
}

// NN over the triangle: rows [i0, i0+rb) use j < min(L, i0+rb).
void nn_tri(int rb, float* O, int ldo, int ncols, int dhp, const float* P, int ldp, int L, const float* Bp, int i0) {
    dispatch_rows(rb, [&](auto r) {
        prod_rows<false, r.value, false>(O, ldo, ncols, P, ldp, Bp, dhp, 0, std::min(L, i0 + r.value), i0);
    });
}

// TN over the triangle: output rows [j0, j0+rb) sum over i in [j0, L).
void tn_tri(int rb, float* O, int ldo, int ncols, int dhp, const float* P, int ldp, int L, const float* Bp, int j0) {
    dispatch_rows(rb, [&](auto r) { prod_rows<true, r.value, false>(O, ldo, ncols, P, ldp, Bp, dhp, j0, L, j0); });
}

// Zeroes row i of a triangular block from up16(i+1) to i+15 (clamped to the padded
// row length Lp); columns i+1 .. up16(i+1) are zeroed by the row's own vector pass.
// The blocked NN/TN kernels read at most RB-1 <= 15 columns past the diagonal.
inline void zero_past_diagonal(float* row, int i, int Lp) {
    const int e = std::min(Lp, i + kW);
    for (int j = up16(i + 1); j < e; ++j) row[j] = 0.f;
}

inline float keep_scale(float p) { return p > 0.f ? 1.f / (1.f - p) : 1.f; }

[[maybe_unused]] int scratch_team(int scratch_threads) {
#ifdef ANIREC_HAVE_OPENMP
    return std::max(1, std::min(omp_get_max_threads(), scratch_threads));
#else
    return 1;
#endif
}
int thread_id() {
#ifdef ANIREC_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

}  // namespace

size_t attention_scratch_floats(int T, int C, int H) {
    const int dh = C / H;
    return 4 * static_cast<size_t>(up16(T)) * static_cast<size_t>(up16(dh));
}

void attention_forward(float* out, float* probs, float* probs_drop, const float* qkv, const PackedLayout& lay, int C,
                       int H, float p, uint64_t seed, int layer, float* scratch, int scratch_threads) {
    const int dh = C / H, dhp = up16(dh);
    const int ld = 3 * C;
    const float scale = 1.f / std::sqrt(static_cast<float>(dh));
    const float ks = keep_scale(p);
    const size_t per_thread = attention_scratch_floats(lay.T, C, H);
    const int n_work = lay.B * H;
#pragma omp parallel for schedule(dynamic, 1) num_threads(scratch_team(scratch_threads)) \
    if (worth_parallel(lay.att0[lay.B] * C))
    for (int wi = 0; wi < n_work; ++wi) {
        const int b = lay.work[wi / H], h = wi % H;
        const int L = lay.len[b];
        if (L == 0) continue;
        const int Lp = up16(L);
        float* Kt = scratch + per_thread * thread_id();  // (dh x Lp)
        float* Vp = Kt + static_cast<size_t>(dhp) * Lp;  // (Lp x dhp)
        const float* Q = qkv + lay.row0[b] * ld + h * dh;
        pack_transposed(Kt, Lp, Q + C, ld, L, dh);
        pack_rows(Vp, dhp, Q + 2 * C, ld, L, dh);
        float* O = out + lay.row0[b] * C + h * dh;
        const int64_t off = lay.att0[b] * H + static_cast<int64_t>(h) * L * Lp;
        float* P = probs + off;
        float* Pd = probs_drop ? probs_drop + off : nullptr;
        const DropKey key(seed, dropout_stream_id(DropKind::ATTN, layer, b, h), p);
        for (int i0 = 0; i0 < L; i0 += kNtRows) {
            const int rb = std::min(kNtRows, L - i0);
            nt_tri(rb, P, Lp, Q, ld, Kt, Lp, dh, scale, i0);
            for (int i = i0; i < i0 + rb; ++i) {
                float* row = P + static_cast<int64_t>(i) * Lp;
                const int n = up16(i + 1);  // whole vectors; -inf past the diagonal gives exp 0
                for (int j = i + 1; j < n; ++j) row[j] = -INFINITY;
                const float m = max_of(row, n);
                const float inv = 1.f / exp_shift_sum(row, n, m);
#pragma omp simd
                for (int j = 0; j < n; ++j) row[j] *= inv;
                zero_past_diagonal(row, i, Lp);
                if (Pd) {
                    float* rd = Pd + static_cast<int64_t>(i) * Lp;
                    const uint32_t base = static_cast<uint32_t>(i) * L;
#pragma omp simd
                    for (int j = 0; j < n; ++j) rd[j] = dropout_keep(key, base + j) ? row[j] * ks : 0.f;
                    zero_past_diagonal(rd, i, Lp);
                }
            }
        }
        // O = Pd V, in row blocks of kNnRows (one short block at most)
        for (int r0 = 0; r0 < L; r0 += kNnRows)
            nn_tri(std::min(kNnRows, L - r0), O, C, dh, dhp, Pd ? Pd : P, Lp, L, Vp, r0);
    }
}

// With Pd = P * keep:  dPd = dO V^T;  dV = Pd^T dO;  dP = dPd * keep;
// dS = P * (dP - rowsum(dP * P)) * scale;  dQ = dS K;  dK = dS^T Q.
// keep is recovered from Pd: where P != 0, Pd / P is 0 or 1/(1-p), and where
// P == 0 the entry of dS is 0 whatever keep is.
void attention_backward(float* dqkv, float* dscratch, const float* dout, const float* qkv, const float* probs,
                        const float* probs_drop, const PackedLayout& lay, int C, int H, float p, float* scratch,
                        int scratch_threads) {
    const int dh = C / H, dhp = up16(dh);
    const int ld = 3 * C;
    const float scale = 1.f / std::sqrt(static_cast<float>(dh));
    const float ks = keep_scale(p);
    const size_t per_thread = attention_scratch_floats(lay.T, C, H);
    const int n_work = lay.B * H;
#pragma omp parallel for schedule(dynamic, 1) num_threads(scratch_team(scratch_threads)) \
    if (worth_parallel(lay.att0[lay.B] * C))
    for (int wi = 0; wi < n_work; ++wi) {
        const int b = lay.work[wi / H], h = wi % H;
        const int L = lay.len[b];
        if (L == 0) continue;
        const int Lp = up16(L);
        const int64_t r0 = lay.row0[b];
        const float* Q = qkv + r0 * ld + h * dh;
        const float* K = Q + C;
        const float* V = Q + 2 * C;
        float* dQ = dqkv + r0 * ld + h * dh;
        float* dK = dQ + C;
        float* dV = dQ + 2 * C;
        const float* dO = dout + r0 * C + h * dh;
        float* Vt = scratch + per_thread * thread_id();   // (dh x Lp)
        float* dOp = Vt + static_cast<size_t>(dhp) * Lp;  // (Lp x dhp)
        float* Kp = dOp + static_cast<size_t>(Lp) * dhp;
        float* Qp = Kp + static_cast<size_t>(Lp) * dhp;
        pack_transposed(Vt, Lp, V, ld, L, dh);
        pack_rows(dOp, dhp, dO, C, L, dh);
        pack_rows(Kp, dhp, K, ld, L, dh);
        pack_rows(Qp, dhp, Q, ld, L, dh);
        const int64_t off = lay.att0[b] * H + static_cast<int64_t>(h) * L * Lp;
        const float* P = probs + off;
        const float* Pd = probs_drop ? probs_drop + off : P;
        float* D = dscratch + off;
        for (int i0 = 0; i0 < L; i0 += kNtRows) {
            const int rb = std::min(kNtRows, L - i0);
            nt_tri(rb, D, Lp, dO, C, Vt, Lp, dh, 1.f, i0);  // dPd
            for (int i = i0; i < i0 + rb; ++i) {
                // whole vectors: past the diagonal P (and Pd) are 0, so d becomes 0 there
                const int n = up16(i + 1);
                float* d = D + static_cast<int64_t>(i) * Lp;
                const float* pr = P + static_cast<int64_t>(i) * Lp;
                if (probs_drop) {
                    const float* pdr = Pd + static_cast<int64_t>(i) * Lp;
#pragma omp simd
                    for (int j = 0; j < n; ++j) d[j] = pdr[j] != 0.f ? d[j] * ks : 0.f;
                }
                const float rowdot = dot_of(d, pr, n);
#pragma omp simd
                for (int j = 0; j < n; ++j) d[j] = pr[j] * (d[j] - rowdot) * scale;
                zero_past_diagonal(d, i, Lp);
            }
        }
        for (int j0 = 0; j0 < L; j0 += kNnRows) {
            const int rb = std::min(kNnRows, L - j0);
            tn_tri(rb, dV, ld, dh, dhp, Pd, Lp, L, dOp, j0);  // dV = Pd^T dO
            nn_tri(rb, dQ, ld, dh, dhp, D, Lp, L, Kp, j0);    // dQ = dS K
            tn_tri(rb, dK, ld, dh, dhp, D, Lp, L, Qp, j0);    // dK = dS^T Q
        }
    }
}

void attention_dropout_keep(uint8_t* keep, uint64_t seed, int layer, int b, int h, int L, float p) {
    const DropKey key(seed, dropout_stream_id(DropKind::ATTN, layer, b, h), p);
    for (int i = 0; i < L; ++i)
        for (int j = 0; j < L; ++j)
            keep[static_cast<int64_t>(i) * L + j] = j <= i && dropout_keep(key, static_cast<uint32_t>(i * L + j)) ? 1 : 0;
}

}  // namespace anirec
