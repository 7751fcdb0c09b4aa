#pragma once
// The one result model of a run: assembled once when the run ends (assemble_result), then only
// read (by the gtest listener, the JSON file and every report format in report/). Its canonical
// JSON form, carrying schema_version, is report/json_reporter.hpp's.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gauntlet/metrics/capacity_curve.hpp"
#include "gauntlet/metrics/monitor_report.hpp"
#include "gauntlet/metrics/run_metrics.hpp"
#include "gauntlet/metrics/threshold_outcome.hpp"
#include "gauntlet/metrics/timeline_entry.hpp"

namespace gauntlet {

struct Threshold;

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
  // Heavy-load instruments, each absent when the run did not use it.
  std::optional<MonitorReport> monitor;         // the resource monitor's samples and peaks
  std::vector<TimelineEntry> timeline;          // the fault timeline's actions and outcomes
  std::optional<CapacityCurve> breaking_point;  // a breaking-point search's curve
};

// What a finished run knows before its thresholds are judged: the facts each runner (the gtest
// fixture, `gauntlet http`) gathers from its own execution.
struct FinishedRun {
  std::string name;
  std::string scale;
  nlohmann::json plan = nlohmann::json::object();
  std::chrono::system_clock::time_point started_at{};
  std::chrono::system_clock::time_point ended_at{};
  std::chrono::nanoseconds load_duration{};  // the load phase; rates and thresholds divide by it
  RunMetrics metrics;
  bool incomplete = false;
  std::string stop_reason;  // why an incomplete run stopped; "" otherwise
  double requested_rate_per_s = 0;
  double achieved_rate_per_s = 0;
  nlohmann::json extra = nlohmann::json::object();
  std::optional<MonitorReport> monitor;
  std::vector<TimelineEntry> timeline;
  std::optional<CapacityCurve> breaking_point;
};

// The one place a RunResult is made: moves the facts in, evaluates every threshold against the
// metrics, and makes an incomplete run always say why ("stopped" when its runner gave no reason).
RunResult assemble_result(FinishedRun run, std::span<const Threshold> thresholds);

}  // namespace gauntlet
