#include "gauntlet/load/closed_executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <stdexcept>
#include <type_traits>

#include "executor_harness.hpp"
#include "gauntlet/load/open_executor.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using testing::closed_plan;
using testing::FakeTimeRun;
using testing::work;
using testing::work_until_stopped;

TEST(ClosedExecutor, RunsExactlyTheSharedIterationBudget) {
  FakeTimeRun run;
  std::array<std::atomic<int>, 4> per_vu{};
  const ExecutionResult result =
      run.run(closed_plan({.vus = 4, .iterations = 103}), [&](IterationContext& ctx) {
        ++per_vu[static_cast<std::size_t>(ctx.vu_id())];
        work(ctx, 10ms);
      });
  EXPECT_FALSE(result.incomplete) << result.stop_reason;
  EXPECT_EQ(result.iterations_started, 103);
  EXPECT_EQ(result.iterations_completed, 103);
  int sum = 0;
  for (const auto& n : per_vu) {
    EXPECT_GE(n.load(), 25);  // users share the budget in lock step on virtual time
    sum += n.load();
  }
  EXPECT_EQ(sum, 103);
  const RunMetrics metrics = run.metrics;
  EXPECT_EQ(metrics.iteration.ok, 103);
  EXPECT_EQ(metrics.iteration.failed, 0);
}

TEST(ClosedExecutor, IterationsPerVuAreCountedPerUser) {
  FakeTimeRun run;
  std::array<std::atomic<int>, 3> per_vu{};
  const ExecutionResult result =
      run.run(closed_plan({.vus = 3, .iterations_per_vu = 5}), [&](IterationContext& ctx) {
        EXPECT_EQ(ctx.vu_iteration(), per_vu[static_cast<std::size_t>(ctx.vu_id())]++);
        work(ctx, 1ms * (ctx.vu_id() + 1));  // users at different speeds
      });
  EXPECT_FALSE(result.incomplete);
  for (const auto& n : per_vu) EXPECT_EQ(n.load(), 5);
  EXPECT_EQ(result.iterations_completed, 15);
}

TEST(ClosedExecutor, DurationBoundsTheRunOnVirtualTime) {
  FakeTimeRun run;
  const ExecutionResult result = run.run(closed_plan({.vus = 2, .duration = 1s}),
                                         [](IterationContext& ctx) { work(ctx, 100ms); });
  // Each user starts at 0, 100ms, ..., 900ms; none starts at 1s.
  EXPECT_EQ(result.iterations_started, 20);
  EXPECT_EQ(result.iterations_completed, 20);
  EXPECT_FALSE(result.incomplete) << result.stop_reason;
  EXPECT_EQ(result.load_duration(), 1s);
  EXPECT_DOUBLE_EQ(result.achieved_rate_per_s, 20);
}

TEST(ClosedExecutor, ThinkTimeSpacesIterations) {
  FakeTimeRun run;
  Plan plan = closed_plan({.vus = 1, .duration = 1s, .think_time = 50ms});
  std::vector<Clock::time_point> starts;
  const ExecutionResult result = run.run(plan, [&](IterationContext& ctx) {
    starts.push_back(ctx.scheduled_start());
    work(ctx, 50ms);
  });
  ASSERT_EQ(result.iterations_completed, 10);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    EXPECT_EQ(starts[i], run.start + 100ms * static_cast<int>(i));
  }
}

TEST(ClosedExecutor, StagesRampTheActiveUsers) {
  FakeTimeRun run;
  ClosedModel model;
  model.vus = 0;
  model.stages = {{1s, 2}, {1s, 2}};
  std::array<std::atomic<int>, 2> per_vu{};
  std::atomic<int> first_start_ms_of_vu1{-1};
  const ExecutionResult result = run.run(closed_plan(model), [&](IterationContext& ctx) {
    if (per_vu[static_cast<std::size_t>(ctx.vu_id())]++ == 0 && ctx.vu_id() == 1) {
      first_start_ms_of_vu1 = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(ctx.scheduled_start() - run.start)
              .count());
    }
    work(ctx, 100ms);
  });
  // User 0 joins at 0.5s (target 2 x t / 1s >= 1), user 1 at 1s; both run until 2s.
  EXPECT_EQ(per_vu[0].load(), 15);
  EXPECT_EQ(per_vu[1].load(), 10);
  EXPECT_EQ(first_start_ms_of_vu1.load(), 1000);
  EXPECT_EQ(result.max_active_vus, 2);
  EXPECT_FALSE(result.incomplete);
}

