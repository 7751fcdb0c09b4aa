#include "gauntlet/load/breaking_point.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"
#include "gauntlet/load/fake_clock.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

// A target that sustains `capacity`: p99 grows as it nears it and explodes past it. Each level
// takes 10 s of virtual time.
struct SyntheticTarget {
  double capacity;
  FakeClock& clock;
  std::vector<double> asked{};

  LevelOutcome operator()(double level) {
    asked.push_back(level);
    clock.advance(10s);
    const double load = level / capacity;
    LevelOutcome out;
    out.p50_ms = 2;
    out.p99_ms = load <= 1 ? 5 / (1.05 - load) : 5000;
    out.p95_ms = out.p99_ms / 2;
    out.error_rate = load <= 1 ? 0 : 1 - 1 / load;
    out.achieved_rate = std::min(level, capacity);
    out.passed = out.error_rate < 0.01 && out.p99_ms < 200;
    if (!out.passed) out.note = "error_rate<1% failed";
    return out;
  }
};

BreakingPointOptions options() {
  BreakingPointOptions o;
  o.from = 100;
  o.to = 1000;
  o.steps = 4;  // 100, 400, 700, 1000
  o.precision = 0.02;
  o.time_budget = 10min;
  o.thresholds = {"error_rate<1%"};
  return o;
}

TEST(BreakingPoint, StepsThenBisectsToTheKnownCapacity) {
  FakeClock clock;
  SyntheticTarget target{437, clock};
  const CapacityCurve c = find_breaking_point(options(), std::ref(target), clock);
  ASSERT_TRUE(c.highest_sustainable);
  EXPECT_LE(*c.highest_sustainable, 437);
  EXPECT_GE(*c.highest_sustainable, 437 * 0.98 - 1e-9);
  // The steps: 100, 400, 700 (which fails twice); 1000 is never run.
  ASSERT_GE(target.asked.size(), 4U);
  EXPECT_EQ(target.asked[0], 100);
  EXPECT_EQ(target.asked[1], 400);
  EXPECT_EQ(target.asked[2], 700);
  EXPECT_EQ(target.asked[3], 700);  // a failure counts when it fails twice
  EXPECT_EQ(target.asked[4], 550);  // bisection between 400 and 700
  EXPECT_TRUE(std::is_sorted(c.levels.begin(), c.levels.end(),
                             [](const auto& a, const auto& b) { return a.level < b.level; }));
  // The knee: the first level whose p99 is over twice the lowest level's (5/0.821 = 6.1 ms).
  ASSERT_TRUE(c.knee);
  EXPECT_GT(*c.knee, 100);
  EXPECT_LE(*c.knee, 437);
  EXPECT_EQ(c.unit, "requests/s");
  EXPECT_NE(c.note.find("bisection converged"), std::string::npos) << c.note;
}

TEST(BreakingPoint, StopsWithinTheTimeBudget) {
  FakeClock clock;
  SyntheticTarget target{437, clock};
  BreakingPointOptions o = options();
  o.time_budget = 45s;  // four levels of 10 s; the fifth would pass the budget
  const CapacityCurve c = find_breaking_point(o, std::ref(target), clock);
  EXPECT_EQ(target.asked.size(), 4U);
  EXPECT_DOUBLE_EQ(c.highest_sustainable.value_or(-1), 400);
  EXPECT_NE(c.note.find("time budget of 45s ran out after 4 levels"), std::string::npos) << c.note;
}

TEST(BreakingPoint, ReportsNothingSustainableWhenTheLowestLevelFails) {
  FakeClock clock;
  SyntheticTarget target{50, clock};
  const CapacityCurve c = find_breaking_point(options(), std::ref(target), clock);
  EXPECT_FALSE(c.highest_sustainable);
  EXPECT_EQ(target.asked.size(), 2U);  // the lowest level, failing twice
}

