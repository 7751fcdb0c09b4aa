#include "gauntlet/report/summary_reporter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/text/duration_parse.hpp"
#include "support/percentile_invariant.hpp"

namespace gauntlet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// google/benchmark output_test style: line i of `text` must match patterns[i] in full, where a
// run of spaces in a pattern matches any run of spaces (column widths may change).
void expect_lines(const std::string& text, const std::vector<std::string>& patterns) {
  const std::vector<std::string> lines = lines_of(text);
  ASSERT_EQ(lines.size(), patterns.size()) << text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string tolerant = std::regex_replace(patterns[i], std::regex(" +"), " +");
    EXPECT_TRUE(std::regex_match(lines[i], std::regex(tolerant)))
        << "line " << i + 1 << ": \"" << lines[i] << "\"\n  does not match: " << patterns[i];
  }
}

// A step with `n` attempts at each latency (us), of which `failed` failed as http_5xx.
StepStats make_step(std::string name, const std::vector<std::int64_t>& latencies_us,
                    std::int64_t failed) {
  StepStats s;
  s.name = std::move(name);
  for (const std::int64_t v : latencies_us) s.latency.record(v);
  s.failed = failed;
  s.ok = static_cast<std::int64_t>(latencies_us.size()) - failed;
  return s;
}

std::vector<std::int64_t> spread(std::int64_t from_us, std::int64_t step_us, int n) {
  std::vector<std::int64_t> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(from_us + step_us * i);
  return v;
}

// A finished open-model run with an upload step; thresholds are evaluated for real.
RunResult make_result(std::string name, const std::vector<std::string>& thresholds) {
  RunResult r;
  r.name = std::move(name);
  r.scale = "ci";
  r.duration_s = 10;
  r.requested_rate_per_s = 100;
  r.achieved_rate_per_s = 99.5;
  r.metrics.iteration = make_step("iteration", spread(1000, 1000, 1000), 5);
  ErrorStats& e5xx = r.metrics.iteration.errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)];
  e5xx.count = 5;
  e5xx.samples = {"503 Service Unavailable", "502 Bad Gateway"};
  r.metrics.steps.push_back(make_step("upload", spread(500, 500, 1000), 0));
  r.metrics.steps.push_back(make_step("publish", {}, 0));
  r.metrics.dropped = 2;
  for (const Threshold& t : parse_thresholds(thresholds)) {
    r.thresholds.push_back(evaluate(t, r.metrics, r.duration_s));
  }
  return r;
}

std::string render(const std::vector<RunResult>& results, SummaryOptions options = {}) {
  std::ostringstream out;
  SummaryReporter(out, options).report(results);
  return out.str();
}

TEST(SummaryReporter, RendersEverySectionOfARun) {
  const RunResult r =
      make_result("CreativeFlow.Upload", {"p(95)<2s", "error_rate<0.55%", "upload: max<100ms"});
  expect_lines(
      render({r}),
      {
          R"(\[FAIL\] CreativeFlow\.Upload)",
          R"(  run scale ci, ran 10s)",
          R"(  iterations 995 ok, 5 failed \(0\.5% errors\), 2 dropped)",
          R"(  rate 99\.5/s achieved, 100/s requested)",
          R"(  latency p50 500ms p90 900ms p95 950ms p99 990ms p99\.9 999ms max 1s)",
          R"(  errors http_5xx 5)",
          R"( +"503 Service Unavailable")",
          R"( +"502 Bad Gateway")",
          R"(  thresholds PASS p\(95\)<2s p\(95\) was 950ms, limit < 2s)",
          R"( +WARN error_rate<0\.55% error_rate was 0\.5%, limit < 0\.55% \(within 10% of the limit\))",
          R"( +FAIL upload: max<100ms max of upload was 500ms, limit < 100ms)",
          R"(  steps step ok failed errors p50 p90 p95 p99 p99\.9 max)",
          R"( +upload 1000 0 0% 250ms 450ms 475ms 495ms 500ms 500ms)",
          R"( +publish 0 0 - - - - - - -)",
          R"()",
          R"(summary: 1 test — 0 PASS, 0 WARN, 1 FAIL, 0 incomplete)",
      });
}