TEST(ClosedExecutor, UsersAboveTheTargetParkWhenRampingDown) {
  FakeTimeRun run;
  ClosedModel model;
  model.vus = 2;
  model.stages = {{1s, 2}, {1s, 0}};
  std::array<std::atomic<int>, 2> per_vu{};
  run.run(closed_plan(model), [&](IterationContext& ctx) {
    ++per_vu[static_cast<std::size_t>(ctx.vu_id())];
    work(ctx, 100ms);
  });
  // 2 -> 0 over the second stage, rounded down: the target is 1 just after 1s (user 1 parks)
  // and 0 just after 1.5s (user 0 parks). Both still start an iteration at those instants.
  EXPECT_EQ(per_vu[0].load(), 16);
  EXPECT_EQ(per_vu[1].load(), 11);
}

TEST(ClosedExecutor, ScenarioExceptionsAreCountedAndTheRunGoesOn) {
  FakeTimeRun run;
  const ExecutionResult result =
      run.run(closed_plan({.vus = 2, .iterations = 30}), [](IterationContext& ctx) {
        work(ctx, 1ms);
        if (ctx.iteration() % 3 == 0) throw std::runtime_error("boom");
        if (ctx.iteration() % 3 == 1) throw 7;  // not even a std::exception
      });
  EXPECT_EQ(result.iterations_completed, 30);
  EXPECT_EQ(result.iterations_failed, 20);
  const RunMetrics metrics = run.metrics;
  const ErrorStats& exceptions =
      metrics.iteration.errors[static_cast<std::size_t>(ErrorClass::kException)];
  EXPECT_EQ(exceptions.count, 20);
  EXPECT_EQ(metrics.iteration.ok, 10);
  EXPECT_NE(std::find(exceptions.samples.begin(), exceptions.samples.end(), "boom"),
            exceptions.samples.end());
}

TEST(ClosedExecutor, StepFailuresClassifyTheIteration) {
  FakeTimeRun run;
  run.run(closed_plan({.vus = 1, .iterations = 4}), [](IterationContext& ctx) {
    ctx.step("upload", [&] {
      work(ctx, 2ms);
      if (ctx.iteration() % 2 == 0) ctx.fail(ErrorClass::kHttp5xx, "503");
    });
  });
  const RunMetrics metrics = run.metrics;
  const StepStats* upload = metrics.find("upload");
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->ok, 2);
  EXPECT_EQ(upload->errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)].count, 2);
  EXPECT_EQ(metrics.iteration.errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)].count, 2);
}

TEST(ClosedExecutor, StopRequestEndsEarlyAndMarksIncomplete) {
  FakeTimeRun run;
  const ExecutionResult result =
      run.run(closed_plan({.vus = 2, .iterations = 1000}), [&](IterationContext& ctx) {
        work(ctx, 10ms);
        if (ctx.iteration() == 9) run.stop.request_stop("SIGINT");
      });
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "stopped: SIGINT");
  EXPECT_GE(result.iterations_started, 10);
  EXPECT_LT(result.iterations_started, 20);
  EXPECT_EQ(result.iterations_completed, result.iterations_started);
}

TEST(ClosedExecutor, MaxDurationCutsAnIterationBoundedRun) {
  FakeTimeRun run;
  Plan plan = closed_plan({.vus = 1, .iterations = 100});
  plan.max_duration = 1s;
  const ExecutionResult result = run.run(plan, [](IterationContext& ctx) { work(ctx, 100ms); });
  EXPECT_EQ(result.iterations_completed, 10);
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "max_duration 1s reached before the plan finished");
}

