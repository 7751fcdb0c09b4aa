#include "gauntlet/report/result_merge.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {
namespace {

constexpr std::size_t kMaxSamples = 10;  // messages per error class, examples per figure

std::string which(std::size_t i, const RunResult& r) {
  return "input " + std::to_string(i + 1) + " (" + r.name + ")";
}

void merge_samples(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const std::string& s : from) {
    if (into.size() >= kMaxSamples) return;
    if (std::find(into.begin(), into.end(), s) == into.end()) into.push_back(s);
  }
}

void merge_step(StepStats& into, const StepStats& from) {
  into.latency.merge(from.latency);
  into.ok += from.ok;
  into.failed += from.failed;
  for (std::size_t c = 0; c < kErrorClassCount; ++c) {
    into.errors[c].count += from.errors[c].count;
    merge_samples(into.errors[c].samples, from.errors[c].samples);
  }
}

// Whether a figure of each input adds up to the merged run's: a count ("lost", "accepted") does;
// a slope, a ratio or a difference of rates of one run's own shape (the monitor's leak figures:
// rss_slope.<process>, p99_drift, error_rate_drift) does not, and the merged run keeps the
// largest, an upper bound.
bool is_additive(std::string_view figure) {
  return !figure.starts_with("rss_slope.") && figure != "p99_drift" && figure != "error_rate_drift";
}

// The entry named `name` in `list`, nullptr when there is none.
template <class T>
T* find_named(std::vector<T>& list, const std::string& name) {
  const auto it =
      std::find_if(list.begin(), list.end(), [&](const T& item) { return item.name == name; });
  return it == list.end() ? nullptr : &*it;
}

void merge_point(SeriesPoint& into, const SeriesPoint& from) {
  into.completed += from.completed;
  into.failed += from.failed;
  into.dropped += from.dropped;
  into.rps += from.rps;
  into.active_vus += from.active_vus;
  if (into.latency && from.latency) {
    into.latency->merge(*from.latency);
  } else {
    into.latency.reset();  // one input without a histogram: the figures are an upper bound
  }
  if (into.latency) {
    into.p50_us = into.latency->value_at_percentile(50);
    into.p95_us = into.latency->value_at_percentile(95);
    into.p99_us = into.latency->value_at_percentile(99);
  } else {
    into.p50_us = std::max(into.p50_us, from.p50_us);
    into.p95_us = std::max(into.p95_us, from.p95_us);
    into.p99_us = std::max(into.p99_us, from.p99_us);
  }
}

// Adds `from`'s series, shifted by `offset` seconds, into `series` (kept contiguous from 0).
void merge_series(std::vector<SeriesPoint>& series, const std::vector<SeriesPoint>& from,
                  std::int64_t offset) {
  for (const SeriesPoint& p : from) {
    const std::int64_t s = p.second + offset;
    while (static_cast<std::int64_t>(series.size()) <= s) {
      SeriesPoint empty;
      empty.second = static_cast<std::int64_t>(series.size());
      empty.latency.emplace(kSeriesLatencyLayout);
      series.push_back(std::move(empty));
    }
    merge_point(series[static_cast<std::size_t>(s)], p);
  }
}

void merge_custom(RunMetrics& into, const RunMetrics& from) {
  for (const CounterStats& c : from.counters) {
    if (CounterStats* mine = find_named(into.counters, c.name)) {
      mine->value += c.value;
    } else {
      into.counters.push_back(c);
    }
  }
  for (const GaugeStats& g : from.gauges) {
    if (GaugeStats* mine = find_named(into.gauges, g.name)) {
      mine->min = std::min(mine->min, g.min);
      mine->max = std::max(mine->max, g.max);
      mine->last = g.last;
      mine->sets += g.sets;
    } else {
      into.gauges.push_back(g);
    }
  }
  for (const TrendStats& t : from.trends) {
    if (TrendStats* mine = find_named(into.trends, t.name)) {
      mine->values.merge(t.values);
    } else {
      into.trends.push_back(t);
    }
  }
  for (const Figure& f : from.figures) {
    if (Figure* mine = find_named(into.figures, f.name)) {
      mine->value = is_additive(f.name) ? mine->value + f.value : std::max(mine->value, f.value);
      for (const std::string& e : f.examples) {
        if (mine->examples.size() < kMaxSamples) mine->examples.push_back(e);
      }
    } else {
      into.figures.push_back(f);
    }
  }
}

