#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {

const StepStats* RunMetrics::find(std::string_view step) const noexcept {
  if (step == iteration.name) return &iteration;
  for (const StepStats& s : steps) {
    if (s.name == step) return &s;
  }
  return nullptr;
}

}  // namespace gauntlet
