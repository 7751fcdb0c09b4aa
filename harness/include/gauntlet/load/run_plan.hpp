#pragma once
// The one call a stress test makes: fill the plan's defaults, validate it (ConfigError with every
// problem), pick the executor for its model and run it.
#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/execution_result.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/load/plan.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

// Throws ConfigError when the plan (after with_defaults()) is invalid; otherwise returns when
// the run has ended and every thread has been joined. Create the Recorder with
// RecorderOptions::start = clock.now() just before, and call recorder.finish() after.
ExecutionResult run_plan(const Plan& plan, Scenario scenario, Recorder& recorder, Clock& clock,
                         StopSource& stop);

}  // namespace gauntlet
