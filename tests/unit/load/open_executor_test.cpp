#include "gauntlet/load/open_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "executor_harness.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using testing::FakeTimeRun;
using testing::open_plan;
using testing::work;
using testing::work_until_stopped;

// What each iteration saw: its arrival index, its intended start and when it really began.
struct Seen {
  std::int64_t index;
  nanoseconds intended;
  nanoseconds began;
};

class Observed {
 public:
  void add(const IterationContext& ctx, Clock::time_point start) {
    const std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back({ctx.iteration(), ctx.scheduled_start() - start, ctx.clock().now() - start});
  }
  std::vector<Seen> sorted() {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::sort(seen_.begin(), seen_.end(),
              [](const Seen& a, const Seen& b) { return a.index < b.index; });
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

void expect_all_accounted(const ExecutionResult& r) {
  EXPECT_EQ(r.arrivals, r.iterations_started + r.dropped + r.cancelled) << r.describe();
  EXPECT_EQ(r.iterations_started, r.iterations_completed) << r.describe();
}

TEST(OpenExecutor, IterationsStartAtTheirIntendedTimes) {
  FakeTimeRun run;
  Observed observed;
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{100, 1s}, 2, 2, 1s), [&](IterationContext& ctx) {
        observed.add(ctx, run.start);
        work(ctx, 5ms);
      });
  EXPECT_FALSE(result.incomplete) << result.stop_reason;
  EXPECT_EQ(result.arrivals, 100);
  EXPECT_EQ(result.iterations_started, 100);
  EXPECT_EQ(result.dropped, 0);
  expect_all_accounted(result);
  const std::vector<Seen> seen = observed.sorted();
  ASSERT_EQ(seen.size(), 100u);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(seen[k].index, static_cast<std::int64_t>(k));
    EXPECT_EQ(seen[k].intended, 10ms * static_cast<int>(k));
    EXPECT_EQ(seen[k].began, seen[k].intended);
  }
  EXPECT_DOUBLE_EQ(result.requested_rate_per_s, 100);
  const RunMetrics metrics = run.metrics;
  EXPECT_EQ(metrics.iteration.ok, 100);
  EXPECT_NEAR(static_cast<double>(metrics.iteration.latency.max()), 5000, 5);  // 5ms, in us
}

TEST(OpenExecutor, LatencyIsMeasuredFromTheIntendedStart) {
  // One user; the first iteration blocks 50ms, the others take 1ms. Arrivals every 10ms queue
  // behind it, and their wait is part of their latency: 50, 41, 32, 23, 14, 5, then 1ms each.
  FakeTimeRun run;
  Observed observed;
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{100, 100ms}, 1, 1, 1s), [&](IterationContext& ctx) {
        observed.add(ctx, run.start);
        work(ctx, ctx.iteration() == 0 ? 50ms : 1ms);
      });
  EXPECT_EQ(result.iterations_completed, 10);
  EXPECT_EQ(result.dropped, 0);
  const std::vector<Seen> seen = observed.sorted();
  ASSERT_EQ(seen.size(), 10u);
  const std::vector<nanoseconds> began = {0ms,  50ms, 51ms, 52ms, 53ms,
                                          54ms, 60ms, 70ms, 80ms, 90ms};
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(seen[k].intended, 10ms * static_cast<int>(k)) << k;
    EXPECT_EQ(seen[k].began, began[k]) << k;
  }
  const RunMetrics metrics = run.metrics;
  const Histogram& latency = metrics.iteration.latency;
  EXPECT_EQ(latency.total_count(), 10);
  EXPECT_NEAR(static_cast<double>(latency.max()), 50'000, 50);
  // (50 + 41 + 32 + 23 + 14 + 5 + 4 x 1) / 10 = 16.9ms; measured from the actual start it would
  // be (50 + 9 x 1) / 10 = 5.9ms.
  EXPECT_NEAR(latency.mean(), 16'900, 50);
}

TEST(OpenExecutor, ArrivalsPastTheWaitBoundAreDroppedAndReported) {
  // One user busy for 50ms; max_wait 15ms. Arrivals at 10, 20 and 30ms give up at 25, 35 and
  // 45ms; the one at 40ms is taken when the user frees up at 50ms.
  FakeTimeRun run;
  Observed observed;
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{100, 100ms}, 1, 1, 15ms), [&](IterationContext& ctx) {
        observed.add(ctx, run.start);
        work(ctx, ctx.iteration() == 0 ? 50ms : 1ms);
      });
  EXPECT_EQ(result.arrivals, 10);
  EXPECT_EQ(result.dropped, 3);
  EXPECT_EQ(result.iterations_started, 7);
  expect_all_accounted(result);
  EXPECT_FALSE(result.incomplete);  // dropping is a result, not a failure of the run
  std::vector<std::int64_t> started;
  for (const Seen& s : observed.sorted()) started.push_back(s.index);
  EXPECT_EQ(started, (std::vector<std::int64_t>{0, 4, 5, 6, 7, 8, 9}));
  const RunMetrics metrics = run.metrics;
  EXPECT_EQ(metrics.dropped, 3);
  std::int64_t dropped_in_series = 0;
  for (const SeriesPoint& p : metrics.series) dropped_in_series += p.dropped;
  EXPECT_EQ(dropped_in_series, 3);
}