TEST(SummaryReporter, ShowsCustomMetricsAndTheFiguresExamples) {
  RunResult r = make_result("Ledger.Checks", {});
  r.metrics.counters.push_back({"rows_written", 1200});
  r.metrics.gauges.push_back({"queue_depth", 4, 1, 9, 30});
  TrendStats wait{"queue_wait", {}};
  for (int i = 1; i <= 100; ++i) wait.values.record(i * 1000);
  r.metrics.trends.push_back(wait);
  r.metrics.figures.push_back({"duplicated", 4, {"c-1", "c-2", "c-3", "c-4"}});
  const std::string text = render({r});
  EXPECT_THAT(text, HasSubstr("  metrics      rows_written  1200\n"));
  EXPECT_THAT(text, HasSubstr("queue_depth   gauge  last 4  min 1  max 9\n"));
  EXPECT_THAT(text, HasSubstr("queue_wait    trend  p50 50ms  p95 95ms  p99 99ms  max 100ms"));
  EXPECT_THAT(text, HasSubstr("duplicated    4  e.g. \"c-1\", \"c-2\", \"c-3\", ...\n"));
}

TEST(SummaryReporter, TotalsCountEveryStatus) {
  RunResult incomplete = make_result("A.Incomplete", {"p(95)<2s"});
  incomplete.incomplete = true;
  incomplete.stop_reason = "the resource monitor stopped the run: RSS 4.1 GB > 4 GB";
  const std::vector<RunResult> results = {
      make_result("A.Pass", {"p(95)<2s"}), make_result("A.Warn", {"p(95)<1s"}),
      make_result("A.Fail", {"p(95)<1ms"}), make_result("A.NoThresholds", {}), incomplete};
  const std::string text = render(results);
  EXPECT_THAT(text, HasSubstr("[PASS] A.Pass\n"));
  EXPECT_THAT(text, HasSubstr("[WARN] A.Warn\n"));
  EXPECT_THAT(text, HasSubstr("[FAIL] A.Fail\n"));
  EXPECT_THAT(text, HasSubstr("[PASS] A.NoThresholds\n"));
  EXPECT_THAT(text, HasSubstr("[INCOMPLETE] A.Incomplete\n"));
  EXPECT_THAT(text, HasSubstr("  stopped      early: the resource monitor stopped the run: RSS "
                              "4.1 GB > 4 GB\n"));
  EXPECT_THAT(text, HasSubstr("  thresholds   none\n"));
  EXPECT_EQ(lines_of(text).back(), "summary: 5 tests — 2 PASS, 1 WARN, 1 FAIL, 1 incomplete");
}

TEST(SummaryReporter, NeverPrintsTheLineCiParsesAsTestCounts) {
  const std::vector<RunResult> results = {make_result("A.Pass", {"p(95)<2s"}),
                                          make_result("A.Fail", {"p(95)<1ms"})};
  const std::regex ci_counts(R"(\s*\d+ passed, \d+ failed\s*)");
  for (const std::string& line : lines_of(render(results))) {
    EXPECT_FALSE(std::regex_match(line, ci_counts)) << line;
  }
  EXPECT_THAT(summary_totals_line({}), Not(HasSubstr("passed")));
}

TEST(SummaryReporter, EmptyReportIsOnlyTheTotals) {
  EXPECT_EQ(render({}), "summary: 0 tests — 0 PASS, 0 WARN, 0 FAIL, 0 incomplete\n");
}

TEST(SummaryReporter, ClosedModelSaysItHasNoTargetRate) {
  RunResult r = make_result("A.Closed", {});
  r.requested_rate_per_s = 0;
  r.achieved_rate_per_s = 12.34;
  EXPECT_THAT(render({r}),
              HasSubstr("  rate         12.3/s achieved (closed model, no target rate)\n"));
}

