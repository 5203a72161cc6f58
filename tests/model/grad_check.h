// Helpers shared by the model and loss tests: tolerance comparisons that report the
// largest difference, central finite differences, random fills, small configs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "model/sasrec.h"
#include "util/rng.h"

namespace anirec::test {

// |got - want| <= atol + rtol * |want|, element-wise.
struct Tol {
    double atol;
    double rtol;
};

template <typename A, typename B>
::testing::AssertionResult all_close(const std::string& what, const A* got, const B* want, size_t n, Tol tol) {
    double worst_excess = -1, worst_diff = 0;
    size_t worst = 0, bad = 0;
    for (size_t i = 0; i < n; ++i) {
        const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
        const double diff = std::fabs(g - w);
        const double excess = diff - (tol.atol + tol.rtol * std::fabs(w));
        if (!(excess <= 0) || std::isnan(g)) ++bad;
        if (diff > worst_diff || std::isnan(g)) worst_diff = std::isnan(g) ? INFINITY : diff;
        if (excess > worst_excess || std::isnan(g)) {
            worst_excess = std::isnan(g) ? INFINITY : excess;
            worst = i;
        }
    }
    std::ostringstream os;
    os << what << ": " << n << " values, largest |diff| " << worst_diff;
    if (n) os << " (at " << worst << ": got " << got[worst] << ", want " << want[worst] << ")";
    os << ", tolerance " << tol.atol << " + " << tol.rtol << "*|want|";
    if (bad) {
        os << ", " << bad << " outside";
        return ::testing::AssertionFailure() << os.str();
    }
    return ::testing::AssertionSuccess() << os.str();
}

template <typename A, typename B>
::testing::AssertionResult all_close(const std::string& what, const std::vector<A>& got, const std::vector<B>& want,
                                     Tol tol) {
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << what << ": size " << got.size() << " vs " << want.size();
    return all_close(what, got.data(), want.data(), got.size(), tol);
}

// (f(x + eps) - f(x - eps)) / (2 eps), restoring x.
inline double central_diff(double& x, double eps, const std::function<double()>& f) {
    const double x0 = x;
    x = x0 + eps;
    const double fp = f();
    x = x0 - eps;
    const double fm = f();
    x = x0;
    return (fp - fm) / (2 * eps);
}

template <typename T>
void fill_normal(std::vector<T>& v, Rng& rng, double scale = 1.0, double shift = 0.0) {
    for (auto& x : v) x = static_cast<T>(shift + scale * rng.normal());
}

// Every parameter random (LayerNorm weights around 1, the rest around 0), so no
// gradient is trivially zero; item row 0 (padding) stays zero.
inline void random_params(ParamArena& p, uint64_t seed, double scale = 0.3) {
    Rng rng(seed);
    for (const auto& t : p.tensors()) {
        const bool ln_w = t.name.find("layernorm") != std::string::npos && t.name.ends_with(".weight");
        float* x = p.data() + t.offset;
        for (size_t i = 0; i < t.numel; ++i) x[i] = static_cast<float>((ln_w ? 1.0 : 0.0) + scale * rng.normal());
    }
    std::fill(p.item_emb, p.item_emb + p.config().hidden, 0.f);
}

// Left-padded random sequences of the given lengths, items in [1, n_items].
inline std::vector<int32_t> random_seqs(const std::vector<int>& lens, int T, int n_items, Rng& rng) {
    std::vector<int32_t> s(lens.size() * T, 0);
    for (size_t b = 0; b < lens.size(); ++b)
        for (int t = T - lens[b]; t < T; ++t) s[b * T + t] = 1 + static_cast<int32_t>(rng.below(n_items));
    return s;
}

inline ModelConfig tiny_config(NormLayout norm, int n_items = 13, int T = 7, int C = 8, int blocks = 2,
                               int heads = 2) {
    ModelConfig c;
    c.n_items = n_items;
    c.maxlen = T;
    c.hidden = C;
    c.blocks = blocks;
    c.heads = heads;
    c.dropout = 0.f;
    c.norm = norm;
    return c;
}

}  // namespace anirec::test
