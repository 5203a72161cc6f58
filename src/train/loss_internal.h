// Shared pieces of the loss implementations (loss.cpp, loss_bce.cpp, loss_ce.cpp,
// loss_sampled.cpp). Not part of the public API.
#pragma once

#include <cstdint>
#include <vector>

#include "train/loss.h"

namespace anirec {

// One row added into dE: dE[item] += coef * vec.
struct DeContrib {
    int32_t item;
    float coef;
    const float* vec;
};

struct LossScratch {
    std::vector<int64_t> rows;       // flat (b*T + t) index of each non-padded target
    std::vector<double> row_loss;    // per target (summed in order at the end: deterministic)
    std::vector<float> coef;         // per-target gradient coefficients
    std::vector<DeContrib> contrib;  // dE updates, applied by scatter_de
    std::vector<float> thread_buf;   // per-thread working memory
    std::vector<float> de_part;      // CE: per-thread partial dE
    std::vector<float> seq_buf;      // sampled losses: per-sequence gradients of the negatives
    std::vector<float> pack;         // CE: the item table packed for the micro-kernels
};

template <typename V>
void grow(V& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

// Fills s.rows[0..n) with the non-padded targets and returns n; checks ids are in [0, N].
int64_t collect_rows(LossScratch& s, const int32_t* targets, int32_t B, int32_t T, int32_t N);
// dE[c.item] += c.coef * c.vec for every contribution, in list order per item; each
// thread owns a range of item ids, so writes are disjoint and the order is fixed.
void scatter_de(float* dE, int32_t C, int32_t N, const DeContrib* list, int64_t n);
// Sum of s.row_loss[0..n) in order.
double sum_rows(const LossScratch& s, int64_t n);
// Zero the padded layout's dhidden.
void zero_rows(float* dhidden, int64_t n_floats);

// The implementations: dhidden == nullptr means forward only (dE untouched).
double loss_bce(const float* hidden, const float* E, const int32_t* targets, const int32_t* negatives,
                int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden, float* dE, LossScratch& s);
double loss_ce(const float* hidden, const float* E, const int32_t* targets, int32_t B, int32_t T, int32_t C,
               int32_t N, float* dhidden, float* dE, LossScratch& s);
double loss_sampled(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                    const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden,
                    float* dE, LossScratch& s);

// gSASRec's beta for K negatives out of N items and calibration t.
double gbce_beta(int32_t K, int32_t N, double t);

// Rows of logits per block in the full-softmax loss: (kCeRowBlock x N) scores per
// thread at a time, so memory stays bounded whatever the catalogue size.
constexpr int kCeRowBlock = 64;

}  // namespace anirec
