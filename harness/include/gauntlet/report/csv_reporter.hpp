#pragma once
// Locust-compatible CSV files of a run, so that tools and notebooks written for Locust read
// gauntlet's results unchanged: <prefix>_stats.csv, <prefix>_stats_history.csv and
// <prefix>_failures.csv with Locust's exact column headers (locust/stats.py, StatsCSV). Times are
// in milliseconds as in Locust, with up to 3 decimals (Locust rounds to whole ms, which would
// turn every loopback latency into 0). Formats finished data only, into an injected stream.
//
// What Locust has and a RunResult does not is written as "N/A" rather than invented: the
// history's per-second rows carry the second's own p50/p95/p99 (the series keeps no other
// percentiles) and cumulative request and failure counts, but no cumulative latency figures.
#include <array>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

// Locust's default percentiles and their column headers.
inline constexpr std::array<double, 11> kLocustPercentiles = {50, 66, 75,   80,    90, 95,
                                                              98, 99, 99.9, 99.99, 100};
inline constexpr std::array<std::string_view, 11> kLocustPercentileHeaders = {
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"};

struct CsvOptions {
  // The whole iteration's own row (Type, Name) when the run has no steps, e.g. {"GET", "/api"}
  // for `gauntlet http`; with an empty name only the "Aggregated" row describes it.
  std::string iteration_type{};
  std::string iteration_name{};
  double average_content_bytes = 0;  // "Average Content Size"; 0 when unknown
};

class CsvReporter {
 public:
  explicit CsvReporter(CsvOptions options = {}) : options_(std::move(options)) {}

  // Header, one row per step (Type ""), the iteration row (see CsvOptions), then "Aggregated".
  void write_stats(std::ostream& out, const RunResult& result) const;
  // Header, then one "Aggregated" row per second of the run's series.
  void write_stats_history(std::ostream& out, const RunResult& result) const;
  // Header "Method,Name,Error,Occurrences", one row per step and error class (the iteration's
  // classes when the run has no steps); Error is the class and its first distinct messages.
  void write_failures(std::ostream& out, const RunResult& result) const;

 private:
  CsvOptions options_;
};

// Writes the three files next to `prefix` (a path prefix, e.g. "out/run1" gives
// out/run1_stats.csv), each to a .tmp sibling first and renamed over its name. Throws
// std::system_error naming the path when one cannot be written.
void write_csv_files(const std::string& prefix, const RunResult& result,
                     const CsvOptions& options = {});

}  // namespace gauntlet
