#pragma once
// The base fixture of every stress test: parameters per scale (GAUNTLET_SCALE, each overridable
// by GAUNTLET_<NAME>), and run(), which executes a Plan against a scenario, evaluates its
// thresholds, writes results/<Suite>.<Test>.json, puts the key figures into the JUnit XML
// (RecordProperty) and fails the test with a readable table when a threshold fails.
//
//   class CheckoutStress : public gauntlet::StressFixture {};
//   TEST_F(CheckoutStress, HoldsP95Under500msAt20Concurrent) {
//     const auto vus = param("vus", {2, 20, 200}, 1, 10'000);
//     Plan plan{.name = "checkout", .model = ClosedModel{.vus = vus, .duration = 30s},
//               .thresholds = {"p(95)<500ms", "error_rate<1%"}};
//     run(plan, [&](IterationContext& ctx) { ctx.step("pay", [&] { ... }); });
//   }
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/faults/fault_timeline.hpp"
#include "gauntlet/faults/recovery_time.hpp"
#include "gauntlet/gtest/stress_params.hpp"
#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/load/plan.hpp"
#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/monitor/resource_monitor.hpp"

namespace gauntlet {

struct RunOptions {
  // Distinguishes several runs of one test: the result is named "<Suite>.<Test>.<label>".
  std::string label;
  // Fail the test when a threshold FAILs or the run is incomplete (thresholds_pass). False makes
  // the run a probe its test judges itself (report/run_status.hpp): a level of a breaking-point
  // search, a run fed a wrong state on purpose; reports show it but never fail on it.
  bool expect_thresholds = true;
  // Merged into RunResult::extra (e.g. a comparison figure).
  nlohmann::json extra = nlohmann::json::object();
  // Called once the load has ended (every virtual user joined), before the thresholds are judged:
  // the figures it returns (a checker's "lost", "duplicated", ...) join the result like any
  // metric, so thresholds name them ("lost==0"; declare them in Plan::metrics). If it throws,
  // the result is still written, marked incomplete with the reason, and its figures are missing,
  // so their thresholds fail.
  std::function<std::vector<Figure>()> after_load{};
  // The resource monitor (monitor/resource_monitor.hpp), for the load phase: its report joins the
  // result ("monitor"), a safety limit crossed stops the run (incomplete, saying which), and its
  // leak figures rss_slope.<process> (MB/min), p99_drift and error_rate_drift join the figures.
  // Start from StressFixture::monitor_options() for the scale's default limits.
  std::optional<MonitorOptions> monitor{};
  // Timed actions on the run's clock (faults/fault_timeline.hpp), checked against the plan's
  // max_duration before any load; each action and its outcome join the result ("timeline").
  std::vector<TimedAction> timeline{};
  // Recovery times from the run's own per-second series (faults/recovery_time.hpp), each a
  // figure named by the metric ("recovery_s<30"; declare it in Plan::metrics). Checked before any
  // load; a recovery that never came has no value, and fails its threshold saying so.
  std::vector<RecoveryMetric> recovery{};
  // A breaking-point search's curve (load/breaking_point.hpp) to carry in this run's result.
  std::optional<CapacityCurve> breaking_point{};
};

class StressFixture : public ::testing::Test {
 protected:
  // Run summaries go to `out` (std::cout unless a fixture passes its own stream).
  explicit StressFixture(std::ostream& out = std::cout);

  Scale scale() const noexcept { return params_.scale(); }
  StressParams& params() noexcept { return params_; }

  // Shorthands for params(): the value for this scale, or GAUNTLET_<NAME>, within [min, max].
  std::int64_t param(std::string_view name, PerScale<std::int64_t> values, std::int64_t min,
                     std::int64_t max) {
    return params_.integer(name, values, min, max);
  }
  // Named apart from param(): {2, 20, 200} would fit an integer and a real parameter alike.
  double number_param(std::string_view name, PerScale<double> values, double min, double max) {
    return params_.number(name, values, min, max);
  }
  std::chrono::nanoseconds param(std::string_view name, PerScale<std::chrono::nanoseconds> values,
                                 std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
    return params_.duration(name, values, min, max);
  }

  // Monitor options watching `processes` (and this process, "generator"), with the scale's
  // safety limits, each a parameter (GAUNTLET_MAX_MEMORY_MB=2048): max_memory_mb 1024 / 1024 /
  // 2048, max_cpu_percent 95% of every core, max_execution_time 120s / 600s / 4h,
  // memory_growth_rate_mb_per_sec 10, max_fds 4096 / 4096 / 16384.
  MonitorOptions monitor_options(std::vector<MonitoredProcess> processes);

  // Runs the plan. Before any load is sent it checks the parameters, the plan and its thresholds
  // (ConfigError with every problem: the test fails, no result is written). A Ctrl-C or SIGTERM
  // during the run stops it cleanly; its result is still written, marked incomplete.
  RunResult run(const Plan& plan, const Scenario& scenario, RunOptions options = {});

  // The facts every result of this test carries, for a test that measures without run() (an
  // engine driven directly): its name ("<Suite>.<Test>.<label>" when label is given), scale,
  // executable and parameters. The caller adds the times and the metrics.
  FinishedRun finished_run(const std::string& label = "") const;
  // What run() does with every result, for one assembled without run(): its result file, its
  // JUnit properties (prefixed "<label>." when label is given) and its summary on this fixture's
  // stream. Judging it is the caller's.
  void publish(const RunResult& result, const std::string& label = "");

  // Where results go: $GAUNTLET_RESULTS_DIR or <builddir>/results.
  std::filesystem::path results_dir() const { return results_dir_; }
  // "<Suite>.<Test>" of the running test.
  static std::string test_name();

 private:
  StressParams params_;
  SteadyClock clock_;
  std::filesystem::path results_dir_;
  std::ostream& out_;
};

}  // namespace gauntlet
