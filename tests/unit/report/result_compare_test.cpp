#include "gauntlet/report/result_compare.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace gauntlet {
namespace {

using ::testing::HasSubstr;

// A run of 5000 iterations with lognormal latencies around `median_ms`, from its own seed (two
// runs of the same code differ by sampling noise), with `failures` failed.
RunResult run_of(double median_ms, unsigned seed, std::int64_t failures = 0,
                 double duration_s = 10) {
  RunResult r;
  r.name = "Flow.Steady";
  r.duration_s = duration_s;
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency(std::log(median_ms * 1000), 0.5);
  StepStats step;
  step.name = "call";
  for (int i = 0; i < 5000; ++i) {
    const auto us = static_cast<std::int64_t>(latency(rng));
    r.metrics.iteration.latency.record(us);
    step.latency.record(us);
  }
  r.metrics.iteration.failed = step.failed = failures;
  r.metrics.iteration.ok = step.ok = 5000 - failures;
  r.metrics.steps.push_back(step);
  return r;
}

TEST(ResultCompare, TwoRunsOfTheSameCodeDoNotRegress) {
  const std::vector<RunResult> base{run_of(20, 1)};
  const std::vector<RunResult> again{run_of(20, 2)};
  const Comparison c = compare_results(base, again);
  EXPECT_FALSE(c.regression());
  ASSERT_EQ(c.steps.size(), 2u);  // the iteration and the step
}

TEST(ResultCompare, ADeliberatelySlowedRunRegresses) {
  const std::vector<RunResult> base{run_of(20, 1)};
  const std::vector<RunResult> slowed{run_of(30, 2)};  // 50% slower
  const Comparison c = compare_results(base, slowed);
  EXPECT_TRUE(c.regression());
  std::ostringstream table;
  write_comparison_table(table, c);
  EXPECT_THAT(table.str(), HasSubstr("REGRESSION  Flow.Steady\n"));
  EXPECT_THAT(table.str(), HasSubstr("beyond the tolerance"));
  EXPECT_EQ(comparison_json(c)["regression"], true);
}

TEST(ResultCompare, ErrorsAndALowerRateRegressButSmallLatencyChangesAreNoise) {
  const std::vector<RunResult> base{run_of(0.2, 1)};
  EXPECT_FALSE(compare_results(base, std::vector<RunResult>{run_of(0.26, 2)}).regression())
      << "a 0.06 ms change is under the 1 ms floor";
  EXPECT_TRUE(compare_results(base, std::vector<RunResult>{run_of(0.2, 2, 100)}).regression())
      << "2% errors";
  EXPECT_TRUE(compare_results(base, std::vector<RunResult>{run_of(0.2, 2, 0, 20)}).regression())
      << "half the rate";
}

TEST(ResultCompare, TolerancesAreOverridableAndCheckedByName) {
  CompareTolerances t;
  set_tolerance(t, "p95=0.6");
  set_tolerance(t, "p50=0.6");
  set_tolerance(t, "p99=0.6");
  EXPECT_FALSE(compare_results(std::vector<RunResult>{run_of(20, 1)},
                               std::vector<RunResult>{run_of(30, 2)}, t)
                   .regression());
  EXPECT_THROW(set_tolerance(t, "p42=1"), std::invalid_argument);
  EXPECT_THROW(set_tolerance(t, "p95=-1"), std::invalid_argument);
  EXPECT_THROW(set_tolerance(t, "p95"), std::invalid_argument);
}

TEST(ResultCompare, MissingAndNewTestsAreListedNotRegressions) {
  RunResult other = run_of(20, 3);
  other.name = "Flow.New";
  const Comparison c =
      compare_results(std::vector<RunResult>{run_of(20, 1)}, std::vector<RunResult>{other});
  EXPECT_FALSE(c.regression());
  EXPECT_EQ(c.only_in_base, std::vector<std::string>{"Flow.Steady"});
  EXPECT_EQ(c.only_in_new, std::vector<std::string>{"Flow.New"});
}

}  // namespace
}  // namespace gauntlet
