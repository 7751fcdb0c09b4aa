#include "gauntlet/gtest/stress_fixture.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>  // program_invocation_short_name (glibc)
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "gauntlet/config_error.hpp"
#include "gauntlet/gtest/interrupt_watch.hpp"
#include "gauntlet/gtest/progress_printer.hpp"
#include "gauntlet/gtest/threshold_assertion.hpp"
#include "gauntlet/load/run_plan.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/monitor/leak_metrics.hpp"
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

// The monitor's and the timeline's configuration, checked with the plan: before any load.
void check_instruments(const RunOptions& options, const ValidPlan& plan) {
  Problems problems;
  if (options.monitor) {
    for (std::string& p : options.monitor->validate()) problems.add(std::move(p));
  }
  const auto run_length = plan.max_duration();
  for (std::string& p : validate_timeline(options.timeline, run_length)) problems.add(std::move(p));
  for (const RecoveryMetric& r : options.recovery) {
    for (std::string& p : r.options.validate()) problems.add(r.name + ": " + std::move(p));
  }
  problems.throw_if_any();
}

// The monitor's report, its safety stop and its leak figures join the run's facts.
void attach_monitor(MonitorReport report, FinishedRun& facts) {
  for (Figure& f : leak_figures(report, facts.metrics.series)) {
    facts.metrics.figures.push_back(std::move(f));
  }
  if (report.stopped) {
    facts.incomplete = true;
    if (facts.stop_reason.find(report.stopped->message) == std::string::npos) {
      facts.stop_reason += (facts.stop_reason.empty() ? "" : "; ") + report.stopped->message;
    }
  }
  facts.monitor = std::move(report);
}

}  // namespace

MonitorOptions StressFixture::monitor_options(std::vector<MonitoredProcess> processes) {
  const double cores = std::max(1U, std::thread::hardware_concurrency());
  MonitorOptions o;
  o.processes = std::move(processes);
  o.limits.max_memory_mb = number_param("max_memory_mb", {1024, 1024, 2048}, 1, 1e6);
  o.limits.max_cpu_percent =
      number_param("max_cpu_percent", {95 * cores, 95 * cores, 95 * cores}, 1, 100 * cores);
  o.limits.max_execution_time =
      param("max_execution_time",
            {std::chrono::seconds(120), std::chrono::seconds(600), std::chrono::hours(4)},
            std::chrono::seconds(1), std::chrono::hours(24));
  o.limits.memory_growth_rate_mb_per_sec =
      number_param("memory_growth_rate_mb_per_sec", {10, 10, 10}, 0.001, 1e6);
  o.limits.max_fds = param("max_fds", {4096, 4096, 16384}, 1, 1'000'000);
  return o;
}

StressFixture::StressFixture(std::ostream& out)
    : params_(scale_from_env(process_env()), process_env()),
      results_dir_(default_results_dir()),
      out_(out) {}

std::string StressFixture::test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "unnamed";
  return std::string(info->test_suite_name()) + "." + info->name();
}

FinishedRun StressFixture::finished_run(const std::string& label) const {
  FinishedRun facts;
  facts.name = test_name();
  if (!label.empty()) facts.name += "." + label;
  facts.scale = std::string(to_string(scale()));
  // The executable names the report's JUnit testsuite (report/junit_reporter.hpp).
  facts.extra = {{"params", params_.to_json()}, {"executable", program_invocation_short_name}};
  return facts;
}

RunResult StressFixture::run(const Plan& plan, const Scenario& scenario, RunOptions options) {
  // Everything is checked before any load is sent; a ConfigError fails the test, writes nothing.
  params_.check();
  const ValidPlan checked = ValidPlan::check(plan);

  check_instruments(options, checked);

  StopSource stop;
  const InterruptForward forward(stop);
  std::optional<ResourceMonitor> monitor;
  if (options.monitor) monitor.emplace(*options.monitor, stop);
  std::optional<FaultTimeline> timeline;
  if (!options.timeline.empty()) timeline.emplace(std::move(options.timeline));
  // The live line goes to stderr, on a terminal only unless GAUNTLET_PROGRESS says otherwise.
  const std::optional<std::string> progress_env = process_env()("GAUNTLET_PROGRESS");
  const bool show_progress =
      progress_wanted(progress_env ? progress_env->c_str() : nullptr, ::isatty(STDERR_FILENO) == 1);
  ProgressPrinter progress(std::cerr);
  RunOutput out = run_plan(checked, scenario, clock_, stop,
                           show_progress ? ProgressFn(std::ref(progress)) : ProgressFn{});
  progress.finish();
  const ExecutionResult& exec = out.execution;

  FinishedRun facts = finished_run(options.label);
  facts.plan = checked.plan().to_json();
  facts.started_at = exec.started_wall;
  facts.ended_at = exec.ended_wall;
  facts.load_duration = exec.load_duration();
  facts.metrics = std::move(out.metrics);
  facts.incomplete = exec.incomplete;
  facts.stop_reason = exec.stop_reason;
  facts.requested_rate_per_s = exec.requested_rate_per_s;
  facts.achieved_rate_per_s = exec.achieved_rate_per_s;
  facts.extra["execution"] = exec.to_json();
  if (!options.expect_thresholds) facts.extra["probe"] = true;  // report/run_status.hpp
  facts.extra.update(options.extra);
  // The timeline ends (restoring any fault still in force) and the monitor stops with the load.
  if (timeline) facts.timeline = timeline->finish();
  if (monitor) attach_monitor(monitor->finish(), facts);
  facts.breaking_point = std::move(options.breaking_point);
  for (const RecoveryMetric& r : options.recovery) {
    facts.metrics.figures.push_back(recovery_figure(r, facts.metrics.series));
  }
  attach_figures(options, facts);
  const RunResult result = assemble_result(std::move(facts), checked.thresholds());

  publish(result, options.label);
  if (options.expect_thresholds) {
    EXPECT_TRUE(thresholds_pass(result));
  }
  return result;
}

void StressFixture::publish(const RunResult& result, const std::string& label) {
  write_result_file(result, results_dir_);
  record_properties(result, label.empty() ? "" : label + ".");
  SummaryReporter(out_).report_run(result);
}

}  // namespace gauntlet
