#include "gauntlet/mocks/metrics_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistry, SameNameAndLabelsIsTheSameSeries) {
  MetricsRegistry m;
  m.counter("jobs_total", "Jobs.", {{"kind", "a"}}).inc();
  m.counter("jobs_total", "Jobs.", {{"kind", "a"}}).inc(2);
  m.counter("jobs_total", "Jobs.", {{"kind", "b"}}).inc();
  const std::string text = m.render();
  EXPECT_THAT(text, HasSubstr("# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"));
  EXPECT_THAT(text, HasSubstr("jobs_total{kind=\"a\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("jobs_total{kind=\"b\"} 1\n"));
}

TEST(MetricsRegistry, HistogramBucketsAreCumulative) {
  MetricsRegistry m;
  Histogram& h = m.histogram("lat_seconds", "Latency.", {}, {0.1, 1.0});
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.5);
  h.observe(7);
  const std::string text = m.render();
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count 4\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum 7.6"));
}

TEST(MetricsRegistry, CallbackGaugesAreReadAtRenderAndLabelsEscaped) {
  MetricsRegistry m;
  double depth = 3;
  m.gauge_callback("queue_depth", "Waiting.", {{"queue", "a\"b\\c\nd"}}, [&] { return depth; });
  depth = 5;
  EXPECT_THAT(m.render(), HasSubstr("queue_depth{queue=\"a\\\"b\\\\c\\nd\"} 5\n"));
}

TEST(MetricsRegistry, RejectsBadNamesAndTypeClashes) {
  MetricsRegistry m;
  EXPECT_THROW(m.counter("9bad", "x"), ConfigError);
  EXPECT_THROW(m.counter("ok", "x", {{"__reserved", "v"}}), ConfigError);
  m.counter("thing", "x");
  EXPECT_THROW(m.gauge("thing", "x"), ConfigError);
}

}  // namespace
}  // namespace gauntlet::mocks