TEST(ClosedExecutor, GracefulStopDeadlineAbandonsStuckIterationsButStillJoins) {
  FakeTimeRun run;
  Plan plan = closed_plan({.vus = 3, .duration = 1s});
  plan.graceful_stop = 500ms;
  std::atomic<bool> saw_stop{false};
  const ExecutionResult result = run.run(plan, [&](IterationContext& ctx) {
    if (ctx.vu_id() == 0) {
      work_until_stopped(ctx);  // never finishes on its own
      saw_stop = true;
    } else {
      work(ctx, 100ms);
    }
  });
  EXPECT_TRUE(saw_stop.load());
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.abandoned, 1);
  EXPECT_EQ(result.stop_reason, "graceful stop deadline passed with 1 iterations in flight");
  EXPECT_EQ(result.iterations_completed, result.iterations_started);  // joined: all ended
  EXPECT_GE(result.ended - result.load_ended, 500ms);
}

TEST(ClosedExecutor, InFlightIterationsFinishWithinTheGracefulStop) {
  FakeTimeRun run;
  Plan plan = closed_plan({.vus = 1, .duration = 1s});
  plan.graceful_stop = 1s;
  const ExecutionResult result = run.run(plan, [](IterationContext& ctx) { work(ctx, 300ms); });
  // Starts at 0, 300, 600, 900ms; the last ends at 1.2s, inside the graceful stop.
  EXPECT_EQ(result.iterations_completed, 4);
  EXPECT_FALSE(result.incomplete) << result.stop_reason;
  // The supervisor notices the last thread at its next poll.
  EXPECT_GE(result.ended - result.started, 1200ms);
  EXPECT_LE(result.ended - result.started, 1200ms + kStopPollInterval);
}

TEST(ClosedExecutor, SamplesActiveUsersAboutOnceASecond) {
  FakeTimeRun run;
  run.run(closed_plan({.vus = 3, .duration = 3s}), [](IterationContext& ctx) { work(ctx, 70ms); });
  const RunMetrics metrics = run.metrics;
  int checked = 0;
  for (const SeriesPoint& point : metrics.series) {
    if (point.second == 1 || point.second == 2) {
      EXPECT_EQ(point.active_vus, 3) << "second " << point.second;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

// The first second counts the users that ran in it (it said 0: sampled before they started), and
// an interval's sample is its peak, as Locust's User Count is the users running.
TEST(ClosedExecutor, TheFirstSecondCountsItsUsers) {
  FakeTimeRun run;
  run.run(closed_plan({.vus = 2, .duration = 2s}), [](IterationContext& ctx) { work(ctx, 70ms); });
  ASSERT_FALSE(run.metrics.series.empty());
  EXPECT_EQ(run.metrics.series[0].second, 0);
  EXPECT_EQ(run.metrics.series[0].active_vus, 2);
}

TEST(ClosedExecutor, RejectsAnOpenPlan) {
  FakeClock clock;
  StopSource stop;
  const ValidPlan plan = ValidPlan::check(testing::open_plan(ConstantRate{1, 1s}, 1, 1, 1s));
  const auto make = [&] {
    ClosedExecutor executor(
        plan, [](IterationContext&) {}, clock, stop);
  };
  EXPECT_THROW(make(), ConfigError);
}

// An unchecked Plan (no defaults, never validated) cannot reach an executor: the types say so.
static_assert(!std::is_constructible_v<ClosedExecutor, const Plan&, Scenario, Clock&, StopSource&>);
static_assert(!std::is_constructible_v<OpenExecutor, const Plan&, Scenario, Clock&, StopSource&>);

TEST(ClosedExecutor, RunsAPlanWithTheDefaultsTheCheckFilledIn) {
  FakeTimeRun run;
  const ExecutionResult result =
      run.run(closed_plan({.vus = 1, .iterations = 1}), [](IterationContext&) {});
  EXPECT_EQ(result.iterations_completed, 1);
  const ValidPlan checked = ValidPlan::check(closed_plan({.vus = 1, .iterations = 1}));
  EXPECT_EQ(checked.graceful_stop(), kDefaultGracefulStop);
  EXPECT_EQ(checked.max_duration(), kDefaultIterationsMaxDuration);
}

TEST(ClosedExecutor, RunsOnlyOnce) {
  FakeClock clock;
  StopSource stop;
  ClosedExecutor executor(
      ValidPlan::check(closed_plan({.vus = 1, .iterations = 1})), [](IterationContext&) {}, clock,
      stop);
  EXPECT_EQ(executor.run().metrics.iteration.total(), 1);
  EXPECT_THROW(executor.run(), std::logic_error);
}

}  // namespace
}  // namespace gauntlet
