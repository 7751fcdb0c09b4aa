#include "gauntlet/gtest/stress_fixture.hpp"

#include <unistd.h>

#include <cerrno>  // program_invocation_short_name (glibc)
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "gauntlet/gtest/interrupt_watch.hpp"
#include "gauntlet/gtest/progress_printer.hpp"
#include "gauntlet/gtest/threshold_assertion.hpp"
#include "gauntlet/load/run_plan.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/report/run_status.hpp"
#include "gauntlet/report/summary_reporter.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

// Forwards a Ctrl-C (through gauntlet's main) to the run's StopSource for as long as it lives.
class InterruptForward {
 public:
  explicit InterruptForward(StopSource& stop) : watch_(InterruptWatch::current()) {
    if (watch_ != nullptr) {
      handle_ =
          watch_->subscribe([&stop](const std::string& reason) { stop.request_stop(reason); });
    }
  }
  ~InterruptForward() {
    if (watch_ != nullptr) watch_->unsubscribe(handle_);
  }
  InterruptForward(const InterruptForward&) = delete;
  InterruptForward& operator=(const InterruptForward&) = delete;

 private:
  InterruptWatch* watch_;
  std::uint64_t handle_ = 0;
};

// The key figures as JUnit XML properties, so CI dashboards show them without our reports.
void record_properties(const RunResult& result, const std::string& prefix) {
  const auto& it = result.metrics.iteration;
  const auto record = [&](const std::string& key, const std::string& value) {
    ::testing::Test::RecordProperty(prefix + key, value);
  };
  record("verdict", std::string(to_string(run_status(result))));
  record("iterations", std::to_string(it.total()));
  record("errors", std::to_string(it.failed));
  record("error_rate", format_percent(it.error_rate()));
  record("dropped", std::to_string(result.metrics.dropped));
  record("rps", format_3_digits(result.achieved_rate_per_s));
  for (const auto& [key, pct] : {std::pair{"p50_us", 50.0}, {"p95_us", 95.0}, {"p99_us", 99.0}}) {
    record(key, std::to_string(it.latency.value_at_percentile(pct)));
  }
  record("max_us", std::to_string(it.latency.max()));
}

// The test's after-load figures join the metrics; a check that throws leaves its figures out
// (their thresholds then fail as "not attached") and marks the run incomplete, saying why.
void attach_figures(const RunOptions& options, FinishedRun& facts) {
  if (!options.after_load) return;
  try {
    for (Figure& f : options.after_load()) facts.metrics.figures.push_back(std::move(f));
  } catch (const std::exception& e) {
    facts.incomplete = true;
    facts.stop_reason += (facts.stop_reason.empty() ? "" : "; ") +
                         std::string("the after-load check failed: ") + e.what();
  }
}

}  // namespace

StressFixture::StressFixture(std::ostream& out)
    : params_(scale_from_env(process_env()), process_env()),
      results_dir_(default_results_dir()),
      out_(out) {}

std::string StressFixture::test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "unnamed";
  return std::string(info->test_suite_name()) + "." + info->name();
}

RunResult StressFixture::run(const Plan& plan, const Scenario& scenario, RunOptions options) {
  // Everything is checked before any load is sent; a ConfigError fails the test, writes nothing.
  params_.check();
  const ValidPlan checked = ValidPlan::check(plan);

  StopSource stop;
  const InterruptForward forward(stop);
  // The live line goes to stderr, on a terminal only unless GAUNTLET_PROGRESS says otherwise.
  const std::optional<std::string> progress_env = process_env()("GAUNTLET_PROGRESS");
  const bool show_progress =
      progress_wanted(progress_env ? progress_env->c_str() : nullptr, ::isatty(STDERR_FILENO) == 1);
  ProgressPrinter progress(std::cerr);
  RunOutput out = run_plan(checked, scenario, clock_, stop,
                           show_progress ? ProgressFn(std::ref(progress)) : ProgressFn{});
  progress.finish();
  const ExecutionResult& exec = out.execution;

  FinishedRun facts;
  facts.name = test_name();
  if (!options.label.empty()) facts.name += "." + options.label;
  facts.scale = std::string(to_string(scale()));
  facts.plan = checked.plan().to_json();
  facts.started_at = exec.started_wall;
  facts.ended_at = exec.ended_wall;
  facts.load_duration = exec.load_duration();
  facts.metrics = std::move(out.metrics);
  facts.incomplete = exec.incomplete;
  facts.stop_reason = exec.stop_reason;
  facts.requested_rate_per_s = exec.requested_rate_per_s;
  facts.achieved_rate_per_s = exec.achieved_rate_per_s;
  // The executable names the report's JUnit testsuite (report/junit_reporter.hpp).
  facts.extra = {{"execution", exec.to_json()},
                 {"params", params_.to_json()},
                 {"executable", program_invocation_short_name}};
  facts.extra.update(options.extra);
  attach_figures(options, facts);
  const RunResult result = assemble_result(std::move(facts), checked.thresholds());

  write_result_file(result, results_dir_);
  record_properties(result, options.label.empty() ? "" : options.label + ".");
  SummaryReporter(out_).report_run(result);
  if (options.expect_thresholds) {
    EXPECT_TRUE(thresholds_pass(result));
  }
  return result;
}

}  // namespace gauntlet
