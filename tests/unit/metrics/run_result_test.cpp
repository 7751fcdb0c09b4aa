#include "gauntlet/metrics/run_result.hpp"

#include <gtest/gtest.h>

#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

FinishedRun facts_with_four_iterations() {
  FinishedRun run;
  run.name = "Checkout.Holds";
  run.scale = "smoke";
  run.load_duration = 2s;
  StepStats& it = run.metrics.iteration;
  for (int ms = 1; ms <= 4; ++ms) it.latency.record(ms * 1000);
  it.ok = 3;
  it.failed = 1;
  run.achieved_rate_per_s = 2;
  return run;
}

TEST(AssembleResult, MovesTheFactsInAndJudgesEveryThreshold) {
  const std::vector<Threshold> thresholds =
      parse_thresholds({"p(95)<500ms", "error_rate<10%", "rps>1"});
  const RunResult r = assemble_result(facts_with_four_iterations(), thresholds);
  EXPECT_EQ(r.name, "Checkout.Holds");
  EXPECT_DOUBLE_EQ(r.duration_s, 2.0);
  ASSERT_EQ(r.thresholds.size(), 3u);
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::kPass);  // p95 is about 4ms
  EXPECT_EQ(r.thresholds[1].verdict, Verdict::kFail);  // 25% of iterations failed
  EXPECT_EQ(r.thresholds[2].verdict, Verdict::kPass);  // 4 iterations in 2s
  EXPECT_FALSE(r.incomplete);
  EXPECT_EQ(r.stop_reason, "");
}

// A percentile over its limit fails the run's threshold: the gate can go red.
TEST(AssembleResult, APercentileOverItsLimitFails) {
  const RunResult r =
      assemble_result(facts_with_four_iterations(), parse_thresholds({"p(99)<2ms"}));
  ASSERT_EQ(r.thresholds.size(), 1u);
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::kFail);
}

TEST(AssembleResult, AnIncompleteRunAlwaysSaysWhy) {
  FinishedRun run = facts_with_four_iterations();
  run.incomplete = true;
  EXPECT_EQ(assemble_result(run, {}).stop_reason, "stopped");
  run.stop_reason = "interrupted by SIGINT";
  EXPECT_EQ(assemble_result(run, {}).stop_reason, "interrupted by SIGINT");
}

}  // namespace
}  // namespace gauntlet
