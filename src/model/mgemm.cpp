#include "model/mgemm.h"

#include <algorithm>

#include "model/microkernels.h"

namespace anirec {

using namespace mk;

size_t mgemm_bt_floats(int N, int K) { return static_cast<size_t>(K + 1) * up16(N); }

void mgemm_pack_bt(float* Bt, const float* B, int ldb, int N, int K, const float* bias) {
    const int ld = up16(N);
    pack_transposed(Bt, ld, B, ldb, N, K);
    float* row = Bt + static_cast<size_t>(K) * ld;
    for (int j = 0; j < ld; ++j) row[j] = bias && j < N ? bias[j] : 0.f;
}

size_t mgemm_bp_floats(int K, int N) { return static_cast<size_t>(K) * up16(N); }

void mgemm_pack_bp(float* Bp, const float* B, int ldb, int K, int N) { pack_rows(Bp, up16(N), B, ldb, K, N); }

void mgemm_nt(float* C, int ldc, const float* A, int lda, const float* Bt, int N, int K, int r0, int r1,
              bool with_bias, bool accumulate) {
    const int ld = up16(N);
    const float* bias = with_bias ? Bt + static_cast<size_t>(K) * ld : nullptr;
    for (int i0 = r0; i0 < r1; i0 += kNtRows) {
        dispatch_rows(std::min(kNtRows, r1 - i0), [&](auto rb) {
            if (accumulate)
                nt_rows<rb.value, true>(C, ldc, A, lda, Bt, ld, K, 1.f, i0, ld, N, bias);
            else
                nt_rows<rb.value, false>(C, ldc, A, lda, Bt, ld, K, 1.f, i0, ld, N, bias);
        });
    }
}

void mgemm_nn(float* C, int ldc, const float* A, int lda, const float* Bp, int N, int K, int r0, int r1,
              bool accumulate) {
    const int ld = up16(N);
    for (int i0 = r0; i0 < r1; i0 += kNnRows) {
        dispatch_rows(std::min(kNnRows, r1 - i0), [&](auto rb) {
            if (accumulate)
                prod_rows<false, rb.value, true>(C, ldc, N, A, lda, Bp, ld, 0, K, i0);
            else
                prod_rows<false, rb.value, false>(C, ldc, N, A, lda, Bp, ld, 0, K, i0);
        });
    }
}

void mgemm_tn(float* C, int ldc, const float* A, int lda, const float* Bp, int N, int K, int r0, int r1,
              bool accumulate) {
    const int ld = up16(N);
    for (int j0 = r0; j0 < r1; j0 += kNnRows) {
        dispatch_rows(std::min(kNnRows, r1 - j0), [&](auto rb) {
            if (accumulate)
                prod_rows<true, rb.value, true>(C, ldc, N, A, lda, Bp, ld, 0, K, j0);
            else
                prod_rows<true, rb.value, false>(C, ldc, N, A, lda, Bp, ld, 0, K, j0);
        });
    }
}

}  // namespace anirec
