#pragma once
// Leak detection as numbers: the least-squares slope of a process's RSS (MB per minute) and the
// drift of p99 latency (the median per-second p99 of the run's last third over its first third)
// and of the error rate (the last third's over the first's, as a difference). They become figures
// that thresholds name, within the threshold grammar:
//   rss_slope.<process> < 5        MB/min, e.g. "rss_slope.mock-ml-service<5"
//   p99_drift < 1.5                a ratio: 1 = no drift
//   error_rate_drift <= 0.01       a difference of shares: 0 = no drift
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/metrics/monitor_report.hpp"
#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {

// The slope of the least-squares line through (x, y); 0 with fewer than two points or when every
// x is the same. The spans must have the same size (the shorter one bounds the points).
double least_squares_slope(std::span<const double> x, std::span<const double> y) noexcept;

// The RSS slope of `process` in the monitor's series, MB per minute (0 with fewer than 2 samples).
double rss_slope_mb_per_min(std::span<const ResourceSample> series, std::string_view process);

// The median p99 of the seconds in the last third that completed anything, over that of the
// first third (medians: one stalled second is not a drift); nullopt with fewer than 3 such
// seconds or a first-third p99 of 0.
std::optional<double> p99_drift(std::span<const SeriesPoint> series);

// The error rate of the seconds in the last third that completed anything minus that of the
// first third (failed over completed, pooled over each third's seconds: a share, 0.05 = five
// points more errors at the end); nullopt with fewer than 3 such seconds.
std::optional<double> error_rate_drift(std::span<const SeriesPoint> series);

// "rss_slope.<name>" of every monitored process (MB/min) and, when measurable, "p99_drift" and
// "error_rate_drift".
std::vector<Figure> leak_figures(const MonitorReport& monitor, std::span<const SeriesPoint> series);

}  // namespace gauntlet