TEST(BreakingPoint, AllPassingMeansBeyondTheRange) {
  FakeClock clock;
  SyntheticTarget target{5000, clock};
  const CapacityCurve c = find_breaking_point(options(), std::ref(target), clock);
  EXPECT_DOUBLE_EQ(c.highest_sustainable.value_or(-1), 1000);
  EXPECT_NE(c.note.find("beyond the range"), std::string::npos);
}

TEST(BreakingPoint, AGeneratorBottleneckEndsTheSearch) {
  FakeClock clock;
  SyntheticTarget target{5000, clock};
  const auto limited = [&](double level) {
    LevelOutcome out = target(level);
    out.generator_limited = level >= 700;
    out.passed = !out.generator_limited;
    return out;
  };
  const CapacityCurve c = find_breaking_point(options(), limited, clock);
  EXPECT_DOUBLE_EQ(c.highest_sustainable.value_or(-1), 400);
  EXPECT_NE(c.note.find("generator was the bottleneck"), std::string::npos);
}

TEST(BreakingPoint, WholeLevelsForUsers) {
  FakeClock clock;
  SyntheticTarget target{13, clock};
  BreakingPointOptions o = options();
  o.from = 2;
  o.to = 32;
  o.steps = 3;
  o.whole_levels = true;
  o.unit = "users";
  const CapacityCurve c = find_breaking_point(o, std::ref(target), clock);
  EXPECT_DOUBLE_EQ(c.highest_sustainable.value_or(-1), 13);
  for (double level : target.asked) EXPECT_EQ(level, std::round(level));
}

TEST(BreakingPoint, AHighestLevelThatFailsItsSecondRunIsNotReported) {
  FakeClock clock;
  SyntheticTarget target{437, clock};
  int runs_of_400 = 0;
  const auto flaky = [&](double level) {
    LevelOutcome out = target(level);
    if (level == 400 && ++runs_of_400 == 2) out.passed = false;  // lucky the first time
    return out;
  };
  BreakingPointOptions o = options();
  o.precision = 0.5;  // no bisection: 400 passed, 700 failed
  const CapacityCurve c = find_breaking_point(o, flaky, clock);
  EXPECT_EQ(runs_of_400, 2);
  EXPECT_DOUBLE_EQ(c.highest_sustainable.value_or(-1), 100);  // confirmed in its turn
  EXPECT_NE(c.note.find("400 failed its second run; 100 confirmed by a second run"),
            std::string::npos)
      << c.note;
  o.confirm = false;
  runs_of_400 = 0;
  EXPECT_DOUBLE_EQ(find_breaking_point(o, flaky, clock).highest_sustainable.value_or(-1), 400);
}

TEST(BreakingPoint, AFailureThatDoesNotRepeatIsNotTheBreakingPoint) {
  FakeClock clock;
  SyntheticTarget target{437, clock};
  int runs_of_400 = 0;
  const auto stalled_once = [&](double level) {
    LevelOutcome out = target(level);
    if (level == 400 && ++runs_of_400 == 1) out.passed = false;  // a stall the first time
    return out;
  };
  const CapacityCurve c = find_breaking_point(options(), stalled_once, clock);
  EXPECT_GE(c.highest_sustainable.value_or(-1), 437 * 0.98);  // found the real edge
  BreakingPointOptions once = options();
  once.confirm = false;
  runs_of_400 = 0;
  // Without confirmation the stall at 400 is taken for the edge.
  EXPECT_LT(find_breaking_point(once, stalled_once, clock).highest_sustainable.value_or(-1), 400);
}

TEST(BreakingPoint, RefusesASearchWithNoThresholdBeforeRunningAnything) {
  FakeClock clock;
  SyntheticTarget target{437, clock};
  BreakingPointOptions o = options();
  o.thresholds.clear();
  o.from = -5;
  try {
    find_breaking_point(o, std::ref(target), clock);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 2U);
    EXPECT_EQ(e.problems()[0], "breaking-point from must be > 0, but is -5");
    EXPECT_NE(e.problems()[1].find("needs at least one threshold"), std::string::npos);
  }
  EXPECT_TRUE(target.asked.empty());
}

}  // namespace
}  // namespace gauntlet
