#include "gauntlet/load/valid_plan.hpp"

#include <utility>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

ValidPlan ValidPlan::check(const Plan& plan) {
  Plan filled = plan.with_defaults();
  std::vector<std::string> problems = filled.validate();
  std::vector<Threshold> thresholds;
  for (const std::string& expression : filled.thresholds) {
    // A blank expression is already among validate()'s problems; say it once.
    if (expression.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      thresholds.push_back(parse_threshold(expression, filled.metrics));
    } catch (const ConfigError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return ValidPlan(std::move(filled), std::move(thresholds));
}

}  // namespace gauntlet
