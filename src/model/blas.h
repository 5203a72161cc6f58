// Matrix products for the kernels: row-major wrappers over cblas_sgemm.
//
// Threading policy. Our kernels do their own threading with OpenMP over disjoint
// outputs; OpenBLAS must then run single-threaded inside each call, or the two
// thread pools fight over the cores (and the pthread build of OpenBLAS is not
// meant to be entered from several threads that each ask it for threads).
// BlasSerialScope pins OpenBLAS to one thread for its lifetime (reference-counted,
// so concurrent scopes from different caller threads are safe) and gemm_rows()
// splits a large product over the rows of its output, one slice per OpenMP thread.
// Every element of the output is then computed by one single-threaded sgemm, in an
// order that depends only on the slice boundaries, i.e. on the thread count: same
// thread count, bit-identical results.
#pragma once

namespace anirec {

class BlasSerialScope {
public:
    BlasSerialScope();
    ~BlasSerialScope();
    BlasSerialScope(const BlasSerialScope&) = delete;
    BlasSerialScope& operator=(const BlasSerialScope&) = delete;
};

// C (M,N) = alpha * op(A) op(B) + beta * C, row-major; op(A) is (M,K), op(B) is (K,N).
// trans_a: A is stored (K,M); trans_b: B is stored (N,K). One call in the calling thread.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

// The same product with the rows of C split into contiguous slices, one per OpenMP
// thread (call it outside a parallel region, inside a BlasSerialScope). Small
// products run as one call.
void gemm_rows(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc);

// Below this much work (elements or multiply-adds) a kernel runs on the calling
// thread alone: forking costs more than it saves (a single-user forward at serve time,
// the tiny models of the tests). Results never depend on the team size, so this only
// changes speed.
constexpr long kParallelMinWork = 1L << 15;
inline bool worth_parallel(long work) { return work >= kParallelMinWork; }

// Slice [begin, end) of n items for worker t of nt, contiguous and balanced.
inline void split_range(long n, int t, int nt, long& begin, long& end) {
    const long q = n / nt, r = n % nt;
    begin = t * q + (t < r ? t : r);
    end = begin + q + (t < r ? 1 : 0);
}

}  // namespace anirec
