#include "gauntlet/load/progress.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "executor_harness.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

SeriesPoint point(std::int64_t second, std::int64_t completed, std::int64_t failed,
                  std::int64_t p95_us) {
  SeriesPoint p;
  p.second = second;
  p.completed = completed;
  p.failed = failed;
  p.dropped = second;
  p.rps = static_cast<double>(completed);
  p.p95_us = p95_us;
  return p;
}

TEST(Progress, SumsTheCompleteSecondsAndTakesRateAndP95FromTheLast) {
  const std::vector<SeriesPoint> live{point(0, 100, 1, 5000), point(1, 180, 2, 8100)};
  const ProgressSnapshot s = progress_snapshot(live, 2500ms, 30s, 20);
  EXPECT_EQ(s.iterations, 280);
  EXPECT_EQ(s.errors, 3);
  EXPECT_EQ(s.dropped, 1);
  EXPECT_EQ(s.rate_per_s, 180);
  EXPECT_EQ(s.p95_us_last, 8100);
  EXPECT_EQ(progress_line(s),
            "[  2s/30s] users 20  iterations 280  rate 180/s  p95 8.1ms  errors 3  dropped 1");
}

TEST(Progress, SaysNothingMeasuredRatherThanZero) {
  const ProgressSnapshot s = progress_snapshot({}, 400ms, 0s, 4);
  EXPECT_FALSE(s.p95_us_last.has_value());
  EXPECT_EQ(progress_line(s), "[  0s] users 4  iterations 0  rate 0/s  p95 -  errors 0  dropped 0");
}

TEST(Progress, ShownOnATerminalUnlessTurnedOffAndElsewhereOnlyWhenAskedFor) {
  EXPECT_TRUE(progress_wanted(nullptr, true));
  EXPECT_FALSE(progress_wanted(nullptr, false));
  EXPECT_FALSE(progress_wanted("0", true));
  EXPECT_TRUE(progress_wanted("1", false));
  EXPECT_FALSE(progress_wanted("", false));
  EXPECT_TRUE(progress_wanted("yes", true));
}

// The executor calls the progress callback about once a second of (here virtual) time, with the
// elapsed time growing and the iterations of the complete seconds.
TEST(Progress, TheExecutorReportsOnceASecond) {
  testing::FakeTimeRun run;
  std::mutex mutex;
  std::vector<ProgressSnapshot> seen;
  const RunOutput out = run_plan(
      ValidPlan::check(testing::open_plan(ConstantRate{50, 4s}, 2, 2, 1s)),
      [](IterationContext& ctx) { testing::work(ctx, 1ms); }, run.clock, run.stop,
      [&](const ProgressSnapshot& s) {
        const std::lock_guard lock(mutex);
        seen.push_back(s);
      });
  EXPECT_EQ(out.metrics.iteration.total(), 200);
  ASSERT_GE(seen.size(), 4u);
  ASSERT_LE(seen.size(), 7u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].elapsed, seen[i - 1].elapsed);
    EXPECT_GE(seen[i].iterations, seen[i - 1].iterations);
  }
  EXPECT_GE(seen.back().planned, 4s);  // the plan's nominal length
  EXPECT_GT(seen.back().iterations, 0);
}

}  // namespace
}  // namespace gauntlet
