#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {
namespace {

template <class T>
const T* find_named(const std::vector<T>& list, std::string_view name) noexcept {
  for (const T& item : list) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace

const StepStats* RunMetrics::find(std::string_view step) const noexcept {
  if (step == iteration.name) return &iteration;
  return find_named(steps, step);
}

const CounterStats* RunMetrics::find_counter(std::string_view name) const noexcept {
  return find_named(counters, name);
}

const GaugeStats* RunMetrics::find_gauge(std::string_view name) const noexcept {
  return find_named(gauges, name);
}

const TrendStats* RunMetrics::find_trend(std::string_view name) const noexcept {
  return find_named(trends, name);
}

const Figure* RunMetrics::find_figure(std::string_view name) const noexcept {
  return find_named(figures, name);
}

}  // namespace gauntlet
