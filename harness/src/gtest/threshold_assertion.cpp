#include "gauntlet/gtest/threshold_assertion.hpp"

#include <algorithm>
#include <sstream>

namespace gauntlet {

std::string threshold_table(const RunResult& result) {
  std::size_t width = 10;
  for (const auto& t : result.thresholds) width = std::max(width, t.expression.size());
  std::ostringstream out;
  out << "  " << std::string(width - 9, ' ') << "threshold  verdict  detail\n";
  for (const auto& t : result.thresholds) {
    out << "  " << std::string(width - t.expression.size(), ' ') << t.expression << "  "
        << to_string(t.verdict) << "     " << t.detail << '\n';
  }
  return out.str();
}

::testing::AssertionResult thresholds_pass(const RunResult& result) {
  const bool failed = std::any_of(result.thresholds.begin(), result.thresholds.end(),
                                  [](const auto& t) { return t.verdict == Verdict::kFail; });
  if (!failed && !result.incomplete) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "run " << result.name;
  if (result.incomplete) failure << " is incomplete (" << result.stop_reason << ")";
  if (failed) failure << (result.incomplete ? " and" : "") << " failed its thresholds";
  failure << ":\n" << threshold_table(result);
  return failure;
}

}  // namespace gauntlet
