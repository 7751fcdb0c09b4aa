#include "gauntlet/monitor/leak_metrics.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {
namespace {

TEST(LeakMetrics, LeastSquaresSlopeOfAKnownLine) {
  const std::vector<double> x{0, 1, 2, 3, 4};
  const std::vector<double> y{10, 12.1, 13.9, 16, 18};  // about 2 per unit
  EXPECT_NEAR(least_squares_slope(x, y), 1.99, 1e-9);
  EXPECT_EQ(least_squares_slope(std::vector<double>{1}, std::vector<double>{5}), 0);
  EXPECT_EQ(least_squares_slope(std::vector<double>{2, 2}, std::vector<double>{1, 9}), 0);
}

TEST(LeakMetrics, RssSlopeIsPerMinuteAndPerProcess) {
  std::vector<ResourceSample> series;
  for (int t = 0; t < 10; ++t) {
    series.push_back({static_cast<double>(t), "a", 0, 100 + 0.5 * t, 0, 0});  // 0.5 MB/s
    series.push_back({static_cast<double>(t), "b", 0, 50, 0, 0});
  }
  EXPECT_NEAR(rss_slope_mb_per_min(series, "a"), 30, 1e-9);
  EXPECT_NEAR(rss_slope_mb_per_min(series, "b"), 0, 1e-9);
  EXPECT_EQ(rss_slope_mb_per_min(series, "missing"), 0);
}

// A second of the series with only what p99_drift reads.
SeriesPoint second_of(std::int64_t second, std::int64_t completed, std::int64_t p99_us) {
  SeriesPoint p;
  p.second = second;
  p.completed = completed;
  p.p99_us = p99_us;
  return p;
}

TEST(LeakMetrics, P99DriftComparesTheLastThirdWithTheFirst) {
  std::vector<SeriesPoint> flat;
  std::vector<SeriesPoint> drifting;
  for (int s = 0; s < 9; ++s) {
    flat.push_back(second_of(s, 10, 1000));
    drifting.push_back(second_of(s, 10, 1000 + 500 * s));
  }
  drifting.push_back(second_of(9, 0, 0));  // an idle second: left out
  EXPECT_DOUBLE_EQ(p99_drift(flat).value_or(-1), 1.0);
  // first third 1000, 1500, 2000 (median 1500); last 4000, 4500, 5000 (median 4500)
  EXPECT_DOUBLE_EQ(p99_drift(drifting).value_or(-1), 3.0);
  // One stalled second in the last third is not a drift.
  flat[8].p99_us = 900'000;
  EXPECT_DOUBLE_EQ(p99_drift(flat).value_or(-1), 1.0);
  EXPECT_FALSE(p99_drift(std::vector<SeriesPoint>(2, second_of(0, 1, 5))));
}

// Errors rising at the end of a run: 15% of the last third failed against 5% of the first, a
// drift of 0.10, and the threshold error_rate_drift<=0.01 FAILs on it; a steady error rate, none
// or 5% throughout, is no drift.
TEST(LeakMetrics, ErrorRateDriftComparesTheLastThirdWithTheFirst) {
  std::vector<SeriesPoint> series;
  for (int s = 0; s < 9; ++s) series.push_back(second_of(s, 100, 1000));
  series.push_back(second_of(9, 0, 0));  // an idle second: left out
  EXPECT_DOUBLE_EQ(error_rate_drift(series).value_or(-1), 0.0);
  for (auto& p : series) p.failed = p.completed / 20;  // 5% throughout
  EXPECT_DOUBLE_EQ(error_rate_drift(series).value_or(-1), 0.0);
  for (int s = 6; s < 9; ++s) series[static_cast<std::size_t>(s)].failed = 15;  // 15% at the end
  EXPECT_NEAR(error_rate_drift(series).value_or(-1), 0.10, 1e-12);
  EXPECT_FALSE(error_rate_drift(std::vector<SeriesPoint>(2, second_of(0, 1, 5))));

  MonitorReport monitor;
  RunMetrics metrics;
  metrics.figures = leak_figures(monitor, series);
  const std::vector<MetricDeclaration> declared = {{"error_rate_drift", MetricKind::kFigure}};
  EXPECT_EQ(evaluate(parse_threshold("error_rate_drift<=0.01", declared), metrics, 10).verdict,
            Verdict::kFail);
}

}  // namespace
}  // namespace gauntlet
