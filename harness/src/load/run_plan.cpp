#include "gauntlet/load/run_plan.hpp"

#include "gauntlet/load/closed_executor.hpp"
#include "gauntlet/load/open_executor.hpp"

namespace gauntlet {

RunOutput run_plan(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop) {
  if (std::holds_alternative<ClosedModel>(plan.plan().model)) {
    ClosedExecutor executor(plan, std::move(scenario), clock, stop);
    return executor.run();
  }
  OpenExecutor executor(plan, std::move(scenario), clock, stop);
  return executor.run();
}

}  // namespace gauntlet
