#include "gauntlet/load/run_plan.hpp"

#include "gauntlet/load/closed_executor.hpp"
#include "gauntlet/load/open_executor.hpp"

namespace gauntlet {

RunOutput run_plan(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop,
                   ProgressFn on_progress) {
  if (std::holds_alternative<ClosedModel>(plan.plan().model)) {
    ClosedExecutor executor(plan, std::move(scenario), clock, stop);
    executor.on_progress(std::move(on_progress));
    return executor.run();
  }
  OpenExecutor executor(plan, std::move(scenario), clock, stop);
  executor.on_progress(std::move(on_progress));
  return executor.run();
}

}  // namespace gauntlet
