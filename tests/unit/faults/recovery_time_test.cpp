#include "gauntlet/faults/recovery_time.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "gauntlet/config_error.hpp"
#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {
namespace {

// 30 seconds: a healthy baseline (0..9), a fault (10..14: half the calls fail, p95 500 ms), then
// `recover_after` bad seconds more before it is healthy again.
std::vector<SeriesPoint> synthetic(int recover_after) {
  std::vector<SeriesPoint> series;
  for (int s = 0; s < 30; ++s) {
    const bool bad = s >= 10 && s < 15 + recover_after;
    SeriesPoint p;
    p.second = s;
    p.completed = 100;
    p.failed = bad ? 50 : 0;
    p.p95_us = bad ? 500'000 : 10'000;
    series.push_back(p);
  }
  return series;
}

RecoveryOptions options() {
  return {.baseline_from_s = 0, .baseline_to_s = 10, .fault_end_s = 15, .consecutive_s = 3};
}

TEST(RecoveryTime, FindsAKnownRecoveryOnASyntheticSeries) {
  const Recovery r = recovery_time(synthetic(4), options());
  ASSERT_TRUE(r.seconds);
  EXPECT_DOUBLE_EQ(*r.seconds, 4);  // second 19 is the first of three good ones
  EXPECT_DOUBLE_EQ(r.baseline_success_rate, 1.0);
  EXPECT_DOUBLE_EQ(r.baseline_p95_ms, 10);
  EXPECT_EQ(r.describe(), "recovered in 4s (baseline success 100%, p95 10ms)");
  const Recovery at_once = recovery_time(synthetic(0), options());
  EXPECT_DOUBLE_EQ(at_once.seconds.value_or(-1), 0);
}

TEST(RecoveryTime, ABriefGoodPatchIsNotARecovery) {
  auto series = synthetic(10);  // bad until second 24
  series[17].failed = 0;        // one good second inside the bad stretch
  series[17].p95_us = 10'000;
  const Recovery r = recovery_time(series, options());
  EXPECT_DOUBLE_EQ(r.seconds.value_or(-1), 10);
}

TEST(RecoveryTime, NeverRecoveringIsReportedAndFailsTheThreshold) {
  const Recovery r = recovery_time(synthetic(100), options());
  EXPECT_FALSE(r.seconds);
  EXPECT_EQ(r.describe(),
            "did not recover within 15s of the fault's end (baseline success 100%, p95 10ms)");
  const Figure f = recovery_figure("recovery_s", r);
  EXPECT_TRUE(std::isnan(f.value));
  RunMetrics m;
  m.figures.push_back(f);
  const std::vector<MetricDeclaration> declared{{"recovery_s", MetricKind::kFigure}};
  const Threshold t = parse_threshold("recovery_s<30", declared);
  const ThresholdOutcome out = evaluate(t, m, 30);
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_NE(out.detail.find("did not recover"), std::string::npos) << out.detail;
  // ... and a recovery within the limit passes it, one beyond fails it.
  m.figures = {recovery_figure("recovery_s", recovery_time(synthetic(4), options()))};
  EXPECT_EQ(evaluate(t, m, 30).verdict, Verdict::kPass);
  EXPECT_EQ(evaluate(parse_threshold("recovery_s<3", declared), m, 30).verdict, Verdict::kFail);
}

TEST(RecoveryTime, RefusesBadOptionsAndAnEmptyBaseline) {
  RecoveryOptions bad = options();
  bad.baseline_to_s = 0;
  bad.consecutive_s = 0;
  bad.p95_factor = 0.5;
  EXPECT_THROW(recovery_time(synthetic(0), bad), ConfigError);
  try {
    recovery_time(synthetic(0), bad);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3U);
    EXPECT_EQ(e.problems()[0],
              "recovery baseline must be a window [from, to) with 0 <= from < to, but is [0, 0)");
  }
  RecoveryOptions empty = options();
  empty.baseline_from_s = 100;
  empty.baseline_to_s = 110;
  empty.fault_end_s = 120;
  EXPECT_THROW(recovery_time(synthetic(0), empty), ConfigError);
}

TEST(RecoveryAfter, MeasuresFromTheFaultToTheFirstSuccessAfterTheLastFailure) {
  const std::chrono::steady_clock::time_point t0{};
  const auto at = [&](int ms) { return t0 + std::chrono::milliseconds(ms); };
  const std::vector<Outcome> outcomes = {
      {at(900), true}, {at(1100), false}, {at(1500), true}, {at(2000), false}, {at(3500), true}};
  const Recovery r = recovery_after(outcomes, at(1000), at(5000));
  ASSERT_TRUE(r.seconds);
  EXPECT_DOUBLE_EQ(*r.seconds, 2.5);
  EXPECT_EQ(r.describe(), "recovered in 2.5s (the first success after the last failure)");
  EXPECT_DOUBLE_EQ(*recovery_after(outcomes, at(4000), at(5000)).seconds, 0.0);
}

TEST(RecoveryAfter, NoSuccessAfterTheLastFailureIsAFigureWithNoValueThatFails) {
  const std::chrono::steady_clock::time_point t0{};
  const auto at = [&](int ms) { return t0 + std::chrono::milliseconds(ms); };
  const std::vector<Outcome> outcomes = {{at(500), true}, {at(1100), false}, {at(3000), false}};
  const Recovery r = recovery_after(outcomes, at(1000), at(5000));
  EXPECT_FALSE(r.seconds);
  EXPECT_EQ(r.describe(),
            "did not recover within 2s of the fault (no success after the last failure)");
  const Figure f = recovery_figure("db_recovery_s", r);
  EXPECT_TRUE(std::isnan(f.value));
  // The slower of two recoveries is the one that never came.
  const Recovery quick = recovery_after(outcomes, at(4000), at(5000));
  const std::vector<Recovery> both = {quick, r};
  EXPECT_FALSE(slowest(both).seconds);
  const std::vector<Outcome> second = {{at(1200), false}, {at(1700), true}};
  const std::vector<Recovery> timed = {recovery_after(second, at(1000), at(5000)), quick};
  EXPECT_DOUBLE_EQ(*slowest(timed).seconds, 0.7);
}

TEST(RecoveryAfter, TheLogSortsOutcomesByTime) {
  OutcomeLog log;
  const std::chrono::steady_clock::time_point t0{};
  log.add(t0 + std::chrono::milliseconds(20), true);
  log.add(t0 + std::chrono::milliseconds(10), false);
  const std::vector<Outcome> sorted = log.sorted();
  ASSERT_EQ(sorted.size(), 2U);
  EXPECT_FALSE(sorted[0].ok);
  EXPECT_TRUE(sorted[1].ok);
}

}  // namespace
}  // namespace gauntlet
