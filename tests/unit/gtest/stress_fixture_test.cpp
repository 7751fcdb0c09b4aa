// StressFixture end to end on a tiny plan: what a test attaches after the load joins the result,
// is judged by its thresholds, and a check that throws still leaves a result, marked incomplete.
#include "gauntlet/gtest/stress_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "gauntlet/report/result_file.hpp"
#include "gauntlet/report/run_status.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class StressFixtureTest : public StressFixture {
 protected:
  StressFixtureTest() : StressFixture(summary_) {}
  // The fixture reads GAUNTLET_RESULTS_DIR when it is constructed, so the directory is made for
  // the whole suite, before any test object exists.
  static void SetUpTestSuite() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gauntlet-fixture-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    results_ = pattern;
    ::setenv("GAUNTLET_RESULTS_DIR", results_.c_str(), 1);
  }
  static void TearDownTestSuite() {
    ::unsetenv("GAUNTLET_RESULTS_DIR");
    std::filesystem::remove_all(results_);
  }

  static Plan ledger_plan() {
    return Plan{.name = "ledger",
                .model = ClosedModel{.vus = 2, .iterations = 20},
                .thresholds = {"lost==0", "rows_written==20", "queue_wait: p(99)<1s"},
                .metrics = {{"lost", MetricKind::kFigure},
                            {"rows_written", MetricKind::kCounter},
                            {"queue_wait", MetricKind::kTrend}}};
  }
  static void scenario(IterationContext& ctx) {
    ctx.count("rows_written");
    ctx.trend("queue_wait", 2ms);
  }

  static inline std::filesystem::path results_;
  std::ostringstream summary_;
};

TEST_F(StressFixtureTest, AttachedFiguresAreJudgedAndReported) {
  RunOptions options;
  options.expect_thresholds = false;
  options.after_load = [] { return std::vector<Figure>{{"lost", 0, {}}}; };
  const RunResult clean = run(ledger_plan(), scenario, options);
  ASSERT_EQ(clean.thresholds.size(), 3u);
  for (const ThresholdOutcome& t : clean.thresholds) {
    EXPECT_EQ(t.verdict, Verdict::kPass) << t.expression << ": " << t.detail;
  }
  EXPECT_THAT(summary_.str(), HasSubstr("rows_written"));

  // One lost row must turn the run red, and name the row.
  options.label = "lost";
  options.after_load = [] { return std::vector<Figure>{{"lost", 1, {"order-7"}}}; };
  const RunResult lost = run(ledger_plan(), scenario, options);
  EXPECT_EQ(lost.thresholds[0].verdict, Verdict::kFail);
  EXPECT_THAT(summary_.str(), HasSubstr("e.g. \"order-7\""));
  const RunResult on_disk = read_result_file(result_file_path(lost.name, results_dir()));
  ASSERT_EQ(on_disk.metrics.figures.size(), 1u);
  EXPECT_EQ(on_disk.metrics.figures[0].examples.front(), "order-7");
  // A run whose thresholds its test judges is a probe: the report never counts it as a failure.
  EXPECT_TRUE(is_probe(on_disk));
  EXPECT_FALSE(fails_the_suite(on_disk));
}

TEST_F(StressFixtureTest, AJudgedRunIsNoProbe) {
  const RunResult r = run(Plan{.name = "judged",
                               .model = ClosedModel{.vus = 1, .iterations = 3},
                               .thresholds = {"error_rate<1%"}},
                          [](IterationContext&) {});
  EXPECT_FALSE(is_probe(read_result_file(result_file_path(r.name, results_dir()))));
}

