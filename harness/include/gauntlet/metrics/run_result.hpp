#pragma once
// The one result model of a run: built once when the run ends, then only read (by thresholds'
// reporting, the gtest listener, the JSON file, and every report format). JSON is canonical and
// carries schema_version; percentile figures in it are derived for readers, the serialised
// histograms are the source of truth and round-trip exactly.
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/metrics/run_metrics.hpp"
#include "gauntlet/metrics/threshold_outcome.hpp"

namespace gauntlet {

inline constexpr int kResultSchemaVersion = 1;

// Immutable once built: hold it as `const RunResult`.
struct RunResult {
  std::string name;                                // "<Suite>.<Test>"
  std::string scale;                               // "smoke", "ci" or "full"
  nlohmann::json plan = nlohmann::json::object();  // the caller's description of the plan, opaque
  std::chrono::system_clock::time_point started_at{};
  std::chrono::system_clock::time_point ended_at{};
  double duration_s = 0;
  RunMetrics metrics;
  std::vector<ThresholdOutcome> thresholds;
  bool incomplete = false;          // the run stopped before its plan ended (see stop_reason)
  std::string stop_reason;          // "" when the run completed its plan
  double requested_rate_per_s = 0;  // open model's target; 0 for the closed model
  double achieved_rate_per_s = 0;
  nlohmann::json extra = nlohmann::json::object();  // free-form: generator self-check, platform
};

// The canonical JSON document. Times are ISO-8601 UTC with milliseconds, so a round trip keeps
// times to the millisecond. Never throws for a well-formed RunResult.
nlohmann::json to_json(const RunResult& result);

// Inverse of to_json. Throws std::invalid_argument naming the offending field (e.g.
// "steps[1].histogram") when the document is malformed, and for a schema_version other than
// kResultSchemaVersion.
RunResult run_result_from_json(const nlohmann::json& doc);

// `<dir>/<name>.json`, with '/' and '\' in the name replaced by '_' (parameterised gtest names
// contain '/'). Throws std::invalid_argument for an empty name.
std::filesystem::path result_file_path(std::string_view name, const std::filesystem::path& dir);

// Writes result_file_path(result.name, dir) atomically: the text goes to `<name>.json.tmp`, is
// fsync'ed, then renamed over the final name, so a reader sees the old file or the new one whole,
// never half of one. Creates dir. Throws std::system_error naming the path on an I/O failure
// (the .tmp file is removed), std::invalid_argument for an empty name.
void write_result_file(const RunResult& result, const std::filesystem::path& dir);

// Replaces `target` with `text` atomically and durably: the text goes to `<target>.tmp`, is
// fsync'ed, then renamed over `target`, so a reader sees the old file or the new one whole. The
// directory must exist. Throws std::system_error naming the path (the .tmp file is removed).
void write_file_atomically(const std::filesystem::path& target, std::string_view text);

// ISO-8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z"): how every result file writes times.
std::string format_utc(std::chrono::system_clock::time_point t);

// Reads and validates a result file. Throws std::system_error naming the path when it cannot be
// read, std::invalid_argument naming the path and the problem when it is not valid JSON or not a
// valid result.
RunResult read_result_file(const std::filesystem::path& path);

// $GAUNTLET_RESULTS_DIR when set and non-empty, else the build's results directory
// (build_paths::results_dir(), <builddir>/results).
std::filesystem::path default_results_dir();

}  // namespace gauntlet
