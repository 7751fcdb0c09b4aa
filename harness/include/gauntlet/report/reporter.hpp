#pragma once
// The one shape of every report format (google/benchmark's BenchmarkReporter): a reporter formats
// finished results into the stream it was given, and does nothing else: no clock, no file, no
// evaluation. One format per file: summary_reporter, csv_reporter, json_reporter. Writing files
// is result_file's job; deciding a verdict is the thresholds'.
#include <ostream>
#include <span>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

class Reporter {
 public:
  explicit Reporter(std::ostream& out) : out_(out) {}
  virtual ~Reporter() = default;
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Writes `results`, in the given order, in this reporter's format.
  virtual void report(std::span<const RunResult> results) = 0;
  // The same for one result.
  void report(const RunResult& result) { report(std::span<const RunResult>(&result, 1)); }

 protected:
  std::ostream& out_;
};

}  // namespace gauntlet
