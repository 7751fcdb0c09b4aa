#pragma once
// Runs plans on virtual time (the run's own Recorder included), for the executor tests.

#include "gauntlet/load/fake_clock.hpp"
#include "gauntlet/load/run_plan.hpp"

namespace gauntlet::testing {

struct FakeTimeRun {
  FakeClock clock;
  StopSource stop;
  RunMetrics metrics;  // the last run's
  Clock::time_point start{};

  ExecutionResult run(const Plan& plan, Scenario scenario) {
    start = clock.now();
    RunOutput out = run_plan(ValidPlan::check(plan), std::move(scenario), clock, stop);
    metrics = std::move(out.metrics);
    return std::move(out.execution);
  }
};

// Keeps the virtual user busy for d of virtual time.
inline void work(IterationContext& ctx, std::chrono::nanoseconds d) {
  ctx.clock().sleep_until(ctx.clock().now() + d);
}

// Polls like a well-behaved long scenario until the run asks it to stop.
inline void work_until_stopped(IterationContext& ctx) {
  while (!ctx.stop_requested()) work(ctx, std::chrono::milliseconds(10));
}

inline Plan closed_plan(ClosedModel model) {
  Plan plan;
  plan.name = "closed-test";
  plan.model = std::move(model);
  return plan;
}

inline Plan open_plan(RateProfile profile, std::int64_t pre, std::int64_t max,
                      std::chrono::nanoseconds max_wait) {
  Plan plan;
  plan.name = "open-test";
  plan.model = OpenModel{std::move(profile), pre, max, max_wait};
  return plan;
}

}  // namespace gauntlet::testing
