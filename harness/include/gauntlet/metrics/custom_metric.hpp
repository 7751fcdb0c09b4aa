#pragma once
// Custom metrics, k6's Counter / Gauge / Trend done our way, plus figures a test attaches after
// the load. A scenario records them per thread on the hot path (IterationContext::count, gauge,
// trend); the Recorder merges them exactly. A plan declares the ones its thresholds name
// (Plan::metrics), so that a threshold naming a metric that does not exist is a ConfigError
// before any load is sent. The harness knows the names only as text: nothing here is about any
// platform.
#include <cstdint>
#include <string>
#include <string_view>

#include "gauntlet/metrics/histogram.hpp"

namespace gauntlet {

enum class MetricKind : std::uint8_t {
  kCounter,  // a sum: ctx.count("rows_written", n)
  kGauge,    // the last value set, with the smallest and largest: ctx.gauge("queue_depth", 12)
  kTrend,    // durations into an HDR histogram: ctx.trend("queue_wait", d)
  kFigure,   // a value the test attaches once the load has ended (a checker's "lost")
};

constexpr std::string_view to_string(MetricKind kind) noexcept {
  switch (kind) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kTrend:
      return "trend";
    case MetricKind::kFigure:
      return "figure";
  }
  return "?";
}

// A name a plan's thresholds may use. Names are letters, digits, '_', '.' and '-', starting with
// a letter ("rows_written", "server.deadlocks").
struct MetricDeclaration {
  std::string name;
  MetricKind kind = MetricKind::kCounter;
};

// Whether `name` is a well-formed metric name (see MetricDeclaration).
bool is_metric_name(std::string_view name) noexcept;

struct CounterStats {
  std::string name;
  std::int64_t value = 0;
};

struct GaugeStats {
  std::string name;
  double last = 0;  // the value set last in the run (by completion time, across threads)
  double min = 0;
  double max = 0;
  std::int64_t sets = 0;  // how many times it was set; 0 never happens in a merged result
};

struct TrendStats {
  std::string name;
  Histogram values;  // microseconds
};

}  // namespace gauntlet
