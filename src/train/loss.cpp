#include "train/loss.h"

#include <cstring>

#include "model/blas.h"
#include "train/loss_internal.h"
#include "util/error.h"

#ifdef ANIREC_HAVE_OPENMP
#include <omp.h>
#endif

namespace anirec {

const char* loss_kind_name(LossKind k) {
    switch (k) {
        case LossKind::BCE: return "bce";
        case LossKind::CE: return "ce";
        case LossKind::SAMPLED_CE: return "sampled-ce";
        case LossKind::GBCE: return "gbce";
    }
    return "?";
}

LossKind parse_loss_kind(const std::string& s) {
    if (s == "bce") return LossKind::BCE;
    if (s == "ce") return LossKind::CE;
    if (s == "sampled-ce") return LossKind::SAMPLED_CE;
    if (s == "gbce") return LossKind::GBCE;
    throw UsageError(cat("--loss: expected 'bce', 'ce', 'sampled-ce' or 'gbce', got '", s, "'"));
}

LossBuffers::LossBuffers() : scratch(new LossScratch) {}
LossBuffers::~LossBuffers() { delete scratch; }
LossBuffers::LossBuffers(LossBuffers&& o) noexcept : scratch(o.scratch) { o.scratch = nullptr; }
LossBuffers& LossBuffers::operator=(LossBuffers&& o) noexcept {
    if (this != &o) {
        delete scratch;
        scratch = o.scratch;
        o.scratch = nullptr;
    }
    return *this;
}

int64_t collect_rows(LossScratch& s, const int32_t* targets, int32_t B, int32_t T, int32_t N) {
    const int64_t n = static_cast<int64_t>(B) * T;
    grow(s.rows, n);
    int64_t k = 0;
    for (int64_t r = 0; r < n; ++r) {
        const int32_t t = targets[r];
        if (t == 0) continue;
        if (t < 0 || t > N)
            throw Error(cat("loss: target of sequence ", r / T, " position ", r % T, " is ", t, ", outside [0, ", N,
                            "]"));
        s.rows[k++] = r;
    }
    grow(s.row_loss, k);
    return k;
}

void scatter_de(float* dE, int32_t C, int32_t N, const DeContrib* list, int64_t n) {
#pragma omp parallel if (worth_parallel(n * C))
    {
        long lo = 0, hi = N;
#ifdef ANIREC_HAVE_OPENMP
        split_range(N, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
#endif
        lo += 1;  // items 1..N
        hi += 1;
        for (int64_t i = 0; i < n; ++i) {
            const DeContrib& c = list[i];
            if (c.item < lo || c.item >= hi) continue;
            float* d = dE + static_cast<int64_t>(c.item) * C;
            const float k = c.coef;
            const float* v = c.vec;
#pragma omp simd
            for (int j = 0; j < C; ++j) d[j] += k * v[j];
        }
    }
}

double sum_rows(const LossScratch& s, int64_t n) {
    double t = 0;
    for (int64_t i = 0; i < n; ++i) t += s.row_loss[i];
    return t;
}

void zero_rows(float* dhidden, int64_t n_floats) {
#pragma omp parallel for schedule(static) if (worth_parallel(n_floats))
    for (int64_t i = 0; i < n_floats; i += 4096)
        std::memset(dhidden + i, 0, sizeof(float) * static_cast<size_t>(std::min<int64_t>(4096, n_floats - i)));
}

double gbce_beta(int32_t K, int32_t N, double t) {
    const double alpha = N > 1 ? static_cast<double>(K) / (N - 1) : 1.0;
    return alpha * (t * (1.0 - 1.0 / alpha) + 1.0 / alpha);
}

namespace {
double dispatch(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden, float* dE,
                LossBuffers& buf) {
    if (!buf.scratch) buf.scratch = new LossScratch;
    if (B < 0 || T < 1 || C < 1 || N < 1) throw Error(cat("loss: bad shape B=", B, " T=", T, " C=", C, " N=", N));
    if (cfg.kind != LossKind::CE && !negatives) throw Error(cat("loss ", loss_kind_name(cfg.kind), ": no negatives"));
    if ((cfg.kind == LossKind::SAMPLED_CE || cfg.kind == LossKind::GBCE) && cfg.negatives < 1)
        throw Error(cat("loss ", loss_kind_name(cfg.kind), ": needs at least 1 negative, got ", cfg.negatives));
    BlasSerialScope blas_scope;
    switch (cfg.kind) {
        case LossKind::BCE: return loss_bce(hidden, E, targets, negatives, B, T, C, N, dhidden, dE, *buf.scratch);
        case LossKind::CE: return loss_ce(hidden, E, targets, B, T, C, N, dhidden, dE, *buf.scratch);
        case LossKind::SAMPLED_CE:
        case LossKind::GBCE:
            return loss_sampled(cfg, hidden, E, targets, negatives, B, T, C, N, dhidden, dE, *buf.scratch);
    }
    throw Error("loss: unknown kind");
}
}  // namespace

float loss_forward_backward(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                            const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N, float* dhidden,
                            float* dE, LossBuffers& buf) {
    ANIREC_ASSERT(dhidden && dE);
    return static_cast<float>(dispatch(cfg, hidden, E, targets, negatives, B, T, C, N, dhidden, dE, buf));
}

float loss_forward(const LossConfig& cfg, const float* hidden, const float* E, const int32_t* targets,
                   const int32_t* negatives, int32_t B, int32_t T, int32_t C, int32_t N, LossBuffers& buf) {
    return static_cast<float>(dispatch(cfg, hidden, E, targets, negatives, B, T, C, N, nullptr, nullptr, buf));
}

double loss_train_flops(const LossConfig& cfg, int64_t n_targets, int32_t C, int32_t N) {
    const double n = static_cast<double>(n_targets);
    switch (cfg.kind) {
        case LossKind::BCE: return 12.0 * C * n;
        case LossKind::CE: return 6.0 * N * C * n;
        case LossKind::SAMPLED_CE:
        case LossKind::GBCE: return 6.0 * (cfg.negatives + 1.0) * C * n;
    }
    return 0;
}

}  // namespace anirec
