// Learning-rate schedules: the learning rate as a pure function of the step number
// (0-based: step s is the (s+1)-th update), so resume needs only the step.
//
// With lr = --lr (the base rate), M = --max-lr, S = --cycle-steps (Smith's step
// size: the steps of one half cycle), W = --warmup-steps, γ = --gamma and
// n = the total steps of the run (epochs × batches per epoch):
//
//   constant        lr                                   (after the optional warmup)
//   triangular      Smith 2017, "Cyclical Learning Rates for Training Neural Networks":
//                     cycle = floor(1 + s/(2S)); x = |s/S - 2·cycle + 1|
//                     lr + (M - lr)·max(0, 1 - x)·scale, scale = 1
//   triangular2     the same with scale = 1/2^(cycle-1) (amplitude halves each cycle)
//   exp_range       the same with scale = γ^s
//   one-cycle       (Smith & Topin 2018) linear lr → M over the first W steps (W = 0:
//                     30% of n), then cosine M → lr/10⁴ at step n (torch's
//                     final_div_factor); lr/10⁴ after n
//   warmup-cosine   linear warmup lr·(s+1)/W for s < W, then
//                     lr·½(1 + cos(π·(s-W)/(n-W))), 0 after n
//
// Warmup (W > 0) also applies to constant: lr·(s+1)/W for s < W. Cyclical schedules
// ignore W.
#pragma once

#include <cstdint>
#include <string>

namespace anirec {

enum class ScheduleKind : int32_t {
    CONSTANT = 0,
    TRIANGULAR = 1,
    TRIANGULAR2 = 2,
    EXP_RANGE = 3,
    ONE_CYCLE = 4,
    WARMUP_COSINE = 5,
};
// "constant", "triangular", "triangular2", "exp_range", "one-cycle", "warmup-cosine"
const char* schedule_kind_name(ScheduleKind k);
ScheduleKind parse_schedule_kind(const std::string& s);  // throws UsageError naming --schedule

struct ScheduleConfig {
    ScheduleKind kind = ScheduleKind::CONSTANT;
    float lr = 1e-3f;         // --lr: base rate (cyclical: the low end)
    float max_lr = 0.f;       // --max-lr: cyclical and one-cycle peak; 0 = 10 × lr
    int64_t cycle_steps = 0;  // --cycle-steps: half-cycle length S; 0 = 2 epochs of steps
    int64_t warmup_steps = 0; // --warmup-steps
    double gamma = 0.99994;   // --gamma: exp_range decay per step (Smith's example value)
    int64_t total_steps = 0;  // n: set by the trainer from epochs × batches per epoch

    // Fills the 0 = "derived" fields from the run's shape, then validates; throws
    // UsageError naming the flag.
    void resolve(int64_t steps_per_epoch, int64_t total);
};

// The learning rate of step s (0-based) under a resolved config.
double schedule_lr(const ScheduleConfig& cfg, int64_t s);

}  // namespace anirec
