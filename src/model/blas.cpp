#include "model/blas.h"

#include <cblas.h>

#include <mutex>

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

#include "model/blas_threads.h"

namespace anirec {

namespace {
std::mutex g_scope_mutex;
int g_scope_depth = 0;
int g_saved_threads = 0;
}  // namespace

BlasSerialScope::BlasSerialScope() {
    std::lock_guard<std::mutex> lock(g_scope_mutex);
    if (g_scope_depth++ == 0) {
        g_saved_threads = blas_get_threads();
        if (g_saved_threads != 1) blas_set_threads(1);
    }
}

BlasSerialScope::~BlasSerialScope() {
    std::lock_guard<std::mutex> lock(g_scope_mutex);
    if (--g_scope_depth == 0 && g_saved_threads != 1 && g_saved_threads > 0) blas_set_threads(g_saved_threads);
}

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  // BLAS would still scale C by beta; do it explicitly
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < N; ++j) C[(long)i * ldc + j] = beta == 0.f ? 0.f : beta * C[(long)i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_rows(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc) {
    int nt = 1;
#ifdef ANIREC_HAVE_OPENMP
    if (!omp_in_parallel()) nt = omp_get_max_threads();
#endif
    // Below ~2 MFLOP per thread the fork costs more than it saves.
    const double flops = 2.0 * M * N * (double)K;
    while (nt > 1 && (flops / nt < 2e6 || M / nt < 8)) --nt;
    if (nt <= 1) {
        gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#ifdef ANIREC_HAVE_OPENMP
#pragma omp parallel num_threads(nt)
    {
        long m0, m1;
        split_range(M, omp_get_thread_num(), omp_get_num_threads(), m0, m1);
        const float* a = trans_a ? A + m0 : A + m0 * (long)lda;
        gemm(trans_a, trans_b, (int)(m1 - m0), N, K, alpha, a, lda, B, ldb, beta, C + m0 * (long)ldc, ldc);
    }
#endif
}

}  // namespace anirec
