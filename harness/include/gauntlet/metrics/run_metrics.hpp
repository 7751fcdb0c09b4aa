#pragma once
// What a run measured, merged from every recorder shard: plain immutable data that thresholds,
// results and reports read.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/error_class.hpp"
#include "gauntlet/metrics/custom_metric.hpp"
#include "gauntlet/metrics/histogram.hpp"

namespace gauntlet {

// Failures of one class: how many, and the first distinct messages (bounded, for the report).
struct ErrorStats {
  std::int64_t count = 0;
  std::vector<std::string> samples;  // first N distinct messages, in order of first sight
};

// A named step ("upload"), or the whole iteration (name "iteration").
struct StepStats {
  std::string name;
  Histogram latency;  // latency_us of every attempt, successes and failures alike
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::array<ErrorStats, kErrorClassCount> errors{};  // indexed by ErrorClass

  std::int64_t total() const noexcept { return ok + failed; }
  double error_rate() const noexcept {  // 0..1; 0 when nothing ran
    return total() == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(total());
  }
};

// The layout of a series point's histogram: 2 significant digits (a bucket is at most 1% wide)
// keep the dense array small (~26 KB), which matters because every recorder shard resets one
// once a second and a result keeps one per second.
inline constexpr HistogramLayout kSeriesLatencyLayout{1, 3'600'000'000, 2};

// One second of the run: second 0 starts at the run's start.
struct SeriesPoint {
  std::int64_t second = 0;
  std::int64_t completed = 0;  // iterations that ended in this second, ok or failed
  std::int64_t failed = 0;
  std::int64_t dropped = 0;
  double rps = 0;  // completed per second of this interval
  std::int64_t p50_us = 0;
  std::int64_t p95_us = 0;
  std::int64_t p99_us = 0;
  std::int64_t active_vus = 0;  // last sample in this second
  // The second's latencies (kSeriesLatencyLayout; values are bucket starts, so min and max are
  // within 1%), from which the reports take any percentile of a second or of the run so far, and
  // which merge exactly across processes. Absent in results written before it was kept.
  std::optional<Histogram> latency;
};

// A figure a test attaches once the load has ended (a checker's finding such as "lost", a
// server-side count such as "server.deadlocks"): a named value and the first few offending ids,
// for the report. Thresholds name it like any metric ("lost==0").
struct Figure {
  std::string name;
  double value = 0;
  std::vector<std::string> examples;  // the first few offending ids or rows, bounded by the caller
};

struct RunMetrics {
  StepStats iteration{"iteration", {}, 0, 0, {}};
  std::vector<StepStats> steps;  // in order of first use
  std::vector<SeriesPoint> series;
  std::int64_t dropped = 0;  // open model: iterations that found no free VU within the bound
  // Custom metrics, each list in order of first use (figures in the order attached).
  std::vector<CounterStats> counters;
  std::vector<GaugeStats> gauges;
  std::vector<TrendStats> trends;
  std::vector<Figure> figures;

  // nullptr when no step has that name; "iteration" finds the iteration stats.
  const StepStats* find(std::string_view step) const noexcept;
  // nullptr when nothing of that name was recorded (or attached).
  const CounterStats* find_counter(std::string_view name) const noexcept;
  const GaugeStats* find_gauge(std::string_view name) const noexcept;
  const TrendStats* find_trend(std::string_view name) const noexcept;
  const Figure* find_figure(std::string_view name) const noexcept;
};

}  // namespace gauntlet
