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

#include "gauntlet/gtest/stress_params.hpp"
#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/load/plan.hpp"
#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

struct RunOptions {
  // Distinguishes several runs of one test: the result is named "<Suite>.<Test>.<label>".
  std::string label;
  // Fail the test when a threshold FAILs or the run is incomplete (thresholds_pass).
  bool expect_thresholds = true;
  // Merged into RunResult::extra (e.g. a comparison figure).
  nlohmann::json extra = nlohmann::json::object();
  // Called once the load has ended (every virtual user joined), before the thresholds are judged:
  // the figures it returns (a checker's "lost", "duplicated", ...) join the result like any
  // metric, so thresholds name them ("lost==0"; declare them in Plan::metrics). If it throws,
  // the result is still written, marked incomplete with the reason, and its figures are missing,
  // so their thresholds fail.
  std::function<std::vector<Figure>()> after_load{};
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

  // Runs the plan. Before any load is sent it checks the parameters, the plan and its thresholds
  // (ConfigError with every problem: the test fails, no result is written). A Ctrl-C or SIGTERM
  // during the run stops it cleanly; its result is still written, marked incomplete.
  RunResult run(const Plan& plan, const Scenario& scenario, RunOptions options = {});

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
