// OpenBLAS's run-time controls, looked up weakly so a build against another BLAS
// still links (there they do nothing and report 1 / "unknown").
#pragma once

#include <string>

namespace anirec {
int blas_get_threads();
void blas_set_threads(int n);

// The kernel set OpenBLAS chose for this CPU ("Haswell", "SkylakeX", ...) or "unknown".
std::string blas_core_name();

// OpenBLAS 0.3.21 (Debian 12) does not know AMD Zen 4/5: it runs its AVX2 "Haswell"
// kernels there, at about half the speed of its AVX-512 "SkylakeX" ones (measured on
// this project's Zen 5 machine: 92 vs 172 GFLOP/s for a 2048^3 SGEMM on one core).
// The choice is made when the library loads, before main, from OPENBLAS_CORETYPE.
// So: when the CPU has AVX-512 F/BW/DQ/VL, OpenBLAS chose an AVX2 core and
// OPENBLAS_CORETYPE is unset, this sets OPENBLAS_CORETYPE=SkylakeX and re-executes
// the program (/proc/self/exe, same argv and environment otherwise). It returns when
// it did nothing (or the exec failed). Call it first thing in main. Setting
// OPENBLAS_CORETYPE yourself (to anything) turns it off.
void blas_reexec_for_avx512(char** argv);
}  // namespace anirec
