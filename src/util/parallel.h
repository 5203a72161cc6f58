// Threading helpers. Parallel regions write disjoint outputs only, so results never
// depend on scheduling; the first exception thrown in a worker is rethrown on join.
#pragma once

#include <cstdint>
#include <exception>
#include <mutex>

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

// Sets the thread count for OpenMP regions and for BLAS. 0 means all cores.
void set_num_threads(int n);
int num_threads();
int hardware_threads();

// Calls fn(i, thread_id) for i in [begin, end) split into static contiguous chunks,
// one per thread (thread t always gets the same chunk for the same n_threads: this is
// what makes per-thread RNG streams deterministic).
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, Fn&& fn) {
    std::exception_ptr error;
    std::mutex error_mutex;
#ifdef ANIREC_HAVE_OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int64_t i = begin; i < end; ++i) {
        {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (error) continue;
        }
        try {
#ifdef ANIREC_HAVE_OPENMP
            fn(i, omp_get_thread_num());
#else
            fn(i, 0);
#endif
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace anirec
