#include "gauntlet/monitor/leak_metrics.hpp"

#include <algorithm>

namespace gauntlet {

double least_squares_slope(std::span<const double> x, std::span<const double> y) noexcept {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mean_x = 0;
  double mean_y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxy = 0;
  double sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
  }
  return sxx == 0 ? 0 : sxy / sxx;
}

double rss_slope_mb_per_min(std::span<const ResourceSample> series, std::string_view process) {
  std::vector<double> t;
  std::vector<double> rss;
  for (const ResourceSample& s : series) {
    if (s.process != process) continue;
    t.push_back(s.t_s);
    rss.push_back(s.rss_mb);
  }
  return least_squares_slope(t, rss) * 60.0;
}

namespace {

// The first and the last third of the seconds that completed anything (a drift compares work
// done, not idle seconds); none with fewer than 3 such seconds. Pointers into the series: a
// second holds its latency histogram, which a drift does not need copied.
struct Thirds {
  std::vector<const SeriesPoint*> first;
  std::vector<const SeriesPoint*> last;
};
std::optional<Thirds> busy_thirds(std::span<const SeriesPoint> series) {
  std::vector<const SeriesPoint*> busy;
  for (const SeriesPoint& p : series) {
    if (p.completed > 0) busy.push_back(&p);
  }
  if (busy.size() < 3) return std::nullopt;
  const auto third = static_cast<std::ptrdiff_t>(busy.size() / 3);
  return Thirds{{busy.begin(), busy.begin() + third}, {busy.end() - third, busy.end()}};
}

}  // namespace

std::optional<double> p99_drift(std::span<const SeriesPoint> series) {
  const auto thirds = busy_thirds(series);
  if (!thirds) return std::nullopt;
  // The median of each third: a drift is a trend, and one stalled second must not make one.
  const auto median = [](const std::vector<const SeriesPoint*>& seconds) {
    std::vector<double> v;
    for (const SeriesPoint* p : seconds) v.push_back(static_cast<double>(p->p99_us));
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  };
  const double first = median(thirds->first);
  if (first <= 0) return std::nullopt;
  return median(thirds->last) / first;
}

std::optional<double> error_rate_drift(std::span<const SeriesPoint> series) {
  const auto thirds = busy_thirds(series);
  if (!thirds) return std::nullopt;
  // Pooled over each third's seconds: failed over completed (never 0: the seconds are busy).
  const auto rate = [](const std::vector<const SeriesPoint*>& seconds) {
    double failed = 0;
    double completed = 0;
    for (const SeriesPoint* p : seconds) {
      failed += static_cast<double>(p->failed);
      completed += static_cast<double>(p->completed);
    }
    return failed / completed;
  };
  return rate(thirds->last) - rate(thirds->first);
}

std::vector<Figure> leak_figures(const MonitorReport& monitor,
                                 std::span<const SeriesPoint> series) {
  std::vector<Figure> out;
  for (const ProcessPeaks& p : monitor.processes) {
    out.push_back({"rss_slope." + p.name, p.rss_slope_mb_per_min, {}});
  }
  if (const auto drift = p99_drift(series)) out.push_back({"p99_drift", *drift, {}});
  if (const auto drift = error_rate_drift(series)) {
    out.push_back({"error_rate_drift", *drift, {}});
  }
  return out;
}

}  // namespace gauntlet
