#include "util/parallel.h"

#include <thread>

// OpenBLAS exports this; declared weak so a build against another BLAS still links.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace anirec {

int hardware_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

static int g_threads = 0;

void set_num_threads(int n) {
    if (n <= 0) n = hardware_threads();
    g_threads = n;
#ifdef ANIREC_HAVE_OPENMP
    omp_set_num_threads(n);
#endif
    if (openblas_set_num_threads) openblas_set_num_threads(n);
}

int num_threads() {
    if (g_threads > 0) return g_threads;
#ifdef ANIREC_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

}  // namespace anirec
