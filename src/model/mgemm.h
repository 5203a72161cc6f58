// Products with a small packed operand (the model's hidden size as K or N), on the
// register-blocked micro-kernels of microkernels.h, for the linear layers and the
// full-softmax loss. Each call computes rows [r0, r1) of C in the calling thread;
// callers split rows across threads (every element is computed the same way
// whatever the split, so results do not depend on the thread count).
//
// On this project's AVX-512 machine these run at about twice the throughput of
// OpenBLAS 0.3.21's AVX2 kernels for K or N ~ 50 (docs/model.md).
#pragma once

#include <cstddef>

namespace anirec {

// Packed B^T for mgemm_nt: (K + 1) x up16(N); row K is the bias row (or zeros).
size_t mgemm_bt_floats(int N, int K);
// B (N x K, row stride ldb) -> Bt; bias (N) or null.
void mgemm_pack_bt(float* Bt, const float* B, int ldb, int N, int K, const float* bias);
// Packed B for mgemm_nn / mgemm_tn: K x up16(N).
size_t mgemm_bp_floats(int K, int N);
// B (K x N, row stride ldb) -> Bp.
void mgemm_pack_bp(float* Bp, const float* B, int ldb, int K, int N);

// C (rows r0..r1, N columns) (+)= A (M x K, lda) B^T (+ bias when with_bias).
void mgemm_nt(float* C, int ldc, const float* A, int lda, const float* Bt, int N, int K, int r0, int r1,
              bool with_bias, bool accumulate);
// C (rows r0..r1, N columns) (+)= A (M x K, lda) B.
void mgemm_nn(float* C, int ldc, const float* A, int lda, const float* Bp, int N, int K, int r0, int r1,
              bool accumulate);
// C (rows r0..r1 of M, N columns) (+)= A^T B, A (K x M, lda), B packed (K x up16(N)).
void mgemm_tn(float* C, int ldc, const float* A, int lda, const float* Bp, int N, int K, int r0, int r1,
              bool accumulate);

}  // namespace anirec
