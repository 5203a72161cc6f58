// exp for softmax and the losses, written so GCC vectorises the loops that call it
// (std::exp does not vectorise without -ffast-math, which we do not use).
//
// Cephes' expf: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-7 polynomial,
// 2^n put into the exponent bits. Relative error about 1 ulp over the normal range;
// exp_fast(x) = 0 for x < -87.33 (where expf would turn subnormal) and
// +inf-free for x up to 88.7. Deterministic: no table, no rounding-mode dependence
// beyond round-to-nearest.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace anirec {

inline float exp_fast(float x) {
    const float lo = -87.33654f, hi = 88.72283f;
    const float xin = x;
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    // n = round(x / ln2): adding 1.5 * 2^23 rounds to an integer in round-to-nearest
    // mode (std::floor would not vectorise without -fno-trapping-math)
    const float magic = 12582912.0f;
    const float fx = (x * 1.44269504088896341f + magic) - magic;
    // r = x - n ln2, with ln2 split in two for an exact first product
    float r = x - fx * 0.693359375f;
    r = r - fx * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    // n in [-126, 128]; 2^n via the exponent field, split in two factors so n = 128 fits
    const int32_t n = static_cast<int32_t>(fx);
    const int32_t n1 = n >> 1, n2 = n - n1;
    const float p1 = std::bit_cast<float>(static_cast<uint32_t>(n1 + 127) << 23);
    const float p2 = std::bit_cast<float>(static_cast<uint32_t>(n2 + 127) << 23);
    y = y * p1 * p2;
    return xin < lo ? 0.f : y;
}

// x[i] = exp_fast(x[i] - shift) for i in [0, n); returns the sum of the results.
// The sum is a SIMD reduction: its order is fixed by the compiled code, so the
// result is deterministic for a given binary.
inline float exp_shift_sum(float* __restrict x, int n, float shift) {
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < n; ++i) {
        const float e = exp_fast(x[i] - shift);
        x[i] = e;
        s += e;
    }
    return s;
}

// max over x[0..n), n >= 1
inline float max_of(const float* __restrict x, int n) {
    float m = x[0];
#pragma omp simd reduction(max : m)
    for (int i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
    return m;
}

// sum over x[0..n)
inline float sum_of(const float* __restrict x, int n) {
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < n; ++i) s += x[i];
    return s;
}

// dot product of x and y over [0, n)
inline float dot_of(const float* __restrict x, const float* __restrict y, int n) {
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < n; ++i) s += x[i] * y[i];
    return s;
}

// Numerically stable log(1 + exp(x)).
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
inline float sigmoidf(float x) { return 1.f / (1.f + std::exp(-x)); }

}  // namespace anirec
