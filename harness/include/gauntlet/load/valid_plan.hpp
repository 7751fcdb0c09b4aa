#pragma once
// A plan that has been checked once and had its defaults filled: the only kind the executors and
// run_plan() take (k6 validates a config once, then runs it). It can only be made by
// ValidPlan::check, so "fill the defaults, then validate, then parse the thresholds" is no longer
// a rule callers must remember: a ValidPlan that exists has been through all three.
#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/load/plan.hpp"
#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {

class ValidPlan {
 public:
  // Fills the plan's defaults (Plan::with_defaults), validates it and parses its thresholds.
  // Throws ConfigError carrying every problem of the plan and of its thresholds at once.
  static ValidPlan check(const Plan& plan);

  // The plan with every optional field set.
  const Plan& plan() const noexcept { return plan_; }
  const std::string& name() const noexcept { return plan_.name; }
  std::chrono::nanoseconds graceful_stop() const noexcept { return *plan_.graceful_stop; }
  std::chrono::nanoseconds max_duration() const noexcept { return *plan_.max_duration; }
  // The plan's model as M (ClosedModel or OpenModel). Throws ConfigError naming `user` when the
  // plan holds the other kind.
  template <class M>
  const M& model_as(std::string_view user) const {
    if (const auto* model = std::get_if<M>(&plan_.model)) return *model;
    throw ConfigError(std::string(user) + " cannot run plan " + plan_.name + ": its model is " +
                      std::string(plan_.model_kind()));
  }
  // The parsed thresholds, in the plan's order.
  const std::vector<Threshold>& thresholds() const noexcept { return thresholds_; }

 private:
  ValidPlan(Plan plan, std::vector<Threshold> thresholds)
      : plan_(std::move(plan)), thresholds_(std::move(thresholds)) {}

  Plan plan_;
  std::vector<Threshold> thresholds_;
};

}  // namespace gauntlet
