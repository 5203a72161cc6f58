// Naive reference versions of the losses of loss.h, templated on the float type,
// written straight from the definitions (no blocking, no threads). The tests check
// their gradients against central finite differences in double, then use them as
// the oracle for the fused fast losses.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "train/loss.h"

namespace anirec::ref {

template <typename T>
T softplus_t(T x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
template <typename T>
T sigmoid_t(T x) {
    return T(1) / (T(1) + std::exp(-x));
}

// Returns the loss; when dhidden is non-null, writes dhidden (B,T,C) and adds into
// dE (N+1,C) the analytic gradients.
template <typename T>
T loss(const LossConfig& cfg, const T* hidden, const T* E, const int32_t* targets, const int32_t* negatives, int B,
       int Tn, int C, int N, T* dhidden = nullptr, T* dE = nullptr) {
    const int K = cfg.negatives;
    long n = 0;
    for (long r = 0; r < static_cast<long>(B) * Tn; ++r) n += targets[r] != 0;
    if (dhidden)
        for (long i = 0; i < static_cast<long>(B) * Tn * C; ++i) dhidden[i] = 0;
    if (n == 0) return 0;
    const T alpha = N > 1 ? T(K) / T(N - 1) : T(1);
    const T beta = alpha * (T(cfg.gbce_t) * (1 - 1 / alpha) + 1 / alpha);
    const T norm = cfg.kind == LossKind::GBCE ? T(n) * (K + 1) : T(n);
    auto score = [&](long r, int item) {
        T s = 0;
        for (int c = 0; c < C; ++c) s += hidden[r * C + c] * E[static_cast<long>(item) * C + c];
        return s;
    };
    // g: d loss / d score of item at row r
    auto push = [&](long r, int item, T g) {
        if (!dhidden) return;
        for (int c = 0; c < C; ++c) {
            dhidden[r * C + c] += g * E[static_cast<long>(item) * C + c];
            dE[static_cast<long>(item) * C + c] += g * hidden[r * C + c];
        }
    };
    T total = 0;
    for (long r = 0; r < static_cast<long>(B) * Tn; ++r) {
        const int tgt = targets[r];
        if (tgt == 0) continue;
        const long b = r / Tn;
        const T sp = score(r, tgt);
        switch (cfg.kind) {
            case LossKind::BCE: {
                const int ng = negatives[r];
                const T sn = score(r, ng);
                total += softplus_t(-sp) + softplus_t(sn);
                push(r, tgt, (sigmoid_t(sp) - 1) / norm);
                push(r, ng, sigmoid_t(sn) / norm);
                break;
            }
            case LossKind::CE: {
                std::vector<T> s(N + 1);
                T mx = -INFINITY;
                for (int j = 1; j <= N; ++j) {
                    s[j] = score(r, j);
                    if (s[j] > mx) mx = s[j];
                }
                T z = 0;
                for (int j = 1; j <= N; ++j) z += std::exp(s[j] - mx);
                total += mx + std::log(z) - sp;
                for (int j = 1; j <= N; ++j) push(r, j, (std::exp(s[j] - mx) / z - (j == tgt ? 1 : 0)) / norm);
                break;
            }
            case LossKind::SAMPLED_CE: {
                std::vector<T> s(K + 1);
                s[0] = sp;
                T mx = sp;
                for (int k = 0; k < K; ++k) {
                    s[k + 1] = score(r, negatives[b * K + k]);
                    if (s[k + 1] > mx) mx = s[k + 1];
                }
                T z = 0;
                for (int k = 0; k <= K; ++k) z += std::exp(s[k] - mx);
                total += mx + std::log(z) - sp;
                push(r, tgt, (std::exp(s[0] - mx) / z - 1) / norm);
                for (int k = 0; k < K; ++k) push(r, negatives[b * K + k], std::exp(s[k + 1] - mx) / z / norm);
                break;
            }
            case LossKind::GBCE: {
                // -log(sigmoid(sp)^beta) - sum_k log(1 - sigmoid(sn_k))
                total += -beta * std::log(sigmoid_t(sp));
                push(r, tgt, -beta * (1 - sigmoid_t(sp)) / norm);
                for (int k = 0; k < K; ++k) {
                    const T sn = score(r, negatives[b * K + k]);
                    total += -std::log(1 - sigmoid_t(sn));
                    push(r, negatives[b * K + k], sigmoid_t(sn) / norm);
                }
                break;
            }
        }
    }
    return total / norm;
}

}  // namespace anirec::ref
