#include "gauntlet/load/run_plan.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "executor_harness.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using testing::closed_plan;
using testing::open_plan;

TEST(RunPlan, InvalidPlanThrowsBeforeAnyIterationRuns) {
  testing::FakeTimeRun run;
  std::atomic<int> calls{0};
  Plan plan = closed_plan({.vus = 0, .iterations = 0});
  try {
    run.run(plan, [&](IterationContext&) { ++calls; });
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 2u);
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(RunPlan, EmptyScenarioIsRejected) {
  testing::FakeTimeRun run;
  EXPECT_THROW(run.run(closed_plan({.vus = 1, .iterations = 1}), Scenario{}), ConfigError);
}

TEST(RunPlan, StopRequestedBeforeTheRunStartsNothing) {
  testing::FakeTimeRun run;
  run.stop.request_stop("SIGTERM");
  std::atomic<int> calls{0};
  const ExecutionResult result =
      run.run(open_plan(ConstantRate{100, 1s}, 2, 2, 1s), [&](IterationContext&) { ++calls; });
  EXPECT_EQ(calls.load(), 0);
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "stopped: SIGTERM");
}

TEST(RunPlan, ResultJsonCarriesTheAccounting) {
  testing::FakeTimeRun run;
  const ExecutionResult result = run.run(open_plan(ConstantRate{10, 1s}, 1, 1, 1s),
                                         [](IterationContext& ctx) { testing::work(ctx, 1ms); });
  const nlohmann::json j = result.to_json();
  EXPECT_EQ(j.at("plan"), "open-test");
  EXPECT_EQ(j.at("model"), "open");
  EXPECT_EQ(j.at("arrivals"), 10);
  EXPECT_EQ(j.at("iterations_completed"), 10);
  EXPECT_EQ(j.at("incomplete"), false);
  EXPECT_DOUBLE_EQ(j.at("load_duration_s").get<double>(), 1.0);
  EXPECT_EQ(j.at("started_at").get<std::string>().size(), 24u);  // 2024-05-01T12:00:00.123Z
  EXPECT_NE(result.describe().find("10 arrivals, 10 started"), std::string::npos)
      << result.describe();
}

// The real clock: short runs, and assertions on counts only, never on timing.
TEST(RunPlanOnSteadyClock, ClosedRunsItsIterationBudget) {
  SteadyClock clock;
  StopSource stop;
  std::atomic<int> calls{0};
  const auto [result, metrics] = run_plan(
      ValidPlan::check(closed_plan({.vus = 4, .iterations = 200})),
      [&](IterationContext&) { ++calls; }, clock, stop);
  EXPECT_EQ(calls.load(), 200);
  EXPECT_EQ(result.iterations_completed, 200);
  EXPECT_EQ(metrics.iteration.total(), 200);
}

TEST(RunPlanOnSteadyClock, OpenAccountsForEveryArrival) {
  SteadyClock clock;
  StopSource stop;
  const auto [result, metrics] = run_plan(
      ValidPlan::check(open_plan(ConstantRate{200, 200ms}, 2, 20, 1s)),
      [](IterationContext& ctx) { ctx.step("noop", [] {}); }, clock, stop);
  EXPECT_EQ(result.arrivals, 40);
  EXPECT_EQ(result.arrivals, result.iterations_started + result.dropped + result.cancelled);
  EXPECT_EQ(metrics.iteration.total() + metrics.dropped, 40);
}

TEST(RunPlanOnSteadyClock, StopFromAnotherThreadEndsTheRun) {
  SteadyClock clock;
  StopSource stop;
  std::atomic<int> calls{0};
  std::thread stopper([&] {
    while (calls.load() < 5) std::this_thread::sleep_for(1ms);
    stop.request_stop("SIGINT");
  });
  // 60s of load unless the stop works.
  const ExecutionResult result = run_plan(
                                     ValidPlan::check(open_plan(ConstantRate{100, 60s}, 2, 2, 1s)),
                                     [&](IterationContext&) { ++calls; }, clock, stop)
                                     .execution;
  stopper.join();
  EXPECT_TRUE(result.incomplete);
  EXPECT_EQ(result.stop_reason, "stopped: SIGINT");
  EXPECT_EQ(result.arrivals, result.iterations_started + result.dropped + result.cancelled);
}

}  // namespace
}  // namespace gauntlet
