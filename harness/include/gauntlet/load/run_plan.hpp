#pragma once
// The one call a stress test makes: pick the executor for the plan's model and run it. The plan
// is a ValidPlan, so it was checked (every problem at once) before this call could be written.
#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/executor.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/load/valid_plan.hpp"

namespace gauntlet {

// Returns when the run has ended and every thread has been joined, with the executor's account
// and the merged metrics of the run's own Recorder. Throws ConfigError for an empty scenario.
// on_progress, when set, is called about once a second (Executor::on_progress).
RunOutput run_plan(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop,
                   ProgressFn on_progress = {});

}  // namespace gauntlet
