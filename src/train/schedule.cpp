#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace anirec {

namespace {
constexpr double PI = 3.14159265358979323846;
constexpr double ONE_CYCLE_FINAL_DIV = 1e4;
}  // namespace

const char* schedule_kind_name(ScheduleKind k) {
    switch (k) {
        case ScheduleKind::CONSTANT: return "constant";
        case ScheduleKind::TRIANGULAR: return "triangular";
        case ScheduleKind::TRIANGULAR2: return "triangular2";
        case ScheduleKind::EXP_RANGE: return "exp_range";
        case ScheduleKind::ONE_CYCLE: return "one-cycle";
        case ScheduleKind::WARMUP_COSINE: return "warmup-cosine";
    }
    return "unknown";
}

ScheduleKind parse_schedule_kind(const std::string& s) {
    for (ScheduleKind k : {ScheduleKind::CONSTANT, ScheduleKind::TRIANGULAR, ScheduleKind::TRIANGULAR2,
                           ScheduleKind::EXP_RANGE, ScheduleKind::ONE_CYCLE, ScheduleKind::WARMUP_COSINE})
        if (s == schedule_kind_name(k)) return k;
    throw UsageError(cat("--schedule: expected one of constant, triangular, triangular2, exp_range, ",
                         "one-cycle, warmup-cosine; got '", s, "'"));
}

void ScheduleConfig::resolve(int64_t steps_per_epoch, int64_t total) {
    total_steps = total;
    if (!(lr > 0.f && std::isfinite(lr))) throw UsageError(cat("--lr: must be > 0, got ", lr));
    if (max_lr == 0.f) max_lr = 10.f * lr;
    if (!(max_lr > 0.f && std::isfinite(max_lr))) throw UsageError(cat("--max-lr: must be > 0, got ", max_lr));
    const bool cyclical = kind == ScheduleKind::TRIANGULAR || kind == ScheduleKind::TRIANGULAR2 ||
                          kind == ScheduleKind::EXP_RANGE;
    if ((cyclical || kind == ScheduleKind::ONE_CYCLE) && max_lr < lr)
        throw UsageError(cat("--max-lr: must be >= --lr (", lr, "), got ", max_lr));
    if (cycle_steps < 0) throw UsageError(cat("--cycle-steps: must be >= 1 (0 = 2 epochs), got ", cycle_steps));
    if (cycle_steps == 0) cycle_steps = std::max<int64_t>(1, 2 * steps_per_epoch);
    if (warmup_steps < 0) throw UsageError(cat("--warmup-steps: must be >= 0, got ", warmup_steps));
    if (kind == ScheduleKind::ONE_CYCLE && warmup_steps == 0)
        warmup_steps = std::max<int64_t>(1, static_cast<int64_t>(0.3 * static_cast<double>(total_steps)));
    if (!(gamma > 0.0 && gamma <= 1.0)) throw UsageError(cat("--gamma: must be in (0, 1], got ", gamma));
    if ((kind == ScheduleKind::ONE_CYCLE || kind == ScheduleKind::WARMUP_COSINE) && warmup_steps >= total_steps)
        throw UsageError(cat("--warmup-steps: must be below the run's total steps (", total_steps, "), got ",
                             warmup_steps));
}

double schedule_lr(const ScheduleConfig& c, int64_t s) {
    const double lr = c.lr, M = c.max_lr;
    const double sd = static_cast<double>(s);
    const double W = static_cast<double>(c.warmup_steps);
    const double n = static_cast<double>(c.total_steps);
    switch (c.kind) {
        case ScheduleKind::CONSTANT:
            if (s < c.warmup_steps) return lr * (sd + 1.0) / W;
            return lr;
        case ScheduleKind::TRIANGULAR:
        case ScheduleKind::TRIANGULAR2:
        case ScheduleKind::EXP_RANGE: {
            const double S = static_cast<double>(c.cycle_steps);
            const double cycle = std::floor(1.0 + sd / (2.0 * S));
            const double x = std::fabs(sd / S - 2.0 * cycle + 1.0);
            double scale = 1.0;
            if (c.kind == ScheduleKind::TRIANGULAR2) scale = 1.0 / std::pow(2.0, cycle - 1.0);
            if (c.kind == ScheduleKind::EXP_RANGE) scale = std::pow(c.gamma, sd);
            return lr + (M - lr) * std::max(0.0, 1.0 - x) * scale;
        }
        case ScheduleKind::ONE_CYCLE: {
            const double lo = lr / ONE_CYCLE_FINAL_DIV;
            if (s < c.warmup_steps) return lr + (M - lr) * sd / W;
            if (s >= c.total_steps) return lo;
            const double p = (sd - W) / (n - W);
            return lo + (M - lo) * 0.5 * (1.0 + std::cos(PI * p));
        }
        case ScheduleKind::WARMUP_COSINE: {
            if (s < c.warmup_steps) return lr * (sd + 1.0) / W;
            if (s >= c.total_steps) return 0.0;
            const double p = (sd - W) / (n - W);
            return lr * 0.5 * (1.0 + std::cos(PI * p));
        }
    }
    return lr;
}

}  // namespace anirec
