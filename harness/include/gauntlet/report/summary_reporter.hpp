#pragma once
// The human-readable end-of-run summary (summary.txt, and what `gauntlet report` prints): one
// block per run with its status, iterations, rate, latency percentiles, dropped iterations,
// errors by class with their first messages, every threshold's verdict, and a row per step;
// then one totals line. Formats finished data only, into an injected stream (google/benchmark's
// console reporter).
//
// The totals line reads "summary: 12 tests — 10 PASS, 1 WARN, 1 FAIL, 0 incomplete". It is never
// of the form "N passed, N failed", which CI parses from the test runner's own output.
#include <cstddef>
#include <ostream>
#include <span>
#include <string>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/reporter.hpp"
#include "gauntlet/report/run_status.hpp"

namespace gauntlet {

struct SummaryOptions {
  std::size_t max_error_samples = 3;   // messages shown per error class (results keep up to 10)
  std::size_t max_sample_chars = 100;  // longer messages are cut and end in "..."
};

// How many runs ended in each status.
struct SummaryTotals {
  std::size_t pass = 0;
  std::size_t warn = 0;
  std::size_t fail = 0;
  std::size_t incomplete = 0;
  std::size_t probes = 0;  // counted here only, whatever their own status (run_status.hpp)
  std::size_t tests() const noexcept { return pass + warn + fail + incomplete + probes; }
};

SummaryTotals summary_totals(std::span<const RunResult> results) noexcept;

// "summary: 3 tests — 1 PASS, 1 WARN, 1 FAIL, 0 incomplete" (no newline), and ", 2 probes
// judged by their tests" when there are probes.
std::string summary_totals_line(const SummaryTotals& totals);

class SummaryReporter : public Reporter {
 public:
  explicit SummaryReporter(std::ostream& out, SummaryOptions options = {})
      : Reporter(out), options_(options) {}

  using Reporter::report;
  // Every run's block, in the given order, a blank line after each, then the totals line.
  void report(std::span<const RunResult> results) override;
  // One run's block (no totals).
  void report_run(const RunResult& result) const;

 private:
  void write_overview(const RunResult& result) const;
  void write_latency(const StepStats& iteration) const;
  void write_errors(const RunResult& result) const;
  void write_thresholds(const RunResult& result) const;
  void write_steps(const RunResult& result) const;
  void write_custom(const RunMetrics& metrics) const;
  void write_instruments(const RunResult& result) const;

  SummaryOptions options_;
};

}  // namespace gauntlet