TEST(SummaryReporter, NothingMeasuredIsSaidNotShownAsZeros) {
  RunResult r;
  r.name = "A.Empty";
  r.incomplete = true;
  const std::string text = render({r});
  EXPECT_THAT(text, HasSubstr("  latency      nothing was measured\n"));
  EXPECT_THAT(text, HasSubstr("  stopped      early: no reason recorded\n"));
  EXPECT_THAT(text, HasSubstr("  errors       none\n"));
  EXPECT_THAT(text, HasSubstr("  run          scale -, ran 0us\n"));
  EXPECT_THAT(text, Not(HasSubstr("steps")));
}

TEST(SummaryReporter, ErrorSamplesAreBoundedCutAndKeptOnOneLine) {
  RunResult r = make_result("A.Errors", {});
  ErrorStats& timeouts = r.metrics.steps[0].errors[static_cast<std::size_t>(ErrorClass::kTimeout)];
  timeouts.count = 7;
  timeouts.samples = {"connect timed out\nafter 5s", std::string(40, 'x'), "third", "fourth"};
  SummaryOptions options;
  options.max_error_samples = 2;
  options.max_sample_chars = 20;
  const std::string text = render({r}, options);
  expect_lines(
      text.substr(text.find("  errors"), text.find("  thresholds") - text.find("  errors")),
      {
          R"(  errors http_5xx 5)",
          R"( +"503 Service Unava\.\.\.")",
          R"( +"502 Bad Gateway")",
          R"( +upload: timeout 7)",
          R"( +"connect timed out\.\.\.")",
          R"( +"xxxxxxxxxxxxxxxxx\.\.\.")",
          R"( +\(2 more in the result file\))",
      });
}

TEST(RunStatus, IncompleteOutranksFailWhichOutranksWarn) {
  RunResult r = make_result("A.B", {"p(95)<1ms", "p(95)<1s"});
  EXPECT_EQ(run_status(r), RunStatus::kFail);
  r.incomplete = true;
  EXPECT_EQ(run_status(r), RunStatus::kIncomplete);
  EXPECT_FALSE(is_success(RunStatus::kIncomplete));
  EXPECT_FALSE(is_success(RunStatus::kFail));
  const RunResult warn = make_result("A.C", {"p(95)<1s", "p(95)<2s"});
  EXPECT_EQ(run_status(warn), RunStatus::kWarn);
  EXPECT_TRUE(is_success(RunStatus::kWarn));
  EXPECT_EQ(run_status(make_result("A.D", {"p(95)<2s"})), RunStatus::kPass);
}

// Durations ("1ms", "4.51ms", "-" skipped) in `text`, in microseconds, in order.
std::vector<double> durations_us(const std::string& text) {
  std::vector<double> out;
  const std::regex figure(R"(\b([0-9.]+(?:us|ms|s))\b)");
  for (std::sregex_iterator it(text.begin(), text.end(), figure), end; it != end; ++it) {
    const auto d = parse_duration((*it)[1].str());
    if (d) out.push_back(static_cast<double>(d->count()) / 1000.0);
  }
  return out;
}

// The latency line and the steps table read back as durations: the last figure of each is the
// max, and no percentile before it exceeds it.
TEST(SummaryReporter, NoPercentileIsAboveTheMaxOrBelowTheMin) {
  const std::vector<std::string> lines = lines_of(render({testing::overshooting_result()}));
  int checked = 0;
  for (const std::string& line : lines) {
    const bool latency = line.starts_with("  latency");
    const bool step_row = line.find(" call ") != std::string::npos;
    if (!latency && !step_row) continue;
    std::vector<double> figures = durations_us(line);
    ASSERT_GE(figures.size(), 2u) << line;
    const double max_us = figures.back();
    figures.pop_back();
    testing::expect_within_min_max(figures, 1001, max_us, "summary: " + line);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace gauntlet
