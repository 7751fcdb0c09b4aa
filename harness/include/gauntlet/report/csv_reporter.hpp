#pragma once
// Locust-compatible CSV files of a run, so that tools and notebooks written for Locust read
// gauntlet's results unchanged: <prefix>_stats.csv, <prefix>_stats_history.csv and
// <prefix>_failures.csv with Locust's exact column headers (locust/stats.py, StatsCSV). Times are
// in milliseconds as in Locust, with up to 3 decimals (Locust rounds to whole ms, which would
// turn every loopback latency into 0). Formats finished data only, into an injected stream.
//
// The history's per-second rows take every percentile from the second's histogram and the
// "Total ..." latency columns from the seconds so far merged (both at the series' 2 significant
// digits). What a result does not keep is written as "N/A" rather than invented: a result written
// before the series kept histograms has only the second's p50/p95/p99 and no totals.
#include <array>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/report/reporter.hpp"

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

// The three Locust tables, one per file.
enum class CsvTable { kStats, kStatsHistory, kFailures };

// The table's file name after the prefix: "_stats.csv", "_stats_history.csv", "_failures.csv".
std::string_view csv_file_suffix(CsvTable table) noexcept;

// Writes one table: its header once, then each result's rows.
//   kStats: one row per step (Type ""), the iteration row (see CsvOptions), then "Aggregated".
//   kStatsHistory: one "Aggregated" row per second of the run's series.
//   kFailures: "Method,Name,Error,Occurrences", one row per step and error class (the
//     iteration's classes when the run has no steps); Error is the class and its first distinct
//     messages.
class CsvReporter : public Reporter {
 public:
  CsvReporter(std::ostream& out, CsvTable table, CsvOptions options = {})
      : Reporter(out), table_(table), options_(std::move(options)) {}

  using Reporter::report;
  void report(std::span<const RunResult> results) override;

 private:
  void stats_rows(const RunResult& result);
  void history_rows(const RunResult& result);
  void failure_rows_of(const RunResult& result);

  CsvTable table_;
  CsvOptions options_;
};

// Writes the three files next to `prefix` (a path prefix, e.g. "out/run1" gives
// out/run1_stats.csv), each atomically (write_file_atomically). Throws
// std::system_error naming the path when one cannot be written.
void write_csv_files(const std::string& prefix, const RunResult& result,
                     const CsvOptions& options = {});

}  // namespace gauntlet