TEST_F(StressFixtureTest, ACheckThatThrowsLeavesAnIncompleteResultWhoseFiguresFail) {
  RunOptions options;
  options.expect_thresholds = false;
  options.after_load = []() -> std::vector<Figure> {
    throw std::runtime_error("database unreachable");
  };
  const RunResult r = run(ledger_plan(), scenario, options);
  EXPECT_TRUE(r.incomplete);
  EXPECT_THAT(r.stop_reason, HasSubstr("the after-load check failed: database unreachable"));
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::kFail);
  EXPECT_THAT(r.thresholds[0].detail, HasSubstr("was not attached"));
  EXPECT_TRUE(std::filesystem::exists(result_file_path(r.name, results_dir())));
}

TEST_F(StressFixtureTest, AThresholdOnAnUndeclaredMetricFailsBeforeAnyLoad) {
  Plan plan = ledger_plan();
  plan.thresholds.push_back("duplicated==0");
  int iterations = 0;
  EXPECT_THROW(run(plan, [&](IterationContext&) { ++iterations; }), ConfigError);
  EXPECT_EQ(iterations, 0);
}

TEST_F(StressFixtureTest, BadInstrumentsAreRefusedBeforeAnyLoadNamingFieldValueAndLimit) {
  const Plan plan{.name = "short", .model = ClosedModel{.vus = 1, .duration = 2s}};
  RunOptions options;
  options.monitor = MonitorOptions{};
  options.monitor->limits.max_memory_mb = -1;
  options.timeline = {{"kill worker", 5s, std::nullopt, [] { return std::string(); }, {}}};
  options.recovery = {{"recovery_s", {.baseline_from_s = 3, .baseline_to_s = 1}}};
  int iterations = 0;
  try {
    run(
        plan, [&](IterationContext&) { ++iterations; }, options);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string text = e.what();
    EXPECT_THAT(text, HasSubstr("safety limit max_memory_mb must be > 0, but is -1"));
    EXPECT_THAT(text, HasSubstr("timeline[0] (kill worker).at is 5s, after the run's end at 2s"));
    EXPECT_THAT(text, HasSubstr("recovery_s: recovery baseline must be a window"));
  }
  EXPECT_EQ(iterations, 0);
  EXPECT_FALSE(std::filesystem::exists(result_file_path(test_name(), results_dir())));
}

TEST_F(StressFixtureTest, TheMonitorAndTimelineJoinTheResultAndASafetyStopMarksItIncomplete) {
  const Plan plan{.name = "monitored",
                  .model = ClosedModel{.vus = 1, .duration = 3s},
                  .thresholds = {"rss_slope.generator<1000"},
                  .metrics = {{"rss_slope.generator", MetricKind::kFigure}}};
  RunOptions options;
  options.expect_thresholds = false;
  options.monitor = MonitorOptions{};
  options.monitor->interval = 50ms;
  options.monitor->limits.max_execution_time = 300ms;  // stops the 3 s run early
  std::atomic<int> fired{0};
  options.timeline = {{"mark",
                       100ms,
                       std::nullopt,
                       [&] {
                         ++fired;
                         return std::string("marked");
                       },
                       {}}};
  const RunResult r = run(
      plan, [](IterationContext& ctx) { ctx.step("s", [] { std::this_thread::sleep_for(5ms); }); },
      options);
  ASSERT_TRUE(r.monitor);
  ASSERT_TRUE(r.monitor->stopped);
  EXPECT_EQ(r.monitor->stopped->limit, "max_execution_time_seconds");
  EXPECT_TRUE(r.incomplete);
  EXPECT_THAT(r.stop_reason, HasSubstr("stopped: run time "));
  EXPECT_LT(r.duration_s, 2.0);
  EXPECT_EQ(fired.load(), 1);
  ASSERT_EQ(r.timeline.size(), 1u);
  EXPECT_EQ(r.timeline[0].outcome, "ok: marked");
  EXPECT_NE(r.metrics.find_figure("rss_slope.generator"), nullptr);
  EXPECT_EQ(r.thresholds[0].verdict, Verdict::kPass);
  EXPECT_THAT(summary_.str(), HasSubstr("safety stop  stopped: run time "));
}

}  // namespace
}  // namespace gauntlet
