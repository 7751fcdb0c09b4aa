#pragma once
// junit.xml for CI viewers (GitHub's and GitLab's test reports): one <testsuite> per stress
// executable, one <testcase> per run and one per threshold, so that a viewer lists thresholds,
// not only gtest's pass/fail.
//   - The run's testcase carries the figures as properties (verdict, iterations, errors,
//     error_rate, dropped, rate_per_s, p50_ms, p95_ms, p99_ms, max_ms) and fails only when the
//     run is INCOMPLETE (its thresholds say the rest).
//   - A threshold's testcase fails when the threshold FAILed: a <failure> whose message names the
//     target and the measured value. WARN passes with the property verdict=WARN.
// The executable is the result's extra.executable when the run recorded it, else the gtest suite
// (the name before the first '.'). Formats finished data only, into an injected stream.
#include <span>

#include "gauntlet/report/reporter.hpp"

namespace gauntlet {

class JunitReporter : public Reporter {
 public:
  using Reporter::report;
  using Reporter::Reporter;
  void report(std::span<const RunResult> results) override;
};

// The <testsuite> a result belongs to (see above).
std::string junit_suite_of(const RunResult& result);

}  // namespace gauntlet
