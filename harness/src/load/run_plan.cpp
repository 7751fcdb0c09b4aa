#include "gauntlet/load/run_plan.hpp"

#include "gauntlet/load/closed_executor.hpp"
#include "gauntlet/load/open_executor.hpp"

namespace gauntlet {

ExecutionResult run_plan(const Plan& plan, Scenario scenario, Recorder& recorder, Clock& clock,
                         StopSource& stop) {
  const Plan ready = plan.with_defaults();
  ready.throw_if_invalid();
  if (std::holds_alternative<ClosedModel>(ready.model)) {
    ClosedExecutor executor(ready, std::move(scenario), recorder, clock, stop);
    return executor.run();
  }
  OpenExecutor executor(ready, std::move(scenario), recorder, clock, stop);
  return executor.run();
}

}  // namespace gauntlet
