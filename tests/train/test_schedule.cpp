// Learning-rate schedules against values computed by hand from the formulas in
// train/schedule.h (Smith 2017's triangular example: base 0.001, max 0.006, step 2000).
#include <gtest/gtest.h>

#include "train/schedule.h"
#include "util/error.h"

using namespace anirec;

namespace {
ScheduleConfig smith(ScheduleKind k) {
    ScheduleConfig c;
    c.kind = k;
    c.lr = 0.001f;
    c.max_lr = 0.006f;
    c.cycle_steps = 2000;
    c.resolve(1000, 100000);
    return c;
}
constexpr double TOL = 1e-9;  // the rates are computed in double from float inputs
}  // namespace

TEST(Schedule, ConstantWithAndWithoutWarmup) {
    ScheduleConfig c;
    c.lr = 0.5f;
    c.resolve(10, 100);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 0), 0.5);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 99), 0.5);
    c.warmup_steps = 4;
    c.resolve(10, 100);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 0), 0.125);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 1), 0.25);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 3), 0.5);
    EXPECT_DOUBLE_EQ(schedule_lr(c, 50), 0.5);
}

TEST(Schedule, TriangularSmithExample) {
    const ScheduleConfig c = smith(ScheduleKind::TRIANGULAR);
    EXPECT_NEAR(schedule_lr(c, 0), 0.001, TOL);
    EXPECT_NEAR(schedule_lr(c, 1000), 0.0035, TOL);  // halfway up: x = 0.5
    EXPECT_NEAR(schedule_lr(c, 2000), 0.006, TOL);   // the peak
    EXPECT_NEAR(schedule_lr(c, 3000), 0.0035, TOL);
    EXPECT_NEAR(schedule_lr(c, 4000), 0.001, TOL);   // cycle 2 starts at the base
    EXPECT_NEAR(schedule_lr(c, 6000), 0.006, TOL);   // same amplitude every cycle
}

TEST(Schedule, Triangular2HalvesEachCycle) {
    const ScheduleConfig c = smith(ScheduleKind::TRIANGULAR2);
    EXPECT_NEAR(schedule_lr(c, 2000), 0.006, TOL);
    EXPECT_NEAR(schedule_lr(c, 6000), 0.001 + 0.005 / 2, TOL);
    EXPECT_NEAR(schedule_lr(c, 10000), 0.001 + 0.005 / 4, TOL);
    EXPECT_NEAR(schedule_lr(c, 9000), 0.001 + 0.005 / 4 * 0.5, TOL);
}

TEST(Schedule, ExpRangeDecaysByGammaPowStep) {
    ScheduleConfig c;
    c.kind = ScheduleKind::EXP_RANGE;
    c.lr = 0.001f;
    c.max_lr = 0.006f;
    c.cycle_steps = 2000;
    c.gamma = 0.999;
    c.resolve(1000, 100000);
    // 0.001 + 0.005 * 0.999^2000 (0.999^2000 = 0.135200...)
    EXPECT_NEAR(schedule_lr(c, 2000), 0.0016759996269874971, 1e-8);
    EXPECT_NEAR(schedule_lr(c, 0), 0.001, TOL);
}

TEST(Schedule, OneCycle) {
    ScheduleConfig c;
    c.kind = ScheduleKind::ONE_CYCLE;
    c.lr = 0.1f;
    c.max_lr = 1.0f;
    c.warmup_steps = 30;
    c.resolve(10, 100);
    EXPECT_NEAR(schedule_lr(c, 0), 0.1, 1e-7);
    EXPECT_NEAR(schedule_lr(c, 15), 0.55, 1e-7);   // linear halfway
    EXPECT_NEAR(schedule_lr(c, 30), 1.0, 1e-7);    // the peak
    EXPECT_NEAR(schedule_lr(c, 65), 0.500005, 1e-7);  // cosine halfway to lr/1e4
    EXPECT_NEAR(schedule_lr(c, 100), 1e-5, 1e-10);
    // Default warmup: 30% of the run.
    ScheduleConfig d;
    d.kind = ScheduleKind::ONE_CYCLE;
    d.lr = 0.1f;
    d.max_lr = 1.0f;
    d.resolve(10, 200);
    EXPECT_EQ(d.warmup_steps, 60);
}

TEST(Schedule, WarmupCosine) {
    ScheduleConfig c;
    c.kind = ScheduleKind::WARMUP_COSINE;
    c.lr = 1.0f;
    c.warmup_steps = 10;
    c.resolve(10, 110);
    EXPECT_NEAR(schedule_lr(c, 0), 0.1, 1e-12);
    EXPECT_NEAR(schedule_lr(c, 9), 1.0, 1e-12);
    EXPECT_NEAR(schedule_lr(c, 10), 1.0, 1e-12);
    EXPECT_NEAR(schedule_lr(c, 60), 0.5, 1e-12);
    EXPECT_NEAR(schedule_lr(c, 109), 0.0002467198171342, 1e-12);
    EXPECT_EQ(schedule_lr(c, 110), 0.0);
}

TEST(Schedule, DerivedDefaults) {
    ScheduleConfig c;
    c.kind = ScheduleKind::TRIANGULAR;
    c.lr = 0.002f;
    c.resolve(37, 1000);
    EXPECT_FLOAT_EQ(c.max_lr, 0.02f);
    EXPECT_EQ(c.cycle_steps, 74);
}

TEST(Schedule, BadValuesNameTheFlag) {
    auto expect_flag = [](ScheduleConfig c, const char* flag) {
        try {
            c.resolve(10, 100);
            FAIL() << "no error for " << flag;
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
        }
    };
    ScheduleConfig c;
    c.kind = ScheduleKind::TRIANGULAR;
    c.max_lr = 0.0001f;
    expect_flag(c, "--max-lr");
    c = {};
    c.lr = -1.f;
    expect_flag(c, "--lr");
    c = {};
    c.kind = ScheduleKind::WARMUP_COSINE;
    c.warmup_steps = 100;
    expect_flag(c, "--warmup-steps");
    c = {};
    c.kind = ScheduleKind::EXP_RANGE;
    c.gamma = 1.5;
    expect_flag(c, "--gamma");
    EXPECT_THROW(parse_schedule_kind("cosine"), UsageError);
    EXPECT_EQ(parse_schedule_kind("triangular2"), ScheduleKind::TRIANGULAR2);
}
