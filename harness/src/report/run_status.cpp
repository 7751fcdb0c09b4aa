#include "gauntlet/report/run_status.hpp"

#include <algorithm>

namespace gauntlet {

RunStatus run_status(const RunResult& result) noexcept {
  if (result.incomplete) return RunStatus::kIncomplete;
  const auto any = [&result](Verdict v) {
    return std::any_of(result.thresholds.begin(), result.thresholds.end(),
                       [v](const ThresholdOutcome& t) { return t.verdict == v; });
  };
  if (any(Verdict::kFail)) return RunStatus::kFail;
  if (any(Verdict::kWarn)) return RunStatus::kWarn;
  return RunStatus::kPass;
}

bool is_probe(const RunResult& result) noexcept {
  const auto it = result.extra.find("probe");
  return it != result.extra.end() && it->is_boolean() && it->get<bool>();
}

bool fails_the_suite(const RunResult& result) noexcept {
  return !is_probe(result) && !is_success(run_status(result));
}

}  // namespace gauntlet
