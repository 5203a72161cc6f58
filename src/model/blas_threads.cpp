#include "model/blas_threads.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

// Declared here, away from <cblas.h>, so the weak attribute is the only declaration.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads(void) __attribute__((weak));
extern "C" char* openblas_get_corename(void) __attribute__((weak));

namespace anirec {

int blas_get_threads() { return openblas_get_num_threads ? openblas_get_num_threads() : 1; }

void blas_set_threads(int n) {
    if (openblas_set_num_threads) openblas_set_num_threads(n);
}

std::string blas_core_name() {
    const char* s = openblas_get_corename ? openblas_get_corename() : nullptr;
    return s ? std::string(s) : std::string("unknown");
}

void blas_reexec_for_avx512(char** argv) {
#if defined(__x86_64__) && defined(__linux__)
    if (std::getenv("OPENBLAS_CORETYPE") || !openblas_get_corename) return;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
        return;
    const std::string core = blas_core_name();
    if (core != "Haswell" && core != "Zen") return;  // already AVX-512, or a core we do not know
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");  // exec failed: carry on with what we have
#else
    (void)argv;
#endif
}

}  // namespace anirec