void merge_metrics(RunMetrics& into, const RunMetrics& from) {
  merge_step(into.iteration, from.iteration);
  for (const StepStats& s : from.steps) {
    if (StepStats* mine = find_named(into.steps, s.name)) {
      merge_step(*mine, s);
    } else {
      into.steps.push_back(s);
    }
  }
  into.dropped += from.dropped;
  merge_custom(into, from);
}

void check_inputs(std::span<const RunResult> inputs) {
  if (inputs.empty()) throw std::invalid_argument("nothing to merge: no results were given");
  const RunResult& first = inputs.front();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const RunResult& r = inputs[i];
    if (r.name != first.name) {
      throw std::invalid_argument(which(i, r) + " is another test than " + which(0, first) +
                                  ": only results of the same test merge");
    }
    if (r.scale != first.scale) {
      throw std::invalid_argument(which(i, r) + " ran at scale \"" + r.scale + "\", " +
                                  which(0, first) + " at \"" + first.scale +
                                  "\": only results of the same scale merge");
    }
    if (r.metrics.iteration.latency.layout() != first.metrics.iteration.latency.layout()) {
      throw std::invalid_argument(which(i, r) + " has another histogram layout than " +
                                  which(0, first));
    }
  }
}

// The first input's thresholds, parsed again and judged on the merged metrics.
std::vector<ThresholdOutcome> reevaluate(const RunResult& first, const RunResult& merged) {
  std::vector<MetricDeclaration> declared;
  for (const CounterStats& c : merged.metrics.counters)
    declared.push_back({c.name, MetricKind::kCounter});
  for (const GaugeStats& g : merged.metrics.gauges)
    declared.push_back({g.name, MetricKind::kGauge});
  for (const Figure& f : merged.metrics.figures) declared.push_back({f.name, MetricKind::kFigure});
  std::vector<ThresholdOutcome> out;
  for (const ThresholdOutcome& t : first.thresholds) {
    try {
      out.push_back(
          evaluate(parse_threshold(t.expression, declared), merged.metrics, merged.duration_s));
    } catch (const std::exception& e) {
      throw std::invalid_argument(which(0, first) + ": its threshold \"" + t.expression +
                                  "\" cannot be judged again: " + e.what());
    }
  }
  return out;
}

}  // namespace

RunResult merge_results(std::span<const RunResult> inputs) {
  check_inputs(inputs);
  const RunResult& first = inputs.front();
  RunResult out;
  out.name = first.name;
  out.scale = first.scale;
  out.plan = first.plan;
  out.extra = first.extra;
  out.extra["merged_from"] = inputs.size();
  out.started_at = first.started_at;
  out.ended_at = first.ended_at;
  for (const RunResult& r : inputs) {
    out.started_at = std::min(out.started_at, r.started_at);
    out.ended_at = std::max(out.ended_at, r.ended_at);
  }
  out.metrics.iteration =
      StepStats{"iteration", Histogram(first.metrics.iteration.latency.layout()), 0, 0, {}};
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const RunResult& r = inputs[i];
    merge_metrics(out.metrics, r.metrics);
    const auto offset = std::chrono::duration<double>(r.started_at - out.started_at).count();
    merge_series(out.metrics.series, r.metrics.series, std::llround(offset));
    out.duration_s = std::max(out.duration_s, r.duration_s);
    out.requested_rate_per_s += r.requested_rate_per_s;
    out.achieved_rate_per_s += r.achieved_rate_per_s;
    if (r.incomplete) {
      out.incomplete = true;
      out.stop_reason += (out.stop_reason.empty() ? "" : "; ") + which(i, r) + ": " + r.stop_reason;
    }
  }
  out.thresholds = reevaluate(first, out);
  return out;
}

}  // namespace gauntlet