TEST(OpenExecutor, ZeroWaitDropsAtOnce) {
  FakeTimeRun run;
  const ExecutionResult result = run.run(open_plan(ConstantRate{100, 100ms}, 1, 1, 0s),
                                         [](IterationContext& ctx) { work(ctx, 25ms); });
  // Busy 0-25, 30-55, 60-85: arrivals at 10, 20, 40, 50, 70, 80ms find nobody.
  EXPECT_EQ(result.iterations_started, 4);
  EXPECT_EQ(result.dropped, 6);
  expect_all_accounted(result);
}

TEST(OpenExecutor, PoolGrowsOnDemandUpToWhatTheLoadNeeds) {
  // Each iteration takes 35ms at 100/s: 4 run at once. One user is pre-allocated.
  FakeTimeRun run;
  const ExecutionResult result = run.run(open_plan(ConstantRate{100, 1s}, 1, 10, 1s),
                                         [](IterationContext& ctx) { work(ctx, 35ms); });
  EXPECT_EQ(result.iterations_completed, 100);
  EXPECT_EQ(result.dropped, 0);
  EXPECT_EQ(result.vus_allocated, 4);
  EXPECT_EQ(result.max_active_vus, 4);
  const RunMetrics metrics = run.metrics;
  EXPECT_NEAR(static_cast<double>(metrics.iteration.latency.max()), 35'000, 35);  // no waiting
}

TEST(OpenExecutor, PoolNeverGrowsBeyondMaxVus) {
  FakeTimeRun run;
  const ExecutionResult result = run.run(open_plan(ConstantRate{100, 1s}, 1, 2, 5ms),
                                         [](IterationContext& ctx) { work(ctx, 35ms); });
  EXPECT_EQ(result.vus_allocated, 2);
  EXPECT_GT(result.dropped, 0);
  expect_all_accounted(result);
}

TEST(OpenExecutor, ScenarioExceptionsAreCountedAndTheRunGoesOn) {
  FakeTimeRun run;
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{50, 1s}, 2, 2, 1s), [](IterationContext& ctx) {
        work(ctx, 1ms);
        if (ctx.iteration() % 2 == 1) throw std::logic_error("odd iteration");
      });
  EXPECT_EQ(result.iterations_completed, 50);
  EXPECT_EQ(result.iterations_failed, 25);
  EXPECT_FALSE(result.incomplete);
  const RunMetrics metrics = run.metrics;
  EXPECT_EQ(metrics.iteration.errors[static_cast<std::size_t>(ErrorClass::kException)].count, 25);
}

TEST(OpenExecutor, StopRequestEndsEarlyAndAccountsForEveryArrival) {
  FakeTimeRun run;
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{100, 10s}, 3, 3, 1s), [&](IterationContext& ctx) {
        if (ctx.iteration() == 20) run.stop.request_stop("safety monitor: RSS above limit");
        work(ctx, 15ms);
      });
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "stopped: safety monitor: RSS above limit");
  EXPECT_LT(result.arrivals, 30);
  EXPECT_GE(result.iterations_started, 21);
  expect_all_accounted(result);
  EXPECT_LT(result.ended - result.started, 1s);
}

TEST(OpenExecutor, MaxDurationCutsTheProfile) {
  FakeTimeRun run;
  Plan plan = open_plan(ConstantRate{100, 1s}, 1, 1, 1s);
  plan.max_duration = 500ms;
  const ExecutionResult result = run.run(plan, [](IterationContext& ctx) { work(ctx, 1ms); });
  EXPECT_EQ(result.arrivals, 50);
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "max_duration 500ms reached before the plan finished");
}

TEST(OpenExecutor, GracefulStopDeadlineAbandonsStuckIterationsButStillJoins) {
  FakeTimeRun run;
  Plan plan = open_plan(ConstantRate{10, 1s}, 2, 2, 1s);
  plan.graceful_stop = 200ms;
  const ExecutionResult result = run.run(plan, [](IterationContext& ctx) {
    if (ctx.iteration() == 9) {
      work_until_stopped(ctx);  // the last arrival, at 900ms, never ends by itself
    } else {
      work(ctx, 10ms);
    }
  });
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.abandoned, 1);
  EXPECT_EQ(result.stop_reason, "graceful stop deadline passed with 1 iterations in flight");
  EXPECT_EQ(result.iterations_completed, 10);
  EXPECT_GE(result.ended - result.load_ended, 200ms);
}

TEST(OpenExecutor, RampScheduleIsFollowedExactly) {
  FakeTimeRun run;
  Observed observed;
  const ExecutionResult result =
      run.run(open_plan(RampRate{0, 100, 2s}, 4, 4, 1s), [&](IterationContext& ctx) {
        observed.add(ctx, run.start);
        work(ctx, 1ms);
      });
  EXPECT_EQ(result.iterations_completed, 100);  // A(2s) = 100 / 2 x 2
  const RateCurve curve{RateProfile(RampRate{0, 100, 2s})};
  for (const Seen& s : observed.sorted()) {
    EXPECT_EQ(s.intended, curve.arrival_time(s.index));
    EXPECT_EQ(s.began, s.intended);
  }
}

}  // namespace
}  // namespace gauntlet
